//===- GlueGenerator.cpp - Per-task glue, with no user code ---------------===//
#include "GlueGenerator.h"

#include "Diagnostics.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/Mangle.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Lex/PPCallbacks.h"
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

  void HandlePragma(Preprocessor &PP, PragmaIntroducer, Token &Tok) override {
    Token T = Tok;
    while (T.isNot(tok::eod))
      PP.Lex(T);
    if (!State.hasTasks() || State.GlueIncluded)
      return;
    State.GlueIncluded = true;
    auto Buf = llvm::MemoryBuffer::getMemBufferCopy(
        "#include <fusionize/glue.h>\n", "<fusionize glue>");
    // Included from the end of the main file as it is on disk: the pragma's
    // own line exists only for the lexer.
    SourceManager &SM = PP.getSourceManager();
    SourceLocation From = SM.getLocForEndOfFile(SM.getMainFileID());
    FileID FID = SM.createFileID(std::move(Buf), SrcMgr::C_User, 0, 0, From);
    PP.EnterSourceFile(FID, nullptr, From);
  }

private:
  FrontendState &State;
};

} // namespace

/// Once the lexer of the main file exists (over the extended text), the
/// source manager gets the file as it is on disk back: the bytes of every
/// location in it are the same, and debug info computes the file's checksum
/// and embeds its source from the original.
class RestoreMainFile : public PPCallbacks {
public:
  RestoreMainFile(SourceManager &SM, FileEntryRef FE, FrontendState &State)
      : SM(SM), FE(FE), State(State) {}
  void FileChanged(SourceLocation Loc, FileChangeReason Reason,
                   SrcMgr::CharacteristicKind, FileID) override {
    if (Done || Reason != EnterFile || SM.getFileID(Loc) != SM.getMainFileID())
      return;
    Done = true;
    SM.overrideFileContents(
        FE, llvm::MemoryBufferRef(State.OriginalText, FE.getName()));
  }

private:
  SourceManager &SM;
  FileEntryRef FE;
  FrontendState &State;
  bool Done = false;
};

void installGlueInclude(CompilerInstance &CI, FrontendState &State) {
  SourceManager &SM = CI.getSourceManager();
  Preprocessor &PP = CI.getPreprocessor();
  FileID Main = SM.getMainFileID();
  OptionalFileEntryRef FE = SM.getFileEntryRefForID(Main);
  std::optional<llvm::MemoryBufferRef> Buf = SM.getBufferOrNone(Main);
  PP.AddPragmaHandler("fusionize", new GluePragma(State));
  if (!FE || !Buf)
    return; // stdin or a virtual buffer: tasks there get GlueMissing
  // The state owns both texts; the source manager only gets views of them.
  State.OriginalText = Buf->getBuffer().str();
  // A line of its own, after whatever the file ends with.
  State.ExtendedText = State.OriginalText + "\n#pragma fusionize glue\n";
  SM.overrideFileContents(
      *FE, llvm::MemoryBufferRef(State.ExtendedText, FE->getName()));
  PP.addPPCallbacks(std::make_unique<RestoreMainFile>(SM, *FE, State));
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

/// For a standard-library template (std::optional<Foo>, std::vector<Foo>),
/// the first user-defined type among its arguments; else `T`.
QualType GlueGenerator::innermostUserType(QualType T) {
  const SourceManager &SM = S.getSourceManager();
  const auto *CTS = dyn_cast_or_null<ClassTemplateSpecializationDecl>(
      T->getAsCXXRecordDecl());
  if (!CTS || !SM.isInSystemHeader(CTS->getLocation()))
    return T;
  for (const TemplateArgument &A : CTS->getTemplateArgs().asArray()) {
    if (A.getKind() != TemplateArgument::Type)
      continue;
    QualType Inner = innermostUserType(A.getAsType());
    if (const TagDecl *TD = Inner->getAsTagDecl();
        TD && !SM.isInSystemHeader(TD->getLocation()))
      return Inner;
  }
  return T;
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
      // Point at the user's type, also inside std::optional<T> and friends.
      QualType U = innermostUserType(V);
      SourceLocation TypeLoc = Loc;
      if (const TagDecl *TD = U->getAsTagDecl())
        TypeLoc = TD->getLocation();
      S.Diag(TypeLoc, diagID(DE, Diag::JsonHowToNote)) << U;
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
  auto *Ref =
      DeclRefExpr::Create(Ctx, NestedNameSpecifierLoc(), SourceLocation(), F,
                          false, Loc, F->getType(), VK_LValue);
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
