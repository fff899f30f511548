//===- GroupSplitter.cpp - One module per fusion group
//---------------------===//
#include "GroupSplitter.h"

#include "GlueSize.h"
#include "RuntimeABI.h"

#include "llvm/Analysis/CGSCCPassManager.h"
#include "llvm/Analysis/LoopAnalysisManager.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Metadata.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Transforms/IPO/GlobalDCE.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#include <map>
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

// --- The late split ------------------------------------------------------
// Named metadata listing the functions prepareLateSplit() put into
// llvm.compiler.used; its presence marks a prepared module.
static const char *const PinnedMD = "fusionize.pinned";

static std::string dispatcherName(const TaskIR &T, bool Async) {
  return (Async ? "__fusionize.dispatch_async." : "__fusionize.dispatch.") +
         T.Facts->Node.Symbol;
}

static Function *dispatcher(Module &M, const TaskIR &T, bool Async) {
  return M.getFunction(dispatcherName(T, Async));
}

bool isPreparedForLateSplit(const Module &M) {
  return M.getNamedMetadata(PinnedMD) != nullptr;
}

/// Takes back what prepareLateSplit() pinned (before anything pinned is
/// erased: the metadata would lose track of it).
static void unpin(Module &M) {
  NamedMDNode *N = M.getNamedMetadata(PinnedMD);
  if (!N)
    return;
  std::set<const Constant *> Pinned;
  for (const MDNode *Op : N->operands())
    if (Op->getNumOperands() > 0)
      if (auto *F = mdconst::dyn_extract_or_null<Function>(Op->getOperand(0)))
        Pinned.insert(F);
  removeFromUsedLists(M, [&](Constant *C) {
    return Pinned.count(C->stripPointerCasts()) > 0;
  });
  M.eraseNamedMetadata(N);
}

/// The task's own function, declared if the optimizer dropped its last use.
static Function *taskFunction(Module &M, const TaskIR &T,
                              FunctionType *Type) {
  if (T.Fn)
    return T.Fn;
  return cast<Function>(
      M.getOrInsertFunction(T.Facts->Node.Symbol, Type).getCallee());
}

/// Every use of the dispatcher `D` becomes `To`; `D` goes.
static void bind(Function *D, Function *To) {
  if (!D)
    return;
  D->replaceAllUsesWith(To);
  D->eraseFromParent();
}

