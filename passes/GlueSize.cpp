//===- GlueSize.cpp - Optimize the glue for size, the user's code for speed
//===//
#include "GlueSize.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/Module.h"

#include <set>
#include <vector>

using namespace llvm;

namespace fusionize {

/// The functions `Root` refers to: calls and addresses, through constants.
static void referenced(const Function &F, std::vector<const Function *> &Out) {
  std::vector<const Constant *> Work;
  for (const BasicBlock &BB : F)
    for (const Instruction &I : BB)
      for (const Use &Op : I.operands()) {
        if (const auto *G = dyn_cast<Function>(Op.get()))
          Out.push_back(G);
        else if (const auto *C = dyn_cast<Constant>(Op.get());
                 C && !isa<GlobalValue>(C))
          Work.push_back(C);
      }
  std::set<const Constant *> Seen;
  while (!Work.empty()) {
    const Constant *C = Work.back();
    Work.pop_back();
    if (!Seen.insert(C).second)
      continue;
    for (const Use &Op : C->operands()) {
      if (const auto *G = dyn_cast<Function>(Op.get()))
        Out.push_back(G);
      else if (const auto *CC = dyn_cast<Constant>(Op.get());
               CC && !isa<GlobalValue>(CC))
        Work.push_back(CC);
    }
  }
}

unsigned optimizeGlueForSize(Module &M, const TaskModel &Model) {
  std::set<const Function *> Heavy; // entry and remote glue
  for (const TaskIR &T : Model.Tasks)
    for (const Function *F : {T.Entry, T.Remote, T.RemoteAsync})
      if (F && F->getParent() == &M)
        Heavy.insert(F);
  if (Heavy.empty())
    return 0;
  // Everything the program reaches without going through heavy glue.
  std::set<const Function *> UserReach;
  std::vector<const Function *> Work;
  for (const Function &F : M)
    if (!F.isDeclaration() && !Heavy.count(&F) &&
        (!F.hasLocalLinkage() && !F.hasLinkOnceLinkage()))
      Work.push_back(&F);
  // A fused call runs the user's code through the local glue, also where
  // no call refers to it yet (the late split binds it after optimization).
  for (const TaskIR &T : Model.Tasks)
    for (const Function *F : {T.Local, T.LocalAsync})
      if (F && F->getParent() == &M && !F->isDeclaration())
        Work.push_back(F);
  for (const GlobalVariable &G : M.globals()) // vtables, ctors, used lists
    if (G.hasInitializer() && !G.getName().starts_with("llvm.compiler.used")) {
      std::vector<const Function *> Refs;
      std::vector<const Constant *> CW{G.getInitializer()};
      std::set<const Constant *> Seen;
      while (!CW.empty()) {
        const Constant *C = CW.back();
        CW.pop_back();
        if (!Seen.insert(C).second)
          continue;
        if (const auto *Fn = dyn_cast<Function>(C)) {
          if (!Heavy.count(Fn))
            Work.push_back(Fn);
          continue;
        }
        if (isa<GlobalValue>(C))
          continue;
        for (const Use &Op : C->operands())
          if (const auto *CC = dyn_cast<Constant>(Op.get()))
            CW.push_back(CC);
      }
    }
  while (!Work.empty()) {
    const Function *F = Work.back();
    Work.pop_back();
    if (!UserReach.insert(F).second)
      continue;
    std::vector<const Function *> Refs;
    referenced(*F, Refs);
    for (const Function *R : Refs)
      if (!R->isDeclaration() && !Heavy.count(R) && !UserReach.count(R))
        Work.push_back(R);
  }
  unsigned N = 0;
  for (Function &F : M) {
    if (F.isDeclaration() || UserReach.count(&F) ||
        F.hasFnAttribute(Attribute::OptimizeNone))
      continue;
    F.addFnAttr(Attribute::MinSize);
    F.addFnAttr(Attribute::OptimizeForSize);
    ++N;
  }
  return N;
}

} // namespace fusionize
