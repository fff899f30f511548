//===- planner/Planner.h - Traces in, plan out: the planner's API ---------===//
//
// The one entry point for the compiler pass and the `fusionize plan`
// command:
//
//   fusionize::PlanOptions O;                 // defaults: auto planner,
//   O.Obj = fusionize::Objective::parse("cost"); // cost objective, ...
//   fusionize::PlanResult R =
//       fusionize::planFromTraces(Graph, {"trace.json"}, O);
//   R.NewPlan.save("plan.json");              // explanation inside
//   for (auto &Line : R.Explanation) ...      // and as lines
//
// Throws FormatError (with file, line and byte offset) on malformed or
// empty traces, and on traces of another program.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLANNER_PLANNER_H
#define FUSIONIZE_PLANNER_PLANNER_H

#include "core/Graph.h"
#include "core/Plan.h"
#include "planner/CostModel.h"
#include "planner/Objective.h"
#include "planner/Planners.h"
#include "planner/Profile.h"

#include <optional>
#include <string>
#include <vector>

namespace fusionize {

struct PlanOptions {
  /// "fusionize" (published heuristic), "exhaustive", "search", "auto".
  std::string Planner = "auto";
  Objective Obj;
  PlannerSettings Settings;
  /// Emulation (target) and TraceEmulation (the traces' platform), Monte
  /// Carlo samples, seed.
  CostModelOptions Cost;
  /// The plan the traces ran under; default: the plan the traces show,
  /// completed with one group per unseen task.
  std::optional<Plan> Current;
  /// "program" or "translation-unit" (the compiler pass plans one file).
  std::string Scope = "program";
};

struct PlanResult {
  Plan NewPlan; // with "planner", "objective", "predicted", "explanation"
  Plan CurrentPlan;
  std::vector<std::string> Explanation;
  std::vector<std::string> Warnings;
  Prediction Predicted, CurrentPredicted;
  bool Changed = false;
  /// The CPUs the request's instances were planned to share (the options'
  /// or the traces' host; 0: no limit).
  double HostCpus = 0;
};

PlanResult planFromTraces(const Graph &G,
                          const std::vector<std::string> &TraceFiles,
                          const PlanOptions &O);
PlanResult planFromProfile(const Graph &G, const Profile &P,
                           const PlanOptions &O);

/// The plan the traces ran under, for the tasks of `G` (unseen tasks get a
/// group of their own).
Plan observedPlan(const Graph &G, const Profile &P);

/// Scales the model's warm-up cold starts so that it predicts the cold
/// starts the trace measured for the plan it ran under (`IsTraced`).
void calibrateColdStarts(Model &M, const Profile &P, const Layout &Traced,
                         bool IsTraced, const CostModelOptions &O);

/// Predicted latency and cost of `Plan` (validated against the graph).
Prediction evaluatePlan(const Graph &G, const Profile &P, const Plan &Plan,
                        const CostModelOptions &O);

} // namespace fusionize

#endif // FUSIONIZE_PLANNER_PLANNER_H
