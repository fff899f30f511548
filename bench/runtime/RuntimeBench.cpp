//===- RuntimeBench.cpp - Fused and remote calls against their baselines --===//
//
//   build-runtime/bin/fusionize_runtime_bench --benchmark_repetitions=5 \
//       --benchmark_report_aggregates_only=true
//
// Fused call: task_glue<&f>::local (what the fusion pass puts at a call site
// inside a group) against calling f directly. f is a small but real
// computation (FNV-1a over 64 bytes), kept out of line on both sides, so
// the difference is the glue: one relaxed load with tracing off; an
// INTERNAL span (ids, clocks, a buffered record, background export to
// /dev/null) with tracing on.
//
// Remote call: invoke_remote of a no-op over loopback (encoding, headers,
// traceparent, the kept-alive client, status and header checks) against a
// raw HTTP/1.1 round trip on a kept-alive socket to the same minimal server.
//
//===----------------------------------------------------------------------===//
#include <fusionize/async.h>
#include <fusionize/glue.h>

#include "config.h"
#include "trace.h"

#include <benchmark/benchmark.h>
#include <httplib.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace fusionize::detail;

// --- The fused-call callee
// ------------------------------------------------------

[[gnu::noinline]] std::uint64_t checksum(std::uint64_t seed) {
  unsigned char block[64];
  for (int i = 0; i < 64; ++i)
    block[i] = static_cast<unsigned char>(seed >> (i % 8 * 8)) ^
               static_cast<unsigned char>(i);
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char b : block)
    h = (h ^ b) * 1099511628211ull;
  return h;
}

template <>
const task_info glue_of<&checksum, decltype(&checksum)>::type::info = {
    "checksum", 0, kAbiVersion};

/// Tracing off, or on with every span kept (always_on) for a sink that
/// costs nothing (/dev/null). Export is not measured here: spans are
/// buffered, and the benchmark exports them with the timer paused.
static void tracing(bool on, std::uint64_t cpu_threshold_ns = 50000) {
  trace_config c;
  c.cpu_threshold_ns = cpu_threshold_ns;
  if (on) {
    c.file = "/dev/null";
    c.sampler = sampler_kind::always_on;
    c.max_buffered = 1 << 16;
    c.batch = std::size_t(1) << 40; // the exporter thread never wakes
  }
  configure_tracing(c);
}

/// Runs `call` once per iteration; the spans it buffers are exported every
/// 4096 calls (well below max_buffered: nothing is dropped) with the timer
/// paused, and tracing is off again afterwards.
template <class Call>
static void exportingAside(benchmark::State &state, Call call) {
  std::size_t n = 0;
  for (auto _ : state) {
    call();
    if (++n == 1 << 12) {
      state.PauseTiming();
      flush_traces();
      state.ResumeTiming();
      n = 0;
    }
  }
  flush_traces();
  tracing(false);
}

static void BM_DirectCall(benchmark::State &state) {
  tracing(false);
  std::uint64_t x = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(x = checksum(x));
}
BENCHMARK(BM_DirectCall);

static void BM_FusedCall_TracingOff(benchmark::State &state) {
  tracing(false);
  std::uint64_t x = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(x = task_glue<&checksum>::local(x));
}
BENCHMARK(BM_FusedCall_TracingOff);

/// state.range(0) = 1: every call reads the thread's CPU clock (a task
/// whose previous call took at least FUSIONIZE_TRACE_CPU_THRESHOLD_US);
/// 0: the short-call path.
static void BM_FusedCall_TracingOn(benchmark::State &state) {
  tracing(true, state.range(0) ? 0 : 50000);
  std::uint64_t x = 0;
  exportingAside(state, [&] {
    benchmark::DoNotOptimize(x = task_glue<&checksum>::local(x));
  });
}
BENCHMARK(BM_FusedCall_TracingOn)->ArgName("measured")->Arg(0)->Arg(1);

