//===- FusionizePlugin.cpp - The fusionize clang plugin
//--------------------===//
//
//   clang++ -fplugin=fusionize.so [-fplugin-arg-fusionize-<key>=<value>] ...
//
// keys: graph=FILE    write the task graph (fusionize-graph/1)
//       plan=FILE     apply a plan (fusionize-plan/1)
//       profile=FILE  plan from traces (repeatable or comma-separated)
//       objective=SPEC, planner=NAME, emulation=PROFILE,
//       host-cpus=N (0: no limit), stop-cost-per-mb=MS     for profile=
//       out-dir=DIR   where group outputs go (default: <output>.fusion)
//       emit=KIND     obj, asm, ll or bc per group (default: as the compile)
//       expensive=N   static plan: cost at which a callee gets its own group
//       memory=MB     static plan: memory size of every group
//       jobs=N        group objects compiled at once (default: one per CPU)
//       no-split      analyze and report, write no group outputs
//       facts-only    embed what the frontend found in the IR and stop, for
//                     `opt -passes=fusionize`
//       help          list these
//
// The plugin runs before clang's code generation (AddBeforeMainAction):
// attribute and diagnostics (TaskAttribute.cpp), glue (GlueGenerator.cpp),
// static graph (StaticGraph.cpp); it registers the fusion pass (passes/)
// through CodeGenOptions::PassBuilderCallbacks at the start of the pipeline.
//
//===----------------------------------------------------------------------===//
#include "Diagnostics.h"
#include "FrontendState.h"
#include "GlueGenerator.h"
#include "GroupCompiler.h"
#include "StaticGraph.h"

#include "FrontendFacts.h"
#include "FusionOptions.h"
#include "FusionPass.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/Mangle.h"
#include "clang/Basic/TargetInfo.h"
#include "clang/CodeGen/BackendUtil.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendPluginRegistry.h"
#include "clang/Lex/HeaderSearch.h"
#include "clang/Lex/Preprocessor.h"
#include "clang/Sema/Sema.h"
#include "clang/Sema/SemaConsumer.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <dlfcn.h>

using namespace clang;

namespace fusionize {
namespace {

// --- Where the runtime headers are -------------------------------------------
std::string runtimeIncludeDir() {
  if (const char *Env = std::getenv("FUSIONIZE_INCLUDE_DIR"))
    return Env;
  Dl_info Info;
  if (dladdr(reinterpret_cast<void *>(&runtimeIncludeDir), &Info) &&
      Info.dli_fname) {
    llvm::SmallString<256> Dir(Info.dli_fname);
    llvm::sys::path::remove_filename(Dir); // lib
    llvm::sys::path::remove_filename(Dir); // prefix
    llvm::sys::path::append(Dir, "include");
    llvm::SmallString<256> Glue(Dir);
    llvm::sys::path::append(Glue, "fusionize", "glue.h");
    if (llvm::sys::fs::exists(Glue))
      return std::string(Dir);
  }
  return FUSIONIZE_SOURCE_INCLUDE_DIR;
}

// --- The AST consumer: checks, graph and glue at the end of the TU -----------
class FusionConsumer : public SemaConsumer {
public:
  FusionConsumer(std::shared_ptr<FrontendState> State,
                 std::shared_ptr<FrontendFacts> Facts)
      : State(std::move(State)), Facts(std::move(Facts)) {}

  void InitializeSema(Sema &S) override { SemaPtr = &S; }
  void ForgetSema() override { SemaPtr = nullptr; }

