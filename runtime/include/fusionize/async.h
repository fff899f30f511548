//===- fusionize/async.h - Asynchronous task calls -------------------------===//
//
//   fusionize::future<Report> f = fusionize::async(analyze, frame);
//   ...
//   Report r = f.get();
//
// fusionize::async(task, args...) starts `task` concurrently and returns a
// future. The arguments are copied (converted to the task's parameter types)
// at the call, as they would be serialized for a remote call.
//
// Semantics that hold for every plan, local or remote:
//  * A task with a result: get() returns it or rethrows its exception (a
//    remote call in the background, RequestResponse).
//  * A void task is fire-and-forget, like a Lambda Event: get()/wait()
//    return once the task has finished (in-process) or once the platform has
//    accepted the event (remote); a failure of the task is logged and traced
//    by whoever runs it, never rethrown to the caller.
//  * An invocation does not complete before all asynchronous work it started
//    has finished or been accepted, so nothing is silently lost.
//
// With the fusionize plugin, `task` must be a [[fusionize::task]] function
// named directly; the call is an `async` edge of the task graph. In a plain
// build any function works and runs on a thread of the runtime.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_ASYNC_H
#define FUSIONIZE_ASYNC_H

#include <fusionize/detail/runtime_api.h>

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace fusionize {

namespace detail {

template <class R> struct future_state {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::exception_ptr error;
  std::optional<R> value;

  void finish() {
    {
      std::lock_guard<std::mutex> lock(mu);
      done = true;
    }
    cv.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [this] { return done; });
  }
};

template <> struct future_state<void> {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::exception_ptr error;

  void finish() {
    {
      std::lock_guard<std::mutex> lock(mu);
      done = true;
    }
    cv.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [this] { return done; });
  }
};

} // namespace detail

/// The result of fusionize::async. Copyable; all copies share one state.
template <class R> class future {
public:
  future() = default;
  explicit future(std::shared_ptr<detail::future_state<R>> state)
      : state_(std::move(state)) {}

  bool valid() const noexcept { return state_ != nullptr; }
  bool ready() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->done;
  }
  void wait() const { state_->wait(); }

  /// Waits and returns the result, or rethrows the task's exception.
  R get() const {
    state_->wait();
    if (state_->error)
      std::rethrow_exception(state_->error);
    if constexpr (!std::is_void_v<R>)
      return *state_->value;
  }

private:
  std::shared_ptr<detail::future_state<R>> state_;
};

template <class R, class... P, class... Args>
future<R> async(R (*task)(P...), Args &&...args) {
  static_assert(sizeof...(P) == sizeof...(Args),
                "fusionize::async: wrong number of arguments for the task");
  auto state = std::make_shared<detail::future_state<R>>();
  std::tuple<std::decay_t<P>...> bound(std::forward<Args>(args)...);
  // A noexcept task converts to `task` too (function pointer conversion).
  detail::spawn_async([state, task, bound = std::move(bound)]() mutable {
    try {
      if constexpr (std::is_void_v<R>) {
        std::apply(task, std::move(bound));
      } else {
        state->value.emplace(std::apply(task, std::move(bound)));
      }
    } catch (...) {
      if constexpr (std::is_void_v<R>)
        detail::report_async_failure(nullptr, std::current_exception());
      else
        state->error = std::current_exception();
    }
    state->finish();
  });
  return future<R>(std::move(state));
}

} // namespace fusionize

#endif // FUSIONIZE_ASYNC_H
