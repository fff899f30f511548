//===- StaticGraph.cpp - The task graph as the source shows it
//-------------===//
#include "StaticGraph.h"

#include "Diagnostics.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Mangle.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Sema/Sema.h"
#include "llvm/ADT/DenseMap.h"

#include <functional>
#include <set>

using namespace clang;

namespace fusionize {

static constexpr double UnknownTripCount = 10;
static constexpr double MaxCalls = 1e9;

SourceLoc toSourceLoc(const SourceManager &SM, SourceLocation L) {
  SourceLoc R;
  if (L.isInvalid())
    return R;
  PresumedLoc P = SM.getPresumedLoc(SM.getExpansionLoc(L));
  if (P.isInvalid())
    return R;
  R.File = P.getFilename();
  R.Line = P.getLine();
  R.Column = P.getColumn();
  return R;
}

namespace {

/// One call in one function body, before following helpers.
struct CallRecord {
  const FunctionDecl *Callee = nullptr; // canonical
  EdgeKind Kind = EdgeKind::Sync;
  double Mult = 1;
  SourceLocation Loc;
  bool Created = false; // a lambda created here, not (visibly) called here
};

bool isFusionizeAsync(const FunctionDecl *FD) {
  if (!FD || !FD->getIdentifier() || FD->getName() != "async")
    return false;
  const auto *NS = dyn_cast<NamespaceDecl>(FD->getDeclContext());
  return NS && NS->getIdentifier() && NS->getName() == "fusionize" &&
         NS->getParent()->isTranslationUnit();
}

/// Trip count of `for (T i = A; i < B; ++i)`-shaped loops with constants.
std::optional<double> constantTripCount(ASTContext &Ctx, const ForStmt *FS) {
  const VarDecl *Var = nullptr;
  llvm::APSInt Start;
  if (const auto *DS = dyn_cast_or_null<DeclStmt>(FS->getInit())) {
    if (!DS->isSingleDecl())
      return std::nullopt;
    Var = dyn_cast<VarDecl>(DS->getSingleDecl());
    Expr::EvalResult R;
    if (!Var || !Var->getInit() || !Var->getInit()->EvaluateAsInt(R, Ctx))
      return std::nullopt;
    Start = R.Val.getInt();
  } else {
    return std::nullopt;
  }
  const auto *Cond = dyn_cast_or_null<BinaryOperator>(
      FS->getCond() ? FS->getCond()->IgnoreParenImpCasts() : nullptr);
  if (!Cond)
    return std::nullopt;
  auto IsVar = [&](const Expr *E) {
    const auto *DRE = dyn_cast<DeclRefExpr>(E->IgnoreParenImpCasts());
    return DRE && DRE->getDecl() == Var;
  };
  const Expr *Bound = nullptr;
  BinaryOperatorKind Op = Cond->getOpcode();
  if (IsVar(Cond->getLHS()))
    Bound = Cond->getRHS();
  else if (IsVar(Cond->getRHS())) {
    Bound = Cond->getLHS();
    Op = BinaryOperator::reverseComparisonOp(Op);
  }
  Expr::EvalResult BR;
  if (!Bound || !Bound->EvaluateAsInt(BR, Ctx))
    return std::nullopt;
  // Step: ++i, i++, i += 1.
  const Stmt *Inc = FS->getInc();
  bool StepOne = false;
  if (const auto *UO = dyn_cast_or_null<UnaryOperator>(Inc))
    StepOne = UO->isIncrementOp() && IsVar(UO->getSubExpr());
  else if (const auto *CA = dyn_cast_or_null<CompoundAssignOperator>(Inc)) {
    Expr::EvalResult SR;
    StepOne = CA->getOpcode() == BO_AddAssign && IsVar(CA->getLHS()) &&
              CA->getRHS()->EvaluateAsInt(SR, Ctx) && SR.Val.getInt() == 1;
  }
  if (!StepOne)
    return std::nullopt;
  double A = static_cast<double>(Start.getExtValue());
  double B = static_cast<double>(BR.Val.getInt().getExtValue());
  switch (Op) {
  case BO_LT:
  case BO_NE:
    return std::max(0.0, B - A);
  case BO_LE:
    return std::max(0.0, B - A + 1);
  default:
    return std::nullopt;
  }
}

class GraphBuilder;

/// Collects the calls of one function body.
class BodyVisitor : public RecursiveASTVisitor<BodyVisitor> {
public:
  BodyVisitor(GraphBuilder &B, std::vector<CallRecord> &Out) : B(B), Out(Out) {}