  void HandleTranslationUnit(ASTContext &Ctx) override {
    if (!State->hasTasks() || !SemaPtr)
      return;
    Sema &S = *SemaPtr;
    DiagnosticsEngine &DE = S.getDiagnostics();
    bool NamesOk = State->finalize(S);
    if (DE.hasErrorOccurred() || !NamesOk)
      return;
    GlueGenerator Glue(S);
    std::vector<const TaskDecl *> Valid;
    for (const TaskDecl &T : State->tasks())
      if (Glue.checkTypes(T))
        Valid.push_back(&T);
    if (DE.hasErrorOccurred())
      return;

    StaticGraphResult SG = buildStaticGraph(S, *State);
    if (DE.hasErrorOccurred())
      return;

    ASTNameGenerator Mangler(Ctx);
    PrintingPolicy Policy(Ctx.getLangOpts());
    Policy.SuppressScope = false;
    if (!SG.G.Sources.empty()) {
      llvm::SmallString<256> Abs(SG.G.Sources.front());
      llvm::sys::fs::make_absolute(Abs);
      llvm::sys::path::remove_dots(Abs, true);
      Facts->Source = std::string(Abs);
    }
    for (const TaskDecl *T : Valid) {
      TaskFacts TF;
      const FunctionDecl *FD = T->Decl->getMostRecentDecl();
      const FunctionDecl *Def = T->Decl->getDefinition();
      const FunctionDecl *Named = Def ? Def : FD;
      TF.Node.Name = T->Name;
      TF.Node.Symbol = Mangler.getName(T->Decl);
      TF.Node.Signature = FD->getType().getAsString(Policy);
      TF.Node.Returns = FD->getReturnType().getAsString(Policy);
      TF.Node.ReturnsVoid = FD->getReturnType()->isVoidType();
      TF.Node.Defined = Def != nullptr;
      TF.Node.Loc = toSourceLoc(S.getSourceManager(), Named->getLocation());
      for (const ParmVarDecl *P : Named->parameters())
        TF.Node.Params.push_back(
            {P->getName().empty()
                 ? "arg" + std::to_string(P->getFunctionScopeIndex())
                 : P->getName().str(),
             P->getType().getAsString(Policy)});
      if (const auto *FPT = FD->getType()->getAs<FunctionProtoType>())
        TF.NoExcept = FPT->isNothrow();
      bool Referenced = SG.Referenced.count(T->Decl) > 0;
      bool Async = SG.AsyncTargets.count(T->Decl) > 0;
      if (!Glue.instantiate(*T, Referenced, Async, TF.Glue)) {
        S.Diag(T->AttrLoc, diagID(DE, Diag::GlueMissing))
            << ("the glue of task '" + T->Name + "' did not instantiate");
        continue;
      }
      Facts->Tasks.push_back(std::move(TF));
    }
    Glue.finish();
    Facts->StaticGraph = std::move(SG.G);
  }

private:
  std::shared_ptr<FrontendState> State;
  std::shared_ptr<FrontendFacts> Facts;
  Sema *SemaPtr = nullptr;
};

// --- The action
// ------------------------------------------------------------------
class FusionizeAction : public PluginASTAction {
public:
  ActionType getActionType() override { return AddBeforeMainAction; }

