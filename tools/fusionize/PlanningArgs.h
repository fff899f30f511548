//===- fusionize/PlanningArgs.h - Planning options plan and optimize share ===//
//
// `fusionize plan` and `fusionize optimize` take the same planning options
// (--planner, --objective, --max-latency-ms, --percentile, --latency,
// --memory-sizes, --samples, --seed, --host-cpus) and check them alike; only
// the default objective and its help differ.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_TOOLS_PLANNINGARGS_H
#define FUSIONIZE_TOOLS_PLANNINGARGS_H

#include "core/CommandLine.h"

namespace fusionize {

struct PlanOptions;

class PlanningArgs {
public:
  /// Declares the options on `P`.
  PlanningArgs(ArgParser &P, const char *DefaultObjective,
               const char *ObjectiveHelp, const char *PlannerHelp);
  /// Fills the planner, objective, memory sizes and Monte Carlo settings of
  /// `O` from the parsed options. Returns -1, or the exit status (2) after
  /// a usage error, which it says on stderr.
  int read(PlanOptions &O) const;

private:
  ArgParser &P;
  ArgParser::Arg &Planner, &Obj, &MaxLat, &Pct, &LatKind, &Sizes, &Samples,
      &Seed, &HostCpus, &StopCost;
};

} // namespace fusionize

#endif // FUSIONIZE_TOOLS_PLANNINGARGS_H
