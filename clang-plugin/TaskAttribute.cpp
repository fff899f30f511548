//===- TaskAttribute.cpp - [[fusionize::task]]
//-----------------------------===//
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
#include "clang/Basic/DiagnosticSema.h"
#include "clang/Sema/ParsedAttr.h"
#include "clang/Sema/Sema.h"

using namespace clang;

namespace fusionize {
namespace {

bool checkParameters(Sema &S, const FunctionDecl *FD) {
  bool Ok = true;
  for (const ParmVarDecl *P : FD->parameters()) {
    QualType T = P->getType();
    std::string Name =
        P->getName().empty()
            ? "#" + std::to_string(P->getFunctionScopeIndex() + 1)
            : "'" + P->getName().str() + "'";
    if (T->isPointerType() || T->isMemberPointerType() || T->isNullPtrType() ||
        T->isBlockPointerType()) {
      S.Diag(P->getLocation(), diagID(S.getDiagnostics(), Diag::PointerParam))
          << Name << FD << T << P->getSourceRange();
      S.Diag(P->getLocation(),
             diagID(S.getDiagnostics(), Diag::PassByValueNote));
      Ok = false;
    } else if (T->isLValueReferenceType() &&
               !T->getPointeeType().isConstQualified()) {
      S.Diag(P->getLocation(),
             diagID(S.getDiagnostics(), Diag::NonConstRefParam))
          << Name << FD << T << P->getSourceRange();
      S.Diag(P->getLocation(),
             diagID(S.getDiagnostics(), Diag::PassByValueNote));
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
    // Clang 19 asks plugins whether they know a [[scope::name]] attribute by
    // its bare name before it parses the arguments, so "task" must be a
    // spelling too; unscoped [[task]] is then ignored below.
    static constexpr Spelling S[] = {
        {ParsedAttr::AS_GNU, "fusionize_task"},
        {ParsedAttr::AS_CXX11, "fusionize::task"},
        {ParsedAttr::AS_C23, "fusionize::task"},
        {ParsedAttr::AS_CXX11, "task"},
        {ParsedAttr::AS_C23, "task"},
    };
    Spellings = S;
  }

  /// [[task]] without the fusionize:: scope is not ours.
  static bool isForeign(const ParsedAttr &Attr) {
    return (Attr.isCXX11Attribute() || Attr.isC23Attribute()) &&
           !Attr.getScopeName();
  }

  bool diagAppertainsToDecl(Sema &S, const ParsedAttr &Attr,
                            const Decl *D) const override {
    if (isForeign(Attr) || isa<FunctionDecl>(D))
      return true;
    S.Diag(Attr.getLoc(), diagID(S.getDiagnostics(), Diag::NotAFunction))
        << Attr.getRange();
    return false;
  }

  AttrHandling handleDeclAttribute(Sema &S, Decl *D,
                                   const ParsedAttr &Attr) const override {
    DiagnosticsEngine &DE = S.getDiagnostics();
    SourceLocation Loc = Attr.getLoc();
    if (isForeign(Attr)) {
      S.Diag(Loc, diag::warn_unknown_attribute_ignored)
          << Attr << Attr.getRange();
      return AttributeNotApplied;
    }
    auto *FD = cast<FunctionDecl>(D);

    if (const auto *MD = dyn_cast<CXXMethodDecl>(FD)) {
      if (MD->getParent()->isLambda()) {
        S.Diag(Loc, diagID(DE, Diag::OnLambda)) << Attr.getRange();
        return AttributeNotApplied;
      }
      if (!MD->isStatic()) {
        S.Diag(Loc, diagID(DE, Diag::NonStaticMember)) << FD << Attr.getRange();
        return AttributeNotApplied;
      }
    }
    if (FD->isMain()) {
      S.Diag(Loc, diagID(DE, Diag::IsMain)) << Attr.getRange();
      return AttributeNotApplied;
    }
    if (FD->isTemplated() ||
        FD->getTemplatedKind() != FunctionDecl::TK_NonTemplate) {
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
    // The name: the argument, or the function's identifier.
    std::string Name;
    bool Explicit = false;
    Expr *NameArg = nullptr;
    if (Attr.getNumArgs() == 1) {
      const auto *Lit = Attr.isArgExpr(0)
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

    if (!Ok)
      return AttributeNotApplied;

    // Annotation arguments must be constant expressions for code generation.
    llvm::SmallVector<Expr *, 1> Args;
    if (Explicit)
      Args.push_back(NameArg);
    if (!Args.empty() && !S.ConstantFoldAttrArgs(Attr, Args))
      return AttributeNotApplied;
    D->addAttr(AnnotateAttr::Create(S.Context, "fusionize.task", Args.data(),
                                    Args.size(), Attr.getRange()));
    if (FrontendState *State = FrontendState::current())
      State->record(FD, Name, Attr.getRange(), Explicit);
    return AttributeApplied;
  }
};

} // namespace
} // namespace fusionize

static clang::ParsedAttrInfoRegistry::Add<fusionize::TaskAttrInfo>
    TaskAttr("fusionize_task", "marks a function as a Fusionize task");