  bool ParseArgs(const CompilerInstance &CI,
                 const std::vector<std::string> &Args) override {
    DiagnosticsEngine &D = CI.getDiagnostics();
    auto Bad = [&](const std::string &M) {
      D.Report(diagID(D, Diag::BadPluginArg)) << M;
      return false;
    };
    for (const std::string &A : Args) {
      auto Eq = A.find('=');
      std::string Key = A.substr(0, Eq);
      std::string Value = Eq == std::string::npos ? "" : A.substr(Eq + 1);
      auto NeedValue = [&] {
        return Eq == std::string::npos || Value.empty()
                   ? Bad("plugin argument '" + Key + "' needs a value (" + Key +
                         "=...)")
                   : true;
      };
      if (Key == "help") {
        llvm::errs() << "fusionize plugin arguments "
                        "(-fplugin-arg-fusionize-KEY[=VALUE]):\n"
                        "  graph=FILE plan=FILE profile=FILE[,FILE] "
                        "objective=SPEC planner=NAME emulation=PROFILE "
                        "host-cpus=N stop-cost-per-mb=MS\n"
                        "  out-dir=DIR emit=obj|asm|ll|bc jobs=N expensive=N "
                        "memory=MB no-split facts-only help\n";
      } else if (Key == "graph") {
        if (!NeedValue())
          return false;
        Opts.GraphFile = Value;
      } else if (Key == "plan") {
        if (!NeedValue())
          return false;
        Opts.PlanFile = Value;
      } else if (Key == "profile") {
        if (!NeedValue())
          return false;
        for (llvm::StringRef R = Value; !R.empty();) {
          auto [Head, Tail] = R.split(',');
          if (!Head.empty())
            Opts.ProfileFiles.push_back(Head.str());
          R = Tail;
        }
      } else if (Key == "out-dir") {
        if (!NeedValue())
          return false;
        Opts.OutDir = Value;
      } else if (Key == "emit") {
        if (!NeedValue())
          return false;
        if (Value != "obj" && Value != "asm" && Value != "ll" && Value != "bc")
          return Bad("emit=" + Value + ": expected obj, asm, ll or bc");
        Opts.Emit = Value;
      } else if (Key == "expensive") {
        if (!NeedValue())
          return false;
        char *End = nullptr;
        Opts.ExpensiveCost = std::strtod(Value.c_str(), &End);
        if (*End || Opts.ExpensiveCost <= 0)
          return Bad("expensive=" + Value + ": expected a positive number");
      } else if (Key == "memory") {
        if (!NeedValue())
          return false;
        char *End = nullptr;
        long MB = std::strtol(Value.c_str(), &End, 10);
        if (*End || MB < 128 || MB > 10240)
          return Bad("memory=" + Value + ": expected 128..10240 (MB)");
        Opts.MemoryMB = static_cast<unsigned>(MB);
      } else if (Key == "objective") {
        if (!NeedValue())
          return false;
        Opts.Objective = Value;
      } else if (Key == "planner") {
        if (!NeedValue())
          return false;
        Opts.Planner = Value;
      } else if (Key == "emulation") {
        if (!NeedValue())
          return false;
        Opts.Emulation = Value;
      } else if (Key == "host-cpus") {
        if (!NeedValue())
          return false;
        char *End = nullptr;
        Opts.HostCpus = std::strtod(Value.c_str(), &End);
        if (*End || !(Opts.HostCpus >= 0) || !std::isfinite(Opts.HostCpus))
          return Bad("host-cpus=" + Value +
                     ": expected a number of CPUs >= 0 (0: no limit)");
      } else if (Key == "stop-cost-per-mb") {
        if (!NeedValue())
          return false;
        char *End = nullptr;
        Opts.StopCostPerMB = std::strtod(Value.c_str(), &End);
        if (*End || !(Opts.StopCostPerMB >= 0) ||
            !std::isfinite(Opts.StopCostPerMB))
          return Bad("stop-cost-per-mb=" + Value +
                     ": expected a number of ms >= 0 (0: none)");
      } else if (Key == "jobs") {
        if (!NeedValue())
          return false;
        char *End = nullptr;
        long N = std::strtol(Value.c_str(), &End, 10);
        if (*End || N < 0 || N > 256)
          return Bad("jobs=" + Value + ": expected 0..256 (0: one per CPU)");
        Jobs = static_cast<unsigned>(N);
      } else if (Key == "no-split") {
        Opts.Split = false;
      } else if (Key == "facts-only") {
        Opts.FactsOnly = true;
      } else {
        return Bad("unknown plugin argument '" + A +
                   "' (graph, plan, profile, objective, planner, emulation, "
                   "host-cpus, stop-cost-per-mb, out-dir, emit, jobs, "
                   "expensive, memory, "
                   "no-split, facts-only, help)");
      }
    }
    return true;
  }

protected:
  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &CI,
                                                 llvm::StringRef) override {
    const LangOptions &LO = CI.getLangOpts();
    if (!LO.CPlusPlus || LO.CUDAIsDevice || LO.OpenMPIsTargetDevice)
      return std::make_unique<ASTConsumer>();

    State = std::make_shared<FrontendState>();
    FrontendState::setCurrent(State.get());
    State->IncludeDir = runtimeIncludeDir();
    HeaderSearch &HS = CI.getPreprocessor().getHeaderSearchInfo();
    if (auto Dir =
            CI.getFileManager().getOptionalDirectoryRef(State->IncludeDir))
      HS.AddSearchPath(DirectoryLookup(*Dir, SrcMgr::C_System, false),
                       /*isAngled=*/true);
    // installGlueInclude() runs later, from FusionizeLateAction: after code
    // generation initialized (and took the checksums of the main file for
    // debug info from the untouched buffer).

    auto Facts = std::make_shared<FrontendFacts>();
    FusionOptions PassOpts = Opts;
    PassOpts.OutputFile = CI.getFrontendOpts().OutputFile;
    mergeCommandLineOptions(PassOpts);
    auto Emitter = std::make_shared<GroupCompiler>(CI, Jobs);
    State->Compiler = Emitter;
    // Above -O0 the pass decides at the start of the pipeline and the group
    // objects are cloned from the optimized module at its end (the program
    // is optimized once). At -O0 nothing is optimized, and an LTO compile's
    // group bitcode must go through the pre-link pipeline itself (ThinLTO's
    // summary): there the pass splits at once.
    const CodeGenOptions &CG = CI.getCodeGenOpts();
    bool CanSplitLate = !CG.PrepareForLTO && !CG.PrepareForThinLTO;
    auto Late = makeLateSplit();
    State->Late = Late;
    CI.getCodeGenOpts().PassBuilderCallbacks.push_back(
        [PassOpts, Facts, Emitter, Late, CanSplitLate](llvm::PassBuilder &PB) {
          PB.registerPipelineStartEPCallback(
              [PassOpts, Facts, Emitter, Late,
               CanSplitLate](llvm::ModulePassManager &MPM,
                             llvm::OptimizationLevel Level) {
                bool SplitLate =
                    CanSplitLate && Level != llvm::OptimizationLevel::O0;
                MPM.addPass(FusionPass(PassOpts, Facts, Emitter,
                                       /*PrintOnly=*/false, nullptr,
                                       SplitLate ? Late : nullptr));
              });
          PB.registerOptimizerLastEPCallback(
              [Facts, Emitter, Late](llvm::ModulePassManager &MPM,
                                     llvm::OptimizationLevel) {
                MPM.addPass(FusionSplitPass(Facts, Emitter, Late));
              });
        });
    return std::make_unique<FusionConsumer>(State, Facts);
  }