void prepareLateSplit(Module &M, const FrontendFacts &Facts, const Plan &P,
                      ModuleAnalysisManager *MAM) {
  TaskModel Model(M, Facts);
  stripFrontendMarkers(M, Model);
  SmallVector<GlobalValue *, 16> UsedByUser;
  collectUsedGlobalVariables(M, UsedByUser, /*CompilerUsed=*/false);
  collectUsedGlobalVariables(M, UsedByUser, /*CompilerUsed=*/true);
  std::set<const GlobalValue *> Used(UsedByUser.begin(), UsedByUser.end());

  std::vector<GlobalValue *> Pin;
  for (TaskIR &T : Model.Tasks) {
    if (!T.Fn)
      continue;
    bool InSome = false, OutSome = false;
    for (const Group &G : P.Groups)
      (G.contains(T.name()) ? InSome : OutSome) = true;
    Function *D[2];
    for (bool Async : {false, true})
      D[Async] = Function::Create(T.Fn->getFunctionType(),
                                  GlobalValue::ExternalLinkage,
                                  dispatcherName(T, Async), M);
    redirectUses(T, Model, D[0], D[1]);
    bool Called[2];
    for (bool Async : {false, true})
      if (!(Called[Async] = !isUnused(D[Async])))
        D[Async]->eraseFromParent();

    std::set<Function *> Keep;
    if (T.defined())
      Keep.insert({T.Fn, T.Entry});
    if (InSome && (Called[0] || Called[1]))
      Keep.insert(T.Local);
    if (InSome && Called[1])
      Keep.insert(T.LocalAsync);
    if (OutSome && (Called[0] || Called[1]))
      Keep.insert(T.Remote);
    if (OutSome && Called[1])
      Keep.insert(T.RemoteAsync);
    Keep.erase(nullptr);
    for (Function *F : T.glue())
      if (!Keep.count(F))
        eraseIfUnused(F);
    for (Function *F : Keep)
      if (!F->isDeclaration() && !Used.count(F))
        Pin.push_back(F);
  }
  appendToCompilerUsed(M, Pin);
  NamedMDNode *N = M.getOrInsertNamedMetadata(PinnedMD);
  for (GlobalValue *F : Pin)
    N->addOperand(MDNode::get(M.getContext(), ValueAsMetadata::get(F)));
  removeDeadCode(M, MAM);
  optimizeGlueForSize(M, TaskModel(M, Facts));
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
  bool Late = isPreparedForLateSplit(*GM);
  unpin(*GM);
  TaskModel Model(*GM, Facts);
  if (!Late)
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
  auto NoStub = [](const TaskIR &T) {
    report_fatal_error("fusionize: task '" + Twine(T.name()) +
                       "' is used in this file but has no remote stub");
  };
  for (TaskIR &T : Model.Tasks) {
    Function *Sync = Late ? dispatcher(*GM, T, false) : nullptr;
    Function *Async = Late ? dispatcher(*GM, T, true) : nullptr;
    if (G.contains(T.name())) {
      if (Late) {
        if (Function *D = Sync ? Sync : Async) {
          Function *Local =
              T.Local ? T.Local : taskFunction(*GM, T, D->getFunctionType());
          bind(Sync, Local);
          bind(Async, T.LocalAsync ? T.LocalAsync : Local);
        }
      } else {
        redirectUses(T, Model, T.Local, T.LocalAsync);
      }
      if (T.defined() && T.Entry)
        Entries.push_back(&T);
      continue;
    }
    // Another group runs it: the glue for running it here goes first (it
    // calls the task), then every use becomes the remote stub.
    for (Function *F : {T.Entry, T.Local, T.LocalAsync})
      Erase(F);
    if (Late) {
      if ((Sync || Async) && !T.Remote)
        NoStub(T);
      bind(Sync, T.Remote);
      bind(Async, T.RemoteAsync ? T.RemoteAsync : T.Remote);
    } else if (T.Fn) {
      redirectUses(T, Model, T.Remote, T.RemoteAsync);
    }
    if (!T.Fn)
      continue;
    if (!isUnused(T.Fn))
      NoStub(T);
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
  // The stubs the object will contain: those that survive dead code
  // elimination (known by name: it erases functions).
  std::vector<std::pair<std::string, std::vector<std::string>>> StubNames;
  for (const TaskIR &T : Model.Tasks)
    if (!G.contains(T.name())) {
      StubNames.push_back({T.name(), {}});
      for (Function *F : {T.Remote, T.RemoteAsync})
        if (F && !Erased.count(F))
          StubNames.back().second.push_back(F->getName().str());
    }

  for (TaskIR *T : Entries)
    declareTaskInfo(*GM, *T);
  defineTaskInfos(*GM, Model);
  emitRegistration(*GM, {Entries.begin(), Entries.end()});
  for (const TaskIR *T : Entries)
    Summary.Entries.push_back(T->name());
  removeDeadCode(*GM, nullptr);
  if (!Late) // the late split's glue was marked before optimization
    optimizeGlueForSize(*GM, TaskModel(*GM, Facts));
  for (const auto &[Task, Names] : StubNames)
    for (const std::string &N : Names)
      if (const Function *F = GM->getFunction(N); F && !F->isDeclaration()) {
        Summary.Stubs.push_back(Task);
        break;
      }

  std::set<std::string> After;
  for (Function &F : *GM)
    if (isUserSymbol(F))
      After.insert(F.getName().str());
  for (const std::string &S : Before)
    (After.count(S) ? Summary.Kept : Summary.Dropped).push_back(S);
  return GM;
}

void summarizeGroup(Module &M, const FrontendFacts &Facts, const Group &G,
                    std::set<const Function *> &Live, GroupSummary &Summary) {
  Summary = GroupSummary();
  Summary.Name = G.Name;
  TaskModel Model(M, Facts);
  // What the group removes, and what the uses of a task become in it.
  std::set<const GlobalValue *> Removed, Glue;
  std::map<const Function *, std::pair<const Function *, const Function *>>
      Redirect; // task -> (sync, async)
  std::vector<const Function *> Entries;
  for (const TaskIR &T : Model.Tasks) {
    for (const Function *F : T.glue())
      Glue.insert(F);
    if (G.contains(T.name())) {
      if (T.Fn && T.Local)
        Redirect[T.Fn] = {T.Local, T.LocalAsync ? T.LocalAsync : T.Local};
      if (T.defined() && T.Entry) {
        Entries.push_back(T.Entry);
        Summary.Entries.push_back(T.name());
      }
      continue;
    }
    for (const Function *F : {T.Fn, T.Entry, T.Local, T.LocalAsync})
      if (F)
        Removed.insert(F);
    if (T.Fn)
      Redirect[T.Fn] = {T.Remote, T.RemoteAsync ? T.RemoteAsync : T.Remote};
  }
  if (const Function *Main = M.getFunction("main"))
    Removed.insert(Main);

  // GlobalDCE's view: what is not discardable, and what it reaches; a
  // comdat lives or dies as a whole. Frontend markers are no references.
  std::map<const Comdat *, std::vector<const GlobalValue *>> Comdats;
  for (const GlobalValue &GV : M.global_values())
    if (const Comdat *C = GV.getComdat())
      Comdats[C].push_back(&GV);
  std::set<const GlobalValue *> Seen;
  std::vector<const GlobalValue *> Work;
  auto Reach = [&](const GlobalValue *GV) {
    if (!Removed.count(GV) && Seen.insert(GV).second)
      Work.push_back(GV);
  };
  std::vector<const Constant *> Consts;
  std::set<const Constant *> ConstSeen;
  // `InMarkers`: a frontend marker list, whose glue and tasks are no uses.
  auto ScanConstant = [&](const Constant *C, bool InMarkers) {
    Consts.push_back(C);
    while (!Consts.empty()) {
      const Constant *K = Consts.back();
      Consts.pop_back();
      if (const auto *GV = dyn_cast<GlobalValue>(K)) {
        const auto *Fn = dyn_cast<Function>(GV);
        if (InMarkers && (Glue.count(GV) || Model.byFunction(Fn)))
          continue;
        if (auto R = Redirect.find(Fn); Fn && R != Redirect.end()) {
          if (R->second.first)
            Reach(R->second.first);
          continue;
        }
        Reach(GV);
        continue;
      }
      if (!ConstSeen.insert(K).second)
        continue;
      for (const Use &Op : K->operands())
        if (const auto *CC = dyn_cast<Constant>(Op.get()))
          Consts.push_back(CC);
    }
  };
  for (const Function &F : M)
    if (!F.isDeclaration() && !F.isDiscardableIfUnused())
      Reach(&F);
  for (const GlobalVariable &GV : M.globals()) {
    if (GV.getName() == "llvm.global.annotations" ||
        GV.getName().starts_with("llvm.used") ||
        GV.getName().starts_with("llvm.compiler.used")) {
      // The frontend's markers keep the glue; the rest they keep, stays.
      if (GV.hasInitializer())
        ScanConstant(GV.getInitializer(), /*InMarkers=*/true);
      continue;
    }
    if (!GV.isDiscardableIfUnused())
      Reach(&GV);
  }
  for (const Function *E : Entries)
    Reach(E);
  while (!Work.empty()) {
    const GlobalValue *GV = Work.back();
    Work.pop_back();
    if (const Comdat *C = GV->getComdat())
      for (const GlobalValue *Member : Comdats[C])
        Reach(Member);
    if (const auto *Var = dyn_cast<GlobalVariable>(GV)) {
      if (Var->hasInitializer())
        ScanConstant(Var->getInitializer(), false);
    } else if (const auto *A = dyn_cast<GlobalAlias>(GV)) {
      ScanConstant(A->getAliasee(), false);
    } else if (const auto *F = dyn_cast<Function>(GV)) {
      Live.insert(F);
      const TaskIR *Owner = Model.glueOwner(F);
      for (const BasicBlock &BB : *F)
        for (const Instruction &I : BB)
          for (const Use &Op : I.operands()) {
            const auto *C = dyn_cast<Constant>(Op.get());
            if (!C)
              continue;
            const auto *Callee = dyn_cast<Function>(C);
            auto R = Callee ? Redirect.find(Callee) : Redirect.end();
            if (R != Redirect.end() && !(Owner && Owner->Fn == Callee)) {
              // A use of a task: its local glue or its stub in this group.
              const Function *To =
                  asyncCallOf(Op) ? R->second.second : R->second.first;
              if (To)
                Reach(To);
              continue;
            }
            ScanConstant(C, false);
          }
      for (const Use &Op : F->operands()) // personality, prefix data
        if (const auto *C = dyn_cast<Constant>(Op.get()))
          ScanConstant(C, false);
    }
  }

  for (const TaskIR &T : Model.Tasks)
    if (!G.contains(T.name()))
      for (const Function *F : {T.Remote, T.RemoteAsync})
        if (F && Live.count(F)) {
          Summary.Stubs.push_back(T.name());
          break;
        }
  for (const Function &F : M)
    if (isUserSymbol(F))
      (Removed.count(&F) ? Summary.Dropped : Summary.Kept)
          .push_back(F.getName().str());
}

void finalizeMonolith(Module &M, const FrontendFacts &Facts,
                      ModuleAnalysisManager *MAM) {
  if (isPreparedForLateSplit(M)) {
    // Every call is local: the dispatchers become the tasks again.
    unpin(M);
    TaskModel Model(M, Facts);
    for (const TaskIR &T : Model.Tasks) {
      Function *Sync = dispatcher(M, T, false), *Async = dispatcher(M, T, true);
      if (!Sync && !Async)
        continue;
      Function *Fn = taskFunction(
          M, T, (Sync ? Sync : Async)->getFunctionType());
      bind(Sync, Fn);
      bind(Async, Fn);
    }
  }
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
