//===- FrontendState.cpp - Tasks of the translation unit being compiled ---===//
#include "FrontendState.h"

#include "clang/AST/Attr.h"
#include "clang/AST/Expr.h"
#include "clang/Lex/Lexer.h"
#include "clang/Sema/Sema.h"

#include "Diagnostics.h"

using namespace clang;

namespace fusionize {

static FrontendState *Current = nullptr;

FrontendState *FrontendState::current() { return Current; }
void FrontendState::setCurrent(FrontendState *S) { Current = S; }

void FrontendState::record(FunctionDecl *FD, llvm::StringRef Name,
                           SourceRange Attr, bool Explicit) {
  Recorded.push_back(
      TaskDecl{FD, Name.str(), Attr.getBegin(), Attr.getEnd(), Explicit});
}

bool FrontendState::finalize(Sema &S) {
  DiagnosticsEngine &DE = S.getDiagnostics();
  bool Ok = true;
  Tasks.clear();
  Index.clear();
  for (const TaskDecl &R : Recorded) {
    FunctionDecl *Canon = R.Decl->getCanonicalDecl();
    auto It = Index.find(Canon);
    if (It != Index.end()) {
      // A redeclaration: it must not rename the task.
      const TaskDecl &First = Tasks[It->second];
      if (R.ExplicitName && R.Name != First.Name) {
        S.Diag(R.AttrLoc, diagID(DE, Diag::DuplicateName)) << R.Name;
        S.Diag(First.AttrLoc, diagID(DE, Diag::PreviousTaskNote)) << First.Name;
        Ok = false;
      }
      continue;
    }
    // Callers in other files only know a task by its first declaration.
    if (Canon != R.Decl && !llvm::any_of(Recorded, [&](const TaskDecl &O) {
          return O.Decl == Canon;
        })) {
      S.Diag(R.AttrLoc, diagID(DE, Diag::NotFirstDeclaration)) << R.Decl;
      S.Diag(Canon->getLocation(), diagID(DE, Diag::PreviousDeclaration));
      Ok = false;
      continue;
    }
    const TaskDecl *Clash = nullptr;
    for (const TaskDecl &T : Tasks)
      if (T.Name == R.Name)
        Clash = &T;
    if (Clash) {
      {
        auto D = S.Diag(R.AttrLoc, diagID(DE, Diag::DuplicateName));
        D << R.Name;
        if (!R.ExplicitName) {
          // Suggest a name that is free: f_2, f_3, ...
          std::string Alt;
          for (unsigned N = 2;; ++N) {
            Alt = R.Name + "_" + std::to_string(N);
            if (llvm::none_of(Recorded,
                              [&](const TaskDecl &O) { return O.Name == Alt; }))
              break;
          }
          SourceLocation After = Lexer::getLocForEndOfToken(
              R.AttrEnd, 0, S.getSourceManager(), S.getLangOpts());
          D << FixItHint::CreateInsertion(After, "(\"" + Alt + "\")");
        }
      } // emitted here, before its note
      S.Diag(Clash->AttrLoc, diagID(DE, Diag::PreviousTaskNote)) << R.Name;
      Ok = false;
      continue;
    }
    Index[Canon] = Tasks.size();
    Tasks.push_back(
        TaskDecl{Canon, R.Name, R.AttrLoc, R.AttrEnd, R.ExplicitName});
  }
  return Ok;
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

} // namespace fusionize
