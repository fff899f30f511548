//===- AsyncTest.cpp - fusionize::async across an invocation --------------===//
#include "TestSupport.h"
#include "TestTasks.h"

#include "config.h"
#include "context.h"
#include "dispatch.h"
#include "fast_clock.h"
#include "registry.h"
#include "trace.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>

using namespace fusionize::detail;
using nlohmann::json;
using testing::HasSubstr;

namespace {

/// A latch the test opens; work reports that it is waiting at it.
struct gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false, reached = false;
  void pass() {
    std::unique_lock<std::mutex> lock(mu);
    reached = true;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  void wait_reached() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return reached; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
};

gate *first_gate, *second_gate;
std::atomic<bool> nested_done{false};

void nested_entry(invocation &inv) {
  fusionize::async(+[] {
    first_gate->pass();
    fusionize::async(+[] {
      second_gate->pass();
      nested_done = true;
    });
  });
  inv.result = "null";
}

struct observed {
  std::string trace, task, request_id;
} seen_in_work;

void observing_entry(invocation &inv) {
  fusionize::async(+[] {
    seen_in_work.trace = to_hex(t_hot.trace.trace.data(), 16);
    seen_in_work.task = t_hot.task ? t_hot.task : "";
    auto cur = current_invocation();
    seen_in_work.request_id = cur ? cur->request_id : "";
  }).get();
  inv.result = "null";
}

void failing_async_entry(invocation &inv) {
  fusionize::async(&task_glue<&fz_test::record>::local_async,
                   std::string("boom"));
  inv.result = "null";
}

void remote_event_entry(invocation &inv) {
  fusionize::async(&task_glue<&fz_test::record>::remote_async,
                   std::string("evt"));
  inv.result = "null";
}

const task_info nested_info = {"nested", 0, kAbiVersion};
const task_info observing_info = {"observing", 0, kAbiVersion};
const task_info failing_info = {"failing_async", 0, kAbiVersion};
const task_info event_info = {"remote_event", 0, kAbiVersion};
const task_registration kRegs[] = {
    {&nested_info, nested_entry, nullptr, 0, kAbiVersion},
    {&observing_info, observing_entry, nullptr, 0, kAbiVersion},
    {&failing_info, failing_async_entry, nullptr, 0, kAbiVersion},
    {&event_info, remote_event_entry, nullptr, 0, kAbiVersion},
};
const bool registered = (__fusionize_register_tasks(kRegs, 4), true);

invocation_outcome invoke(const char *task, std::string_view payload = "") {
  invocation_request req;
  req.payload = payload;
  req.request_id = std::string("req-") + task;
  return run_invocation(*find_task(task), req);
}

} // namespace

TEST(Async, InvocationWaitsForNestedWork) {
  ASSERT_TRUE(registered);
  gate g1, g2;
  first_gate = &g1;
  second_gate = &g2;
  nested_done = false;
  std::atomic<bool> finished{false};
  std::thread caller([&] {
    invoke("nested");
    finished = true;
  });
  g1.wait_reached();
  EXPECT_FALSE(finished) << "answered while its async work waits";
  g1.release();
  g2.wait_reached();
  // The first piece of work has returned; the one it started has not.
  EXPECT_FALSE(finished) << "answered while nested async work waits";
  g2.release();
  caller.join();
  EXPECT_TRUE(nested_done);
}

TEST(Async, FanOutIsCompleteWhenTheInvocationAnswers) {
  fz_test::clear_records();
  invocation_outcome out = invoke("fan_out", "[3, 3]");
  ASSERT_TRUE(out.ok) << out.body;
  EXPECT_EQ(out.body, "39");
  EXPECT_EQ(fz_test::records().size(), 39u);
}

