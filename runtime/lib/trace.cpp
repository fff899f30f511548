//===- trace.cpp - Spans, propagation and OTLP/JSON export ----------------===//
//
// The hot part is the INTERNAL span of a fused call: with tracing off the
// glue reads tracing_flag and does nothing else; with tracing on a call
// costs two wall-clock reads, a span id and a buffered record (no
// allocation). Reading the thread CPU clock is a system call (~0.3 us), so
// it is only done for tasks whose previous call on this thread took longer
// than cpu_threshold_ns; shorter calls report their wall duration as
// fusion.cpu_ns and say so with fusion.cpu_estimated.
//
//===----------------------------------------------------------------------===//
#include "trace.h"

#include <fusionize/detail/runtime_api.h>

#include <httplib.h>

#include <fcntl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cerrno>
#include <climits>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

namespace fusionize::detail {

std::atomic<bool> tracing_flag{false};

namespace {

// --- Clocks and ids --------------------------------------------------------------

inline std::uint64_t wall_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

inline std::uint64_t cpu_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

thread_local std::uint64_t t_rng = 0;

[[gnu::noinline]] void seed_rng() noexcept {
  std::uint64_t seed = 0;
  if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != sizeof seed)
    seed = wall_ns() ^ (reinterpret_cast<std::uintptr_t>(&t_rng) << 17) ^
           std::uint64_t(::getpid()) << 32;
  t_rng = seed | 1;
}

// splitmix64: fast, and every output is equally likely.
inline std::uint64_t next_random() noexcept {
  if (__builtin_expect(t_rng == 0, 0))
    seed_rng();
  std::uint64_t z = (t_rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::string span_hex(std::uint64_t id) {
  std::uint8_t bytes[8];
  for (int i = 0; i < 8; ++i)
    bytes[i] = std::uint8_t(id >> (56 - 8 * i));
  return to_hex(bytes, 8);
}

bool parse_span_hex(std::string_view text, std::uint64_t &out) {
  std::uint8_t bytes[8];
  if (!from_hex(text, bytes, 8))
    return false;
  out = 0;
  for (std::uint8_t b : bytes)
    out = out << 8 | b;
  return true;
}

// --- The buffered spans ------------------------------------------------------------

/// A finished fused call, kept compact (and trivially copyable) until export.
struct local_record {
  const task_info *task;
  const char *caller;
  trace_id trace;
  std::uint64_t span, parent;
  std::uint64_t start_ns, end_ns, cpu_ns;
  bool sync, failed, cpu_measured;
  exception_description *error; // owned; rare (report_async_failure)
};

/// The fused-call spans of one thread. The owning thread appends under a
/// spin lock that only the exporter ever contends for, briefly.
struct thread_buffer {
  std::atomic<bool> busy{false};
  std::vector<local_record> records;
  std::size_t dropped = 0;

  void lock() noexcept {
    while (busy.exchange(true, std::memory_order_acquire))
      while (busy.load(std::memory_order_relaxed))
        std::this_thread::yield();
  }
  void unlock() noexcept { busy.store(false, std::memory_order_release); }
};

struct tracer_state {
  std::mutex mu; // span records, thread buffer list, configuration
  trace_config cfg;
  std::vector<span_record> spans;
  std::vector<thread_buffer *> buffers;
  std::vector<local_record> orphans; // from threads that have exited
  std::size_t dropped = 0;

  std::mutex export_mu; // one export at a time; owns the sinks
  int fd = -1;
  std::unique_ptr<httplib::Client> otlp;
  std::string otlp_path;
  bool otlp_failing = false;

  std::condition_variable cv; // the exporter thread
  bool flush_requested = false;
  bool exporter_started = false;
};

// Never destroyed: spans may be recorded and flushed during exit.
tracer_state &tracer() {
  static tracer_state *t = new tracer_state;
  return *t;
}

// Read on the hot path: constant-initialized, no guard.
std::atomic<int> g_sampler{int(sampler_kind::always_on)};
std::atomic<std::uint64_t> g_ratio_bound{~std::uint64_t(0)};
std::atomic<std::uint64_t> g_cpu_threshold{50000};
std::atomic<std::size_t> g_max_buffered{65536};
std::atomic<std::size_t> g_batch{4096};

thread_local thread_buffer *t_buffer = nullptr;

/// Hands a thread's leftover spans to the tracer when the thread exits.
struct buffer_owner {
  thread_buffer *buffer = nullptr;
  ~buffer_owner() {
    if (!buffer)
      return;
    tracer_state &t = tracer();
    std::lock_guard<std::mutex> lock(t.mu);
    buffer->lock();
    t.orphans.insert(t.orphans.end(), buffer->records.begin(), buffer->records.end());
    t.dropped += buffer->dropped;
    buffer->unlock();
    t.buffers.erase(std::find(t.buffers.begin(), t.buffers.end(), buffer));
    delete buffer;
    t_buffer = nullptr;
  }
};
thread_local buffer_owner t_buffer_owner;

[[gnu::noinline]] thread_buffer *new_thread_buffer() noexcept {
  try {
    auto *b = new thread_buffer;
    tracer_state &t = tracer();
    std::lock_guard<std::mutex> lock(t.mu);
    t.buffers.push_back(b);
    t_buffer_owner.buffer = b; // registers the owner's destructor
    t_buffer = b;
    return b;
  } catch (...) {
    return nullptr;
  }
}

void push_local(const local_record &rec) noexcept {
  thread_buffer *b = t_buffer ? t_buffer : new_thread_buffer();
  if (!b) {
    delete rec.error;
    return;
  }
  b->lock();
  std::size_t n = b->records.size();
  bool stored = false;
  if (n < g_max_buffered.load(std::memory_order_relaxed)) {
    try {
      b->records.push_back(rec);
      stored = true;
    } catch (...) {
    }
  }
  if (!stored)
    ++b->dropped;
  b->unlock();
  if (!stored)
    delete rec.error;
  else if (n + 1 == g_batch.load(std::memory_order_relaxed))
    request_flush();
}

// --- OTLP/JSON, written directly ---------------------------------------------------------

/// Appends JSON text; strings are escaped and invalid UTF-8 is replaced by
/// U+FFFD, so the output always parses.
class json_out {
public:
  std::string text;

  json_out &raw(std::string_view s) {
    text.append(s);
    return *this;
  }
  json_out &str(std::string_view s) {
    text.push_back('"');
    for (std::size_t i = 0; i < s.size();) {
      auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        text.push_back(char(c));
        ++i;
        continue;
      }
      if (c == '"' || c == '\\') {
        text.push_back('\\');
        text.push_back(char(c));
        ++i;
        continue;
      }
      if (c < 0x20) {
        static const char hex[] = "0123456789abcdef";
        switch (c) {
        case '\n': text.append("\\n"); break;
        case '\r': text.append("\\r"); break;
        case '\t': text.append("\\t"); break;
        case '\b': text.append("\\b"); break;
        case '\f': text.append("\\f"); break;
        default:
          text.append("\\u00");
          text.push_back(hex[c >> 4]);
          text.push_back(hex[c & 15]);
        }
        ++i;
        continue;
      }
      std::size_t len = utf8_length(s, i);
      if (len == 0) {
        text.append("\xef\xbf\xbd");
        ++i;
      } else {
        text.append(s.substr(i, len));
        i += len;
      }
    }
    text.push_back('"');
    return *this;
  }
  json_out &num(std::uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    text.append(buf, r.ptr);
    return *this;
  }
  /// A decimal string, as OTLP/JSON writes 64-bit integers and times.
  json_out &num_str(std::int64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    text.push_back('"');
    text.append(buf, r.ptr);
    text.push_back('"');
    return *this;
  }
  json_out &hex(const std::uint8_t *data, std::size_t n) {
    static const char digits[] = "0123456789abcdef";
    text.push_back('"');
    for (std::size_t i = 0; i < n; ++i) {
      text.push_back(digits[data[i] >> 4]);
      text.push_back(digits[data[i] & 15]);
    }
    text.push_back('"');
    return *this;
  }
  json_out &span_id(std::uint64_t id) {
    std::uint8_t bytes[8];
    for (int i = 0; i < 8; ++i)
      bytes[i] = std::uint8_t(id >> (56 - 8 * i));
    return hex(bytes, 8);
  }

  // {"key":"k","value":{"stringValue":"v"}}
  json_out &attr(std::string_view key, std::string_view value) {
    raw("{\"key\":").str(key).raw(",\"value\":{\"stringValue\":").str(value);
    return raw("}}");
  }
  json_out &attr(std::string_view key, std::int64_t value) {
    raw("{\"key\":").str(key).raw(",\"value\":{\"intValue\":").num_str(value);
    return raw("}}");
  }
  json_out &attr(std::string_view key, bool value) {
    raw("{\"key\":").str(key).raw(",\"value\":{\"boolValue\":");
    return raw(value ? "true}}" : "false}}");
  }
  json_out &attr(std::string_view key, double value) {
    raw("{\"key\":").str(key).raw(",\"value\":{\"doubleValue\":");
    if (std::isfinite(value)) {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, value);
      text.append(buf, r.ptr);
    } else {
      str(std::isnan(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
    }
    return raw("}}");
  }
  json_out &attr(const span_attribute &a) {
    std::visit([&](const auto &v) {
      using V = std::decay_t<decltype(v)>;
      if constexpr (std::is_same_v<V, std::string>)
        attr(a.key, std::string_view(v));
      else
        attr(a.key, v);
    }, a.value);
    return *this;
  }

private:
  /// The length of the valid UTF-8 sequence at s[i], or 0.
  static std::size_t utf8_length(std::string_view s, std::size_t i) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (len == 0 || i + len > s.size())
      return 0;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80)
        return 0;
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) ||
        (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f))
      return 0; // overlong, surrogate or beyond U+10FFFF
    return len;
  }
};