  bool shouldVisitTemplateInstantiations() const { return true; }
  bool shouldVisitImplicitCode() const { return true; }

  bool TraverseForStmt(ForStmt *S) {
    std::optional<double> N = constantTripCount(Ctx(), S);
    return inLoop(N.value_or(UnknownTripCount),
                  [&] { return RecursiveASTVisitor::TraverseForStmt(S); });
  }
  bool TraverseWhileStmt(WhileStmt *S) {
    return inLoop(UnknownTripCount,
                  [&] { return RecursiveASTVisitor::TraverseWhileStmt(S); });
  }
  bool TraverseDoStmt(DoStmt *S) {
    return inLoop(UnknownTripCount,
                  [&] { return RecursiveASTVisitor::TraverseDoStmt(S); });
  }
  bool TraverseCXXForRangeStmt(CXXForRangeStmt *S) {
    double N = UnknownTripCount;
    if (const auto *AT = Ctx().getAsConstantArrayType(
            S->getRangeInit()->getType().getNonReferenceType()))
      N = static_cast<double>(AT->getSize().getZExtValue());
    return inLoop(
        N, [&] { return RecursiveASTVisitor::TraverseCXXForRangeStmt(S); });
  }

  // A lambda is a function of its own, assumed called once by its creator.
  bool TraverseLambdaExpr(LambdaExpr *LE);

  bool VisitCallExpr(CallExpr *CE);
  bool VisitCXXConstructExpr(CXXConstructExpr *CE);
  bool VisitDeclRefExpr(DeclRefExpr *DRE);

private:
  ASTContext &Ctx();
  template <class F> bool inLoop(double N, F &&Body) {
    double Saved = Mult;
    Mult = std::min(MaxCalls, Mult * N);
    bool R = Body();
    Mult = Saved;
    return R;
  }
  void record(const FunctionDecl *FD, EdgeKind K, SourceLocation Loc);

  GraphBuilder &B;
  std::vector<CallRecord> &Out;
  double Mult = 1;
  llvm::DenseSet<const DeclRefExpr *> Allowed; // callee positions
};

class GraphBuilder {
public:
  GraphBuilder(Sema &S, FrontendState &State)
      : S(S), Ctx(S.Context), SM(S.getSourceManager()), State(State),
        Mangler(S.Context) {}

  StaticGraphResult run();

  Sema &S;
  ASTContext &Ctx;
  SourceManager &SM;
  FrontendState &State;
  ASTNameGenerator Mangler;
  StaticGraphResult Result;
  llvm::DenseSet<SourceLocation> EscapesReported;

