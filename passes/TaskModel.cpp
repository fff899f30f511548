//===- TaskModel.cpp - Tasks and their glue in one LLVM module
//-------------===//
#include "TaskModel.h"

#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace fusionize {

bool TaskIR::defined() const { return Fn && !Fn->isDeclaration(); }

std::vector<Function *> TaskIR::glue() const {
  std::vector<Function *> R;
  for (Function *F : {Entry, Remote, RemoteAsync, Local, LocalAsync})
    if (F)
      R.push_back(F);
  return R;
}

TaskModel::TaskModel(Module &M, const FrontendFacts &Facts) {
  auto Fn = [&](const std::string &Sym) -> Function * {
    return Sym.empty() ? nullptr : M.getFunction(Sym);
  };
  for (const TaskFacts &T : Facts.Tasks) {
    TaskIR R;
    R.Facts = &T;
    R.Fn = Fn(T.Node.Symbol);
    R.Entry = Fn(T.Glue.Entry);
    R.Remote = Fn(T.Glue.Remote);
    R.RemoteAsync = Fn(T.Glue.RemoteAsync);
    R.Local = Fn(T.Glue.Local);
    R.LocalAsync = Fn(T.Glue.LocalAsync);
    R.Info = T.Glue.Info.empty() ? nullptr : M.getNamedGlobal(T.Glue.Info);
    unsigned Idx = Tasks.size();
    if (R.Fn)
      ByFn[R.Fn] = Idx;
    for (Function *G : R.glue())
      ByGlue[G] = Idx;
    Tasks.push_back(R);
  }
}

const TaskIR *TaskModel::byFunction(const Function *F) const {
  auto It = ByFn.find(F);
  return It == ByFn.end() ? nullptr : &Tasks[It->second];
}

const TaskIR *TaskModel::byName(StringRef Name) const {
  for (const TaskIR &T : Tasks)
    if (T.name() == Name)
      return &T;
  return nullptr;
}

const TaskIR *TaskModel::glueOwner(const Function *F) const {
  auto It = ByGlue.find(F);
  return It == ByGlue.end() ? nullptr : &Tasks[It->second];
}

bool isAsyncLauncher(const Function *F) {
  // fusionize::async<...>(R (*)(P...), Args&&...)
  return F && F->getName().starts_with("_ZN9fusionize5asyncI");
}

CallBase *asyncCallOf(const Use &U) {
  auto *CB = dyn_cast<CallBase>(U.getUser());
  if (!CB || CB->isCallee(&U) || !isAsyncLauncher(CB->getCalledFunction()))
    return nullptr;
  // The task is the first argument after the returned future's sret slot.
  unsigned TaskArg =
      CB->arg_size() > 0 && CB->paramHasAttr(0, Attribute::StructRet) ? 1 : 0;
  return CB->isArgOperand(&U) && CB->getArgOperandNo(&U) == TaskArg ? CB
                                                                    : nullptr;
}

CallBase *directCallOf(const Use &U) {
  auto *CB = dyn_cast<CallBase>(U.getUser());
  return CB && CB->isCallee(&U) ? CB : nullptr;
}

} // namespace fusionize
