//===- TaskAttribute.cpp - [[fusionize::task]] -----------------------------===//
//
//   [[fusionize::task]] int f(int);            task "f"
//   [[fusionize::task("resize")]] Img g(Img);  task "resize"
//   __attribute__((fusionize_task)) void h();  GNU spelling
//
// Checks what the declaration alone decides (what it applies to, parameter
// kinds, the name) and marks the function with annotate("fusionize.task"[,
// name]). Whether types convert to JSON is checked at the end of the
// translation unit, once the types are complete (GlueGenerator).
//
//===----------------------------------------------------------------------===//
#include "Diagnostics.h"
#include "FrontendState.h"

#include "core/Json.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/Expr.h"
#include "clang/Lex/Lexer.h"
#include "clang/Sema/ParsedAttr.h"
#include "clang/Sema/Sema.h"

using namespace clang;

namespace fusionize {
namespace {

bool checkParameters(Sema &S, const FunctionDecl *FD) {
  bool Ok = true;
  for (const ParmVarDecl *P : FD->parameters()) {
    QualType T = P->getType();
    std::string Name = P->getName().empty() ? "#" + std::to_string(
                                                        P->getFunctionScopeIndex() + 1)
                                            : "'" + P->getName().str() + "'";
    if (T->isPointerType() || T->isMemberPointerType() ||
        T->isNullPtrType() || T->isBlockPointerType()) {
      S.Diag(P->getLocation(), diagID(S.getDiagnostics(), Diag::PointerParam))
          << Name << FD << T << P->getSourceRange();
      S.Diag(P->getLocation(), diagID(S.getDiagnostics(), Diag::PassByValueNote));
      Ok = false;
    } else if (T->isLValueReferenceType() &&
               !T->getPointeeType().isConstQualified()) {
      S.Diag(P->getLocation(),
             diagID(S.getDiagnostics(), Diag::NonConstRefParam))
          << Name << FD << T << P->getSourceRange();
      S.Diag(P->getLocation(), diagID(S.getDiagnostics(), Diag::PassByValueNote));
      Ok = false;
    }
  }
  QualType R = FD->getReturnType();
  if (R->isPointerType() || R->isMemberPointerType() || R->isReferenceType()) {
    S.Diag(FD->getReturnTypeSourceRange().getBegin().isValid()
               ? FD->getReturnTypeSourceRange().getBegin()
               : FD->getLocation(),
           diagID(S.getDiagnostics(), Diag::BadResultType))
        << FD << R << (R->isReferenceType() ? "a reference" : "a pointer");
    Ok = false;
  }
  return Ok;
}

struct TaskAttrInfo : public ParsedAttrInfo {
  TaskAttrInfo() {
    OptArgs = 1;
    static constexpr Spelling S[] = {
        {ParsedAttr::AS_GNU, "fusionize_task"},
        {ParsedAttr::AS_CXX11, "fusionize::task"},
        {ParsedAttr::AS_C23, "fusionize::task"},
    };
    Spellings = S;
  }

  bool diagAppertainsToDecl(Sema &S, const ParsedAttr &Attr,
                            const Decl *D) const override {
    if (isa<FunctionDecl>(D))
      return true;
    S.Diag(Attr.getLoc(), diagID(S.getDiagnostics(), Diag::NotAFunction))
        << Attr.getRange();
    return false;
  }

