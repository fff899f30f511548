//===- TraceTest.cpp - Spans, propagation, sampling and export ------------===//
#include "TestSupport.h"
#include "TestTasks.h"

#include "context.h"
#include "dispatch.h"
#include "fast_clock.h"
#include "registry.h"
#include "trace.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

using namespace fusionize::detail;
using nlohmann::json;
using testing::HasSubstr;

namespace {

/// Traces go to a scratch file for the test and nowhere afterwards.
class Tracing : public testing::Test {
protected:
  fz_test::temp_file file{"trace"};

  void SetUp() override { configure(sampler_kind::always_on); }
  void TearDown() override { configure_tracing(trace_config{}); }

  void configure(sampler_kind sampler, double ratio = 1.0,
                 std::uint64_t cpu_threshold_ns = 50000,
                 bool cgroup_throttled = false) {
    trace_config c;
    c.file = file.path();
    c.sampler = sampler;
    c.ratio = ratio;
    c.cpu_threshold_ns = cpu_threshold_ns;
    c.cgroup_throttled = cgroup_throttled;
    c.resource = {{"service.name", std::string("tests")},
                  {"fusion.group", std::string("g1")}};
    configure_tracing(c);
  }
  /// The spans exported since the last call.
  std::vector<json> spans() {
    flush_traces();
    auto all = fz_test::parse_spans(file.read());
    std::ofstream(file.path(), std::ios::trunc); // the exporter appends
    return all;
  }
  static const json *find(const std::vector<json> &spans,
                          const std::string &name) {
    for (const auto &s : spans)
      if (s["name"] == name)
        return &s;
    return nullptr;
  }
};

span_context parent_context(bool sampled) {
  auto ctx = parse_traceparent(
      std::string("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-") +
      (sampled ? "01" : "00"));
  EXPECT_TRUE(ctx.has_value());
  return *ctx;
}

} // namespace

// --- Propagation
// ----------------------------------------------------------------