void span_common(json_out &out, const trace_id &trace, std::uint64_t span,
                 std::uint64_t parent, std::string_view name, span_kind kind,
                 std::uint64_t start_ns, std::uint64_t end_ns) {
  out.raw("{\"traceId\":").hex(trace.data(), trace.size());
  out.raw(",\"spanId\":").span_id(span);
  if (parent)
    out.raw(",\"parentSpanId\":").span_id(parent);
  out.raw(",\"name\":").str(name);
  out.raw(",\"kind\":").num(std::uint64_t(kind));
  out.raw(",\"startTimeUnixNano\":").num_str(std::int64_t(start_ns));
  out.raw(",\"endTimeUnixNano\":").num_str(std::int64_t(end_ns));
}

void write_span(json_out &out, const span_record &s) {
  span_common(out, s.trace, s.span, s.parent, s.name, s.kind, s.start_ns, s.end_ns);
  out.raw(",\"attributes\":[");
  for (std::size_t i = 0; i < s.attributes.size(); ++i) {
    if (i)
      out.raw(",");
    out.attr(s.attributes[i]);
  }
  out.raw("]");
  if (s.error)
    out.raw(",\"status\":{\"code\":2,\"message\":").str(s.status_message).raw("}");
  out.raw("}");
}

void write_local(json_out &out, const local_record &r, const std::string &group) {
  std::string_view task = r.task->name;
  char name[80];
  std::size_t len = std::min<std::size_t>(task.size(), sizeof name - 6);
  std::memcpy(name, "local ", 6);
  std::memcpy(name + 6, task.data(), len);
  span_common(out, r.trace, r.span, r.parent, std::string_view(name, 6 + len),
              span_kind::internal, r.start_ns, r.end_ns);
  out.raw(",\"attributes\":[").attr("fusion.task", task);
  if (r.caller)
    out.raw(",").attr("fusion.caller", std::string_view(r.caller));
  out.raw(",").attr("fusion.group", std::string_view(group));
  out.raw(",").attr("fusion.sync", r.sync);
  out.raw(",").attr("fusion.cpu_ns", std::int64_t(r.cpu_ns));
  if (!r.cpu_measured)
    out.raw(",").attr("fusion.cpu_estimated", true);
  if (r.error) {
    out.raw(",").attr("exception.type", std::string_view(r.error->type));
    out.raw(",").attr("exception.message", std::string_view(r.error->message));
  }
  out.raw("]");
  if (r.error)
    out.raw(",\"status\":{\"code\":2,\"message\":")
        .str(r.error->type + ": " + r.error->message)
        .raw("}");
  else if (r.failed)
    out.raw(",\"status\":{\"code\":2,\"message\":\"an exception left the task\"}");
  out.raw("}");
}

