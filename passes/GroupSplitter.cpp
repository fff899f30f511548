//===- GroupSplitter.cpp - One module per fusion group
//---------------------===//
#include "GroupSplitter.h"

#include "GlueSize.h"
#include "RuntimeABI.h"

#include "llvm/Analysis/CGSCCPassManager.h"
#include "llvm/Analysis/LoopAnalysisManager.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Transforms/IPO/GlobalDCE.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#include <set>

using namespace llvm;

namespace fusionize {

void stripFrontendMarkers(Module &M, const TaskModel &Model) {
  std::set<const Constant *> Glue;
  for (const TaskIR &T : Model.Tasks)
    for (Function *F : T.glue())
      Glue.insert(F);
  removeFromUsedLists(
      M, [&](Constant *C) { return Glue.count(C->stripPointerCasts()) > 0; });

  GlobalVariable *Ann = M.getNamedGlobal("llvm.global.annotations");
  if (!Ann || !Ann->hasInitializer())
    return;
  auto *Arr = dyn_cast<ConstantArray>(Ann->getInitializer());
  if (!Arr)
    return;
  std::vector<Constant *> Keep;
  for (Use &Op : Arr->operands()) {
    auto *CS = dyn_cast<ConstantStruct>(Op.get());
    bool Ours = false;
    if (CS && CS->getNumOperands() >= 2)
      if (auto *GV =
              dyn_cast<GlobalVariable>(CS->getOperand(1)->stripPointerCasts());
          GV && GV->hasInitializer())
        if (auto *Str = dyn_cast<ConstantDataArray>(GV->getInitializer());
            Str && Str->isCString())
          Ours = Str->getAsCString().starts_with("fusionize.");
    if (!Ours)
      Keep.push_back(cast<Constant>(Op.get()));
  }
  if (Keep.size() == Arr->getNumOperands())
    return;
  std::string Section = Ann->getSection().str();
  Ann->eraseFromParent();
  if (Keep.empty())
    return;
  auto *Ty = ArrayType::get(Keep.front()->getType(), Keep.size());
  auto *NewAnn = new GlobalVariable(M, Ty, false, GlobalValue::AppendingLinkage,
                                    ConstantArray::get(Ty, Keep),
                                    "llvm.global.annotations");
  NewAnn->setSection(Section);
}

void removeDeadCode(Module &M, ModuleAnalysisManager *MAM) {
  if (MAM) {
    GlobalDCEPass().run(M, *MAM);
    return;
  }
  PassBuilder PB;
  LoopAnalysisManager LAM;
  FunctionAnalysisManager FAM;
  CGSCCAnalysisManager CGAM;
  ModuleAnalysisManager OwnMAM;
  PB.registerModuleAnalyses(OwnMAM);
  PB.registerCGSCCAnalyses(CGAM);
  PB.registerFunctionAnalyses(FAM);
  PB.registerLoopAnalyses(LAM);
  PB.crossRegisterProxies(LAM, FAM, CGAM, OwnMAM);
  GlobalDCEPass().run(M, OwnMAM);
}

/// Replaces every use of task `T.Fn` outside `T`'s own glue: async-call task
/// arguments with `Async` (falling back to `Sync`), everything else with
/// `Sync`. Returns false if a use could not be replaced.
static void redirectUses(const TaskIR &T, const TaskModel &Model,
                         Function *Sync, Function *Async) {
  if (!T.Fn || !Sync)
    return;
  T.Fn->removeDeadConstantUsers();
  std::vector<Use *> Uses;
  for (Use &U : T.Fn->uses())
    Uses.push_back(&U);
  for (Use *U : Uses) {
    User *Usr = U->getUser();
    if (auto *I = dyn_cast<Instruction>(Usr)) {
      if (Model.glueOwner(I->getFunction()) == &T)
        continue; // the glue itself calls the task
      U->set(asyncCallOf(*U) && Async ? Async : Sync);
      continue;
    }
    if (auto *C = dyn_cast<Constant>(Usr)) {
      if (isa<GlobalValue>(C)) {
        // A global initialized with the task's address.
        if (auto *GV = dyn_cast<GlobalVariable>(C))
          GV->setInitializer(Sync);
        continue;
      }
      C->handleOperandChange(T.Fn, Sync);
    }
  }
}

/// No use left but dead constants (old llvm.used arrays, annotations).
static bool isUnused(Function *F) {
  F->removeDeadConstantUsers();
  return F->use_empty();
}

static void eraseIfUnused(Function *F) {
  if (F && isUnused(F))
    F->eraseFromParent();
}

/// A function the user's code defines for the linker: not inline, not a
/// template instantiation, not the standard library's.
static bool isUserSymbol(const Function &F) {
  if (F.isDeclaration() || !F.hasExternalLinkage())
    return false;
  StringRef N = F.getName();
  for (StringRef Std : {"_ZNSt", "_ZNKSt", "_ZSt", "_ZN9__gnu_cxx",
                        "_ZNK9__gnu_cxx", "__fusionize", "_ZN9fusionize"})
    if (N.starts_with(Std))
      return false;
  return true;
}

std::unique_ptr<Module> buildGroupModule(Module &M, const FrontendFacts &Facts,
                                         const Group &G,
                                         ValueToValueMapTy &VMap,
                                         GroupSummary &Summary) {
  Summary.Name = G.Name;
  std::set<std::string> Before;
  for (Function &F : M)
    if (isUserSymbol(F))
      Before.insert(F.getName().str());

  std::unique_ptr<Module> GM = CloneModule(M, VMap);
  GM->addModuleFlag(Module::Warning, "fusionize.group", 1);
  if (NamedMDNode *N = GM->getNamedMetadata("fusionize.frontend"))
    GM->eraseNamedMetadata(N);
  TaskModel Model(*GM, Facts);
  stripFrontendMarkers(*GM, Model);

  std::vector<TaskIR *> Entries;
  std::set<Function *> Erased;
  auto Erase = [&](Function *F) {
    if (!F || Erased.count(F))
      return;
    F->replaceAllUsesWith(PoisonValue::get(F->getType()));
    F->eraseFromParent();
    Erased.insert(F);
  };
  for (TaskIR &T : Model.Tasks) {
    if (G.contains(T.name())) {
      redirectUses(T, Model, T.Local, T.LocalAsync);
      if (T.defined() && T.Entry)
        Entries.push_back(&T);
      continue;
    }
    // Another group runs it: the glue for running it here goes first (it
    // calls the task), then every use becomes the remote stub.
    for (Function *F : {T.Entry, T.Local, T.LocalAsync})
      Erase(F);
    if (!T.Fn)
      continue;
    redirectUses(T, Model, T.Remote, T.RemoteAsync);
    if (!isUnused(T.Fn))
      report_fatal_error("fusionize: task '" + Twine(T.name()) +
                         "' is used in this file but has no remote stub");
    Erase(T.Fn);
  }
  // The runtime's main() serves the group.
  if (Function *Main = GM->getFunction("main"); Main && !Main->isDeclaration())
    Erase(Main);

  // Glue nobody uses any more (the stubs of local tasks, unused wrappers).
  for (const TaskIR &T : Model.Tasks)
    for (Function *F : {T.Remote, T.RemoteAsync, T.Local, T.LocalAsync})
      if (F && !Erased.count(F) && isUnused(F))
        Erase(F);
  for (const TaskIR &T : Model.Tasks)
    if (!G.contains(T.name()))
      for (Function *F : {T.Remote, T.RemoteAsync})
        if (F && !Erased.count(F)) {
          Summary.Stubs.push_back(T.name());
          break;
        }

  for (TaskIR *T : Entries)
    declareTaskInfo(*GM, *T);
  defineTaskInfos(*GM, Model);
  emitRegistration(*GM, {Entries.begin(), Entries.end()});
  for (const TaskIR *T : Entries)
    Summary.Entries.push_back(T->name());
  removeDeadCode(*GM, nullptr);
  optimizeGlueForSize(*GM, TaskModel(*GM, Facts));

  std::set<std::string> After;
  for (Function &F : *GM)
    if (isUserSymbol(F))
      After.insert(F.getName().str());
  for (const std::string &S : Before)
    (After.count(S) ? Summary.Kept : Summary.Dropped).push_back(S);
  return GM;
}

void finalizeMonolith(Module &M, const FrontendFacts &Facts,
                      ModuleAnalysisManager *MAM) {
  TaskModel Model(M, Facts);
  stripFrontendMarkers(M, Model);
  std::vector<TaskIR *> Entries;
  for (TaskIR &T : Model.Tasks) {
    if (T.defined() && T.Entry)
      Entries.push_back(&T);
    for (Function *F : {T.Remote, T.RemoteAsync, T.Local, T.LocalAsync})
      eraseIfUnused(F);
  }
  for (TaskIR *T : Entries)
    declareTaskInfo(M, *T);
  defineTaskInfos(M, Model);
  emitRegistration(M, {Entries.begin(), Entries.end()});
  removeDeadCode(M, MAM);
  optimizeGlueForSize(M, TaskModel(M, Facts));
  // The facts describe glue that is gone now.
  if (NamedMDNode *N = M.getNamedMetadata("fusionize.frontend"))
    M.eraseNamedMetadata(N);
}

} // namespace fusionize