TEST(Propagation, TraceparentRoundTrip) {
  span_context ctx = parent_context(true);
  EXPECT_TRUE(ctx.sampled);
  EXPECT_EQ(ctx.span, 0x00f067aa0ba902b7u);
  EXPECT_EQ(format_traceparent(ctx),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_FALSE(parent_context(false).sampled);
  // A later version with more fields is understood by its first four.
  EXPECT_TRUE(parse_traceparent(
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
}

TEST(Propagation, TraceparentRejectsMalformed) {
  for (const char *bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
       })
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
}

TEST(Propagation, XRayIsTheW3CTraceSplitAfterEightDigits) {
  auto ctx = parse_xray("Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent="
                        "00f067aa0ba902b7;Sampled=1");
  ASSERT_TRUE(ctx);
  EXPECT_EQ(format_traceparent(*ctx),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(format_xray(parent_context(false)),
            "Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;"
            "Sampled=0");
  // Fields in any order, unknown fields ignored, no decision: the sampler's.
  auto undecided = parse_xray(
      " Lineage=a87bb:0 ; "
      "Parent=00f067aa0ba902b7;Root=1-4bf92f35-77b34da6a3ce929d0e0e4736");
  ASSERT_TRUE(undecided);
  EXPECT_FALSE(undecided->decided);
  EXPECT_EQ(undecided->span, 0x00f067aa0ba902b7u);
  auto sampled_q =
      parse_xray("Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Sampled=?");
  ASSERT_TRUE(sampled_q);
  EXPECT_FALSE(sampled_q->decided);
  EXPECT_EQ(sampled_q->span, 0u);
  EXPECT_FALSE(parse_xray("Parent=00f067aa0ba902b7;Sampled=1"));
  EXPECT_FALSE(parse_xray("Root=2-4bf92f35-77b34da6a3ce929d0e0e4736"));
  EXPECT_FALSE(parse_xray("Root=1-4bf92f35-77b34da6a3ce929d0e0e473"));
}

TEST(Propagation, IdsAreRandomAndNonZero) {
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    std::uint64_t id = new_span_id();
    EXPECT_NE(id, 0u);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_TRUE(span_context{new_trace_id()}.has_trace());
}

// --- Spans
// ------------------------------------------------------------------------

TEST_F(Tracing, InvocationWithFusedCalls) {
  invocation_request req;
  req.payload = "[20]";
  req.request_id = "req-42";
  req.parent = parent_context(true);
  req.trigger = "http";
  invocation_outcome out = run_invocation(*find_task("fused_chain"), req);
  ASSERT_TRUE(out.ok) << out.body;
  EXPECT_EQ(out.body, "\"hello, 40\"");

  auto all = spans();
  const json *server = find(all, "fused_chain");
  const json *add = find(all, "local add");
  const json *greet = find(all, "local greet");
  ASSERT_TRUE(server && add && greet) << file.read();

  EXPECT_EQ((*server)["kind"], 2);
  EXPECT_EQ((*server)["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ((*server)["parentSpanId"], "00f067aa0ba902b7");
  const json &a = (*server)["attrs"];
  EXPECT_EQ(a["faas.trigger"], "http");
  EXPECT_EQ(a["faas.invocation_id"], "req-42");
  EXPECT_TRUE(a["faas.coldstart"].is_boolean());
  EXPECT_EQ(a["fusion.task"], "fused_chain");
  EXPECT_EQ(a["fusion.sync"], true);
  EXPECT_EQ(a["fusion.bytes_req"], 4);
  EXPECT_EQ(a["fusion.bytes_resp"], out.body.size());
  EXPECT_GE(a["fusion.cpu_ns"].get<std::int64_t>(), 0);
  if (thread_run_delay_ns() != no_run_delay)
    EXPECT_GE(a["fusion.run_delay_ns"].get<std::int64_t>(), 0);
  EXPECT_EQ((*server)["resource"]["service.name"], "tests");
  EXPECT_LE(std::stoull((*server)["startTimeUnixNano"].get<std::string>()),
            std::stoull((*server)["endTimeUnixNano"].get<std::string>()));

  for (const json *local : {add, greet}) {
    EXPECT_EQ((*local)["kind"], 1);
    EXPECT_EQ((*local)["traceId"], (*server)["traceId"]);
    EXPECT_EQ((*local)["parentSpanId"], (*server)["spanId"]);
    EXPECT_EQ((*local)["attrs"]["fusion.caller"], "fused_chain");
    EXPECT_EQ((*local)["attrs"]["fusion.sync"], true);
    EXPECT_TRUE((*local)["attrs"].contains("fusion.cpu_ns"));
    EXPECT_FALSE((*local).contains("status"));
  }
  EXPECT_EQ((*add)["attrs"]["fusion.task"], "add");

  // Fused calls are timed with the TSC where the kernel trusts it and
  // converted at export: they must still nest inside the invocation (up to
  // the conversion's jitter, far below the 50 us allowed here).
  auto ns = [](const json &span, const char *key) {
    return std::stoll(span[key].get<std::string>());
  };
  const long long slack = 50000;
  for (const json *local : {add, greet}) {
    EXPECT_LE(ns(*local, "startTimeUnixNano"), ns(*local, "endTimeUnixNano"));
    EXPECT_GE(ns(*local, "startTimeUnixNano"),
              ns(*server, "startTimeUnixNano") - slack);
    EXPECT_LE(ns(*local, "endTimeUnixNano"),
              ns(*server, "endTimeUnixNano") + slack);
  }
  EXPECT_LE(ns(*add, "endTimeUnixNano"),
            ns(*greet, "startTimeUnixNano") + slack);
}

// The run delay counts the time a thread was runnable but not running: two
// threads that spin on one CPU each wait while the other runs.
TEST(RunDelay, CountsTimeWaitingForTheCpu) {
  if (thread_run_delay_ns() == no_run_delay)
    GTEST_SKIP() << "no /proc/thread-self/schedstat here";
  cpu_set_t one;
  CPU_ZERO(&one);
  if (sched_getaffinity(0, sizeof one, &one) != 0)
    GTEST_SKIP() << "no CPU affinity";
  int cpu = 0;
  while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &one))
    ++cpu;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  std::uint64_t delay[2] = {0, 0};
  std::atomic<int> ready{0};
  auto spin = [&](int i) {
    if (pthread_setaffinity_np(pthread_self(), sizeof one, &one) != 0)
      return;
    ++ready;
    while (ready.load() < 2) {
    }
    std::uint64_t d0 = thread_run_delay_ns(), c0 = thread_cpu_clock_ns();
    while (thread_cpu_clock_ns() - c0 < 40000000) { // 40 ms of CPU each
    }
    delay[i] = thread_run_delay_ns() - d0;
  };
  std::thread a(spin, 0), b(spin, 1);
  a.join();
  b.join();
  ASSERT_EQ(ready.load(), 2) << "could not pin both threads";
  // Sharing one CPU, each ran while the other waited: ~40 ms each (more on
  // a busy machine, never much less).
  EXPECT_GE(delay[0] + delay[1], 40000000u);
  EXPECT_GE(std::min(delay[0], delay[1]), 5000000u);
}

// The cgroup's throttled time is the cpu.stat field of the process's own
// CPU cgroup, found through /proc/self/cgroup.
TEST(RunDelay, ThrottledTimeIsTheCgroupsCpuStat) {
  std::ifstream cg("/proc/self/cgroup");
  std::string line, path, field = "throttled_time";
  double scale = 1;
  while (std::getline(cg, line)) {
    auto c1 = line.find(':'), c2 = line.find(':', c1 + 1);
    if (c1 == std::string::npos || c2 == std::string::npos)
      continue;
    std::string controllers = "," + line.substr(c1 + 1, c2 - c1 - 1) + ",";
    if (controllers.find(",cpu,") != std::string::npos)
      path = "/sys/fs/cgroup/" + line.substr(c1 + 1, c2 - c1 - 1) +
             line.substr(c2 + 1) + "/cpu.stat";
    else if (controllers == ",," && path.empty()) {
      path = "/sys/fs/cgroup" + line.substr(c2 + 1) + "/cpu.stat";
      field = "throttled_usec";
      scale = 1000;
    }
  }
  std::ifstream stat(path);
  std::string key;
  std::uint64_t value = 0;
  bool found = false;
  while (stat >> key >> value)
    if (key == field) {
      found = true;
      break;
    }
  if (!found) {
    EXPECT_EQ(cgroup_throttled_ns(), no_run_delay);
    GTEST_SKIP() << "no readable cpu.stat with " << field << " at " << path;
  }
  // This test process is not throttled: the figure stays put.
  EXPECT_EQ(cgroup_throttled_ns(), std::uint64_t(double(value) * scale));
}

// The cgroup's throttled time is a diagnostic, recorded only when asked for
// (FUSIONIZE_TRACE_THROTTLED=1), on the spans that get the run delay.
// The entry glue measures the task's own CPU apart from decoding its
// payload and encoding its result: fusing keeps the one, not the other.
TEST_F(Tracing, TaskCpuWithoutItsCodec) {
  std::string numbers = "[[";
  for (int I = 0; I < 200000; ++I)
    numbers += (I ? "," : "") + std::to_string(I * 7);
  numbers += "]]";
  invocation_request req;
  req.payload = numbers;
  req.request_id = "req-codec";
  invocation_outcome out = run_invocation(*find_task("count_numbers"), req);
  ASSERT_TRUE(out.ok) << out.body;
  EXPECT_EQ(out.body, "200000");
  auto all = spans();
  const json *server = find(all, "count_numbers");
  ASSERT_TRUE(server) << file.read();
  const json &a = (*server)["attrs"];
  ASSERT_TRUE(a.contains("fusion.task_cpu_ns"));
  std::int64_t cpu = a["fusion.cpu_ns"].get<std::int64_t>();
  std::int64_t task = a["fusion.task_cpu_ns"].get<std::int64_t>();
  EXPECT_GE(task, 0);
  // Parsing 200 000 numbers takes milliseconds; counting them, nothing.
  EXPECT_LT(task, cpu / 4) << "cpu " << cpu << " task " << task;
}

// A span records the memory its thread touched for the first time (minor
// page faults x page size): the invocation its own and its fused callee's,
// the fused call its own; a task that touches nothing new, next to none.
TEST_F(Tracing, MemoryTouchedIsRecordedPerSpan) {
  if (thread_fault_bytes() == no_run_delay)
    GTEST_SKIP() << "no per-thread page fault counts here";
  invocation_request req;
  req.payload = "[12, 4]";
  req.request_id = "req-touch";
  invocation_outcome out;
  // On a new thread: a task's first call there measures it.
  std::thread([&] {
    out = run_invocation(*find_task("touch_memory"), req);
  }).join();
  ASSERT_TRUE(out.ok) << out.body;
  auto all = spans();
  const json *server = find(all, "touch_memory");
  const json *local = find(all, "local touch_memory");
  ASSERT_TRUE(server && local) << file.read();
  const std::int64_t MiB = 1 << 20;
  std::int64_t outer = (*server)["attrs"]["fusion.fault_bytes"];
  std::int64_t inner = (*local)["attrs"]["fusion.fault_bytes"];
  EXPECT_GE(outer, 16 * MiB);
  EXPECT_GE(inner, 4 * MiB);
  EXPECT_LT(inner, 8 * MiB); // not the caller's 12
  EXPECT_GE(outer - inner, 12 * MiB);

  std::thread([&] {
    out = run_invocation(*find_task("touch_memory"), {"[0, 0]", "req-none"});
  }).join();
  ASSERT_TRUE(out.ok) << out.body;
  all = spans();
  server = find(all, "touch_memory");
  ASSERT_TRUE(server) << file.read();
  EXPECT_LT((*server)["attrs"]["fusion.fault_bytes"].get<std::int64_t>(),
            2 * MiB);
}

// What a task reports about the lock the program's instances share lands
// on its span (same-thread fused callees' included, as for the CPU); a task
// that reports nothing gets neither attribute.
TEST_F(Tracing, SharedLockWaitsAndHoldsAreRecordedPerSpan) {
  invocation_request req;
  req.payload = "[3000, 500]";
  req.request_id = "req-lock";
  invocation_outcome out;
  std::thread([&] {
    out = run_invocation(*find_task("lock_user"), req);
  }).join();
  ASSERT_TRUE(out.ok) << out.body;
  auto all = spans();
  const json *server = find(all, "lock_user");
  const json *local = find(all, "local lock_user");
  ASSERT_TRUE(server && local) << file.read();
  const json &a = (*server)["attrs"], &b = (*local)["attrs"];
  EXPECT_EQ(a["fusion.lock_wait_ns"], 3500000);
  EXPECT_EQ(b["fusion.lock_wait_ns"], 500000);
  // Two holds of 2 ms of spinning each (less CPU where the host is busy).
  std::int64_t outer = a["fusion.lock_hold_cpu_ns"],
               inner = b["fusion.lock_hold_cpu_ns"];
  EXPECT_GT(inner, 0);
  EXPECT_LE(inner, 2500000);
  EXPECT_GT(outer, inner);
  EXPECT_LE(outer, a["fusion.cpu_ns"].get<std::int64_t>());

  req.payload = "[20]";
  out = run_invocation(*find_task("fused_chain"), req);
  ASSERT_TRUE(out.ok) << out.body;
  all = spans();
  server = find(all, "fused_chain");
  ASSERT_TRUE(server) << file.read();
  EXPECT_FALSE((*server)["attrs"].contains("fusion.lock_wait_ns"));
  EXPECT_FALSE((*server)["attrs"].contains("fusion.lock_hold_cpu_ns"));
}

TEST_F(Tracing, ThrottledTimeOnlyWhenAsked) {
  auto run = [&] {
    invocation_request req;
    req.payload = "[20]";
    req.request_id = "req-t";
    // On a new thread: a task's first call there measures the run delay.
    invocation_outcome out;
    std::thread([&] {
      out = run_invocation(*find_task("fused_chain"), req);
    }).join();
    EXPECT_TRUE(out.ok) << out.body;
    auto all = spans();
    const json *server = find(all, "fused_chain");
    const json *add = find(all, "local add");
    EXPECT_TRUE(server && add) << file.read();
    return server && add ? std::make_pair((*server)["attrs"], (*add)["attrs"])
                         : std::make_pair(json(), json());
  };
  auto [server, add] = run();
  EXPECT_TRUE(add.contains("fusion.cpu_ns"));
  EXPECT_FALSE(server.contains("fusion.throttled_ns"));
  EXPECT_FALSE(add.contains("fusion.throttled_ns"));

  configure(sampler_kind::always_on, 1.0, 50000, /*cgroup_throttled=*/true);
  std::tie(server, add) = run();
  if (cgroup_throttled_ns() == no_run_delay)
    GTEST_SKIP() << "no readable cpu.stat for this process's CPU cgroup";
  EXPECT_GE(server["fusion.throttled_ns"].get<std::int64_t>(), 0);
  EXPECT_GE(add["fusion.throttled_ns"].get<std::int64_t>(), 0);
}

TEST(TraceConfig, ThrottledFromTheEnvironment) {
  ::unsetenv("FUSIONIZE_TRACE_THROTTLED");
  EXPECT_FALSE(trace_config::from_env().cgroup_throttled);
  for (const char *on : {"1", "true"}) {
    ::setenv("FUSIONIZE_TRACE_THROTTLED", on, 1);
    EXPECT_TRUE(trace_config::from_env().cgroup_throttled) << on;
  }
  for (const char *off : {"0", "false", "yes"}) {
    ::setenv("FUSIONIZE_TRACE_THROTTLED", off, 1);
    EXPECT_FALSE(trace_config::from_env().cgroup_throttled) << off;
  }
  ::unsetenv("FUSIONIZE_TRACE_THROTTLED");
}

TEST_F(Tracing, NestedFusedCallsAndFailures) {
  using fusionize::detail::task_glue;
  // A root span outside any invocation (plain program), with a child that
  // throws through it.
  EXPECT_THROW(task_glue<&fz_test::checked_div>::local(1, 0),
               std::invalid_argument);
  EXPECT_EQ(task_glue<&fz_test::fused_chain>::local(1), "hello, 2");
  auto all = spans();
  const json *div = find(all, "local checked_div");
  const json *chain = find(all, "local fused_chain");
  const json *add = find(all, "local add");
  ASSERT_TRUE(div && chain && add) << file.read();
  EXPECT_EQ((*div)["status"]["code"], 2);
  EXPECT_FALSE(div->contains("parentSpanId"));
  EXPECT_FALSE((*div)["attrs"].contains("fusion.caller"));
  EXPECT_EQ((*add)["parentSpanId"], (*chain)["spanId"]);
  EXPECT_EQ((*add)["traceId"], (*chain)["traceId"]);
  EXPECT_EQ((*add)["attrs"]["fusion.caller"], "fused_chain");
  // The thread's context is back to nothing after the calls.
  EXPECT_FALSE(t_hot.trace.has_trace());
  EXPECT_EQ(t_hot.task, nullptr);
  EXPECT_EQ(t_hot.depth, 0u);
}

TEST_F(Tracing, DeepNestingFallsBackToHeapFrames) {
  using fusionize::detail::task_glue;
  // Deeper than the per-thread frame stack (32).
  struct deep {
    static int go(int n) {
      if (n == 0)
        return 0;
      local_span span(task_glue<&fz_test::add>::info, true);
      return go(n - 1) + 1;
    }
  };
  EXPECT_EQ(deep::go(100), 100);
  EXPECT_EQ(t_hot.depth, 0u);
  EXPECT_EQ(t_hot.open_local, nullptr);
  auto all = spans();
  ASSERT_EQ(all.size(), 100u);
  // Each level is the child of the one around it.
  std::map<std::string, std::string> parent_of;
  for (const auto &s : all)
    parent_of[s["spanId"]] = s.value("parentSpanId", "");
  std::size_t roots = 0;
  for (const auto &[span, parent] : parent_of)
    roots += parent.empty() ? 1 : (parent_of.count(parent) ? 0 : 100);
  EXPECT_EQ(roots, 1u);
}

TEST_F(Tracing, CpuTimeIsMeasuredForLongCallsOnly) {
  using fusionize::detail::task_glue;
  configure(sampler_kind::always_on, 1.0, /*cpu_threshold_ns=*/0);
  task_glue<&fz_test::add>::local(1, 2);
  task_glue<&fz_test::add>::local(1, 2);
  auto measured = spans();
  ASSERT_EQ(measured.size(), 2u);
  for (const auto &s : measured)
    EXPECT_FALSE(s["attrs"].contains("fusion.cpu_estimated")) << s.dump();

  configure(sampler_kind::always_on, 1.0, /*cpu_threshold_ns=*/3600e9);
  // A fresh thread has no history: its first call is measured, the next
  // ones (all far below an hour) are estimated from wall time.
  std::thread([] {
    task_glue<&fz_test::add>::local(1, 2);
    task_glue<&fz_test::add>::local(1, 2);
  }).join();
  auto mixed = spans();
  ASSERT_EQ(mixed.size(), 2u);
  EXPECT_EQ(mixed[0]["attrs"].count("fusion.cpu_estimated") +
                mixed[1]["attrs"].count("fusion.cpu_estimated"),
            1u);
}

// Asynchronous work's span begins where it was dispatched, and the wait for
// a worker (in a throttled instance, for the next quota) is its run delay,
// not its caller's time. fusionize::async marks the dispatch (AsyncTest);
// here the worker's side, with a dispatch 30 ms ago.
TEST_F(Tracing, AsynchronousWorkBeginsWhereItWasDispatched) {
  using fusionize::detail::task_glue;
  if (thread_run_delay_ns() == no_run_delay)
    GTEST_SKIP() << "no /proc/thread-self/schedstat here";
  auto ago = [](double ms) {
    return fast_clock::now() -
           std::uint64_t(ms * 1e6 / fast_clock::ns_per_tick());
  };
  auto ns = [](const json &span, const char *key) {
    return std::stoll(span[key].get<std::string>());
  };
  t_hot.dispatched = ago(30);
  EXPECT_EQ(task_glue<&fz_test::add>::local_async(1, 2), 3);
  EXPECT_EQ(t_hot.dispatched, 0u) << "the first span takes the dispatch";
  // A synchronous call never waits for a worker.
  t_hot.dispatched = ago(30);
  task_glue<&fz_test::add>::local(1, 2);
  EXPECT_EQ(t_hot.dispatched, 0u);

  auto all = spans();
  ASSERT_EQ(all.size(), 2u) << file.read();
  const json &queued = all[0], &sync = all[1];
  EXPECT_EQ(queued["attrs"]["fusion.sync"], false);
  long long wall =
      ns(queued, "endTimeUnixNano") - ns(queued, "startTimeUnixNano");
  EXPECT_GE(wall, 29900000) << queued.dump();
  std::int64_t delay = queued["attrs"]["fusion.run_delay_ns"];
  EXPECT_GE(delay, 29900000) << queued.dump();
  EXPECT_LE(delay, wall + 50000);
  EXPECT_LT(ns(sync, "endTimeUnixNano") - ns(sync, "startTimeUnixNano"),
            29900000)
      << sync.dump();
  EXPECT_GE(queued["attrs"].value("fusion.queued_ns", std::int64_t(-1)),
            29900000);
  EXPECT_FALSE(sync["attrs"].contains("fusion.queued_ns"));

  // A worker that took the work up at once (under the 1 ms that makes the
  // run delay read) begins there too: the planner orders the dispatch
  // among the caller's calls by it.
  t_hot.dispatched = ago(0.4);
  task_glue<&fz_test::add>::local_async(1, 2);
  // A remote asynchronous call's CLIENT span as well; another span on the
  // worker's thread takes the dispatch away without moving.
  t_hot.dispatched = ago(20);
  {
    span_builder client("invoke add", span_kind::client, parent_context(true),
                        /*measure_cpu=*/false);
  }
  EXPECT_EQ(t_hot.dispatched, 0u);
  t_hot.dispatched = ago(20);
  {
    span_builder server("add", span_kind::server, parent_context(true),
                        /*measure_cpu=*/false);
  }
  EXPECT_EQ(t_hot.dispatched, 0u);
  all = spans();
  ASSERT_EQ(all.size(), 3u) << file.read();
  std::map<int, long long> wallOf, queuedOf; // by span kind
  for (const json &span : all) {
    wallOf[span["kind"].get<int>()] =
        ns(span, "endTimeUnixNano") - ns(span, "startTimeUnixNano");
    queuedOf[span["kind"].get<int>()] =
        span["attrs"].value("fusion.queued_ns", std::int64_t(-1));
  }
  // The spans that begin at their dispatch say how long the work waited
  // for a worker (which marks them as beginning there).
  EXPECT_GE(queuedOf[1], 390000);
  EXPECT_LT(queuedOf[1], wallOf[1] + 1);
  EXPECT_GE(queuedOf[3], 19900000);
  EXPECT_EQ(queuedOf[2], -1);

  EXPECT_GE(wallOf[1], 390000) << "the fused call: " << file.read();
  EXPECT_GE(wallOf[3], 19900000) << "the CLIENT span: " << file.read();
  EXPECT_LT(wallOf[2], 19900000) << "the SERVER span: " << file.read();
}

TEST_F(Tracing, ParentBasedSampling) {
  configure(sampler_kind::always_off);
  invocation_request req;
  req.payload = "[1, 2]";
  run_invocation(*find_task("add"), req); // no parent: the sampler says no
  req.parent = parent_context(false);
  run_invocation(*find_task("add"), req); // the parent says no
  EXPECT_TRUE(spans().empty());
  req.parent = parent_context(true); // the parent says yes: recorded
  run_invocation(*find_task("add"), req);
  EXPECT_EQ(spans().size(), 1u);
  // X-Ray without a decision: the sampler decides.
  req.parent = parse_xray("Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Sampled=?");
  run_invocation(*find_task("add"), req);
  EXPECT_TRUE(spans().empty());
}

TEST_F(Tracing, RatioSamplerDecidesOnTheTraceId) {
  configure(sampler_kind::ratio, 0.25);
  trace_id low{}, high{};
  low[15] = 1;
  high.fill(0xff);
  EXPECT_TRUE(sample_root(low));
  EXPECT_FALSE(sample_root(high));
  std::size_t sampled = 0;
  for (int i = 0; i < 4000; ++i)
    sampled += sample_root(new_trace_id());
  EXPECT_GT(sampled, 500u); // 1000 expected; a binomial tail guard only
  EXPECT_LT(sampled, 1500u);
}

TEST_F(Tracing, OffMeansNoSpansAndNoFlag) {
  configure_tracing(trace_config{});
  EXPECT_FALSE(tracing_enabled());
  fusionize::detail::task_glue<&fz_test::add>::local(1, 2);
  invocation_request req;
  req.payload = "[1, 2]";
  run_invocation(*find_task("add"), req);
  flush_traces();
  EXPECT_EQ(file.read(), "");
}

TEST_F(Tracing, OtlpHttpExport) {
  fz_test::test_server collector;
  std::mutex mu;
  std::vector<std::string> bodies;
  collector.server.Post(
      "/v1/traces", [&](const httplib::Request &req, httplib::Response &res) {
        std::lock_guard<std::mutex> lock(mu);
        EXPECT_EQ(req.get_header_value("Content-Type"), "application/json");
        bodies.push_back(req.body);
        res.set_content("{}", "application/json");
      });
  collector.start();
  trace_config c;
  c.otlp_endpoint = collector.url() + "/v1/traces";
  configure_tracing(c);
  EXPECT_TRUE(tracing_enabled());
  invocation_request req;
  req.payload = "[1, 2]";
  run_invocation(*find_task("add"), req);
  flush_traces();
  configure_tracing(trace_config{}); // closes the exporter's connection
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(bodies.size(), 1u);
  auto all = fz_test::parse_spans(bodies[0]);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["name"], "add");
}

TEST_F(Tracing, BufferIsBounded) {
  trace_config c;
  c.file = file.path();
  c.max_buffered = 10;
  c.batch = 1000; // never wake the exporter: only the bound applies
  configure_tracing(c);
  testing::internal::CaptureStderr();
  for (int i = 0; i < 25; ++i)
    fusionize::detail::task_glue<&fz_test::add>::local(i, i);
  auto all = spans();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(all.size(), 10u);
  EXPECT_THAT(err, HasSubstr("dropped 15 spans"));
}

TEST(TraceConfig, FromEnvironment) {
  setenv("FUSIONIZE_TRACE_FILE", "/tmp/x.jsonl", 1);
  setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio", 1);
  setenv("OTEL_TRACES_SAMPLER_ARG", "0.1", 1);
  setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/", 1);
  setenv("OTEL_RESOURCE_ATTRIBUTES",
         "deployment.environment=test,service.name=svc", 1);
  setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256", 1);
  trace_config c = trace_config::from_env();
  unsetenv("FUSIONIZE_TRACE_FILE");
  unsetenv("OTEL_TRACES_SAMPLER");
  unsetenv("OTEL_TRACES_SAMPLER_ARG");
  unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
  unsetenv("OTEL_RESOURCE_ATTRIBUTES");
  unsetenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
  EXPECT_EQ(c.file, "/tmp/x.jsonl");
  EXPECT_EQ(c.sampler, sampler_kind::ratio);
  EXPECT_DOUBLE_EQ(c.ratio, 0.1);
  EXPECT_EQ(c.otlp_endpoint, "http://collector:4318/v1/traces");
  std::map<std::string, attribute_value> r;
  for (const auto &a : c.resource)
    r[a.key] = a.value;
  EXPECT_EQ(std::get<std::string>(r["service.name"]), "svc");
  EXPECT_EQ(std::get<std::string>(r["deployment.environment"]), "test");
  EXPECT_EQ(std::get<std::int64_t>(r["faas.max_memory"]), 256 * 1024 * 1024);
  EXPECT_EQ(std::get<std::string>(r["fusion.group"]), group_name());
  EXPECT_EQ(std::get<std::string>(r["cloud.provider"]), "fusionize");
}

TEST(TraceExport, StringsAreEscapedAndAlwaysValidJson) {
  span_record s;
  s.trace = new_trace_id();
  s.span = 42;
  s.name = "quote \" backslash \\ newline \n tab \t nul " +
           std::string(1, '\0') + " bell \x07 \xc3\xa9 \xf0\x9f\x98\x80";
  s.attributes = {{"bad.utf8", std::string("a\xff"
                                           "b\xc3"
                                           "c\xed\xa0\x80"
                                           "d")},
                  {"int", std::int64_t(-9007199254740993)},
                  {"bool", false},
                  {"double", 0.1},
                  {"inf", std::numeric_limits<double>::infinity()}};
  s.error = true;
  s.status_message = "failed: \"x\"";
  json doc = json::parse(otlp_document({s}));
  const json &span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(span["name"], s.name);
  EXPECT_EQ(span["spanId"], "000000000000002a");
  EXPECT_EQ(span["status"]["message"], "failed: \"x\"");
  const json &a = span["attributes"];
  EXPECT_EQ(a[0]["value"]["stringValue"],
            "a\xef\xbf\xbd"
            "b\xef\xbf\xbd"
            "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
            "d");
  EXPECT_EQ(a[1]["value"]["intValue"], "-9007199254740993");
  EXPECT_EQ(a[2]["value"]["boolValue"], false);
  EXPECT_EQ(a[3]["value"]["doubleValue"], 0.1);
  EXPECT_EQ(a[4]["value"]["stringValue"], "Infinity");
}

TEST_F(Tracing, OutputMatchesTheOtlpSchema) {
  using fusionize::detail::task_glue;
  // Every kind of span the runtime writes, failures included.
  invocation_request req;
  req.payload = "[3]";
  req.parent = parent_context(true);
  run_invocation(*find_task("fused_chain"), req);
  req.payload = "[1, 0]";
  run_invocation(*find_task("checked_div"), req);
  EXPECT_THROW(task_glue<&fz_test::checked_div>::local(1, 0),
               std::invalid_argument);
  {
    span_builder client("invoke add", span_kind::client, parent_context(true),
                        false);
    client.set("faas.invoked_name", std::string("add"));
    client.set("fusion.bytes_req", std::int64_t(5));
    client.set("ratio", 0.5);
    client.fail("fusionize.Timeout", "too slow");
  }
  flush_traces();
  // validate.py reads one document per file.
  std::istringstream lines(file.read());
  std::string line, files;
  std::vector<std::unique_ptr<fz_test::temp_file>> docs;
  while (std::getline(lines, line)) {
    docs.push_back(std::make_unique<fz_test::temp_file>("otlp-doc"));
    std::ofstream(docs.back()->path()) << line;
    files += " " + docs.back()->path();
  }
  ASSERT_FALSE(docs.empty());
  std::string out =
      fz_test::run_command("python3 " FUSIONIZE_SOURCE_DIR
                           "/test/scripts/validate.py otlp-traces.schema.json" +
                           files + " 2>&1; echo status=$?");
  EXPECT_THAT(out, HasSubstr("status=0")) << out;
}

TEST(TraceConfig, UnusableCollectorUrlIsReported) {
  trace_config c;
  c.otlp_endpoint = "ftp://collector/v1/traces";
  testing::internal::CaptureStderr();
  configure_tracing(c);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(tracing_enabled());
  EXPECT_THAT(err, HasSubstr("is not a usable URL"));
  configure_tracing(trace_config{});
}
