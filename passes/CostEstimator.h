//===- CostEstimator.h - Static cost of tasks on the IR
//--------------------===//
//
// A task's static cost, in abstract units: its IR instructions weighted by
// block frequency (relative to the entry block), plus the same for the
// non-task functions it calls, weighted by how often each call executes.
// Calls to tasks are edges of the graph and not included; calls to functions
// without a body here (libraries, other files) count one unit. Recursion is
// cut at the first repetition.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PASSES_COSTESTIMATOR_H
#define FUSIONIZE_PASSES_COSTESTIMATOR_H

#include "TaskModel.h"

#include "llvm/IR/PassManager.h"

#include <map>
#include <string>

namespace fusionize {

/// Self cost per task name (tasks without a body here get none), and the
/// same for the non-task functions named in `Symbols` (helpers other files
/// call: whole-program analysis adds their cost to the calling task).
std::map<std::string, double>
estimateTaskCosts(llvm::Module &M, llvm::FunctionAnalysisManager &FAM,
                  const TaskModel &Model,
                  std::map<std::string, double> *SymbolCosts = nullptr);

} // namespace fusionize

#endif // FUSIONIZE_PASSES_COSTESTIMATOR_H
