//===- FusionOptions.h - Options of the fusion plugin and pass ------------===//
//
// What a compile asks of Fusionize, from -fplugin-arg-fusionize-<key>=<value>
// or the equivalent -mllvm -fusion-<key>=<value> options of the pass.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PASSES_FUSIONOPTIONS_H
#define FUSIONIZE_PASSES_FUSIONOPTIONS_H

#include <string>
#include <vector>

namespace fusionize {

struct FusionOptions {
  std::string GraphFile;                 // write the task graph here
  std::string PlanFile;                  // apply this plan
  std::vector<std::string> ProfileFiles; // plan from these traces
  std::string OutputFile;                // X in X.fusion/ (the main output)
  std::string OutDir;                    // overrides X.fusion
  std::string Emit;                      // obj, asm, ll, bc (default: as main)
  std::string Objective;                 // for profile-guided planning
  std::string Planner;                   // for profile-guided planning
  std::string Emulation;                 // emulation profile for the planner
  /// CPUs a request's instances share, for the planner: < 0 the traces'
  /// host, 0 no limit (AWS Lambda).
  double HostCpus = -1;
  /// CPU ms a quota stop costs a run per MB, for the planner where the
  /// traces cannot fit it: < 0 the planner's default.
  double StopCostPerMB = -1;
  double ExpensiveCost = 0;              // 0: the static planner's default
  unsigned MemoryMB = 0;                 // 0: default memory for static plans
  bool Split = true;                     // emit group objects
  /// Only embed the frontend facts in the module and change nothing else, so
  /// the IR can be given to `opt -passes=fusionize` (tests, experiments).
  bool FactsOnly = false;
};

} // namespace fusionize

#endif // FUSIONIZE_PASSES_FUSIONOPTIONS_H
