//===- trace.cpp - Recording spans and exporting them ---------------------===//
//
// Spans are buffered (fused calls per thread, others in one list) and
// exported as OTLP/JSON lines by flush_traces(), either on the caller's
// thread (the Runtime API loop, after posting a response) or on the
// exporter thread (request_flush()).
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
#include "fast_clock.h"
#include "http1.h"
#include "otlp_json.h"

#include <fusionize/detail/runtime_api.h>
#include <fusionize/lock.h>

#include <httplib.h>

#include <fcntl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
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

// --- Clocks and ids
// --------------------------------------------------------------

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

// --- The buffered spans
// ------------------------------------------------------------

/// The shared lock (fusionize/lock.h), per thread: what it waited for it
/// and the CPU it spent holding it, in total; spans take the differences.
struct lock_totals {
  std::uint64_t wait_ns = 0, hold_cpu_ns = 0;
};
thread_local lock_totals t_lock;
thread_local unsigned t_lock_depth = 0;
thread_local std::uint64_t t_lock_cpu_start = 0;

/// A finished fused call, kept compact (and trivially copyable) until export.
struct local_record {
  const task_info *task;
  const char *caller;
  trace_id trace;
  std::uint64_t span, parent;
  std::uint64_t start, end; // fast_clock ticks
  std::uint64_t cpu_ns;     // when cpu_measured
  std::uint64_t run_delay_ns; // when cpu_measured; no_run_delay: unknown
  std::uint64_t throttled_ns; // the same, the cgroup's throttled time
  std::uint64_t fault_bytes;  // memory first touched; no_run_delay: unknown
  std::uint64_t lock_wait_ns, lock_hold_cpu_ns; // the shared lock's
  std::uint64_t waited; // ticks from the dispatch to a worker; 0: none
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
  std::unique_ptr<http1_client> otlp;        // http:// collectors
  std::unique_ptr<httplib::Client> otlp_tls; // https:// collectors
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
std::atomic<std::uint64_t> g_cpu_threshold_ticks{50000}; // in fast_clock ticks
/// Calls at least this long (and a task's first call on a thread) also get
/// the run delay: two file reads, ~4 us, 0.4 % of such a call at most; the
/// quota works in milliseconds anyway.
constexpr std::uint64_t kDelayThresholdNs = 1000000;
std::atomic<std::uint64_t> g_delay_threshold_ticks{kDelayThresholdNs};
/// FUSIONIZE_TRACE_THROTTLED: the cgroup's throttled time with the run
/// delay (two more reads; the planner's quota slack fit reads it).
std::atomic<bool> g_throttled{false};

std::uint64_t throttled_now() noexcept {
  return g_throttled.load(std::memory_order_relaxed) ? cgroup_throttled_ns()
                                                      : no_run_delay;
}
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
    t.orphans.insert(t.orphans.end(), buffer->records.begin(),
                     buffer->records.end());
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

// --- OTLP/JSON of fused calls
// ---------------------------------------------------

void write_local(json_out &out, const local_record &r, const std::string &group,
                 const fast_clock::converter &clock) {
  std::string_view task = r.task->name;
  char name[80];
  std::size_t len = std::min<std::size_t>(task.size(), sizeof name - 6);
  std::memcpy(name, "local ", 6);
  std::memcpy(name + 6, task.data(), len);
  write_span_head(out, r.trace, r.span, r.parent,
                  std::string_view(name, 6 + len), span_kind::internal,
                  clock.to_unix_ns(r.start), clock.to_unix_ns(r.end));
  out.raw(",\"attributes\":[").attr("fusion.task", task);
  if (r.caller)
    out.raw(",").attr("fusion.caller", std::string_view(r.caller));
  out.raw(",").attr("fusion.group", std::string_view(group));
  out.raw(",").attr("fusion.sync", r.sync);
  out.raw(",").attr(
      "fusion.cpu_ns",
      std::int64_t(r.cpu_measured ? r.cpu_ns : clock.to_ns(r.end - r.start)));
  if (!r.cpu_measured)
    out.raw(",").attr("fusion.cpu_estimated", true);
  else if (r.run_delay_ns != no_run_delay)
    out.raw(",").attr("fusion.run_delay_ns", std::int64_t(r.run_delay_ns));
  if (r.cpu_measured && r.throttled_ns != no_run_delay)
    out.raw(",").attr("fusion.throttled_ns", std::int64_t(r.throttled_ns));
  if (r.cpu_measured && r.fault_bytes != no_run_delay)
    out.raw(",").attr("fusion.fault_bytes", std::int64_t(r.fault_bytes));
  if (r.lock_wait_ns)
    out.raw(",").attr("fusion.lock_wait_ns", std::int64_t(r.lock_wait_ns));
  if (r.lock_hold_cpu_ns)
    out.raw(",").attr("fusion.lock_hold_cpu_ns",
                      std::int64_t(r.lock_hold_cpu_ns));
  if (r.waited) // asynchronous work, begun at its dispatch
    out.raw(",").attr("fusion.queued_ns", std::int64_t(clock.to_ns(r.waited)));
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
    out.raw(
        ",\"status\":{\"code\":2,\"message\":\"an exception left the task\"}");
  out.raw("}");
}

/// {"resourceSpans":[{"resource":{...},"scopeSpans":[{"scope":...,"spans":[
// --- Fused calls: frames on a per-thread stack
// ---------------------------------------

struct local_frame {
  span_context prev;
  const char *prev_task;
  void *prev_open;
  const task_info *task;
  trace_id trace;
  std::uint64_t span, parent;
  std::uint64_t start, cpu_start; // fast_clock ticks, CPU ns
  std::uint64_t delay_start;      // run delay ns, or no_run_delay
  std::uint64_t queued;           // ticks waited for a worker (run delay)
  std::uint64_t waited;           // the same, always; 0: not dispatched
  std::uint64_t throttled_start;  // cgroup throttled ns, or no_run_delay
  std::uint64_t faults_start;     // thread_fault_bytes(), or no_run_delay
  lock_totals lock_start;         // the thread's, at the start
  bool sync, measure_cpu, heap;
  exception_description *error;
};

constexpr unsigned kFrames = 32;
thread_local local_frame t_frames[kFrames];

/// Per thread and task (direct-mapped by address): was its last call long
/// enough that reading the CPU clock is worth it?
struct cpu_hint {
  const task_info *task;
  bool measure;       // the CPU clock
  bool measure_delay; // run delay and throttled time
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
    write_all(t.fd,
              line); // one write: lines of concurrent processes stay whole
  if (cfg.to_stdout)
    write_all(1, line);
  if (t.otlp || t.otlp_tls) {
    bool ok;
    std::string why;
    if (t.otlp) {
      http_response res;
      http_failure f = t.otlp->request("POST", t.otlp_path,
                                       {{"Content-Type", "application/json"}},
                                       doc, 2000, 5000, res);
      ok = f == http_failure::none && res.status >= 200 && res.status < 300;
      why = f != http_failure::none ? t.otlp->error_text()
                                    : "HTTP " + std::to_string(res.status);
    } else {
      auto res = t.otlp_tls->Post(t.otlp_path, doc, "application/json");
      ok = res && res->status >= 200 && res->status < 300;
      why = res ? "HTTP " + std::to_string(res->status)
                : httplib::to_string(res.error());
    }
    if (!ok && !t.otlp_failing)
      log_line("cannot export traces to " + cfg.otlp_endpoint + ": " + why +
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

const bool configured_from_env = [] {
  fast_clock::init();
  configure_tracing(trace_config::from_env());
  return true;
}();

} // namespace

// --- span_builder
// ------------------------------------------------------------------

span_builder::span_builder(std::string name, span_kind kind,
                           const span_context &parent, bool measure_cpu) {
  // Only the first span on a worker's thread is the dispatched work's.
  std::uint64_t dispatched = t_hot.dispatched;
  t_hot.dispatched = 0;
  bool joined = parent.has_trace();
  ctx_.trace = joined ? parent.trace : new_trace_id();
  ctx_.sampled =
      joined && parent.decided ? parent.sampled : sample_root(ctx_.trace);
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
  // A remote asynchronous call begins where it was dispatched (as a fused
  // one does: begin_local_span), not when a worker took it up.
  if (dispatched && kind == span_kind::client) {
    std::uint64_t now = fast_clock::now();
    std::uint64_t waited = now > dispatched
                               ? std::uint64_t(double(now - dispatched) *
                                               fast_clock::ns_per_tick())
                               : 0;
    rec_.start_ns -= waited;
    set("fusion.queued_ns", std::int64_t(waited));
  }
  if (measure_cpu) {
    // A remote call's CPU only (the client's work, which fusing removes):
    // its thread waits for the answer, so its run delay would say little.
    bool server = kind == span_kind::server;
    delay_start_ = server ? thread_run_delay_ns() : no_run_delay;
    throttled_start_ = server ? throttled_now() : no_run_delay;
    faults_start_ = server ? thread_fault_bytes() : no_run_delay;
    lock_wait_start_ = t_lock.wait_ns;
    lock_hold_start_ = t_lock.hold_cpu_ns;
    cpu_start_ = cpu_ns();
  }
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
  if (measure_cpu_) {
    std::uint64_t cpu_end = cpu_ns();
    std::uint64_t delay_end =
        delay_start_ != no_run_delay ? thread_run_delay_ns() : no_run_delay;
    std::uint64_t throttled_end = throttled_start_ != no_run_delay
                                      ? cgroup_throttled_ns()
                                      : no_run_delay;
    std::uint64_t faults_end =
        faults_start_ != no_run_delay ? thread_fault_bytes() : no_run_delay;
    rec_.attributes.push_back(
        {"fusion.cpu_ns", std::int64_t(cpu_end - cpu_start_)});
    if (delay_end != no_run_delay && delay_end >= delay_start_)
      rec_.attributes.push_back(
          {"fusion.run_delay_ns", std::int64_t(delay_end - delay_start_)});
    if (throttled_end != no_run_delay && throttled_end >= throttled_start_)
      rec_.attributes.push_back({"fusion.throttled_ns",
                                 std::int64_t(throttled_end - throttled_start_)});
    if (faults_end != no_run_delay && faults_end >= faults_start_)
      rec_.attributes.push_back(
          {"fusion.fault_bytes", std::int64_t(faults_end - faults_start_)});
    if (std::uint64_t w = t_lock.wait_ns - lock_wait_start_)
      rec_.attributes.push_back({"fusion.lock_wait_ns", std::int64_t(w)});
    if (std::uint64_t h = t_lock.hold_cpu_ns - lock_hold_start_)
      rec_.attributes.push_back({"fusion.lock_hold_cpu_ns", std::int64_t(h)});
  }
  rec_.end_ns = wall_ns();
  ended_ = true;
  record_span(std::move(rec_));
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
  t.otlp_tls.reset();
  if (!config.file.empty()) {
    t.fd = ::open(config.file.c_str(),
                  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
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
    std::string base =
        path_start == std::string::npos ? url : url.substr(0, path_start);
    t.otlp_path =
        path_start == std::string::npos ? "/v1/traces" : url.substr(path_start);
    bool valid;
    if (base.rfind("http://", 0) == 0) {
      t.otlp = std::make_unique<http1_client>(base);
      valid = t.otlp->valid();
    } else if (base.rfind("https://", 0) == 0) {
      t.otlp_tls = std::make_unique<httplib::Client>(base);
      valid = t.otlp_tls->is_valid();
      if (valid) {
        t.otlp_tls->set_keep_alive(true);
        t.otlp_tls->set_tcp_nodelay(true);
        t.otlp_tls->set_connection_timeout(2, 0);
        t.otlp_tls->set_read_timeout(5, 0);
        t.otlp_tls->set_write_timeout(5, 0);
      }
    } else {
      valid = false;
    }
    if (!valid) {
      log_line("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT='" + url +
               "' is not a usable URL; not exporting there");
      t.otlp.reset();
      t.otlp_tls.reset();
    }
  }
  bool exporting = t.fd >= 0 || config.to_stdout || t.otlp || t.otlp_tls;
  {
    std::lock_guard<std::mutex> lock(t.mu);
    g_sampler.store(int(config.sampler), std::memory_order_relaxed);
    std::uint64_t bound = ~std::uint64_t(0);
    if (config.sampler == sampler_kind::ratio && config.ratio < 1.0)
      bound = std::uint64_t(std::ldexp(config.ratio, 64));
    g_ratio_bound.store(bound, std::memory_order_relaxed);
    g_cpu_threshold.store(config.cpu_threshold_ns, std::memory_order_relaxed);
    // Calibrating the clock takes up to 20 us once: only when it is used.
    if (exporting) {
      g_cpu_threshold_ticks.store(
          std::uint64_t(double(config.cpu_threshold_ns) /
                        fast_clock::ns_per_tick()),
          std::memory_order_relaxed);
      g_delay_threshold_ticks.store(
          std::uint64_t(double(std::max(config.cpu_threshold_ns,
                                        kDelayThresholdNs)) /
                        fast_clock::ns_per_tick()),
          std::memory_order_relaxed);
    }
    g_throttled.store(config.cgroup_throttled, std::memory_order_relaxed);
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

// --- Fused calls
// -----------------------------------------------------------------------

void *begin_local_span(const task_info &task, bool sync) noexcept {
  thread_hot_state &t = t_hot;
  // Asynchronous work's span begins when it was dispatched (only the first
  // span on the worker's thread is that work's).
  std::uint64_t dispatched = t.dispatched;
  t.dispatched = 0;
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
  bool delay = hint.task != &task || hint.measure_delay;
  f->start = fast_clock::now();
  f->queued = f->waited = 0;
  // Asynchronous work begins where it was dispatched, however soon a
  // worker took it up: the planner places the dispatch among the caller's
  // synchronous calls by it (a call the caller made meanwhile came after).
  // Until a worker took it up, it was runnable but not running (a new
  // thread's start, an idle one's wake-up: in a throttled instance both
  // wait for the next quota), which the worker's own run delay does not
  // show: counted as run delay where the run delay is read (a long wait
  // makes it read).
  std::uint64_t waited =
      !sync && dispatched && f->start > dispatched ? f->start - dispatched : 0;
  bool queued =
      waited >= g_delay_threshold_ticks.load(std::memory_order_relaxed);
  f->delay_start = delay || queued ? thread_run_delay_ns() : no_run_delay;
  if (waited) {
    f->start = dispatched;
    f->waited = waited;
    if (f->delay_start != no_run_delay) {
      f->queued = waited;
      delay = true;
    }
  }
  f->throttled_start = delay ? throttled_now() : no_run_delay;
  f->faults_start = delay || queued ? thread_fault_bytes() : no_run_delay;
  f->lock_start = t_lock;
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
  std::uint64_t delay_end =
      f->delay_start != no_run_delay ? thread_run_delay_ns() : no_run_delay;
  std::uint64_t throttled_end = f->throttled_start != no_run_delay
                                    ? cgroup_throttled_ns()
                                    : no_run_delay;
  std::uint64_t faults_end =
      f->faults_start != no_run_delay ? thread_fault_bytes() : no_run_delay;
  std::uint64_t end = fast_clock::now();
  thread_hot_state &t = t_hot;
  t.trace = f->prev;
  t.task = f->prev_task;
  t.open_local = f->prev_open;
  --t.depth;

  std::uint64_t ticks = end - f->start - f->queued; // its own run
  hint_for(f->task) = {
      f->task, ticks >= g_cpu_threshold_ticks.load(std::memory_order_relaxed),
      ticks >= g_delay_threshold_ticks.load(std::memory_order_relaxed)};

  std::uint64_t delay =
      delay_end != no_run_delay && delay_end >= f->delay_start
          ? delay_end - f->delay_start +
                std::uint64_t(double(f->queued) * fast_clock::ns_per_tick())
          : no_run_delay;
  local_record rec{f->task,
                   f->prev_task,
                   f->trace,
                   f->span,
                   f->parent,
                   f->start,
                   end,
                   f->measure_cpu ? cpu_end - f->cpu_start : 0,
                   delay,
                   throttled_end != no_run_delay &&
                           throttled_end >= f->throttled_start
                       ? throttled_end - f->throttled_start
                       : no_run_delay,
                   faults_end != no_run_delay && faults_end >= f->faults_start
                       ? faults_end - f->faults_start
                       : no_run_delay,
                   t_lock.wait_ns - f->lock_start.wait_ns,
                   t_lock.hold_cpu_ns - f->lock_start.hold_cpu_ns,
                   f->waited,
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

// --- Recording and export
// ------------------------------------------------------------

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
  // After every record was taken: ticks convert relative to this moment.
  const fast_clock::converter clock = fast_clock::current();
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
    add([&] { write_local(out, r, group, clock); });
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

// --- The shared lock (fusionize/lock.h)
// ---------------------------------------------

namespace fusionize {

void record_lock_wait(std::chrono::nanoseconds waited) noexcept {
  if (waited.count() > 0)
    detail::t_lock.wait_ns += std::uint64_t(waited.count());
}

lock_hold::lock_hold() noexcept {
  if (detail::t_lock_depth++ == 0)
    detail::t_lock_cpu_start = detail::thread_cpu_clock_ns();
}

lock_hold::~lock_hold() {
  if (--detail::t_lock_depth == 0) {
    std::uint64_t now = detail::thread_cpu_clock_ns();
    if (now > detail::t_lock_cpu_start)
      detail::t_lock.hold_cpu_ns += now - detail::t_lock_cpu_start;
  }
}

} // namespace fusionize