/// A fused asynchronous call and its wait: fusionize::async on the glue the
/// fusion pass uses (task_glue<&f>::local_async), handed to the runtime's
/// worker pool, then future::get(). The worker sleeps between calls, so
/// the row is dominated by its wake-up; tracing on adds the span, which
/// begins at the dispatch (the worker reads when it was dispatched).
static void BM_FusedAsyncCall(benchmark::State &state) {
  tracing(state.range(0) != 0);
  std::uint64_t x = 0;
  exportingAside(state, [&] {
    benchmark::DoNotOptimize(
        x = fusionize::async(&task_glue<&checksum>::local_async, x).get());
  });
}
BENCHMARK(BM_FusedAsyncCall)->ArgName("tracing")->Arg(0)->Arg(1)->UseRealTime();

/// What a SERVER span, or a fused call of at least 1 ms, adds on top: the
/// run delay (/proc/thread-self/schedstat) and the memory touched
/// (getrusage, `faults:1`; `faults:0` is the runtime before it recorded
/// fusion.fault_bytes) read at both ends; with FUSIONIZE_TRACE_THROTTLED=1
/// (`throttled:1`) the cgroup's throttled time (cpu.stat) too.
static void BM_RunDelayReads(benchmark::State &state) {
  bool throttled = state.range(0) != 0, faults = state.range(1) != 0;
  std::uint64_t x = 0;
  for (auto _ : state) {
    for (int end = 0; end < 2; ++end) {
      x += thread_run_delay_ns();
      if (throttled)
        x += cgroup_throttled_ns();
      if (faults)
        x += thread_fault_bytes();
    }
  }
  benchmark::DoNotOptimize(x);
}
BENCHMARK(BM_RunDelayReads)
    ->ArgNames({"throttled", "faults"})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 0})
    ->Args({1, 1});

/// What the exporter spends per INTERNAL span (serializing OTLP/JSON and
/// writing it to /dev/null), off the calling thread.
static void BM_ExportPerSpan(benchmark::State &state) {
  tracing(true);
  std::uint64_t x = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < 1024; ++i)
      x = task_glue<&checksum>::local(x);
    state.ResumeTiming();
    flush_traces();
  }
  state.SetItemsProcessed(state.iterations() * 1024);
  tracing(false);
}
BENCHMARK(BM_ExportPerSpan);

// --- The minimal server
// -----------------------------------------------------------

namespace {

/// Reads one HTTP/1.1 request (headers, then Content-Length bytes) from a
/// kept-alive connection; `buf` carries bytes of the next request.
bool read_message(int fd, std::string &buf) {
  char tmp[8192];
  std::size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n <= 0)
      return false;
    buf.append(tmp, std::size_t(n));
  }
  std::size_t length = 0;
  for (std::size_t at = 0; at < end;) {
    std::size_t eol = buf.find("\r\n", at);
    if (strncasecmp(buf.data() + at, "content-length:", 15) == 0)
      length = std::stoul(buf.substr(at + 15, eol - at - 15));
    at = eol + 2;
  }
  while (buf.size() < end + 4 + length) {
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n <= 0)
      return false;
    buf.append(tmp, std::size_t(n));
  }
  buf.erase(0, end + 4 + length);
  return true;
}

void nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/// Answers every request with a fixed 200 "null": as little as an HTTP
/// server can do. A thread per connection.
class minimal_server {
public:
  minimal_server() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
    listen(fd_, 64);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr *>(&addr), &len);
    port = ntohs(addr.sin_port);
    std::thread([fd = fd_] {
      for (;;) {
        int c = accept(fd, nullptr, nullptr);
        if (c < 0)
          return;
        nodelay(c);
        std::thread([c] {
          static const char response[] = "HTTP/1.1 200 OK\r\nContent-Type: "
                                         "application/json\r\nContent-Length: "
                                         "4\r\n\r\nnull";
          std::string buf;
          while (read_message(c, buf))
            if (write(c, response, sizeof response - 1) < 0)
              break;
          close(c);
        }).detach();
      }
    }).detach();
  }
  int port = 0;

private:
  int fd_;
};

