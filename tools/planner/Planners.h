//===- planner/Planners.h - Choosing groups and memory sizes --------------===//
//
//   fusionize   the published heuristic, one change per call (iteration)
//   exhaustive  every connected partition, copy option and memory size of
//               each component of up to ~12 tasks
//   search      greedy merging along the heaviest edges, then local moves
//               and memory tuning; for thousands of tasks
//   auto        exhaustive for small components, search for the others
//
// docs/planning.md describes each and its search space.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLANNER_PLANNERS_H
#define FUSIONIZE_PLANNER_PLANNERS_H

#include "planner/CostModel.h"
#include "planner/Objective.h"

#include <string>
#include <vector>

namespace fusionize {

inline const std::vector<unsigned> DefaultMemorySizes = {
    128, 256, 512, 1024, 1769, 3008, 10240};

struct PlannerSettings {
  std::vector<unsigned> MemorySizes = DefaultMemorySizes;
  unsigned MaxExhaustiveTasks = 12;     // per component
  unsigned long MaxMemoryCombos = 4096; // per partition, else descent
  unsigned SearchRounds = 3;
};

struct PlannerContext {
  const Model &M;
  const CostModelOptions &CO;
  const Scorer &S;
  const PlannerSettings &Settings;
  Layout Current;
  /// Filled by the planners: what they did, for the explanation.
  std::vector<std::string> Notes;
  unsigned long Evaluations = 0;
};

/// The published Fusionize heuristic: one change against the current plan.
Layout planHeuristic(PlannerContext &C);
/// Exhaustive for components up to MaxExhaustiveTasks (others: search).
Layout planExhaustive(PlannerContext &C);
Layout planSearch(PlannerContext &C);
/// Exhaustive where small enough, search elsewhere.
Layout planAuto(PlannerContext &C);

/// Memory sizes a block can use: those in the list at or above its tasks'
/// peak memory (with headroom), or the largest if none is.
std::vector<unsigned> feasibleSizes(const Model &M, const Layout &L, int Block,
                                    const PlannerSettings &S,
                                    const CostModelOptions &CO);

} // namespace fusionize

#endif // FUSIONIZE_PLANNER_PLANNERS_H
