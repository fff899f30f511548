//===- fast_clock.h - Cheap timestamps for fused-call spans ---------------===//
//
// Two clock_gettime() calls are half of what an INTERNAL span costs (about
// 25 ns each through the vDSO on the machines measured). When the kernel
// itself keeps time with the TSC (its clocksource is "tsc": invariant and
// synchronized across CPUs), spans read the TSC directly (a few ns) and
// the exporter converts ticks to Unix nanoseconds with a rate calibrated
// against CLOCK_MONOTONIC since start-up and an offset read at conversion
// time. Otherwise ticks are CLOCK_REALTIME nanoseconds and conversion is
// the identity. FUSIONIZE_TRACE_CLOCK=system forces the latter.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_RUNTIME_FAST_CLOCK_H
#define FUSIONIZE_RUNTIME_FAST_CLOCK_H

#include <time.h>

#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace fusionize::detail::fast_clock {

/// Set once at start-up, before any span is recorded.
extern bool use_tsc;

inline std::uint64_t system_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

/// A timestamp in ticks.
inline std::uint64_t now() noexcept {
#if defined(__x86_64__)
  if (use_tsc)
    return __rdtsc();
#endif
  return system_ns();
}

/// Maps ticks to Unix nanoseconds at one moment; valid for ticks read
/// before it was made.
struct converter {
  double ns_per_tick = 1.0;
  std::uint64_t base_ticks = 0;
  std::uint64_t base_ns = 0;

  std::uint64_t to_unix_ns(std::uint64_t ticks) const noexcept {
    if (ns_per_tick == 1.0 && base_ticks == 0)
      return ticks;
    double delta = double(std::int64_t(ticks - base_ticks)) * ns_per_tick;
    return std::uint64_t(std::int64_t(base_ns) + std::int64_t(delta));
  }
  std::uint64_t to_ns(std::uint64_t ticks) const noexcept {
    return std::uint64_t(double(ticks) * ns_per_tick);
  }
};

/// A converter for now (calibrates on the first call with the TSC).
converter current();
/// Nanoseconds per tick, estimated (1 without the TSC); cheap after the
/// first call.
double ns_per_tick();

/// Decides whether to use the TSC; called once from the tracer's start-up.
void init();

} // namespace fusionize::detail::fast_clock

#endif // FUSIONIZE_RUNTIME_FAST_CLOCK_H
