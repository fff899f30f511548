//===- planner/Objective.cpp - What a plan is optimized for ---------------===//
#include "planner/Objective.h"

#include <cmath>
#include <sstream>

namespace fusionize {

Objective Objective::parse(const std::string &Spec) {
  Objective O;
  if (Spec == "latency") {
    O.Kind = Goal::Latency;
  } else if (Spec == "cost") {
    O.Kind = Goal::Cost;
  } else if (Spec.rfind("weighted", 0) == 0) {
    O.Kind = Goal::Weighted;
    if (Spec.size() > 8) {
      if (Spec[8] != ':')
        throw FormatError("objective \"" + Spec +
                          "\": expected weighted:W with W in 0..1");
      char *End = nullptr;
      O.Weight = std::strtod(Spec.c_str() + 9, &End);
      if (!End || *End || End == Spec.c_str() + 9 || O.Weight < 0 ||
          O.Weight > 1)
        throw FormatError("objective \"" + Spec +
                          "\": the weight must be a number in 0..1 (the "
                          "latency's share), e.g. weighted:0.5");
    }
  } else {
    throw FormatError("unknown objective \"" + Spec +
                      "\" (expected latency, cost or weighted:W)");
  }
  return O;
}

double Objective::parseQuantile(const std::string &Spec) {
  if (Spec == "p50" || Spec == "median" || Spec == "50")
    return 0.5;
  if (Spec == "p99" || Spec == "99")
    return 0.99;
  if (Spec == "p90" || Spec == "90")
    return 0.9;
  if (Spec == "p95" || Spec == "95")
    return 0.95;
  throw FormatError("unknown percentile \"" + Spec +
                    "\" (expected p50, p90, p95 or p99)");
}

static std::string pct(double Q) {
  return "p" + std::to_string(int(std::lround(Q * 100)));
}

std::string Objective::str() const {
  std::ostringstream S;
  switch (Kind) {
  case Goal::Latency:
    S << "minimum " << pct(Quantile) << " latency";
    break;
  case Goal::Cost:
    S << "minimum cost per request";
    break;
  case Goal::Weighted:
    S << "weighted: " << Weight << " x " << pct(Quantile) << " latency + "
      << (1 - Weight) << " x cost (relative to "
      << (RefLatencyMs > 0 || RefCostUsd > 0 ? "fixed references"
                                             : "the current plan")
      << ")";
    break;
  }
  if (MaxLatencyMs > 0)
    S << ", " << pct(Quantile) << " latency <= " << MaxLatencyMs << " ms";
  if (Latency == LatencyKind::Completion)
    S << " (latency until the last task finishes)";
  return S.str();
}

Json Objective::toJson() const {
  Json J{{"goal", Kind == Goal::Latency  ? "latency"
                  : Kind == Goal::Cost   ? "cost"
                                         : "weighted"},
         {"percentile", pct(Quantile)},
         {"latency", Latency == LatencyKind::Response ? "response"
                                                      : "completion"},
         {"description", str()}};
  if (Kind == Goal::Weighted)
    J["weight"] = Weight;
  if (Kind == Goal::Weighted && RefLatencyMs > 0)
    J["reference_latency_ms"] = RefLatencyMs;
  if (Kind == Goal::Weighted && RefCostUsd > 0)
    J["reference_cost_usd"] = RefCostUsd;
  if (MaxLatencyMs > 0)
    J["max_latency_ms"] = MaxLatencyMs;
  return J;
}

Scorer::Scorer(const Objective &Obj, const Model &M)
    : Obj(Obj), M(M), Ratio(M.Entries.size(), 1.0) {}

void Scorer::calibrate(const Prediction &P, const FastEval::Result &R) {
  double Lat = 0;
  for (size_t I = 0; I < P.Entries.size() && I < Ratio.size(); ++I) {
    double Mean = R.latency(Obj.Latency, I);
    double Q = P.latency(P.Entries[I], Obj.Latency, Obj.Quantile);
    Ratio[I] = Mean > 0 && Q > 0 ? Q / Mean : 1.0;
    Lat += M.Entries[I].Share * Q;
  }
  LatRef = Obj.RefLatencyMs > 0 ? Obj.RefLatencyMs : Lat > 0 ? Lat : 1;
  CostRef = Obj.RefCostUsd > 0 ? Obj.RefCostUsd
            : P.CostUsd > 0    ? P.CostUsd
                               : 1;
}

double Scorer::latency(const FastEval::Result &R, size_t Entry) const {
  return R.latency(Obj.Latency, Entry) * Ratio[Entry];
}

Score Scorer::score(const FastEval::Result &R, int Component) const {
  double Lat = 0, Violation = 0;
  auto One = [&](size_t I) {
    double L = latency(R, I);
    Lat += M.Entries[I].Share * L;
    if (Obj.MaxLatencyMs > 0)
      Violation += std::max(0.0, L - Obj.MaxLatencyMs);
  };
  if (Component < 0)
    for (size_t I = 0; I < M.Entries.size(); ++I)
      One(I);
  else
    for (int I : M.ComponentEntries[size_t(Component)])
      One(size_t(I));
  Score S;
  S.Violation = Violation;
  switch (Obj.Kind) {
  case Objective::Goal::Latency:
    S.Value = Lat;
    break;
  case Objective::Goal::Cost:
    S.Value = R.CostUsd;
    break;
  case Objective::Goal::Weighted:
    S.Value = Obj.Weight * Lat / LatRef + (1 - Obj.Weight) * R.CostUsd / CostRef;
    break;
  }
  return S;
}

Score Scorer::score(const Prediction &P) const {
  double Lat = 0, Violation = 0;
  for (size_t I = 0; I < P.Entries.size(); ++I) {
    double L = P.latency(P.Entries[I], Obj.Latency, Obj.Quantile);
    Lat += P.Entries[I].Share * L;
    if (Obj.MaxLatencyMs > 0)
      Violation += std::max(0.0, L - Obj.MaxLatencyMs);
  }
  Score S;
  S.Violation = Violation;
  S.Value = Obj.Kind == Objective::Goal::Latency ? Lat
            : Obj.Kind == Objective::Goal::Cost
                ? P.CostUsd
                : Obj.Weight * Lat / LatRef +
                      (1 - Obj.Weight) * P.CostUsd / CostRef;
  return S;
}

} // namespace fusionize
