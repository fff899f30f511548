//===- planner/Objective.h - What a plan is optimized for -----------------===//
//
//   latency            minimum latency (median by default, --percentile p99)
//   cost               minimum cost per request
//   weighted:W         W * latency/latency_ref + (1-W) * cost/cost_ref, the
//                      references being the current plan's predictions
//   cost + max latency minimum cost with every entry task's latency at the
//                      chosen percentile under the bound
//
// Latency is the request's response time (or completion of its last task,
// LatencyKind::Completion), averaged over entry tasks by request share.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLANNER_OBJECTIVE_H
#define FUSIONIZE_PLANNER_OBJECTIVE_H

#include "planner/CostModel.h"

#include <algorithm>
#include <cmath>

#include <string>
#include <vector>

namespace fusionize {

struct Objective {
  enum class Goal { Latency, Cost, Weighted };
  Goal Kind = Goal::Cost;
  double Weight = 0.5;       // weighted: the latency share
  double Quantile = 0.5;     // 0.5 (median) or 0.99
  double MaxLatencyMs = 0;   // > 0: bound on every entry's latency
  LatencyKind Latency = LatencyKind::Response;
  /// Weighted: fixed references (> 0) instead of the current plan's
  /// predictions, so that a loop of plans (fusionize optimize) keeps one
  /// objective from iteration to iteration.
  double RefLatencyMs = 0, RefCostUsd = 0;

  /// "latency", "cost", "weighted:0.3"; throws FormatError otherwise.
  static Objective parse(const std::string &Spec);
  /// "p50" / "p99" / "median".
  static double parseQuantile(const std::string &Spec);
  std::string str() const;
  Json toJson() const;
};

/// Lexicographic: first the bound's violation, then the value.
struct Score {
  double Violation = 0, Value = 0;
  bool better(const Score &O, double Eps = 1e-9) const {
    if (Violation > O.Violation + 1e-6 || Violation < O.Violation - 1e-6)
      return Violation < O.Violation;
    return Value < O.Value - Eps * std::max(1e-12, std::abs(O.Value));
  }
};

/// Scores FastEval results and predictions against an objective. Mean
/// latencies are turned into the objective's percentile with a per-entry
/// ratio measured by Monte Carlo on a reference plan.
class Scorer {
public:
  Scorer(const Objective &Obj, const Model &M);
  /// Sets the references (weighted objective) and the percentile/mean
  /// ratios from a prediction and the FastEval result of the same plan.
  void calibrate(const Prediction &P, const FastEval::Result &R);

  Score score(const FastEval::Result &R, int Component = -1) const;
  Score score(const Prediction &P) const;
  double latency(const FastEval::Result &R, size_t Entry) const;
  const Objective &objective() const { return Obj; }

private:
  Objective Obj;
  const Model &M;
  std::vector<double> Ratio; // per entry: percentile / mean
  double LatRef = 1, CostRef = 1;
};

} // namespace fusionize

#endif // FUSIONIZE_PLANNER_OBJECTIVE_H
