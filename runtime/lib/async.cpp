//===- async.cpp - fusionize::async: threads, accounting, failures --------===//
//
// Asynchronous work runs on a cached pool: an idle worker takes it, else a
// new thread starts (a fixed-size pool could deadlock when work waits for
// other work); workers idle for a minute exit. Every piece of work counts
// towards the invocation that started it, or its ancestor's, and towards
// the process: an invocation answers only when its count is zero, and the
// process drains its count at exit.
//
//===----------------------------------------------------------------------===//
#include "async.h"
#include "context.h"
#include "fast_clock.h"
#include "trace.h"
#include "util.h"

#include <fusionize/detail/runtime_api.h>
#include <fusionize/errors.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>

namespace fusionize::detail {

namespace {

thread_local bool t_is_worker = false;

class worker_pool {
public:
  void submit(std::function<void()> job) {
    std::unique_lock<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
    if (idle_ >= jobs_.size()) {
      cv_.notify_one();
      return;
    }
    try {
      std::thread([this] { run(); }).detach();
    } catch (const std::system_error &) {
      // No thread to be had: run it here rather than lose it.
      job = std::move(jobs_.back());
      jobs_.pop_back();
      lock.unlock();
      job();
    }
  }

private:
  void run() {
    t_is_worker = true;
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (jobs_.empty()) {
        ++idle_;
        bool woken = cv_.wait_for(lock, std::chrono::seconds(60),
                                  [&] { return !jobs_.empty(); });
        --idle_;
        if (!woken)
          return;
      }
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      job = nullptr;
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::size_t idle_ = 0;
};

// Never destroyed: detached workers use them until the process ends.
worker_pool &pool() {
  static worker_pool *p = new worker_pool;
  return *p;
}

work_tracker &all_work() {
  static work_tracker *w = new work_tracker;
  return *w;
}

void drain_at_exit() {
  // exit() called from asynchronous work must not wait for itself.
  wait_for_all_async_work(t_is_worker ? 1 : 0);
  flush_traces();
}

} // namespace

void wait_for_all_async_work(std::size_t limit) { all_work().wait(limit); }

void spawn_async(std::function<void()> work) {
  static std::once_flag registered;
  std::call_once(registered, [] { std::atexit(drain_at_exit); });

  std::shared_ptr<invocation_context> inv = current_invocation();
  if (!inv)
    inv = process_context();
  span_context trace = t_hot.trace;
  const char *task = t_hot.task;
  inv->work.add();
  all_work().add();
  std::uint64_t dispatched = fast_clock::now();
  pool().submit(
      [inv, trace, task, dispatched, work = std::move(work)]() mutable {
        {
          scoped_context scope(inv, trace, task);
          t_hot.dispatched = dispatched; // the scope restores what was there
          try {
            work();
          } catch (...) {
            report_async_failure(nullptr, std::current_exception());
          }
          work = nullptr; // release what it holds before anyone is told
        }
        // The order matters: the invocation may end (and release `inv`) as
        // soon as its count drops.
        all_work().done();
        inv->work.done();
      });
}

void report_async_failure(const task_info *task,
                          std::exception_ptr error) noexcept {
  try {
    exception_description what = describe_exception(error);
    std::string name;
    if (task && task->name) {
      name = task->name;
    } else {
      try {
        std::rethrow_exception(error);
      } catch (const remote_error &e) {
        name = e.task();
      } catch (...) {
      }
    }
    log_line((name.empty() ? std::string("asynchronous work")
                           : "asynchronous task '" + name + "'") +
             " failed: " + what.type + ": " + what.message);
    // The fused call's own span carries the failure; a remote event that
    // could not be delivered already has a failed CLIENT span; anything
    // else gets a span of its own so the failure is visible in the trace.
    if (fail_open_local_span(what) || !tracing_enabled())
      return;
    span_builder span("async failure" + (name.empty() ? "" : " " + name),
                      span_kind::internal, t_hot.trace, false);
    if (!name.empty())
      span.set("fusion.task", name);
    span.set("fusion.sync", false);
    span.fail(what.type, what.message);
  } catch (...) {
    // Reporting must never throw into the task's thread.
  }
}

} // namespace fusionize::detail
