//===- GlueGenerator.cpp - Per-task glue, with no user code ---------------===//
#include "GlueGenerator.h"

#include "Diagnostics.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/Mangle.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Lex/Pragma.h"
#include "clang/Lex/Preprocessor.h"
#include "clang/Sema/Lookup.h"
#include "clang/Sema/Sema.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace clang;

namespace fusionize {
namespace {

/// `#pragma fusionize glue`, appended to the main file.
class GluePragma : public PragmaHandler {
public:
  explicit GluePragma(FrontendState &State)
      : PragmaHandler("glue"), State(State) {}

  void HandlePragma(Preprocessor &PP, PragmaIntroducer Introducer,
                    Token &Tok) override {
    Token T = Tok;
    while (T.isNot(tok::eod))
      PP.Lex(T);
    if (!State.hasTasks() || State.GlueIncluded)
      return;
    State.GlueIncluded = true;
    auto Buf = llvm::MemoryBuffer::getMemBufferCopy(
        "#include <fusionize/glue.h>\n", "<fusionize glue>");
    SourceManager &SM = PP.getSourceManager();
    FileID FID = SM.createFileID(std::move(Buf), SrcMgr::C_User, 0, 0,
                                 Introducer.Loc);
    PP.EnterSourceFile(FID, nullptr, Introducer.Loc);
  }

private:
  FrontendState &State;
};

} // namespace

void installGlueInclude(CompilerInstance &CI, FrontendState &State) {
  SourceManager &SM = CI.getSourceManager();
  FileID Main = SM.getMainFileID();
  OptionalFileEntryRef FE = SM.getFileEntryRefForID(Main);
  std::optional<llvm::MemoryBufferRef> Buf = SM.getBufferOrNone(Main);
  CI.getPreprocessor().AddPragmaHandler("fusionize", new GluePragma(State));
  if (!FE || !Buf)
    return; // stdin or a virtual buffer: tasks there get GlueMissing
  std::string Text = Buf->getBuffer().str();
  // A line of its own, after whatever the file ends with.
  Text += "\n#pragma fusionize glue\n";
  SM.overrideFileContents(*FE,
                          llvm::MemoryBuffer::getMemBufferCopy(
                              Text, Buf->getBufferIdentifier()));
}

static NamedDecl *lookupIn(Sema &S, DeclContext *DC, StringRef Name,
                           Sema::LookupNameKind Kind) {
  if (!DC)
    return nullptr;
  LookupResult R(S, &S.Context.Idents.get(Name), SourceLocation(), Kind);
  if (!S.LookupQualifiedName(R, DC) || !R.isSingleResult())
    return nullptr;
  return R.getFoundDecl();
}

bool GlueGenerator::lookupTemplates() {
  if (LookedUp)
    return TaskGlue && JsonSupport;
  LookedUp = true;
  auto *NS = dyn_cast_or_null<NamespaceDecl>(
      lookupIn(S, S.Context.getTranslationUnitDecl(), "fusionize",
               Sema::LookupNamespaceName));
  auto *Detail = dyn_cast_or_null<NamespaceDecl>(
      lookupIn(S, NS, "detail", Sema::LookupNamespaceName));
  TaskGlue = dyn_cast_or_null<ClassTemplateDecl>(
      lookupIn(S, Detail, "task_glue", Sema::LookupOrdinaryName));
  JsonSupport = dyn_cast_or_null<ClassTemplateDecl>(
      lookupIn(S, Detail, "json_support", Sema::LookupOrdinaryName));
  return TaskGlue && JsonSupport;
}

/// Instantiates fusionize::detail::json_support<T> and reads its value (an
/// integral_constant<int, bits> somewhere up its bases). -1 on failure.
int GlueGenerator::jsonSupport(QualType T, SourceLocation Loc) {
  ASTContext &Ctx = S.Context;
  TemplateArgumentListInfo Args(Loc, Loc);
  Args.addArgument(TemplateArgumentLoc(TemplateArgument(T),
                                       Ctx.getTrivialTypeSourceInfo(T, Loc)));
  QualType Spec = S.CheckTemplateIdType(TemplateName(JsonSupport), Loc, Args);
  if (Spec.isNull() || !S.isCompleteType(Loc, Spec))
    return -1;
  const CXXRecordDecl *RD = Spec->getAsCXXRecordDecl();
  while (RD) {
    if (const auto *CTS = dyn_cast<ClassTemplateSpecializationDecl>(RD);
        CTS && CTS->getName() == "integral_constant" &&
        CTS->getTemplateArgs().size() == 2 &&
        CTS->getTemplateArgs()[1].getKind() == TemplateArgument::Integral)
      return static_cast<int>(
          CTS->getTemplateArgs()[1].getAsIntegral().getExtValue());
    if (RD->getNumBases() == 0)
      break;
    RD = RD->bases_begin()->getType()->getAsCXXRecordDecl();
  }
  return -1;
}

bool GlueGenerator::checkTypes(const TaskDecl &T) {
  DiagnosticsEngine &DE = S.getDiagnostics();
  if (!lookupTemplates()) {
    S.Diag(T.AttrLoc, diagID(DE, Diag::GlueMissing))
        << "<fusionize/glue.h> was not included (is the main file read from "
           "stdin?)";
    return false;
  }
  FunctionDecl *FD = T.Decl->getMostRecentDecl();
  bool Ok = true;
  auto Check = [&](QualType Ty, SourceLocation Loc, const std::string &What,
                   SourceRange Range) {
    QualType V = Ty.getNonReferenceType().getUnqualifiedType();
    if (V->isVoidType())
      return;
    if (!S.isCompleteType(Loc, V)) {
      S.Diag(Loc, diagID(DE, Diag::IncompleteType)) << What << FD << V << Range;
      Ok = false;
      return;
    }
    int Bits = jsonSupport(V, Loc);
    if (Bits == 0)
      return;
    unsigned ID;
    if (Bits < 0 || (Bits & 4))
      ID = diagID(DE, Bits < 0 ? Diag::NoJsonAtAll : Diag::NonOwningType);
    else if ((Bits & 3) == 3)
      ID = diagID(DE, Diag::NoJsonAtAll);
    else if (Bits & 1)
      ID = diagID(DE, Diag::NoToJson);
    else
      ID = diagID(DE, Diag::NoFromJson);
    S.Diag(Loc, ID) << What << FD << V << Range;
    if (!(Bits & 4)) {
      SourceLocation TypeLoc = Loc;
      if (const TagDecl *TD = V->getAsTagDecl())
        TypeLoc = TD->getLocation();
      S.Diag(TypeLoc, diagID(DE, Diag::JsonHowToNote)) << V;
    }
    Ok = false;
  };
  for (const ParmVarDecl *P : FD->parameters()) {
    std::string What =
        P->getName().empty()
            ? "parameter #" + std::to_string(P->getFunctionScopeIndex() + 1)
            : "parameter '" + P->getName().str() + "'";
    Check(P->getType(), P->getLocation(), What, P->getSourceRange());
  }
  SourceRange RR = FD->getReturnTypeSourceRange();
  Check(FD->getReturnType(), RR.isValid() ? RR.getBegin() : FD->getLocation(),
        "the result", RR);
  return Ok;
}

bool GlueGenerator::instantiate(const TaskDecl &T, bool Referenced,
                                bool AsyncTarget, GlueSymbols &Out) {
  if (!lookupTemplates())
    return false;
  ASTContext &Ctx = S.Context;
  FunctionDecl *F = T.Decl;
  SourceLocation Loc = F->getLocation();

  // task_glue<&F>
  auto *Ref = DeclRefExpr::Create(Ctx, NestedNameSpecifierLoc(),
                                  SourceLocation(), F, false, Loc,
                                  F->getType(), VK_LValue);
  Expr *Addr = UnaryOperator::Create(
      Ctx, Ref, UO_AddrOf, Ctx.getPointerType(F->getType()), VK_PRValue,
      OK_Ordinary, Loc, false, FPOptionsOverride());
  TemplateArgumentListInfo Args(Loc, Loc);
  Args.addArgument(TemplateArgumentLoc(TemplateArgument(Addr), Addr));
  QualType Spec = S.CheckTemplateIdType(TemplateName(TaskGlue), Loc, Args);
  if (Spec.isNull() || S.RequireCompleteType(Loc, Spec, 0))
    return false;
  CXXRecordDecl *RD = Spec->getAsCXXRecordDecl();

  ASTNameGenerator Mangler(Ctx);
  auto Member = [&](StringRef Name, std::string &Symbol) {
    auto *MD = dyn_cast_or_null<CXXMethodDecl>(
        lookupIn(S, RD, Name, Sema::LookupOrdinaryName));
    if (!MD)
      return false;
    if (!MD->hasAttr<UsedAttr>())
      MD->addAttr(UsedAttr::CreateImplicit(Ctx));
    S.MarkFunctionReferenced(Loc, MD);
    Symbol = Mangler.getName(MD);
    return true;
  };
  bool Defined = F->getDefinition() != nullptr;
  bool Ok = true;
  if (auto *Info = dyn_cast_or_null<VarDecl>(
          lookupIn(S, RD, "info", Sema::LookupOrdinaryName)))
    Out.Info = Mangler.getName(Info);
  else
    Ok = false;
  if (Defined)
    Ok &= Member("entry", Out.Entry);
  if (Referenced) {
    Ok &= Member("remote", Out.Remote);
    Ok &= Member("local", Out.Local);
  }
  if (AsyncTarget) {
    Ok &= Member("remote_async", Out.RemoteAsync);
    Ok &= Member("local_async", Out.LocalAsync);
  }
  return Ok;
}

void GlueGenerator::finish() {
  // Instantiating one function may require others and vtables; loop until
  // nothing is pending, as Sema does at the end of a translation unit.
  do {
    S.DefineUsedVTables();
    S.PerformPendingInstantiations();
  } while (!S.PendingInstantiations.empty() || !S.VTableUses.empty());
}

} // namespace fusionize