/// {"resourceSpans":[{"resource":{...},"scopeSpans":[{"scope":...,"spans":[
void open_document(json_out &out, const std::vector<span_attribute> &resource) {
  out.raw("{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
  for (std::size_t i = 0; i < resource.size(); ++i) {
    if (i)
      out.raw(",");
    out.attr(resource[i]);
  }
  out.raw("]},\"scopeSpans\":[{\"scope\":{\"name\":\"fusionize\",\"version\":"
          "\"0.1.0\"},\"spans\":[");
}

void close_document(json_out &out) { out.raw("]}]}]}"); }

// --- Fused calls: frames on a per-thread stack ---------------------------------------

struct local_frame {
  span_context prev;
  const char *prev_task;
  void *prev_open;
  const task_info *task;
  trace_id trace;
  std::uint64_t span, parent;
  std::uint64_t start_ns, cpu_start;
  bool sync, measure_cpu, heap;
  exception_description *error;
};

constexpr unsigned kFrames = 32;
thread_local local_frame t_frames[kFrames];

/// Per thread and task (direct-mapped by address): was its last call long
/// enough that reading the CPU clock is worth it?
struct cpu_hint {
  const task_info *task;
  bool measure;
};
thread_local cpu_hint t_cpu_hints[64];

inline cpu_hint &hint_for(const task_info *task) noexcept {
  return t_cpu_hints[(reinterpret_cast<std::uintptr_t>(task) >> 4) & 63];
}

void write_all(int fd, const std::string &text) {
  const char *p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    p += n;
    left -= std::size_t(n);
  }
}

