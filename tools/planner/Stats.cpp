//===- planner/Stats.cpp - Samples, quantiles and a portable RNG ----------===//
#include "planner/Stats.h"

#include "core/Xoshiro.h"

#include <algorithm>
#include <cmath>

namespace fusionize {

static std::uint64_t splitmix(std::uint64_t &X) {
  std::uint64_t Z = (X += 0x9e3779b97f4a7c15ULL);
  Z = (Z ^ (Z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  Z = (Z ^ (Z >> 27)) * 0x94d049bb133111ebULL;
  return Z ^ (Z >> 31);
}

Rng::Rng(std::uint64_t Seed) {
  for (auto &W : S)
    W = splitmix(Seed);
}

std::uint64_t Rng::next() { // xoshiro256**
  std::uint64_t Result = rotl64(S[1] * 5, 7) * 9;
  xoshiro256Advance(S);
  return Result;
}

void Distribution::add(double V, Rng &R) {
  if (!std::isfinite(V))
    return;
  if (Count == 0) {
    Min = Max = V;
  } else {
    Min = std::min(Min, V);
    Max = std::max(Max, V);
  }
  ++Count;
  Sum += V;
  SortedValid = false;
  if (Samples.size() < Capacity) {
    Samples.push_back(V);
    return;
  }
  // Reservoir sampling (Algorithm R): every sample is kept with equal odds.
  std::uint64_t J = R.below(Count);
  if (J < Capacity)
    Samples[J] = V;
}

void Distribution::merge(const Distribution &O, Rng &R) {
  if (!O.Count)
    return;
  if (!Count) {
    *this = O;
    return;
  }
  // Keep the union's sample share proportional to the counts.
  std::vector<double> Mixed;
  double PThis = double(Count) / double(Count + O.Count);
  size_t Want = std::min<size_t>(Capacity, Samples.size() + O.Samples.size());
  for (size_t I = 0; I < Want; ++I) {
    const auto &From = R.uniform() < PThis ? Samples : O.Samples;
    if (!From.empty())
      Mixed.push_back(From[R.below(From.size())]);
  }
  Count += O.Count;
  Sum += O.Sum;
  Min = std::min(Min, O.Min);
  Max = std::max(Max, O.Max);
  Samples = std::move(Mixed);
  SortedValid = false;
}

double quantileOf(std::vector<double> V, double Q) {
  if (V.empty())
    return 0;
  std::sort(V.begin(), V.end());
  double Pos = std::clamp(Q, 0.0, 1.0) * double(V.size() - 1);
  size_t Lo = size_t(std::floor(Pos));
  size_t Hi = std::min(Lo + 1, V.size() - 1);
  return V[Lo] + (V[Hi] - V[Lo]) * (Pos - double(Lo));
}

double weightedQuantile(std::vector<std::pair<double, double>> V, double Q) {
  if (V.empty())
    return 0;
  std::sort(V.begin(), V.end());
  double Total = 0;
  for (auto &P : V)
    Total += P.second;
  double Want = std::clamp(Q, 0.0, 1.0) * Total, Acc = 0;
  for (auto &P : V) {
    Acc += P.second;
    if (Acc >= Want)
      return P.first;
  }
  return V.back().first;
}

double Distribution::quantile(double Q) const {
  if (Samples.empty())
    return 0;
  if (!SortedValid) {
    Sorted = Samples;
    std::sort(Sorted.begin(), Sorted.end());
    SortedValid = true;
  }
  double Pos = std::clamp(Q, 0.0, 1.0) * double(Sorted.size() - 1);
  size_t Lo = size_t(std::floor(Pos));
  size_t Hi = std::min(Lo + 1, Sorted.size() - 1);
  return Sorted[Lo] + (Sorted[Hi] - Sorted[Lo]) * (Pos - double(Lo));
}

static double round3(double V) { return std::round(V * 1000.0) / 1000.0; }

Json Distribution::toJson() const {
  Json J{{"count", Count},       {"mean", round3(mean())},
         {"min", round3(min())}, {"p50", round3(quantile(0.5))},
         {"p99", round3(quantile(0.99))}, {"max", round3(max())}};
  Json S = Json::array();
  for (double V : Samples)
    S.push_back(round3(V));
  J["samples"] = std::move(S);
  return J;
}

Distribution Distribution::fromJson(const Json &J, const std::string &Origin,
                                    const std::string &Path) {
  Distribution D;
  D.Count = std::uint64_t(getInteger(J, "count", 0, Origin, Path));
  double Mean = getNumber(J, "mean", 0, Origin, Path);
  D.Sum = Mean * double(D.Count);
  D.Min = getNumber(J, "min", 0, Origin, Path);
  D.Max = getNumber(J, "max", 0, Origin, Path);
  for (const Json &S : getArray(J, "samples", Origin, Path, false))
    if (S.is_number())
      D.Samples.push_back(S.get<double>());
  D.Capacity = std::max<unsigned>(D.Capacity, unsigned(D.Samples.size()));
  return D;
}

} // namespace fusionize