  AttrHandling handleDeclAttribute(Sema &S, Decl *D,
                                   const ParsedAttr &Attr) const override {
    auto *FD = cast<FunctionDecl>(D);
    DiagnosticsEngine &DE = S.getDiagnostics();
    SourceLocation Loc = Attr.getLoc();

    if (const auto *MD = dyn_cast<CXXMethodDecl>(FD)) {
      if (MD->getParent()->isLambda()) {
        S.Diag(Loc, diagID(DE, Diag::OnLambda)) << Attr.getRange();
        return AttributeNotApplied;
      }
      if (!MD->isStatic()) {
        S.Diag(Loc, diagID(DE, Diag::NonStaticMember))
            << FD << Attr.getRange();
        return AttributeNotApplied;
      }
    }
    if (FD->isMain()) {
      S.Diag(Loc, diagID(DE, Diag::IsMain)) << Attr.getRange();
      return AttributeNotApplied;
    }
    if (FD->isTemplated() || FD->getTemplatedKind() !=
                                 FunctionDecl::TK_NonTemplate) {
      S.Diag(Loc, diagID(DE, Diag::IsTemplate)) << FD << Attr.getRange();
      return AttributeNotApplied;
    }
    if (FD->isVariadic()) {
      S.Diag(Loc, diagID(DE, Diag::Variadic)) << FD << Attr.getRange();
      return AttributeNotApplied;
    }
    if (FD->isConsteval()) {
      S.Diag(Loc, diagID(DE, Diag::IsConsteval)) << FD << Attr.getRange();
      return AttributeNotApplied;
    }
    // Callers in other files only know a task by its first declaration.
    if (const FunctionDecl *Prev = FD->getPreviousDecl();
        Prev && !isTask(Prev)) {
      S.Diag(Loc, diagID(DE, Diag::NotFirstDeclaration))
          << FD << Attr.getRange();
      S.Diag(FD->getFirstDecl()->getLocation(),
             diagID(DE, Diag::PreviousDeclaration));
      return AttributeNotApplied;
    }

    // The name: the argument, or the function's identifier.
    std::string Name;
    bool Explicit = false;
    Expr *NameArg = nullptr;
    if (Attr.getNumArgs() == 1) {
      const auto *Lit =
          Attr.isArgExpr(0)
              ? dyn_cast_or_null<StringLiteral>(
                    Attr.getArgAsExpr(0)->IgnoreParenCasts())
              : nullptr;
      if (!Lit || !Lit->isOrdinary()) {
        SourceLocation ArgLoc = Attr.isArgExpr(0)
                                    ? Attr.getArgAsExpr(0)->getExprLoc()
                                    : Attr.getArgAsIdent(0)->Loc;
        S.Diag(ArgLoc, diagID(DE, Diag::ArgNotString));
        return AttributeNotApplied;
      }
      Name = Lit->getString().str();
      Explicit = true;
      NameArg = Attr.getArgAsExpr(0);
      if (!isValidName(Name)) {
        S.Diag(NameArg->getExprLoc(), diagID(DE, Diag::BadTaskName))
            << Name << NameArg->getSourceRange();
        return AttributeNotApplied;
      }
    } else {
      Name = FD->getDeclName().isIdentifier() ? FD->getName().str()
                                              : FD->getNameAsString();
      if (!isValidName(Name)) {
        S.Diag(Loc, diagID(DE, Diag::BadTaskName)) << Name << Attr.getRange();
        return AttributeNotApplied;
      }
    }

    bool Ok = checkParameters(S, FD);

    FrontendState *State = FrontendState::current();
    if (State) {
      if (!State->lookup(FD)) {
        for (const TaskDecl &T : State->tasks()) {
          if (T.Name != Name)
            continue;
          {
            auto D = S.Diag(Loc, diagID(DE, Diag::DuplicateName));
            D << Name << Attr.getRange();
            if (!Explicit) {
            // Suggest a name that does not clash: f_2, f_3, ...
            std::string Alt;
            for (unsigned N = 2;; ++N) {
              Alt = Name + "_" + std::to_string(N);
              bool Taken = false;
              for (const TaskDecl &U : State->tasks())
                Taken |= U.Name == Alt;
              if (!Taken)
                break;
            }
            SourceLocation After = Lexer::getLocForEndOfToken(
                Loc, 0, S.getSourceManager(), S.getLangOpts());
              D << FixItHint::CreateInsertion(After, "(\"" + Alt + "\")");
            }
          } // emitted here, before its note
          S.Diag(T.AttrLoc, diagID(DE, Diag::PreviousTaskNote)) << Name;
          return AttributeNotApplied;
        }
      } else if (State->lookup(FD)->Name != Name) {
        // A redeclaration that renames the task.
        S.Diag(Loc, diagID(DE, Diag::DuplicateName)) << Name << Attr.getRange();
        S.Diag(State->lookup(FD)->AttrLoc, diagID(DE, Diag::PreviousTaskNote))
            << State->lookup(FD)->Name;
        return AttributeNotApplied;
      }
    }
    if (!Ok)
      return AttributeNotApplied;

    Expr *Args[1] = {NameArg};
    D->addAttr(AnnotateAttr::Create(S.Context, "fusionize.task",
                                    Explicit ? Args : nullptr, Explicit ? 1 : 0,
                                    Attr.getRange()));
    if (State)
      State->addTask(FD, Name, Loc, Explicit);
    return AttributeApplied;
  }
};

} // namespace
} // namespace fusionize

static clang::ParsedAttrInfoRegistry::Add<fusionize::TaskAttrInfo>
    TaskAttr("fusionize_task", "marks a function as a Fusionize task");