/// Sends one document to every sink. Called with export_mu held.
void export_document(tracer_state &t, const trace_config &cfg,
                     const std::string &doc) {
  std::string line = doc + "\n";
  if (t.fd >= 0)
    write_all(t.fd, line); // one write: lines of concurrent processes stay whole
  if (cfg.to_stdout)
    write_all(1, line);
  if (t.otlp) {
    auto res = t.otlp->Post(t.otlp_path, doc, "application/json");
    bool ok = res && res->status >= 200 && res->status < 300;
    if (!ok && !t.otlp_failing)
      log_line("cannot export traces to " + cfg.otlp_endpoint + ": " +
               (res ? "HTTP " + std::to_string(res->status)
                    : httplib::to_string(res.error())) +
               " (further failures are not logged until it recovers)");
    t.otlp_failing = !ok;
  }
}

void exporter_loop() {
  tracer_state &t = tracer();
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(t.mu);
      t.cv.wait(lock, [&] { return t.flush_requested; });
      t.flush_requested = false;
    }
    flush_traces();
  }
}

void flush_at_exit() { flush_traces(); }

std::string executable_name() {
  char path[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0)
    return "fusionize";
  std::string p(path, std::size_t(n));
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// Tracing is configured from the environment when the runtime is loaded,
// before main() and before any invocation.
const bool configured_from_env = [] {
  configure_tracing(trace_config::from_env());
  return true;
}();

} // namespace

// --- span_builder ------------------------------------------------------------------

span_builder::span_builder(std::string name, span_kind kind,
                           const span_context &parent, bool measure_cpu) {
  bool joined = parent.has_trace();
  ctx_.trace = joined ? parent.trace : new_trace_id();
  ctx_.sampled = joined && parent.decided ? parent.sampled : sample_root(ctx_.trace);
  ctx_.decided = true;
  ctx_.span = new_span_id();
  recording_ = ctx_.sampled && tracing_enabled();
  if (!recording_)
    return;
  rec_.trace = ctx_.trace;
  rec_.span = ctx_.span;
  rec_.parent = joined ? parent.span : 0;
  rec_.name = std::move(name);
  rec_.kind = kind;
  measure_cpu_ = measure_cpu;
  rec_.start_ns = wall_ns();
  if (measure_cpu)
    cpu_start_ = cpu_ns();
}

span_builder::~span_builder() { end(); }

void span_builder::set(std::string key, attribute_value value) {
  if (recording_ && !ended_)
    rec_.attributes.push_back({std::move(key), std::move(value)});
}

void span_builder::fail(const std::string &type, const std::string &message) {
  if (!recording_ || ended_)
    return;
  rec_.error = true;
  rec_.status_message = type + ": " + message;
  set("exception.type", type);
  set("exception.message", message);
}

void span_builder::end() {
  if (!recording_ || ended_)
    return;
  if (measure_cpu_)
    rec_.attributes.push_back(
        {"fusion.cpu_ns", std::int64_t(cpu_ns() - cpu_start_)});
  rec_.end_ns = wall_ns();
  ended_ = true;
  record_span(std::move(rec_));
}

// --- Configuration -----------------------------------------------------------------

