//===- core/Xoshiro.h - The xoshiro256 state transition --------------------===//
//
// Blackman and Vigna's xoshiro256 generators share one state transition and
// differ in the output they take from the state before it: the planner's
// seeded Monte Carlo uses xoshiro256** (planner/Stats.h, reproducible
// streams), the platform's trace and request ids xoshiro256++
// (platform/TraceContext.cpp, fast per-thread ids).
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_CORE_XOSHIRO_H
#define FUSIONIZE_CORE_XOSHIRO_H

#include <cstdint>

namespace fusionize {

inline std::uint64_t rotl64(std::uint64_t X, int K) {
  return (X << K) | (X >> (64 - K));
}

/// One step of the xoshiro256 state (never all zero).
inline void xoshiro256Advance(std::uint64_t (&S)[4]) {
  std::uint64_t T = S[1] << 17;
  S[2] ^= S[0];
  S[3] ^= S[1];
  S[1] ^= S[2];
  S[0] ^= S[3];
  S[2] ^= T;
  S[3] = rotl64(S[3], 45);
}

} // namespace fusionize

#endif // FUSIONIZE_CORE_XOSHIRO_H
