//===- planner/Stats.h - Samples, quantiles and a portable RNG ------------===//
//
// The profile keeps distributions, not means: a Distribution holds exact
// count/sum/min/max and a bounded reservoir of samples (deterministic, so the
// same traces always give the same profile). Rng is splitmix64/xoshiro256**,
// identical on every platform, so Monte Carlo predictions are reproducible.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLANNER_STATS_H
#define FUSIONIZE_PLANNER_STATS_H

#include "core/Json.h"

#include <cstdint>
#include <vector>

namespace fusionize {

class Rng {
public:
  explicit Rng(std::uint64_t Seed = 0x5eed);
  std::uint64_t next();
  /// Uniform in [0, 1).
  double uniform() { return (next() >> 11) * 0x1.0p-53; }
  /// Uniform in [0, N).
  std::uint64_t below(std::uint64_t N) { return N ? next() % N : 0; }

private:
  std::uint64_t S[4];
};

/// Count, sum, extremes and a reservoir of at most `Capacity` samples.
class Distribution {
public:
  explicit Distribution(unsigned Capacity = 512) : Capacity(Capacity) {}

  void add(double V, Rng &R);
  void merge(const Distribution &O, Rng &R);
  std::uint64_t count() const { return Count; }
  double sum() const { return Sum; }
  double mean() const { return Count ? Sum / Count : 0; }
  double min() const { return Count ? Min : 0; }
  double max() const { return Count ? Max : 0; }
  /// Quantile (0..1) of the reservoir, linear interpolation.
  double quantile(double Q) const;
  const std::vector<double> &samples() const { return Samples; }

  Json toJson() const;
  static Distribution fromJson(const Json &J, const std::string &Origin,
                               const std::string &Path);

private:
  unsigned Capacity;
  std::uint64_t Count = 0;
  double Sum = 0, Min = 0, Max = 0;
  std::vector<double> Samples;
  mutable std::vector<double> Sorted;
  mutable bool SortedValid = false;
};

/// Quantile of an unsorted vector (copied), linear interpolation.
double quantileOf(std::vector<double> V, double Q);
/// Weighted quantile: (value, weight) pairs.
double weightedQuantile(std::vector<std::pair<double, double>> V, double Q);

} // namespace fusionize

#endif // FUSIONIZE_PLANNER_STATS_H
