//===- fusionize/lock.h - A lock the program's instances share ------------===//
//
//   // A database's busy handler, after each sleep:
//   fusionize::record_lock_wait(std::chrono::milliseconds(slept));
//
//   // Around a write transaction:
//   {
//     fusionize::lock_hold hold;
//     db.execute("BEGIN IMMEDIATE"); ...; db.execute("COMMIT");
//   }
//
// Instances of different fusion groups (and of one group) may share a lock
// outside the program: a database's write lock, say. How long a writer
// waits depends on the plan (a holder that its instance's CPU quota stops
// holds the lock a quota period longer), so the planner cannot take it as
// the task's own waiting. Tracing records what these calls report on the
// span of the task that made them: fusion.lock_wait_ns (the time it waited
// for the lock) and fusion.lock_hold_cpu_ns (the CPU it spent holding it);
// the cost model then simulates the lock in every plan (docs/planning.md).
// Both cost a thread-local update (and lock_hold a CPU clock read at each
// end); without tracing they are recorded all the same and never exported.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_LOCK_H
#define FUSIONIZE_LOCK_H

#include <chrono>
#include <cstdint>

namespace fusionize {

/// The calling thread waited `waited` for the shared lock (a busy
/// handler's sleep, a retry's backoff).
void record_lock_wait(std::chrono::nanoseconds waited) noexcept;

/// While alive, the calling thread holds the shared lock (or is about to
/// take it: waiting for it costs no CPU). Nested holds count once.
class lock_hold {
public:
  lock_hold() noexcept;
  ~lock_hold();
  lock_hold(const lock_hold &) = delete;
  lock_hold &operator=(const lock_hold &) = delete;
};

} // namespace fusionize

#endif // FUSIONIZE_LOCK_H
