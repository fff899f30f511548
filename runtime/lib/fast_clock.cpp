//===- fast_clock.cpp - Cheap timestamps for fused-call spans -------------===//
#include "fast_clock.h"
#include "util.h"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <tuple>

namespace fusionize::detail::fast_clock {

bool use_tsc = false;

namespace {

std::uint64_t monotonic_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

// The calibration anchor: a TSC reading and CLOCK_MONOTONIC at start-up.
std::uint64_t anchor_ticks = 0, anchor_mono = 0;
std::atomic<double> rate{0.0}; // ns per tick, refined at every current()
std::mutex calibrate_mu;

/// A TSC reading paired with a clock reading: the TSC is read on both
/// sides and averaged, so the pair is as tight as the clock call.
template <class Clock>
std::pair<std::uint64_t, std::uint64_t> paired(Clock clock) {
#if defined(__x86_64__)
  std::uint64_t t0 = __rdtsc();
  std::uint64_t ns = clock();
  std::uint64_t t1 = __rdtsc();
  return {t0 + (t1 - t0) / 2, ns};
#else
  return {0, clock()};
#endif
}

bool kernel_uses_tsc() {
  FILE *f = std::fopen(
      "/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
  if (!f)
    return false;
  char buf[32] = {0};
  bool tsc = std::fgets(buf, sizeof buf, f) &&
             std::strncmp(buf, "tsc", 3) == 0 &&
             (buf[3] == '\n' || buf[3] == '\0');
  std::fclose(f);
  return tsc;
}

} // namespace

void init() {
#if defined(__x86_64__)
  std::string choice = env_or("FUSIONIZE_TRACE_CLOCK", "auto");
  use_tsc = choice != "system" && kernel_uses_tsc();
  if (use_tsc) {
    auto [ticks, mono] = paired(monotonic_ns);
    anchor_ticks = ticks;
    anchor_mono = mono;
  }
#endif
}

double ns_per_tick() {
  if (!use_tsc)
    return 1.0;
  double r = rate.load(std::memory_order_relaxed);
  if (r > 0)
    return r;
  (void)current();
  return rate.load(std::memory_order_relaxed);
}

converter current() {
  converter c;
  if (!use_tsc)
    return c; // identity: ticks are Unix nanoseconds
  std::lock_guard<std::mutex> lock(calibrate_mu);
  // The rate over the whole time since start-up: the longer, the better.
  // Right after start-up, wait until 20 us have passed (once): readings
  // are within ~50 ns of each other, so the first rate is good to 0.25%
  // and the next calibration refines it.
  auto [ticks, mono] = paired(monotonic_ns);
  while (mono < anchor_mono + 20000)
    std::tie(ticks, mono) = paired(monotonic_ns);
  double r = double(mono - anchor_mono) / double(ticks - anchor_ticks);
  rate.store(r, std::memory_order_relaxed);
  auto [base_ticks, base_ns] = paired(system_ns);
  c.ns_per_tick = r;
  c.base_ticks = base_ticks;
  c.base_ns = base_ns;
  return c;
}

} // namespace fusionize::detail::fast_clock
