//===- FusionPass.cpp - Split a program into fusion groups
//-----------------===//
#include "FusionPass.h"

#include "CostEstimator.h"
#include "GroupSplitter.h"
#include "TaskModel.h"

#include "core/Emulation.h"
#include "core/Plan.h"
#include "planner/Planner.h"

#include "llvm/ADT/Statistic.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <set>

#define DEBUG_TYPE "fusionize"

using namespace llvm;

STATISTIC(NumGroups, "Fusion groups emitted");
STATISTIC(NumRemoteSites, "Task call sites turned into remote invocations");
STATISTIC(NumLocalSites, "Task call sites kept local in a group");

namespace fusionize {

GroupEmitter::~GroupEmitter() = default;

struct LateSplit {
  bool Pending = false;
  std::shared_ptr<const FrontendFacts> Facts;
  Plan P;
  std::string OutDir;
  std::string Kind;
  Json Report;
};

std::shared_ptr<LateSplit> makeLateSplit() {
  return std::make_shared<LateSplit>();
}

bool isLateSplitPending(const LateSplit &L) { return L.Pending; }

// --- Command-line options (-mllvm -fusion-... in clang, or opt) -------------
static cl::opt<std::string>
    PlanOpt("fusion-plan",
            cl::desc("Fusionize: apply this plan (fusionize-plan/1)"),
            cl::value_desc("file"));
static cl::list<std::string>
    ProfileOpt("fusion-profile", cl::desc("Fusionize: plan from these traces"),
               cl::value_desc("file"), cl::CommaSeparated);
static cl::opt<std::string>
    GraphOpt("fusion-graph", cl::desc("Fusionize: write the task graph here"),
             cl::value_desc("file"));
static cl::opt<std::string>
    OutDirOpt("fusion-out-dir",
              cl::desc("Fusionize: directory for group outputs and the report "
                       "(default: <output>.fusion)"),
              cl::value_desc("dir"));
static cl::opt<std::string> OutputOpt(
    "fusion-output",
    cl::desc("Fusionize: the main output file, naming <output>.fusion"),
    cl::value_desc("file"));
static cl::opt<std::string>
    EmitOpt("fusion-emit",
            cl::desc("Fusionize: what to write per group: obj, asm, ll, bc"),
            cl::value_desc("kind"));
static cl::opt<double> ExpensiveOpt(
    "fusion-expensive",
    cl::desc(
        "Fusionize: static plan: cost at which a callee gets its own group"),
    cl::init(0));
static cl::opt<unsigned>
    MemoryOpt("fusion-memory",
              cl::desc("Fusionize: static plan: memory size in MB"),
              cl::init(0));
static cl::opt<std::string>
    ObjectiveOpt("fusion-objective",
                 cl::desc("Fusionize: objective when planning from a profile "
                          "(latency, cost, weighted:W)"),
                 cl::value_desc("spec"));
static cl::opt<std::string>
    PlannerOpt("fusion-planner",
               cl::desc("Fusionize: planner for profile-guided plans "
                        "(fusionize, exhaustive, search, auto)"),
               cl::value_desc("name"));
static cl::opt<std::string> EmulationOpt(
    "fusion-emulation",
    cl::desc("Fusionize: emulation profile the plan is for (file or name)"),
    cl::value_desc("profile"));
static cl::opt<double> HostCpusOpt(
    "fusion-host-cpus",
    cl::desc("Fusionize: CPUs a request's instances share when planning from "
             "a profile (default: the traces' host; 0: no limit, as on AWS "
             "Lambda)"),
    cl::value_desc("n"), cl::init(-1));
static cl::opt<double> StopCostOpt(
    "fusion-stop-cost-per-mb",
    cl::desc("Fusionize: CPU ms a quota stop costs a run per MB it works on, "
             "when planning from traces (the memory its runs touched; else "
             "its function's, where no fit tells; default 0.12; 0: only "
             "fits)"),
    cl::value_desc("ms"), cl::init(-1));
static cl::opt<bool> NoSplitOpt("fusion-no-split",
                                cl::desc("Fusionize: analyze, emit no groups"),
                                cl::init(false));

FusionOptions fusionOptionsFromCommandLine() {
  FusionOptions O;
  mergeCommandLineOptions(O);
  return O;
}

void mergeCommandLineOptions(FusionOptions &O) {
  if (O.PlanFile.empty())
    O.PlanFile = PlanOpt;
  if (O.ProfileFiles.empty())
    O.ProfileFiles.assign(ProfileOpt.begin(), ProfileOpt.end());
  if (O.GraphFile.empty())
    O.GraphFile = GraphOpt;
  if (O.OutDir.empty())
    O.OutDir = OutDirOpt;
  if (O.OutputFile.empty())
    O.OutputFile = OutputOpt;
  if (O.Emit.empty())
    O.Emit = EmitOpt;
  if (O.ExpensiveCost == 0)
    O.ExpensiveCost = ExpensiveOpt;
  if (O.MemoryMB == 0)
    O.MemoryMB = MemoryOpt;
  if (O.Objective.empty())
    O.Objective = ObjectiveOpt;
  if (O.Planner.empty())
    O.Planner = PlannerOpt;
  if (O.Emulation.empty())
    O.Emulation = EmulationOpt;
  if (O.HostCpus < 0)
    O.HostCpus = HostCpusOpt;
  if (O.StopCostPerMB < 0)
    O.StopCostPerMB = StopCostOpt;
  if (NoSplitOpt)
    O.Split = false;
}

namespace {

/// A call of a task in the monolith: direct, or as fusionize::async's task.
struct TaskCallSite {
  CallBase *Call;
  const TaskIR *Callee;
  EdgeKind Kind;
};

std::vector<TaskCallSite> findTaskCalls(const TaskModel &Model) {
  std::vector<TaskCallSite> Sites;
  for (const TaskIR &T : Model.Tasks) {
    if (!T.Fn)
      continue;
    for (Use &U : T.Fn->uses()) {
      if (auto *I = dyn_cast<Instruction>(U.getUser());
          I && Model.glueOwner(I->getFunction()))
        continue;
      if (CallBase *CB = directCallOf(U))
        Sites.push_back({CB, &T, EdgeKind::Sync});
      else if (CallBase *CB = asyncCallOf(U))
        Sites.push_back({CB, &T, EdgeKind::Async});
    }
  }
  return Sites;
}

std::string readableName(const Function &F) {
  std::string D = demangle(F.getName().str());
  return D.empty() ? F.getName().str() : D;
}

Json locationJson(const Instruction &I) {
  if (const DebugLoc &DL = I.getDebugLoc())
    if (DL.getLine())
      return Json{{"file", DL->getFilename().str()},
                  {"line", DL.getLine()},
                  {"column", DL.getCol()}};
  return nullptr;
}

std::string extensionFor(const std::string &Kind) {
  if (Kind == "asm")
    return ".s";
  if (Kind == "ll")
    return ".ll";
  if (Kind == "bc")
    return ".bc";
  return ".o";
}

/// Group outputs of an earlier plan would confuse the link; the directory
/// is ours, but only files the pass writes are removed.
void removeStaleOutputs(const std::string &Dir) {
  std::error_code EC;
  for (sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC;
       It.increment(EC)) {
    StringRef Name = sys::path::filename(It->path());
    StringRef Ext = sys::path::extension(Name);
    if (Name == "report.json" || Ext == ".o" || Ext == ".s" || Ext == ".ll" ||
        Ext == ".bc")
      sys::fs::remove(It->path());
  }
}

/// Writes the report once the group objects exist (an emitter may still be
/// compiling them): it names their sizes.
void writeReportWhenDone(const std::shared_ptr<GroupEmitter> &E,
                         const std::string &Dir, Json Report) {
  E->whenDone([E, Dir, Report]() mutable {
    for (Json &JG : Report["groups"]) {
      if (!JG.contains("object"))
        continue;
      SmallString<256> Obj(Dir);
      sys::path::append(Obj, JG["object"].get<std::string>());
      uint64_t Size = 0;
      if (sys::fs::file_size(Obj, Size))
        return; // the emitter reported why
      JG["object_size"] = Size;
    }
    SmallString<256> Path(Dir);
    sys::path::append(Path, "report.json");
    try {
      writeJsonFile(std::string(Path), Report);
    } catch (const FormatError &Err) {
      E->error(Err.what());
    }
  });
}

/// Emits group `Gr`'s module as `Dir/<group>.<ext>`; returns the file name,
/// or "" after reporting an error.
std::string emitGroup(GroupEmitter &E, Module &GM, const Group &Gr,
                      const std::string &Dir, const std::string &Kind,
                      bool Optimized) {
  SmallString<256> Path(Dir);
  sys::path::append(Path, Gr.Name + extensionFor(Kind));
  std::string Err = Optimized ? E.emitOptimized(GM, std::string(Path), Kind)
                              : E.emit(GM, std::string(Path), Kind);
  if (!Err.empty()) {
    E.error(Err);
    return "";
  }
  ++NumGroups;
  return sys::path::filename(Path).str();
}

std::string joinNames(const std::vector<const Group *> &Gs) {
  std::string S;
  for (const Group *G : Gs)
    S += (S.empty() ? "'" : ", '") + G->Name + "'";
  return S;
}

} // namespace

PreservedAnalyses FusionPass::run(Module &M, ModuleAnalysisManager &MAM) {
  if (M.getModuleFlag("fusionize.group"))
    return PreservedAnalyses::all(); // one of our own group modules

  // The frontend's facts: from the plugin, or embedded in the IR.
  std::optional<FrontendFacts> Stored;
  const FrontendFacts *FF = Facts.get();
  if (FF && FF->Tasks.empty())
    return PreservedAnalyses::all(); // no task: nothing changes
  try {
    if (FF)
      FF->embed(M);
    else if ((Stored = FrontendFacts::read(M)))
      FF = &*Stored;
  } catch (const FormatError &E) {
    Emitter->error(E.what());
    return PreservedAnalyses::all();
  }
  if (!FF || FF->Tasks.empty() || Opts.FactsOnly)
    return PreservedAnalyses::all();

  FunctionAnalysisManager &FAM =
      MAM.getResult<FunctionAnalysisManagerModuleProxy>(M).getManager();
  TaskModel Model(M, *FF);

  // --- The graph: the frontend's edges with the IR's costs.
  Graph G = FF->StaticGraph;
  std::map<std::string, double> HelperCosts;
  for (const FunctionSummary &F : G.Functions)
    HelperCosts[F.Symbol] = 0;
  std::map<std::string, double> Costs =
      estimateTaskCosts(M, FAM, Model, &HelperCosts);
  for (FunctionSummary &F : G.Functions)
    F.Cost = HelperCosts[F.Symbol];
  for (const TaskFacts &TF : FF->Tasks) {
    TaskNode *N = G.findTask(TF.Node.Name);
    if (!N) {
      G.Tasks.push_back(TF.Node);
      N = &G.Tasks.back();
    }
    N->Signature = TF.Node.Signature;
    N->Returns = TF.Node.Returns;
    N->ReturnsVoid = TF.Node.ReturnsVoid;
    N->Params = TF.Node.Params;
    N->Defined = TF.Node.Defined;
    if (auto It = Costs.find(TF.Node.Name); It != Costs.end())
      N->SelfCost = It->second;
  }
  G.computeTotalCosts();
  try {
    if (!Opts.GraphFile.empty() && !PrintOnly)
      G.save(Opts.GraphFile);
  } catch (const FormatError &E) {
    Emitter->error(E.what());
  }

  // --- The plan.
  std::set<std::string> Defined, Known;
  for (const TaskFacts &TF : FF->Tasks) {
    Known.insert(TF.Node.Name);
    if (TF.Node.Defined)
      Defined.insert(TF.Node.Name);
  }
  Plan P;
  std::string PlanSource;
  try {
    if (!Opts.PlanFile.empty()) {
      P = Plan::load(Opts.PlanFile);
      PlanSource = Opts.PlanFile;
      if (!P.programScope())
        P.validate(Known, /*AllowUnknown=*/false, Opts.PlanFile);
      P.validate(Defined, /*AllowUnknown=*/true, Opts.PlanFile);
    } else if (!Opts.ProfileFiles.empty()) {
      // Profile-guided: the same planner as `fusionize plan`, on this file's
      // graph (a program of several files plans with `fusionize plan` over
      // the whole-program graph instead).
      PlanOptions PO;
      PO.Scope = "translation-unit";
      if (!Opts.Objective.empty())
        PO.Obj = Objective::parse(Opts.Objective);
      if (!Opts.Planner.empty())
        PO.Planner = Opts.Planner;
      if (!Opts.Emulation.empty())
        PO.Cost.Emulation = PO.Cost.TraceEmulation =
            EmulationProfile::load(Opts.Emulation);
      PO.Cost.HostCpus = Opts.HostCpus;
      if (Opts.StopCostPerMB >= 0)
        PO.Cost.StopCpuMsPerMB = Opts.StopCostPerMB;
      PlanResult R = planFromTraces(G, Opts.ProfileFiles, PO);
      for (const std::string &W : R.Warnings)
        Emitter->warning(W);
      P = R.NewPlan;
      PlanSource = "profile";
      P.validate(Defined, /*AllowUnknown=*/true, "the profile-guided plan");
      if (Print)
        for (const std::string &E : R.Explanation)
          *Print << "plan: " << E << "\n";
    } else {
      StaticPlanOptions SO;
      if (Opts.ExpensiveCost > 0)
        SO.ExpensiveCost = Opts.ExpensiveCost;
      if (Opts.MemoryMB)
        SO.MemoryMB = Opts.MemoryMB;
      P = staticPlan(G, SO);
      PlanSource = "static";
    }
  } catch (const FormatError &E) {
    Emitter->error(E.what());
    return PreservedAnalyses::all();
  }

  // --- Remarks on every task (where it runs) and call site (per group).
  for (const TaskIR &T : Model.Tasks) {
    if (!T.defined())
      continue;
    auto In = P.groupsOf(T.name());
    const Group *Home = P.homeOf(T.name());
    OptimizationRemarkEmitter ORE(T.Fn);
    ORE.emit([&] {
      return OptimizationRemarkAnalysis(DEBUG_TYPE, "TaskGroups", T.Fn)
             << "task '" << T.name() << "' runs in group"
             << (In.size() > 1 ? "s " : " ") << joinNames(In)
             << (Home ? "; its function is served by '" + Home->Name + "'"
                      : std::string());
    });
  }

  std::vector<TaskCallSite> Sites = findTaskCalls(Model);
  std::string OutDir = Opts.OutDir;
  if (P.Groups.empty()) {
    // The file defines no task and no plan names groups: its object is the
    // same for every group (fusionize link links it into each), unless it
    // calls tasks, which only a whole-program plan can route.
    if (!Sites.empty() && Opts.Split && !PrintOnly)
      Emitter->warning("this file calls tasks but defines none; compile it "
                       "with the program's plan (fusionize analyze --plan) so "
                       "that its calls go to the right groups");
    if (!PrintOnly)
      finalizeMonolith(M, *FF, &MAM);
    return PrintOnly ? PreservedAnalyses::all() : PreservedAnalyses::none();
  }
  if (OutDir.empty() && !Opts.OutputFile.empty() && Opts.OutputFile != "-")
    OutDir = Opts.OutputFile + ".fusion";
  bool Split = Opts.Split && !PrintOnly && !OutDir.empty();
  if (Opts.Split && !PrintOnly && OutDir.empty())
    Emitter->warning("no output file to put the fusion groups next to; "
                     "no group objects are written");
  std::string Kind = Opts.Emit.empty() ? Emitter->defaultKind() : Opts.Emit;
  if (Kind != "obj" && Kind != "asm" && Kind != "ll" && Kind != "bc") {
    Emitter->error("unknown output kind '" + Kind + "' (obj, asm, ll, bc)");
    return PreservedAnalyses::all();
  }
  if (Split) {
    if (std::error_code EC = sys::fs::create_directories(OutDir)) {
      Emitter->error("cannot create " + OutDir + ": " + EC.message());
      return PreservedAnalyses::all();
    }
    removeStaleOutputs(OutDir);
  }

  Json Report;
  Report["format"] = "fusionize-report/1";
  Report["source"] = FF->Source;
  Report["object"] = Opts.OutputFile;
  Report["plan_source"] = PlanSource;
  Report["plan"] = P.toJson();
  Json &JTasks = Report["tasks"] = Json::array();
  for (const TaskFacts &TF : FF->Tasks) {
    Json Gs = Json::array();
    for (const Group *Gr : P.groupsOf(TF.Node.Name))
      Gs.push_back(Gr->Name);
    const Group *Home = P.homeOf(TF.Node.Name);
    JTasks.push_back(Json{{"name", TF.Node.Name},
                          {"symbol", TF.Node.Symbol},
                          {"defined", TF.Node.Defined},
                          {"groups", Gs},
                          {"home", Home ? Json(Home->Name) : Json(nullptr)}});
  }
  Json &JGroups = Report["groups"] = Json::array();
  Json &JSites = Report["call_sites"] = Json::array();

  std::map<Function *, std::unique_ptr<OptimizationRemarkEmitter>> OREs;
  auto OREFor = [&](Function *F) -> OptimizationRemarkEmitter & {
    auto &E = OREs[F];
    if (!E)
      E = std::make_unique<OptimizationRemarkEmitter>(F);
    return *E;
  };

  for (const Group &Gr : P.Groups) {
    if (!Split && !Print && !PrintOnly)
      break; // analysis only (fusionize analyze, no-split): no group modules
    // The late split clones the group from the optimized module later:
    // here it only needs what the group will contain.
    ValueToValueMapTy VMap;
    GroupSummary Sum;
    std::set<const Function *> Live;
    std::unique_ptr<Module> GM;
    if (Split && Late)
      summarizeGroup(M, *FF, Gr, Live, Sum);
    else
      GM = buildGroupModule(M, *FF, Gr, VMap, Sum);
    auto InGroup = [&](const CallBase *Call) {
      if (!GM)
        return Live.count(Call->getFunction()) > 0;
      auto It = VMap.find(Call);
      return It != VMap.end() && It->second;
    };
    Json JG{{"name", Gr.Name},          {"tasks", Gr.Tasks},
            {"memory_mb", Gr.MemoryMB}, {"timeout_s", Gr.TimeoutS},
            {"entries", Sum.Entries},   {"stubs", Sum.Stubs},
            {"kept", Sum.Kept},         {"dropped", Sum.Dropped}};
    // Decisions at the call sites that exist in this group.
    for (const TaskCallSite &S : Sites) {
      if (!InGroup(S.Call))
        continue;
      const std::string &Callee = S.Callee->name();
      bool Local = Gr.contains(Callee);
      const Group *Home = P.homeOf(Callee);
      Function *Caller = S.Call->getFunction();
      (Local ? NumLocalSites : NumRemoteSites)++;
      JSites.push_back(Json{{"group", Gr.Name},
                            {"caller", readableName(*Caller)},
                            {"callee", Callee},
                            {"kind", edgeKindName(S.Kind)},
                            {"decision", Local ? "local" : "remote"},
                            {"location", locationJson(*S.Call)}});
      OptimizationRemarkEmitter &ORE = OREFor(Caller);
      if (Local) {
        ORE.emit([&] {
          return OptimizationRemark(DEBUG_TYPE, "FusedCall", S.Call)
                 << (S.Kind == EdgeKind::Async ? "asynchronous " : "")
                 << "call to task '" << Callee << "' is local in group '"
                 << Gr.Name << "': caller and callee are fused";
        });
      } else if (S.Kind == EdgeKind::Async) {
        ORE.emit([&] {
          return OptimizationRemark(DEBUG_TYPE, "RemoteCall", S.Call)
                 << "asynchronous call to task '" << Callee << "' in group '"
                 << Gr.Name
                 << "' becomes a remote invocation (Event) of function '"
                 << Callee << "' in group '" << (Home ? Home->Name : "?")
                 << "'";
        });
      } else {
        ORE.emit([&] {
          return OptimizationRemark(DEBUG_TYPE, "RemoteCall", S.Call)
                 << "call to task '" << Callee << "' in group '" << Gr.Name
                 << "' becomes a remote invocation of function '" << Callee
                 << "' in group '" << (Home ? Home->Name : "?") << "'";
        });
        ORE.emit([&] {
          return OptimizationRemarkMissed(DEBUG_TYPE, "SyncRemoteCall", S.Call)
                 << "synchronous call to task '" << Callee
                 << "' crosses from group '" << Gr.Name << "' to '"
                 << (Home ? Home->Name : "?")
                 << "': the caller waits and is billed while '" << Callee
                 << "' runs";
        });
      }
    }
    if (Split && !Late) {
      std::string Object = emitGroup(*Emitter, *GM, Gr, OutDir, Kind, false);
      if (Object.empty())
        return PreservedAnalyses::all();
      JG["object"] = Object;
    }
    JGroups.push_back(JG);
    if (Print) {
      *Print << "group " << Gr.Name << " (" << Gr.MemoryMB << " MB, "
             << Gr.TimeoutS << " s): tasks";
      for (const std::string &T : Gr.Tasks)
        *Print << " " << T;
      *Print << "; entries";
      for (const std::string &T : Sum.Entries)
        *Print << " " << T;
      *Print << "; stubs";
      for (const std::string &T : Sum.Stubs)
        *Print << " " << T;
      *Print << "\n";
    }
  }
  Json &JEdges = Report["edges"] = Json::array();
  for (const Edge &E : G.Edges)
    JEdges.push_back(Json{{"caller", E.Caller},
                          {"callee", E.Callee},
                          {"kind", edgeKindName(E.Kind)},
                          {"calls", E.Calls}});
  if (Print) {
    for (const TaskNode &T : G.Tasks)
      *Print << "task " << T.Name << (T.Defined ? "" : " (declared)")
             << " cost " << T.SelfCost << " total " << T.TotalCost << "\n";
    for (const Edge &E : G.Edges)
      *Print << "edge " << E.Caller << " -> " << E.Callee << " "
             << edgeKindName(E.Kind) << " calls " << E.Calls << "\n";
  }
  if (Split && Late) {
    // The groups are cloned from the optimized module (FusionSplitPass).
    Late->Pending = true;
    Late->Facts = Facts ? Facts : std::make_shared<FrontendFacts>(*FF);
    Late->P = P;
    Late->OutDir = OutDir;
    Late->Kind = Kind;
    Late->Report = std::move(Report);
    prepareLateSplit(M, *FF, P, &MAM);
    return PreservedAnalyses::none();
  }
  if (Split)
    writeReportWhenDone(Emitter, OutDir, std::move(Report));
  if (PrintOnly)
    return PreservedAnalyses::all();

  finalizeMonolith(M, *FF, &MAM);
  return PreservedAnalyses::none();
}

PreservedAnalyses FusionSplitPass::run(Module &M, ModuleAnalysisManager &MAM) {
  if (!Late || !Late->Pending)
    return PreservedAnalyses::all();
  Late->Pending = false;
  const FrontendFacts &FF = *Late->Facts;
  if (!isPreparedForLateSplit(M)) {
    Emitter->error("the module lost the fusion pass's preparation before "
                   "the group objects could be written");
    return PreservedAnalyses::all();
  }
  Json &Report = Late->Report;
  for (const Group &Gr : Late->P.Groups) {
    ValueToValueMapTy VMap;
    GroupSummary Sum;
    std::unique_ptr<Module> GM = buildGroupModule(M, FF, Gr, VMap, Sum);
    std::string Object =
        emitGroup(*Emitter, *GM, Gr, Late->OutDir, Late->Kind, true);
    if (Object.empty())
      return PreservedAnalyses::all();
    for (Json &JG : Report["groups"])
      if (JG["name"] == Gr.Name)
        JG["object"] = Object;
  }
  writeReportWhenDone(Emitter, Late->OutDir, std::move(Report));
  finalizeMonolith(M, FF, &MAM);
  return PreservedAnalyses::none();
}

} // namespace fusionize
