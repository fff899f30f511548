//===- fusionize/glue.h - Per-task glue, instantiated by the plugin -------===//
//
// Users never include this header: the fusionize clang plugin includes it at
// the end of every translation unit that declares a task, and instantiates
// task_glue<&F> for each task F it needs. The fusion pass then decides, per
// fusion group, which of these functions each use of F becomes:
//
//   entry         decodes a payload, calls F, encodes the result   (F's group)
//   local         F itself, plus an INTERNAL span when tracing      (F's group)
//   local_async   the same, as the target of fusionize::async       (F's group)
//   remote        same signature as F, invokes F's function         (elsewhere)
//   remote_async  the same, as the target of fusionize::async       (elsewhere)
//
// `info` is only declared here: the fusion pass defines it in every object
// that uses it (name and flags of the task; see detail/abi.h).
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_GLUE_H
#define FUSIONIZE_GLUE_H

#include <fusionize/fusionize.h>

#include <tuple>
#include <type_traits>
#include <utility>

#pragma clang diagnostic push
// `info` is defined by the fusion pass, not in C++.
#pragma clang diagnostic ignored "-Wundefined-var-template"

namespace fusionize::detail {

/// An INTERNAL span around a fused call; free when tracing is off.
class local_span {
public:
  local_span(const task_info &task, bool sync) noexcept
      : span_(tracing_enabled() ? begin_local_span(task, sync) : nullptr),
        exceptions_(span_ ? std::uncaught_exceptions() : 0) {}
  ~local_span() {
    if (span_)
      end_local_span(span_, std::uncaught_exceptions() > exceptions_);
  }
  local_span(const local_span &) = delete;
  local_span &operator=(const local_span &) = delete;

private:
  void *span_;
  int exceptions_;
};

/// Measures the CPU time of a task's own run in an entry (while tracing):
/// what fusing keeps of an invocation, its codec left out.
class task_cpu_window {
public:
  explicit task_cpu_window(invocation &inv) noexcept
      : inv_(inv), start_(tracing_enabled() ? thread_cpu_clock_ns() : 0) {}
  ~task_cpu_window() { close(); }
  task_cpu_window(const task_cpu_window &) = delete;
  task_cpu_window &operator=(const task_cpu_window &) = delete;
  void close() noexcept {
    if (!start_)
      return;
    inv_.task_cpu_ns = thread_cpu_clock_ns() - start_;
    inv_.task_cpu_measured = true;
    start_ = 0;
  }

private:
  invocation &inv_;
  std::uint64_t start_;
};

template <auto F, bool NoExcept, class R, class... A> struct glue_impl {
  static const task_info info;

  static void entry(invocation &inv) {
    auto args = decode_args<std::decay_t<A>...>(inv);
    task_cpu_window window(inv);
    if constexpr (std::is_void_v<R>) {
      std::apply(F, std::move(args));
      window.close();
      inv.result = "null";
    } else {
      const R &result = std::apply(F, std::move(args));
      window.close();
      inv.result = encode_result<R>(result);
    }
  }

  static R remote(A... a) noexcept(NoExcept) {
    std::string body = invoke_remote(info, encode_args<std::decay_t<A>...>(a...),
                                     invoke_kind::request_response);
    if constexpr (!std::is_void_v<R>)
      return decode_result<R>(info, body);
  }

  static R remote_async(A... a) noexcept(NoExcept) {
    if constexpr (std::is_void_v<R>) {
      invoke_remote(info, encode_args<std::decay_t<A>...>(a...),
                    invoke_kind::event);
    } else {
      return remote(static_cast<A &&>(a)...);
    }
  }

  static R local(A... a) noexcept(NoExcept) {
    local_span span(info, /*sync=*/true);
    return F(static_cast<A &&>(a)...);
  }

  static R local_async(A... a) noexcept(NoExcept) {
    local_span span(info, /*sync=*/false);
    if constexpr (std::is_void_v<R>) {
      // Fire-and-forget: a failure is reported here, with the task's name.
      try {
        F(static_cast<A &&>(a)...);
      } catch (...) {
        report_async_failure(&info, std::current_exception());
      }
    } else {
      return F(static_cast<A &&>(a)...);
    }
  }
};

template <auto F, class Fn> struct glue_of;
template <auto F, class R, class... A> struct glue_of<F, R (*)(A...)> {
  using type = glue_impl<F, false, R, A...>;
};
template <auto F, class R, class... A>
struct glue_of<F, R (*)(A...) noexcept> {
  using type = glue_impl<F, true, R, A...>;
};

/// The glue of task F; the plugin instantiates the members it needs.
template <auto F> struct task_glue : glue_of<F, decltype(F)>::type {};

} // namespace fusionize::detail

#pragma clang diagnostic pop

#endif // FUSIONIZE_GLUE_H