  void EndSourceFileAction() override {
    if (FrontendState::current() == State.get())
      FrontendState::setCurrent(nullptr);
  }

private:
  FusionOptions Opts;
  unsigned Jobs = 0;
  std::shared_ptr<FrontendState> State;
};

/// Runs after clang's code generator in the consumer chain, so that its
/// Initialize() comes after the code generator's: only then does the plugin
/// append the glue pragma to the main file's buffer. Debug info (the main
/// file's checksum, -gembed-source) was already taken from the file as it is
/// on disk, so a compile without tasks is byte for byte the same.
class FusionizeLateAction : public PluginASTAction {
public:
  ActionType getActionType() override { return AddAfterMainAction; }
  bool ParseArgs(const CompilerInstance &,
                 const std::vector<std::string> &) override {
    return true;
  }

protected:
  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &CI,
                                                 llvm::StringRef) override {
    class Late : public ASTConsumer {
    public:
      explicit Late(CompilerInstance &CI) : CI(CI) {}
      void Initialize(ASTContext &) override {
        if (FrontendState *State = FrontendState::current())
          installGlueInclude(CI, *State);
      }
      // After the code generator, which wrote the monolith: the group
      // objects compiled beside it are waited for here.
      void HandleTranslationUnit(ASTContext &) override {
        if (FrontendState *State = FrontendState::current()) {
          if (State->Late && isLateSplitPending(*State->Late)) {
            DiagnosticsEngine &D = CI.getDiagnostics();
            D.Report(D.getCustomDiagID(
                DiagnosticsEngine::Error,
                "fusionize: the optimization pipeline ended before the "
                "group objects were split (no OptimizerLast extension "
                "point ran); compile with -fno-lto or report this"));
          }
          if (State->Compiler)
            State->Compiler->finish();
        }
      }

    private:
      CompilerInstance &CI;
    };
    return std::make_unique<Late>(CI);
  }
};

} // namespace
} // namespace fusionize

static clang::FrontendPluginRegistry::Add<fusionize::FusionizeAction>
    Plugin("fusionize", "split a program into serverless fusion groups");
static clang::FrontendPluginRegistry::Add<fusionize::FusionizeLateAction>
    LatePlugin("fusionize-late", "(part of fusionize: adds the glue pragma)");
