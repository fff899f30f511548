//===- FrontendState.cpp - Tasks of the translation unit being compiled ---===//
#include "FrontendState.h"

#include "clang/AST/Attr.h"
#include "clang/AST/Expr.h"

using namespace clang;

namespace fusionize {

static FrontendState *Current = nullptr;

FrontendState *FrontendState::current() { return Current; }
void FrontendState::setCurrent(FrontendState *S) { Current = S; }

void FrontendState::addTask(FunctionDecl *FD, llvm::StringRef Name,
                            SourceLocation AttrLoc, bool Explicit) {
  FunctionDecl *Canon = FD->getCanonicalDecl();
  if (Index.count(Canon))
    return;
  Index[Canon] = Tasks.size();
  Tasks.push_back(TaskDecl{Canon, Name.str(), AttrLoc, Explicit});
}

const TaskDecl *FrontendState::lookup(const FunctionDecl *FD) const {
  auto It = Index.find(FD->getCanonicalDecl());
  return It == Index.end() ? nullptr : &Tasks[It->second];
}

static const AnnotateAttr *taskAnnotation(const FunctionDecl *FD) {
  for (const FunctionDecl *R : FD->redecls())
    for (const auto *A : R->specific_attrs<AnnotateAttr>())
      if (A->getAnnotation() == "fusionize.task")
        return A;
  return nullptr;
}

bool isTask(const FunctionDecl *FD) { return taskAnnotation(FD) != nullptr; }

std::string taskName(const FunctionDecl *FD) {
  const AnnotateAttr *A = taskAnnotation(FD);
  if (!A)
    return "";
  if (A->args_size() > 0)
    if (const auto *S = dyn_cast<StringLiteral>(
            (*A->args_begin())->IgnoreParenImpCasts()))
      return S->getString().str();
  return FD->getNameAsString();
}

} // namespace fusionize
