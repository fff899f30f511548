//===- work.h - The work the example tasks do -----------------------------===//
//
// The papers' applications stand in for real work with a prime sieve (CPU)
// and with sleeping (waiting on I/O). Both are here so every example sizes
// its work the same way, and the results are checkable: countPrimes(1000)
// is 168.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_EXAMPLES_WORK_H
#define FUSIONIZE_EXAMPLES_WORK_H

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace examples {

/// Counts the primes up to `limit` with the sieve of Eratosthenes. Takes
/// about 5 ms for a limit of 1'000'000 and 25 ms for 5'000'000 on one core
/// of a current x86 machine at -O2, linear in the limit.
inline std::int64_t countPrimes(std::int64_t limit) {
  if (limit < 2)
    return 0;
  std::vector<std::uint8_t> composite(static_cast<std::size_t>(limit) + 1, 0);
  std::int64_t count = 0;
  for (std::int64_t i = 2; i <= limit; ++i) {
    if (composite[i])
      continue;
    ++count;
    for (std::int64_t j = i * i; j <= limit; j += i)
      composite[j] = 1;
  }
  return count;
}

/// Waits like a call to a slow service would: the thread sleeps, no CPU.
inline void waitForIo(std::int64_t milliseconds) {
  if (milliseconds > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds));
}

/// The value of environment variable `name`, or `fallback` when unset or
/// empty.
inline std::string envOr(const char *name, const std::string &fallback) {
  const char *value = std::getenv(name);
  return value && *value ? std::string(value) : fallback;
}

/// Where an example keeps its database: $<variable> if set, otherwise
/// `fileName` in $TMPDIR (or /tmp), so that every instance process of the
/// application finds the same file whatever its working directory.
inline std::string databasePath(const char *variable,
                                const std::string &fileName) {
  return envOr(variable, envOr("TMPDIR", "/tmp") + "/" + fileName);
}

} // namespace examples

#endif // FUSIONIZE_EXAMPLES_WORK_H
