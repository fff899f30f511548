//===- CostEstimator.cpp - Static cost of tasks on the IR
//------------------===//
#include "CostEstimator.h"

#include "llvm/Analysis/BlockFrequencyInfo.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"

#include <set>

using namespace llvm;

namespace fusionize {
namespace {

constexpr double ExternalCallCost = 1;

class Estimator {
public:
  Estimator(FunctionAnalysisManager &FAM, const TaskModel &Model)
      : FAM(FAM), Model(Model) {}

  /// Cost of running `F` once, including its non-task callees.
  double inclusive(Function &F) {
    if (auto It = Memo.find(&F); It != Memo.end())
      return It->second;
    if (!OnStack.insert(&F).second)
      return 0;
    BlockFrequencyInfo &BFI = FAM.getResult<BlockFrequencyAnalysis>(F);
    double Entry = static_cast<double>(BFI.getEntryFreq().getFrequency());
    if (Entry <= 0)
      Entry = 1;
    double Cost = 0;
    for (BasicBlock &BB : F) {
      double Freq =
          static_cast<double>(BFI.getBlockFreq(&BB).getFrequency()) / Entry;
      unsigned N = 0;
      for (Instruction &I : BB) {
        if (isa<DbgInfoIntrinsic>(I) || I.isLifetimeStartOrEnd())
          continue;
        ++N;
        auto *CB = dyn_cast<CallBase>(&I);
        if (!CB)
          continue;
        Function *Callee = CB->getCalledFunction();
        if (!Callee || Model.byFunction(Callee) || Model.isGlue(Callee))
          continue; // indirect calls and tasks: not this task's own work
        if (Callee->isIntrinsic())
          continue;
        if (isAsyncLauncher(Callee)) {
          Cost += Freq * ExternalCallCost; // the dispatch; the task is an edge
          continue;
        }
        Cost += Freq * (Callee->isDeclaration() ? ExternalCallCost
                                                : inclusive(*Callee));
      }
      Cost += Freq * N;
    }
    OnStack.erase(&F);
    Memo[&F] = Cost;
    return Cost;
  }

private:
  FunctionAnalysisManager &FAM;
  const TaskModel &Model;
  std::map<const Function *, double> Memo;
  std::set<const Function *> OnStack;
};

} // namespace

std::map<std::string, double>
estimateTaskCosts(Module &M, FunctionAnalysisManager &FAM,
                  const TaskModel &Model,
                  std::map<std::string, double> *SymbolCosts) {
  Estimator E(FAM, Model);
  std::map<std::string, double> Costs;
  for (const TaskIR &T : Model.Tasks)
    if (T.defined())
      Costs[T.name()] = E.inclusive(*T.Fn);
  if (SymbolCosts)
    for (auto &[Symbol, Cost] : *SymbolCosts)
      if (Function *F = M.getFunction(Symbol); F && !F->isDeclaration())
        Cost = E.inclusive(*F);
  return Costs;
}

} // namespace fusionize