minimal_server &server() {
  static minimal_server *s = new minimal_server;
  return *s;
}

int raw_connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(std::uint16_t(port));
  connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
  nodelay(fd);
  return fd;
}

} // namespace

const task_info noop_task = {"noop", 0, kAbiVersion};

static void BM_RawHttpRoundTrip(benchmark::State &state) {
  int fd = raw_connect(server().port);
  const std::string request =
      "POST /2015-03-31/functions/noop/invocations HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\nContent-Length: 2\r\n\r\n[]";
  std::string buf;
  for (auto _ : state) {
    if (write(fd, request.data(), request.size()) < 0 ||
        !read_message(fd, buf)) {
      state.SkipWithError("round trip failed");
      break;
    }
  }
  close(fd);
}
BENCHMARK(BM_RawHttpRoundTrip)->UseRealTime();

static void BM_HttplibRoundTrip(benchmark::State &state) {
  httplib::Client client("127.0.0.1", server().port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  for (auto _ : state) {
    auto res = client.Post("/2015-03-31/functions/noop/invocations", "[]",
                           "application/json");
    if (!res || res->status != 200) {
      state.SkipWithError("round trip failed");
      break;
    }
  }
}
BENCHMARK(BM_HttplibRoundTrip)->UseRealTime();

static void BM_RemoteNoopCall(benchmark::State &state) {
  tracing(false);
  runtime_config c;
  c.endpoint = "http://127.0.0.1:" + std::to_string(server().port);
  set_config(c);
  for (auto _ : state)
    benchmark::DoNotOptimize(
        invoke_remote(noop_task, encode_args(), invoke_kind::request_response));
}
BENCHMARK(BM_RemoteNoopCall)->UseRealTime();

/// The three round trips interleaved, one of each per iteration, each timed
/// on its own: load that comes and goes on a shared machine hits all three
/// alike. Reports the medians and the ratios as counters.
static void BM_RoundTrips_Interleaved(benchmark::State &state) {
  tracing(false);
  runtime_config c;
  c.endpoint = "http://127.0.0.1:" + std::to_string(server().port);
  set_config(c);
  int fd = raw_connect(server().port);
  const std::string request =
      "POST /2015-03-31/functions/noop/invocations HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\nContent-Length: 2\r\n\r\n[]";
  std::string buf;
  httplib::Client client("127.0.0.1", server().port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  std::vector<double> raw, remote, lib;
  using clock = std::chrono::steady_clock;
  auto ns = [](clock::time_point a, clock::time_point b) {
    return std::chrono::duration<double, std::nano>(b - a).count();
  };
  for (auto _ : state) {
    auto t0 = clock::now();
    if (write(fd, request.data(), request.size()) < 0 ||
        !read_message(fd, buf)) {
      state.SkipWithError("raw round trip failed");
      break;
    }
    auto t1 = clock::now();
    benchmark::DoNotOptimize(
        invoke_remote(noop_task, encode_args(), invoke_kind::request_response));
    auto t2 = clock::now();
    auto res = client.Post("/2015-03-31/functions/noop/invocations", "[]",
                           "application/json");
    auto t3 = clock::now();
    if (!res) {
      state.SkipWithError("httplib round trip failed");
      break;
    }
    raw.push_back(ns(t0, t1));
    remote.push_back(ns(t1, t2));
    lib.push_back(ns(t2, t3));
  }
  close(fd);
  auto median = [](std::vector<double> &v) {
    if (v.empty())
      return 0.0;
    std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  double r = median(raw), m = median(remote), l = median(lib);
  state.counters["raw_p50_us"] = r / 1000;
  state.counters["remote_p50_us"] = m / 1000;
  state.counters["httplib_p50_us"] = l / 1000;
  state.counters["remote_x_raw"] = r > 0 ? m / r : 0;
  state.counters["httplib_x_raw"] = r > 0 ? l / r : 0;
}
BENCHMARK(BM_RoundTrips_Interleaved)->UseRealTime();

BENCHMARK_MAIN();