TEST(Async, ContextFollowsTheWork) {
  invocation_request req;
  req.payload = "";
  req.request_id = "req-ctx";
  req.parent = parse_traceparent(
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  run_invocation(*find_task("observing"), req);
  EXPECT_EQ(seen_in_work.trace, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(seen_in_work.task, "observing");
  EXPECT_EQ(seen_in_work.request_id, "req-ctx");
}

TEST(Async, VoidTaskFailuresAreLoggedAndTraced) {
  fz_test::temp_file file("async-trace");
  trace_config tc;
  tc.file = file.path();
  configure_tracing(tc);
  testing::internal::CaptureStderr();
  invocation_outcome out = invoke("failing_async");
  std::string err = testing::internal::GetCapturedStderr();
  flush_traces();
  configure_tracing(trace_config{});
  EXPECT_TRUE(out.ok) << "a fire-and-forget failure does not fail the caller";
  EXPECT_THAT(err, HasSubstr("asynchronous task 'record' failed: "
                             "std::runtime_error: cannot record boom"));
  const json *span = nullptr;
  auto spans = fz_test::parse_spans(file.read());
  for (const auto &s : spans)
    if (s["name"] == "local record")
      span = &s;
  ASSERT_NE(span, nullptr) << file.read();
  EXPECT_EQ((*span)["status"]["code"], 2);
  EXPECT_EQ((*span)["attrs"]["exception.type"], "std::runtime_error");
  EXPECT_EQ((*span)["attrs"]["fusion.sync"], false);
}

TEST(Async, UndeliverableEventsAreReportedWithTheTaskName) {
  runtime_config c;
  c.endpoint = "http://127.0.0.1:1"; // nothing listens on port 1
  c.event_retries = 0;
  set_config(c);
  testing::internal::CaptureStderr();
  invocation_outcome out = invoke("remote_event");
  std::string err = testing::internal::GetCapturedStderr();
  set_config(runtime_config{});
  EXPECT_TRUE(out.ok);
  EXPECT_THAT(err, HasSubstr("asynchronous task 'record' failed: "
                             "fusionize::remote_error: task 'record' failed: "
                             "fusionize.TransportError"));
}

TEST(Async, FuturesReturnResultsAndRethrow) {
  auto sum = fusionize::async(&fz_test::add, 2, 3);
  EXPECT_EQ(sum.get(), 5);
  EXPECT_EQ(sum.get(), 5);
  auto bad = fusionize::async(&fz_test::checked_div, 1, 0);
  EXPECT_THROW(bad.get(), std::invalid_argument);
  // Arguments are copied at the call.
  std::string name = "before";
  auto greeting = fusionize::async(&fz_test::greet, name);
  name = "after";
  EXPECT_EQ(greeting.get(), "hello, before");
  // A void task's failure is not rethrown to the caller.
  testing::internal::CaptureStderr();
  auto v = fusionize::async(&fz_test::fail, std::string("runtime"));
  EXPECT_NO_THROW(v.get());
  EXPECT_THAT(
      testing::internal::GetCapturedStderr(),
      HasSubstr("asynchronous work failed: std::runtime_error: it broke"));
}

// The work knows when it was dispatched (its span begins there: TraceTest),
// each piece its own.
TEST(Async, WorkKnowsWhenItWasDispatched) {
  std::atomic<std::uint64_t> seen{1};
  std::uint64_t before = fast_clock::now();
  fusionize::async(
      +[](std::atomic<std::uint64_t> *seen) { seen->store(t_hot.dispatched); },
      &seen)
      .wait();
  std::uint64_t after = fast_clock::now();
  EXPECT_GE(seen.load(), before);
  EXPECT_LE(seen.load(), after);
  EXPECT_EQ(t_hot.dispatched, 0u) << "the caller's thread is left alone";
  // Most likely on the same worker, now idle.
  fusionize::async(
      +[](std::atomic<std::uint64_t> *seen) { seen->store(t_hot.dispatched); },
      &seen)
      .wait();
  EXPECT_GE(seen.load(), after);
}

TEST(AsyncDeathTest, OutstandingWorkIsDrainedAtExit) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        fusionize::async(+[] {
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
          fusionize::async(
              +[] { std::fputs("late nested work done\n", stderr); });
        });
        std::exit(0);
      },
      testing::ExitedWithCode(0), "late nested work done");
}
