//===- context.h - What the runtime knows about the running code ----------===//
//
// Every thread carries the trace context of the span it is in, the task it is
// running (the caller of the calls it makes) and the invocation its work
// counts towards. The dispatcher sets them for an invocation; spawn_async
// hands them to the worker thread; fused calls update them on the way in and
// out.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_RUNTIME_CONTEXT_H
#define FUSIONIZE_RUNTIME_CONTEXT_H

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace fusionize::detail {

using trace_id = std::array<std::uint8_t, 16>;

/// A position in a trace: the span new spans become children of.
struct span_context {
  trace_id trace{};       // all zero: no trace
  std::uint64_t span = 0; // 0: no parent span (the trace id may be known)
  bool sampled = false;
  bool decided = true; // false: the sampler decides (X-Ray Sampled=?)

  bool has_trace() const noexcept {
    for (std::uint8_t b : trace)
      if (b)
        return true;
    return false;
  }
};

/// Counts outstanding asynchronous work and waits for it.
class work_tracker {
public:
  void add() noexcept;
  void done() noexcept;
  /// Blocks until at most `limit` pieces of work are outstanding.
  void wait(std::size_t limit = 0);
  std::size_t outstanding();

private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t count_ = 0;
};

/// One invocation (or, for work started outside any invocation, the
/// process): what remote calls and asynchronous work inherit.
struct invocation_context {
  std::string task; // the invoked task ("" for the process)
  std::string request_id;
  std::int64_t deadline_ms = 0; // Unix ms; 0: none
  work_tracker work;            // asynchronous work started on its behalf
};

/// The per-thread state fused calls touch: trivially constructible, so a
/// thread_local access is a plain TLS load.
struct thread_hot_state {
  span_context trace;         // the active span
  const char *task = nullptr; // the task running on this thread
  void *open_local = nullptr; // innermost open INTERNAL span (a local_frame)
  unsigned depth = 0; // INTERNAL spans open on this thread's frame stack
  /// When the asynchronous work starting on this thread was dispatched
  /// (fast_clock ticks; 0: none): its span begins there, and the wait for
  /// a thread to take it up counts as run delay (in a throttled instance a
  /// new or woken worker waits for the next quota, which is not the
  /// caller's time).
  std::uint64_t dispatched = 0;
};

inline thread_local thread_hot_state t_hot;

/// The invocation the calling thread works for (null outside any).
std::shared_ptr<invocation_context> current_invocation();
void set_current_invocation(std::shared_ptr<invocation_context> inv);

/// The context of work started outside any invocation; never destroyed.
const std::shared_ptr<invocation_context> &process_context();

/// Installs an invocation, trace context and task on this thread and
/// restores what was there when it goes out of scope.
class scoped_context {
public:
  scoped_context(std::shared_ptr<invocation_context> inv,
                 const span_context &trace, const char *task);
  ~scoped_context();
  scoped_context(const scoped_context &) = delete;
  scoped_context &operator=(const scoped_context &) = delete;

private:
  std::shared_ptr<invocation_context> saved_inv_;
  thread_hot_state saved_;
};

} // namespace fusionize::detail

#endif // FUSIONIZE_RUNTIME_CONTEXT_H