  bool isUserCode(const Decl *D) const {
    SourceLocation L = D->getLocation();
    return L.isValid() && !SM.isInSystemHeader(SM.getExpansionLoc(L));
  }
  const TaskDecl *task(const FunctionDecl *FD) const {
    return FD ? State.lookup(FD) : nullptr;
  }
  const std::vector<CallRecord> &calls(const FunctionDecl *Def);
  std::string readable(const FunctionDecl *FD) const;

private:
  llvm::DenseMap<const FunctionDecl *, std::vector<CallRecord>> Memo;
  void follow(const std::string &From, const FunctionDecl *FD, double Mult,
              std::vector<std::string> &Via,
              std::set<const FunctionDecl *> &OnPath,
              std::vector<FunctionSummary::Call> *External,
              std::vector<FunctionSummary::Call> *Summary);
};

ASTContext &BodyVisitor::Ctx() { return B.Ctx; }

void BodyVisitor::record(const FunctionDecl *FD, EdgeKind K,
                         SourceLocation Loc) {
  if (!FD)
    return;
  Out.push_back(CallRecord{FD->getCanonicalDecl(), K, Mult, Loc});
}

bool BodyVisitor::TraverseLambdaExpr(LambdaExpr *LE) {
  record(LE->getCallOperator(), EdgeKind::Sync, LE->getBeginLoc());
  Out.back().Created = true;
  // Init-captures run in the creator.
  for (const LambdaCapture &C : LE->captures())
    if (C.capturesVariable())
      if (const auto *VD = dyn_cast<VarDecl>(C.getCapturedVar());
          VD && VD->isInitCapture() && VD->getInit())
        TraverseStmt(const_cast<Expr *>(VD->getInit()));
  return true;
}

bool BodyVisitor::VisitCallExpr(CallExpr *CE) {
  const FunctionDecl *Callee = CE->getDirectCallee();
  if (const auto *DRE =
          dyn_cast<DeclRefExpr>(CE->getCallee()->IgnoreParenImpCasts()))
    Allowed.insert(DRE);
  if (isFusionizeAsync(Callee)) {
    if (CE->getNumArgs() == 0)
      return true;
    const Expr *Arg = CE->getArg(0)->IgnoreParenImpCasts();
    if (const auto *UO = dyn_cast<UnaryOperator>(Arg);
        UO && UO->getOpcode() == UO_AddrOf)
      Arg = UO->getSubExpr()->IgnoreParenImpCasts();
    const auto *DRE = dyn_cast<DeclRefExpr>(Arg);
    const auto *Target = DRE ? dyn_cast<FunctionDecl>(DRE->getDecl()) : nullptr;
    DiagnosticsEngine &DE = B.S.getDiagnostics();
    if (!Target) {
      B.S.Diag(CE->getArg(0)->getExprLoc(), diagID(DE, Diag::AsyncUnresolved))
          << CE->getArg(0)->getSourceRange();
      B.Result.G.Unresolved.push_back(
          UnresolvedCall{"", "", toSourceLoc(B.SM, CE->getBeginLoc()),
                         "fusionize::async with a run-time task"});
      return true;
    }
    Allowed.insert(DRE);
    if (!B.task(Target)) {
      B.S.Diag(DRE->getExprLoc(), diagID(DE, Diag::AsyncNotTask))
          << Target << DRE->getSourceRange();
      const FunctionDecl *First = Target->getFirstDecl();
      SourceLocation Begin = First->getSourceRange().getBegin();
      auto Note =
          B.S.Diag(First->getLocation(), diagID(DE, Diag::AsyncNotTaskNote));
      Note << Target;
      if (Begin.isValid() && B.isUserCode(First))
        Note << FixItHint::CreateInsertion(Begin, "[[fusionize::task]] ");
      return true;
    }
    record(Target, EdgeKind::Async, CE->getBeginLoc());
    return true;
  }
  if (Callee)
    record(Callee, EdgeKind::Sync, CE->getBeginLoc());
  return true;
}

bool BodyVisitor::VisitCXXConstructExpr(CXXConstructExpr *CE) {
  record(CE->getConstructor(), EdgeKind::Sync, CE->getBeginLoc());
  return true;
}

bool BodyVisitor::VisitDeclRefExpr(DeclRefExpr *DRE) {
  const auto *FD = dyn_cast<FunctionDecl>(DRE->getDecl());
  if (!FD || Allowed.count(DRE))
    return true;
  const TaskDecl *T = B.task(FD);
  if (!T)
    return true;
  B.Result.Referenced.insert(T->Decl);
  if (!B.EscapesReported.insert(DRE->getExprLoc()).second)
    return true;
  B.S.Diag(DRE->getExprLoc(),
           diagID(B.S.getDiagnostics(), Diag::AddressEscapes))
      << FD << DRE->getSourceRange();
  B.Result.G.Unresolved.push_back(
      UnresolvedCall{"", T->Name, toSourceLoc(B.SM, DRE->getExprLoc()),
                     "address of task '" + T->Name + "' is taken"});
  return true;
}

const std::vector<CallRecord> &GraphBuilder::calls(const FunctionDecl *Def) {
  auto It = Memo.find(Def);
  if (It != Memo.end())
    return It->second;
  std::vector<CallRecord> Tmp;
  BodyVisitor V(*this, Tmp);
  if (Def->hasBody())
    V.TraverseStmt(Def->getBody());
  if (const auto *Ctor = dyn_cast<CXXConstructorDecl>(Def))
    for (const CXXCtorInitializer *Init : Ctor->inits())
      if (Init->getInit())
        V.TraverseStmt(Init->getInit());
  // A lambda this function also calls by name counts by those calls; one it
  // only creates (passes to an algorithm, stores) counts as called once.
  llvm::DenseSet<const FunctionDecl *> CalledLambdas;
  for (const CallRecord &R : Tmp)
    if (!R.Created)
      CalledLambdas.insert(R.Callee);
  llvm::erase_if(Tmp, [&](const CallRecord &R) {
    return R.Created && CalledLambdas.count(R.Callee);
  });
  return Memo[Def] = std::move(Tmp);
}

std::string GraphBuilder::readable(const FunctionDecl *FD) const {
  if (const auto *MD = dyn_cast<CXXMethodDecl>(FD);
      MD && MD->getParent()->isLambda()) {
    PresumedLoc P = SM.getPresumedLoc(MD->getParent()->getLocation());
    return P.isValid() ? "lambda at " + std::string(P.getFilename()) + ":" +
                             std::to_string(P.getLine())
                       : "lambda";
  }
  return FD->getQualifiedNameAsString();
}

void GraphBuilder::follow(const std::string &From, const FunctionDecl *FD,
                          double Mult, std::vector<std::string> &Via,
                          std::set<const FunctionDecl *> &OnPath,
                          std::vector<FunctionSummary::Call> *External,
                          std::vector<FunctionSummary::Call> *Summary) {
  const FunctionDecl *Def = FD->getDefinition();
  if (!Def)
    return;
  for (const CallRecord &R : calls(Def)) {
    double M = std::min(MaxCalls, Mult * R.Mult);
    if (const TaskDecl *T = task(R.Callee)) {
      Result.Referenced.insert(T->Decl);
      if (R.Kind == EdgeKind::Async)
        Result.AsyncTargets.insert(T->Decl);
      if (!From.empty()) {
        CallSite Site{toSourceLoc(SM, R.Loc), Via, M};
        Result.G.addCall(From, T->Name, R.Kind, Site);
      }
      if (Summary)
        Summary->push_back(FunctionSummary::Call{
            Mangler.getName(T->Decl), R.Kind, M, toSourceLoc(SM, R.Loc)});
      continue;
    }
    const FunctionDecl *Callee = R.Callee;
    if (!isUserCode(Callee))
      continue; // the standard library and other system code
    if (OnPath.count(Callee))
      continue; // recursion among helpers
    const FunctionDecl *CalleeDef = Callee->getDefinition();
    if (!CalleeDef || !CalleeDef->hasBody()) {
      if (isUserCode(Callee) && Callee->isExternallyVisible() &&
          !isa<CXXMethodDecl>(Callee) && (External || Summary)) {
        FunctionSummary::Call C{Mangler.getName(Callee), R.Kind, M,
                                toSourceLoc(SM, R.Loc)};
        if (External)
          External->push_back(C);
        if (Summary)
          Summary->push_back(C);
      }
      continue;
    }
    if (!isUserCode(CalleeDef))
      continue;
    OnPath.insert(Callee);
    Via.push_back(readable(Callee));
    follow(From, Callee, M, Via, OnPath, External, Summary);
    Via.pop_back();
    OnPath.erase(Callee);
  }
}

StaticGraphResult GraphBuilder::run() {
  Graph &G = Result.G;
  G.Sources.push_back(
      SM.getFileEntryRefForID(SM.getMainFileID())
          ? SM.getFileEntryRefForID(SM.getMainFileID())->getName().str()
          : "<stdin>");
  for (const TaskDecl &T : State.tasks()) {
    TaskNode N;
    N.Name = T.Name;
    N.Symbol = Mangler.getName(T.Decl);
    const FunctionDecl *Def = T.Decl->getDefinition();
    N.Defined = Def != nullptr;
    N.Loc = toSourceLoc(SM, (Def ? Def : T.Decl)->getLocation());
    G.Tasks.push_back(N);
  }
  // Edges from every task defined here.
  for (const TaskDecl &T : State.tasks()) {
    if (!T.Decl->getDefinition())
      continue;
    std::vector<std::string> Via;
    std::set<const FunctionDecl *> OnPath{T.Decl};
    follow(T.Name, T.Decl, 1, Via, OnPath, &G.ExternalCalls[T.Name], nullptr);
    if (G.ExternalCalls[T.Name].empty())
      G.ExternalCalls.erase(T.Name);
  }
  // Every other function of the user's code: summaries for whole-program
  // analysis, and the checks (async on non-tasks, escaping addresses).
  struct AllFunctions : RecursiveASTVisitor<AllFunctions> {
    const SourceManager &SM;
    std::vector<const FunctionDecl *> Defs;
    explicit AllFunctions(const SourceManager &SM) : SM(SM) {}
    bool shouldVisitTemplateInstantiations() const { return true; }
    bool TraverseDecl(Decl *D) {
      if (D && !isa<TranslationUnitDecl>(D) && D->getLocation().isValid() &&
          SM.isInSystemHeader(SM.getExpansionLoc(D->getLocation())))
        return true; // the standard library and other system headers
      return RecursiveASTVisitor::TraverseDecl(D);
    }
    bool VisitFunctionDecl(FunctionDecl *FD) {
      if (FD->doesThisDeclarationHaveABody())
        Defs.push_back(FD);
      return true;
    }
  } All(SM);
  All.TraverseDecl(Ctx.getTranslationUnitDecl());
  for (const FunctionDecl *FD : All.Defs) {
    if (!isUserCode(FD) || task(FD))
      continue;
    if (FD->isDependentContext())
      continue;
    FunctionSummary Sum;
    std::vector<std::string> Via;
    std::set<const FunctionDecl *> OnPath{FD->getCanonicalDecl()};
    follow("", FD, 1, Via, OnPath, nullptr, &Sum.Calls);
    if (Sum.Calls.empty() || !FD->isExternallyVisible() ||
        isa<CXXMethodDecl>(FD))
      continue;
    Sum.Symbol = Mangler.getName(FD);
    Sum.Name = readable(FD);
    G.Functions.push_back(std::move(Sum));
  }
  // Attribute unresolved calls to the task whose body contains them.
  for (UnresolvedCall &U : G.Unresolved)
    for (const TaskDecl &T : State.tasks())
      if (const FunctionDecl *Def = T.Decl->getDefinition()) {
        SourceRange R = Def->getSourceRange();
        SourceLoc B = toSourceLoc(SM, R.getBegin()),
                  E = toSourceLoc(SM, R.getEnd());
        if (B.File == U.Loc.File && B.Line <= U.Loc.Line &&
            U.Loc.Line <= E.Line)
          U.Caller = T.Name;
      }
  return std::move(Result);
}

} // namespace

StaticGraphResult buildStaticGraph(Sema &S, FrontendState &State) {
  return GraphBuilder(S, State).run();
}

} // namespace fusionize