trace_config trace_config::from_env() {
  trace_config c;
  c.file = env_or("FUSIONIZE_TRACE_FILE", "");
  std::string mode = env_or("FUSIONIZE_TRACE", "");
  if (mode == "stdout")
    c.to_stdout = true;
  else if (!mode.empty() && mode != "off" && mode != "file")
    log_line("FUSIONIZE_TRACE='" + mode +
             "' is not known (use stdout, or FUSIONIZE_TRACE_FILE=path)");
  c.otlp_endpoint = env_or("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "");
  if (c.otlp_endpoint.empty()) {
    std::string base = env_or("OTEL_EXPORTER_OTLP_ENDPOINT", "");
    if (!base.empty())
      c.otlp_endpoint =
          (base.back() == '/' ? base.substr(0, base.size() - 1) : base) +
          "/v1/traces";
  }
  if (mode == "off" || env_or("OTEL_SDK_DISABLED", "") == "true") {
    c.file.clear();
    c.to_stdout = false;
    c.otlp_endpoint.clear();
  }

  std::string sampler = env_or("OTEL_TRACES_SAMPLER", "parentbased_always_on");
  if (sampler.rfind("parentbased_", 0) == 0)
    sampler = sampler.substr(12); // every sampler here is parent-based
  if (sampler == "always_on")
    c.sampler = sampler_kind::always_on;
  else if (sampler == "always_off")
    c.sampler = sampler_kind::always_off;
  else if (sampler == "traceidratio")
    c.sampler = sampler_kind::ratio;
  else
    log_line("OTEL_TRACES_SAMPLER='" + sampler +
             "' is not supported; using parentbased_always_on");
  if (c.sampler == sampler_kind::ratio) {
    std::string arg = env_or("OTEL_TRACES_SAMPLER_ARG", "1");
    char *end = nullptr;
    double r = std::strtod(arg.c_str(), &end);
    if (end == arg.c_str() || *end || !(r >= 0.0 && r <= 1.0)) {
      log_line("OTEL_TRACES_SAMPLER_ARG='" + arg +
               "' is not a ratio in [0, 1]; using 1");
      r = 1.0;
    }
    c.ratio = r;
  }
  c.cpu_threshold_ns =
      std::uint64_t(std::max<std::int64_t>(
          0, env_int("FUSIONIZE_TRACE_CPU_THRESHOLD_US", 50))) *
      1000u;
  c.max_buffered = std::size_t(
      std::max<std::int64_t>(1, env_int("FUSIONIZE_TRACE_MAX_SPANS", 65536)));
  c.batch = std::min<std::size_t>(4096, std::max<std::size_t>(1, c.max_buffered / 2));

  // The resource: who emitted these spans.
  std::string group = group_name();
  std::string function = env_or("AWS_LAMBDA_FUNCTION_NAME", "");
  std::string service =
      env_or("OTEL_SERVICE_NAME",
             !function.empty() ? function : env_or("_HANDLER", group));
  std::string instance = env_or("AWS_LAMBDA_LOG_STREAM_NAME", "");
  if (instance.empty())
    instance = span_hex(next_random());
  bool on_aws = !env("FUSIONIZE_ENDPOINT") && env("AWS_LAMBDA_RUNTIME_API");
  auto &r = c.resource;
  r.push_back({"service.name", service});
  r.push_back({"faas.name", function.empty() ? service : function});
  r.push_back({"faas.instance", instance});
  if (std::int64_t mb = env_int("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 0); mb > 0)
    r.push_back({"faas.max_memory", mb * 1024 * 1024});
  r.push_back({"fusion.group", group});
  r.push_back({"cloud.provider", env_or("FUSIONIZE_CLOUD_PROVIDER",
                                        on_aws ? "aws" : "fusionize")});
  r.push_back({"process.pid", std::int64_t(::getpid())});
  r.push_back({"telemetry.sdk.name", std::string("fusionize")});
  r.push_back({"telemetry.sdk.language", std::string("cpp")});
  // OTEL_RESOURCE_ATTRIBUTES=k=v,k=v adds or overrides (values as strings).
  std::string extra = env_or("OTEL_RESOURCE_ATTRIBUTES", "");
  std::size_t pos = 0;
  while (pos < extra.size()) {
    std::size_t comma = extra.find(',', pos);
    std::string item = extra.substr(pos, comma == std::string::npos
                                             ? std::string::npos
                                             : comma - pos);
    pos = comma == std::string::npos ? extra.size() : comma + 1;
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      continue;
    std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    bool replaced = false;
    for (auto &a : r)
      if (a.key == key) {
        a.value = value;
        replaced = true;
      }
    if (!replaced)
      r.push_back({key, value});
  }
  return c;
}

const std::string &group_name() {
  static const std::string *name =
      new std::string(env_or("FUSIONIZE_GROUP", executable_name()));
  return *name;
}

void configure_tracing(trace_config config) {
  tracer_state &t = tracer();
  flush_traces();
  std::lock_guard<std::mutex> export_lock(t.export_mu);
  if (t.fd >= 0) {
    ::close(t.fd);
    t.fd = -1;
  }
  t.otlp.reset();
  if (!config.file.empty()) {
    t.fd = ::open(config.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                  0644);
    if (t.fd < 0)
      log_line("cannot open FUSIONIZE_TRACE_FILE '" + config.file +
               "': " + std::strerror(errno) + "; not writing traces there");
  }
  if (!config.otlp_endpoint.empty()) {
    // scheme://host[:port][/path]
    const std::string &url = config.otlp_endpoint;
    auto scheme_end = url.find("://");
    auto path_start =
        url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
    std::string base = path_start == std::string::npos ? url : url.substr(0, path_start);
    t.otlp_path = path_start == std::string::npos ? "/v1/traces" : url.substr(path_start);
    t.otlp = std::make_unique<httplib::Client>(base);
    if (!t.otlp->is_valid()) {
      log_line("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT='" + url +
               "' is not a usable URL; not exporting there");
      t.otlp.reset();
    } else {
      t.otlp->set_keep_alive(true);
      t.otlp->set_tcp_nodelay(true);
      t.otlp->set_connection_timeout(2, 0);
      t.otlp->set_read_timeout(5, 0);
      t.otlp->set_write_timeout(5, 0);
    }
  }
  bool exporting = t.fd >= 0 || config.to_stdout || t.otlp;
  {
    std::lock_guard<std::mutex> lock(t.mu);
    g_sampler.store(int(config.sampler), std::memory_order_relaxed);
    std::uint64_t bound = ~std::uint64_t(0);
    if (config.sampler == sampler_kind::ratio && config.ratio < 1.0)
      bound = std::uint64_t(std::ldexp(config.ratio, 64));
    g_ratio_bound.store(bound, std::memory_order_relaxed);
    g_cpu_threshold.store(config.cpu_threshold_ns, std::memory_order_relaxed);
    g_max_buffered.store(config.max_buffered, std::memory_order_relaxed);
    g_batch.store(config.batch, std::memory_order_relaxed);
    t.cfg = std::move(config);
  }
  static std::once_flag at_exit;
  std::call_once(at_exit, [] { std::atexit(flush_at_exit); });
  tracing_flag.store(exporting, std::memory_order_relaxed);
}

bool sample_root(const trace_id &trace) noexcept {
  switch (sampler_kind(g_sampler.load(std::memory_order_relaxed))) {
  case sampler_kind::always_on:
    return true;
  case sampler_kind::always_off:
    return false;
  case sampler_kind::ratio: {
    std::uint64_t bound = g_ratio_bound.load(std::memory_order_relaxed);
    if (bound == ~std::uint64_t(0))
      return true;
    // The trace id's random low half decides, as OpenTelemetry's
    // TraceIdRatioBased does, so every process agrees on a trace.
    std::uint64_t low = 0;
    for (int i = 8; i < 16; ++i)
      low = low << 8 | trace[std::size_t(i)];
    return low < bound;
  }
  }
  return true;
}

trace_id new_trace_id() noexcept {
  trace_id id;
  std::uint64_t hi = next_random(), lo = next_random();
  if (!hi && !lo)
    lo = 1;
  for (int i = 0; i < 8; ++i) {
    id[std::size_t(i)] = std::uint8_t(hi >> (56 - 8 * i));
    id[std::size_t(8 + i)] = std::uint8_t(lo >> (56 - 8 * i));
  }
  return id;
}

std::uint64_t new_span_id() noexcept {
  std::uint64_t id = next_random();
  return id ? id : 1;
}

// --- Propagation ---------------------------------------------------------------------

std::string format_traceparent(const span_context &ctx) {
  return "00-" + to_hex(ctx.trace.data(), 16) + "-" + span_hex(ctx.span) +
         (ctx.sampled ? "-01" : "-00");
}

std::optional<span_context> parse_traceparent(std::string_view h) {
  // version "-" trace-id "-" parent-id "-" flags; later versions may append.
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t'))
    h.remove_prefix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t'))
    h.remove_suffix(1);
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-')
    return std::nullopt;
  std::uint8_t version;
  if (!from_hex(h.substr(0, 2), &version, 1) || version == 0xff)
    return std::nullopt;
  if (version == 0 && h.size() != 55)
    return std::nullopt;
  if (h.size() > 55 && h[55] != '-')
    return std::nullopt;
  span_context ctx;
  std::uint8_t flags;
  if (!from_hex(h.substr(3, 32), ctx.trace.data(), 16) ||
      !parse_span_hex(h.substr(36, 16), ctx.span) ||
      !from_hex(h.substr(53, 2), &flags, 1))
    return std::nullopt;
  if (!ctx.has_trace() || ctx.span == 0)
    return std::nullopt;
  ctx.sampled = flags & 1;
  ctx.decided = true;
  return ctx;
}

std::string format_xray(const span_context &ctx) {
  std::string hex = to_hex(ctx.trace.data(), 16);
  std::string out = "Root=1-" + hex.substr(0, 8) + "-" + hex.substr(8);
  if (ctx.span)
    out += ";Parent=" + span_hex(ctx.span);
  out += ctx.decided ? (ctx.sampled ? ";Sampled=1" : ";Sampled=0") : ";Sampled=?";
  return out;
}

std::optional<span_context> parse_xray(std::string_view h) {
  span_context ctx;
  ctx.decided = false;
  bool have_root = false;
  while (!h.empty()) {
    auto semi = h.find(';');
    std::string_view field = h.substr(0, semi);
    h = semi == std::string_view::npos ? std::string_view() : h.substr(semi + 1);
    while (!field.empty() && field.front() == ' ')
      field.remove_prefix(1);
    while (!field.empty() && field.back() == ' ')
      field.remove_suffix(1);
    auto eq = field.find('=');
    if (eq == std::string_view::npos)
      continue;
    std::string_view key = field.substr(0, eq), value = field.substr(eq + 1);
    if (key == "Root") {
      // 1-<8 hex epoch>-<24 hex random>
      if (value.size() != 35 || value.substr(0, 2) != "1-" || value[10] != '-')
        return std::nullopt;
      std::string hex = std::string(value.substr(2, 8)) + std::string(value.substr(11));
      if (!from_hex(hex, ctx.trace.data(), 16) || !ctx.has_trace())
        return std::nullopt;
      have_root = true;
    } else if (key == "Parent") {
      if (!parse_span_hex(value, ctx.span))
        return std::nullopt;
    } else if (key == "Sampled") {
      if (value == "1" || value == "0") {
        ctx.sampled = value == "1";
        ctx.decided = true;
      }
    }
  }
  if (!have_root)
    return std::nullopt;
  return ctx;
}

// --- Fused calls -----------------------------------------------------------------------

void *begin_local_span(const task_info &task, bool sync) noexcept {
  thread_hot_state &t = t_hot;
  trace_id trace;
  std::uint64_t parent;
  if (t.trace.sampled) {
    trace = t.trace.trace;
    parent = t.trace.span;
  } else {
    bool joined = t.trace.has_trace();
    if (joined && t.trace.decided)
      return nullptr; // inside a trace that is not sampled
    trace = joined ? t.trace.trace : new_trace_id();
    parent = t.trace.span;
    if (!sample_root(trace))
      return nullptr;
  }
  local_frame *f;
  if (t.depth < kFrames) {
    f = &t_frames[t.depth];
    f->heap = false;
  } else {
    f = new (std::nothrow) local_frame;
    if (!f)
      return nullptr;
    f->heap = true;
  }
  ++t.depth;
  f->prev = t.trace;
  f->prev_task = t.task;
  f->prev_open = t.open_local;
  f->task = &task;
  f->trace = trace;
  f->parent = parent;
  f->span = new_span_id();
  f->sync = sync;
  f->error = nullptr;
  cpu_hint &hint = hint_for(&task);
  f->measure_cpu = hint.task != &task || hint.measure ||
                   g_cpu_threshold.load(std::memory_order_relaxed) == 0;
  f->start_ns = wall_ns();
  f->cpu_start = f->measure_cpu ? cpu_ns() : 0;

  t.trace.trace = trace;
  t.trace.span = f->span;
  t.trace.sampled = true;
  t.trace.decided = true;
  t.task = task.name;
  t.open_local = f;
  return f;
}

void end_local_span(void *span, bool failed) noexcept {
  auto *f = static_cast<local_frame *>(span);
  std::uint64_t cpu_end = f->measure_cpu ? cpu_ns() : 0;
  std::uint64_t end = wall_ns();
  thread_hot_state &t = t_hot;
  t.trace = f->prev;
  t.task = f->prev_task;
  t.open_local = f->prev_open;
  --t.depth;

  std::uint64_t wall = end - f->start_ns;
  hint_for(f->task) = {f->task, wall >= g_cpu_threshold.load(std::memory_order_relaxed)};

  local_record rec{f->task,
                   f->prev_task,
                   f->trace,
                   f->span,
                   f->parent,
                   f->start_ns,
                   end,
                   f->measure_cpu ? cpu_end - f->cpu_start : wall,
                   f->sync,
                   failed || f->error,
                   f->measure_cpu,
                   f->error};
  if (f->heap)
    delete f;
  push_local(rec);
}

bool fail_open_local_span(const exception_description &error) {
  auto *f = static_cast<local_frame *>(t_hot.open_local);
  if (!f)
    return false;
  delete f->error;
  f->error = new (std::nothrow) exception_description(error);
  return true;
}

// --- Recording and export ------------------------------------------------------------

void record_span(span_record span) {
  tracer_state &t = tracer();
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(t.mu);
    std::size_t n = t.spans.size();
    if (n >= g_max_buffered.load(std::memory_order_relaxed)) {
      ++t.dropped;
      return;
    }
    t.spans.push_back(std::move(span));
    wake = n + 1 == g_batch.load(std::memory_order_relaxed);
  }
  if (wake)
    request_flush();
}

std::string otlp_document(const std::vector<span_record> &spans) {
  std::vector<span_attribute> resource;
  {
    std::lock_guard<std::mutex> lock(tracer().mu);
    resource = tracer().cfg.resource;
  }
  json_out out;
  open_document(out, resource);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (i)
      out.raw(",");
    write_span(out, spans[i]);
  }
  close_document(out);
  return std::move(out.text);
}

void flush_traces() {
  tracer_state &t = tracer();
  std::lock_guard<std::mutex> export_lock(t.export_mu);
  std::vector<local_record> locals;
  std::vector<span_record> spans;
  std::size_t dropped;
  trace_config cfg;
  {
    std::lock_guard<std::mutex> lock(t.mu);
    locals.swap(t.orphans);
    for (thread_buffer *b : t.buffers) {
      b->lock();
      // Copied out rather than swapped: the thread keeps its capacity and
      // does not fault in fresh pages on its hot path.
      locals.insert(locals.end(), b->records.begin(), b->records.end());
      b->records.clear();
      t.dropped += std::exchange(b->dropped, 0);
      b->unlock();
    }
    spans.swap(t.spans);
    dropped = std::exchange(t.dropped, 0);
    if (locals.empty() && spans.empty() && !dropped)
      return;
    cfg.to_stdout = t.cfg.to_stdout;
    cfg.otlp_endpoint = t.cfg.otlp_endpoint;
    cfg.resource = t.cfg.resource;
  }
  if (dropped)
    log_line("dropped " + std::to_string(dropped) +
             " spans: more than FUSIONIZE_TRACE_MAX_SPANS were buffered "
             "between two exports");
  // Documents of at most this many spans keep lines and requests bounded.
  constexpr std::size_t kChunk = 2048;
  const std::string &group = group_name();
  json_out out;
  std::size_t in_chunk = 0;
  auto add = [&](auto write) {
    if (in_chunk == 0)
      open_document(out, cfg.resource);
    else
      out.raw(",");
    write();
    if (++in_chunk == kChunk) {
      close_document(out);
      export_document(t, cfg, out.text);
      out.text.clear();
      in_chunk = 0;
    }
  };
  for (const auto &s : spans)
    add([&] { write_span(out, s); });
  for (const auto &r : locals)
    add([&] { write_local(out, r, group); });
  if (in_chunk) {
    close_document(out);
    export_document(t, cfg, out.text);
  }
  for (auto &r : locals)
    delete r.error;
}

void request_flush() {
  tracer_state &t = tracer();
  std::lock_guard<std::mutex> lock(t.mu);
  t.flush_requested = true;
  if (!t.exporter_started) {
    try {
      std::thread(exporter_loop).detach();
      t.exporter_started = true;
    } catch (...) {
      return; // no thread: the next synchronous flush exports
    }
  }
  t.cv.notify_one();
}

} // namespace fusionize::detail
