//===- optimize/Optimize.cpp - The build-run-plan loop --------------------===//
#include "optimize/Optimize.h"

#include "optimize/Build.h"
#include "optimize/Report.h"
#include "platform/Load.h"
#include "platform/Platform.h"
#include "platform/Workload.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <thread>

namespace fusionize::optimize {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point T) {
  return std::chrono::duration<double>(Clock::now() - T).count();
}

double r3(double V) { return std::round(V * 1000.0) / 1000.0; }
double usd(double V) { return std::round(V * 1e12) / 1e12; }

std::string fixed(double V, int Digits) {
  std::ostringstream S;
  S.setf(std::ios::fixed);
  S.precision(Digits);
  S << V;
  return S.str();
}

std::string isoNow() {
  std::time_t T = std::time(nullptr);
  char Buf[64];
  std::strftime(Buf, sizeof(Buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&T));
  return Buf;
}

void makeDir(const std::string &Dir) {
  std::string Cur;
  for (size_t I = 0; I <= Dir.size(); ++I) {
    if ((I == Dir.size() || Dir[I] == '/') && !Cur.empty())
      ::mkdir(Cur.c_str(), 0755);
    if (I < Dir.size())
      Cur += Dir[I];
  }
  struct stat St;
  if (::stat(Dir.c_str(), &St) != 0 || !S_ISDIR(St.st_mode))
    throw OptimizeError("cannot create the output directory " + Dir);
}

bool cancelled(const OptimizeOptions &O) {
  return O.Cancel && O.Cancel->load();
}

/// What the run measured, in the keys of Prediction::toJson where they
/// mean the same (per request), plus what only a run has.
Json measuredFigures(const platform::RunSummary &S,
                     const platform::LoadResult &L) {
  double N = double(std::max<size_t>(1, S.RootRequests));
  unsigned Functions = 0;
  for (const platform::FunctionSummary &F : S.Functions)
    Functions += F.Invocations > 0;
  return Json{{"requests", S.RootRequests},
              {"errors", S.RootErrors},
              {"client_errors", L.Errors},
              {"p50_ms", r3(S.EndToEnd.P50)},
              {"p90_ms", r3(S.EndToEnd.P90)},
              {"p99_ms", r3(S.EndToEnd.P99)},
              {"mean_ms", r3(S.EndToEnd.Mean)},
              {"completion_p50_ms", r3(S.Completion.P50)},
              {"completion_p99_ms", r3(S.Completion.P99)},
              {"cost_usd", usd(S.CostPerRequestUsd)},
              {"billed_ms", r3(S.BilledMs / N)},
              {"gb_seconds", r3(S.GbSeconds / N * 1000) / 1000},
              {"cold_starts", r3(double(S.ColdStarts) / N)},
              {"cold_starts_total", S.ColdStarts},
              {"invocations", r3(double(S.Invocations) / N)},
              {"functions", Functions},
              {"throttles", S.Throttles},
              {"wall_s", r3(S.WallSeconds)}};
}

double num(const Json &J, const char *Key) {
  return J.contains(Key) && J[Key].is_number() ? J[Key].get<double>() : 0;
}

std::string describeWorkload(const platform::Workload &W, size_t Requests,
                             double LengthS) {
  std::ostringstream S;
  S << (W.Name.empty() ? W.Function : W.Name) << ": " << Requests
    << " request" << (Requests == 1 ? "" : "s") << " to " << W.Function
    << " over " << fixed(LengthS, 0) << " s (";
  for (size_t I = 0; I < W.Phases.size(); ++I) {
    const platform::Phase &P = W.Phases[I];
    if (I)
      S << ", then ";
    if (P.Ramp)
      S << "ramp " << P.From << " to " << P.To << "/s for " << P.DurationS
        << " s";
    else if (P.Requests)
      S << *P.Requests << " at " << P.Rate << "/s";
    else
      S << P.Rate << "/s for " << P.DurationS << " s";
  }
  S << ", " << W.Arrivals << ")";
  return S.str();
}

std::string groupsLine(const Plan &P) {
  std::ostringstream S;
  for (size_t I = 0; I < P.Groups.size(); ++I) {
    const Group &G = P.Groups[I];
    if (I)
      S << " | ";
    for (size_t T = 0; T < G.Tasks.size(); ++T)
      S << (T ? "+" : "") << G.Tasks[T];
    S << " @" << G.MemoryMB;
  }
  return S.str();
}

/// The label of a plan the heuristic made: its one change.
std::string heuristicLabel(const std::vector<std::string> &Explanation) {
  for (const std::string &L : Explanation)
    if (L.rfind("fusionize: ", 0) == 0) {
      std::string S = L.substr(11);
      if (auto P = S.find(" ("); P != std::string::npos)
        S = S.substr(0, P);
      return S;
    }
  return "fusionize heuristic";
}

struct RunOutcome {
  platform::RunSummary Summary;
  platform::LoadResult Load;
  std::string CpuLimit;
  size_t Undelivered = 0;
  bool Abandoned = false; // in-flight invocations stopped after the drain
};

RunOutcome runOnPlatform(const OptimizeOptions &O, const std::string &Manifest,
                         const std::string &Dir, const platform::Workload &W,
                         std::ostream *Progress, const std::string &Prefix) {
  platform::PlatformOptions PO;
  PO.ManifestPath = Manifest;
  PO.Port = 0;
  PO.StateDir = Dir + "/run";
  PO.TraceFile = Dir + "/trace.jsonl";
  PO.SummaryFile = Dir + "/summary.json";
  PO.Emulation = O.Planning.Cost.Emulation;
  PO.IdleTimeoutS = O.IdleTimeoutS;
  std::ofstream PlatformLog(Dir + "/platform.log");
  PO.Diagnostics = &PlatformLog;
  platform::Platform P(PO);
  P.start();
  RunOutcome R;
  R.CpuLimit = P.cpuLimitDescription();
  platform::LoadOptions LO;
  LO.Endpoint = P.endpoint();
  LO.Progress = Progress;
  LO.ProgressTty = O.ProgressTty;
  LO.Cancel = O.Cancel;
  try {
    R.Load = platform::runLoad(W, LO);
  } catch (...) {
    P.stop(false);
    throw;
  }
  if (Progress && O.ProgressTty)
    *Progress << "\n";
  // Events (asynchronous tasks) still queued or running belong to this
  // run: wait for them, so the trace and the bill are complete.
  auto Start = Clock::now();
  bool Said = false;
  while (true) {
    platform::RunSummary S = P.summary();
    const platform::EventCounters &E = S.Events;
    size_t Done = E.Delivered + E.Failed;
    R.Undelivered = E.Accepted > Done ? E.Accepted - Done : 0;
    if (R.Undelivered == 0 || cancelled(O) || since(Start) > O.DrainTimeoutS)
      break;
    if (!Said && Progress && since(Start) > 1) {
      *Progress << Prefix << "waiting for " << R.Undelivered
                << " queued event(s)\n";
      Said = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // The runtime exports its spans right after it answers: give the last
  // exports a moment to arrive before the platform closes its receiver.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // What still runs now (an invocation whose caller gave up, a stuck
  // instance) gets what is left of the drain time, at least 30 s, and is
  // then stopped: the loop goes on with the traces it has.
  double Grace = std::max(30.0, O.DrainTimeoutS - since(Start));
  if (!P.stopWithin(Grace)) {
    R.Abandoned = true;
    if (Progress)
      *Progress << Prefix << "invocations still running " << int(Grace)
                << " s after the workload: stopped (see " << Dir
                << "/platform.log)\n";
  }
  R.Summary = P.summary();
  return R;
}

} // namespace

double objectiveLatency(const Objective &Obj, const Json &F) {
  bool Completion = Obj.Latency == LatencyKind::Completion;
  bool P99 = Obj.Quantile >= 0.9;
  const char *Key = Completion ? (P99 ? "completion_p99_ms"
                                      : "completion_p50_ms")
                               : (P99 ? "p99_ms" : "p50_ms");
  return num(F, Key);
}

double objectiveValue(const Objective &Obj, const Json &F, double RefLatencyMs,
                      double RefCostUsd) {
  double Lat = objectiveLatency(Obj, F), Cost = num(F, "cost_usd");
  double V = 0;
  switch (Obj.Kind) {
  case Objective::Goal::Latency:
    V = Lat;
    break;
  case Objective::Goal::Cost:
    V = Cost;
    break;
  case Objective::Goal::Weighted:
    V = Obj.Weight * Lat / (RefLatencyMs > 0 ? RefLatencyMs : 1) +
        (1 - Obj.Weight) * Cost / (RefCostUsd > 0 ? RefCostUsd : 1);
    break;
  }
  // A bound's violation ranks before the value (as the planner's Score).
  if (Obj.MaxLatencyMs > 0 && Lat > Obj.MaxLatencyMs)
    V += 1e6 * (Lat - Obj.MaxLatencyMs) / Obj.MaxLatencyMs;
  return V;
}

bool sameLayout(const Plan &A, const Plan &B) {
  auto Norm = [](const Plan &P) {
    std::map<std::string, std::string> Home;
    for (const Group &G : P.Groups)
      for (const std::string &T : G.Tasks)
        Home.emplace(T, G.Name);
    for (auto &[T, G] : P.Routes)
      Home[T] = G;
    std::vector<std::tuple<std::vector<std::string>, unsigned,
                           std::vector<std::string>>>
        R;
    for (const Group &G : P.Groups) {
      std::vector<std::string> T = G.Tasks, H;
      std::sort(T.begin(), T.end());
      for (const std::string &X : T)
        if (Home[X] == G.Name)
          H.push_back(X);
      R.emplace_back(std::move(T), G.MemoryMB, std::move(H));
    }
    std::sort(R.begin(), R.end());
    return R;
  };
  return Norm(A) == Norm(B);
}

OptimizeResult runOptimize(const OptimizeOptions &O) {
  auto Started = Clock::now();
  std::ostream *Progress = O.Progress;
  const std::string Tag = "fusionize optimize: ";
  if (O.ManifestPath.empty())
    throw OptimizeError("no manifest given (the application's manifest.json)");
  if (O.WorkloadPath.empty())
    throw OptimizeError("no workload given (--workload FILE, a "
                        "fusionize-workload/1 document)");
  if (O.MaxIterations < 1)
    throw OptimizeError("--max-iterations must be at least 1");
  if (O.Fusionize.empty())
    throw OptimizeError("the fusionize executable is unknown");

  AppBuild B = AppBuild::load(O.ManifestPath, O.CompileCommands, O.Fusionize,
                              O.Plugin);
  B.Jobs = O.Jobs;
  platform::Workload W = platform::Workload::load(O.WorkloadPath);
  W.validate(O.WorkloadPath);
  std::vector<double> Schedule = platform::arrivalSchedule(W);
  double LengthS = Schedule.empty() ? 0 : Schedule.back();

  makeDir(O.OutDir);
  if (Progress)
    *Progress << Tag << B.Application << ": " << B.Sources.size()
              << " source(s), compile commands from "
              << B.CompileCommandsPath << "\n";
  Graph G = B.graph(O.OutDir + "/graph.json");
  if (!G.findTask(W.Function))
    throw OptimizeError(O.WorkloadPath + " invokes " + W.Function +
                        ", which is not a task of " + B.Application +
                        " (tasks: " + [&] {
                          std::string S;
                          for (const TaskNode &T : G.Tasks)
                            S += (S.empty() ? "" : ", ") + T.Name;
                          return S;
                        }() + ")");
  std::set<std::string> Known;
  for (const TaskNode &T : G.Tasks)
    Known.insert(T.Name);

  // The starting layout.
  Plan Cur;
  std::string Setup;
  if (O.Start == "one-per-task") {
    Cur = Plan::onePerTask(G, O.StartMemoryMB);
    Setup = "one function per task";
  } else if (O.Start == "static") {
    StaticPlanOptions SO;
    SO.MemoryMB = O.StartMemoryMB;
    SO.Scope = "program";
    Cur = staticPlan(G, SO);
    Setup = "static plan";
  } else if (O.Start == "manifest") {
    Manifest M = Manifest::load(O.ManifestPath);
    if (M.PlanFile.empty())
      throw OptimizeError(O.ManifestPath + " names no plan");
    std::string Dir = B.ManifestPath.substr(0, B.ManifestPath.rfind('/'));
    Cur = Plan::load(M.PlanFile[0] == '/' ? M.PlanFile
                                          : Dir + "/" + M.PlanFile);
    Setup = "the manifest's plan";
  } else {
    Cur = Plan::load(O.Start);
    Setup = "plan " + O.Start;
  }
  Cur.Scope = "program";
  Cur.validate(Known, false, "the starting plan");

  bool Heuristic =
      O.Planning.Planner == "fusionize" || O.Planning.Planner == "heuristic";
  Json Report{{"format", ReportFormat},
              {"application", B.Application},
              {"manifest", B.ManifestPath},
              {"compile_commands", B.CompileCommandsPath},
              {"sources", B.Sources},
              {"workload",
               Json{{"file", O.WorkloadPath},
                    {"name", W.Name},
                    {"function", W.Function},
                    {"requests", Schedule.size()},
                    {"length_s", r3(LengthS)},
                    {"description",
                     describeWorkload(W, Schedule.size(), LengthS)}}},
              {"emulation", O.Planning.Cost.Emulation.Name},
              {"emulation_profile", O.Planning.Cost.Emulation.toJson()},
              {"start", O.Start},
              {"planner", O.Planning.Planner},
              {"objective", [&] {
                 Json J = O.Planning.Obj.toJson();
                 // From the second iteration on, the weighted objective is
                 // relative to the first iteration (see below).
                 if (O.Planning.Obj.Kind == Objective::Goal::Weighted) {
                   std::string D = J["description"];
                   auto P = D.find("(relative to the current plan)");
                   if (P != std::string::npos)
                     J["description"] = D.substr(0, P) +
                                        "(relative to the first iteration)";
                 }
                 return J;
               }()},
              {"memory_sizes", O.Planning.Settings.MemorySizes},
              {"max_iterations", O.MaxIterations},
              {"min_improvement_pct", O.MinImprovementPct},
              {"started", isoNow()},
              {"graph", G.toJson()},
              {"iterations", Json::array()}};
  std::string ReportPath = O.OutDir + "/report.json";
  auto Save = [&] { writeJsonFile(ReportPath, Report); };

  std::vector<Plan> Seen;
  std::vector<std::string> PlanTraces; // what the planner reads
  std::optional<Json> PredictedForCur;
  double RefLat = 0, RefCost = 0;      // the model's, for the planner
  double MRefLat = 0, MRefCost = 0;    // measured, for choosing the best
  bool Converged = false, Cancelled = false;
  std::string Reason;
  OptimizeResult Result;

  try {
    for (unsigned I = 1; I <= O.MaxIterations; ++I) {
      std::string Prefix = Tag + "iteration " + std::to_string(I) + ": ";
      std::string Dir = O.OutDir + "/iter-" + std::to_string(I);
      makeDir(Dir);
      Cur.save(Dir + "/plan.json");
      Json It{{"iteration", I},
              {"setup", Setup},
              {"dir", "iter-" + std::to_string(I)},
              {"groups", Cur.Groups.size()},
              {"layout", groupsLine(Cur)},
              {"plan", Cur.toJson()}};
      It["plan"].erase("explanation");
      It["plan"].erase("predicted");
      It["plan"].erase("warnings");
      if (PredictedForCur)
        It["predicted"] = *PredictedForCur;

      // Build.
      if (Progress)
        *Progress << Prefix << "building " << Setup << " ("
                  << Cur.Groups.size() << " group"
                  << (Cur.Groups.size() == 1 ? "" : "s") << ")\n";
      auto T0 = Clock::now();
      std::ofstream BuildLog(Dir + "/build.log");
      std::string Manifest = B.build(Dir + "/plan.json", Dir, &BuildLog);
      It["build_s"] = r3(since(T0));

      // Run.
      if (Progress)
        *Progress << Prefix << "running the workload ("
                  << describeWorkload(W, Schedule.size(), LengthS)
                  << ") on the local platform, emulation "
                  << O.Planning.Cost.Emulation.Name << "\n";
      T0 = Clock::now();
      RunOutcome Run = runOnPlatform(O, Manifest, Dir, W, Progress, Prefix);
      It["run_s"] = r3(since(T0));
      if (I == 1) {
        Report["cpu_limit"] = Run.CpuLimit;
        if (Progress)
          *Progress << Tag << Run.CpuLimit << "\n";
      }
      writeJsonFile(Dir + "/load.json", Run.Load.toJson());
      It["measured"] = measuredFigures(Run.Summary, Run.Load);
      if (Run.Undelivered)
        It["undelivered_events"] = Run.Undelivered;
      if (Run.Abandoned)
        It["abandoned_invocations"] = true;
      It["trace"] = "iter-" + std::to_string(I) + "/trace.jsonl";
      It["summary"] = "iter-" + std::to_string(I) + "/summary.json";
      if (Run.Summary.RootRequests == 0 ||
          Run.Summary.RootErrors == Run.Summary.RootRequests) {
        std::string Types;
        for (auto &[Type, N] : Run.Load.ErrorsByType)
          Types += (Types.empty() ? "" : ", ") + Type + " x" +
                   std::to_string(N);
        Report["iterations"].push_back(It);
        throw OptimizeError(
            "iteration " + std::to_string(I) + ": no request succeeded (" +
            std::to_string(Run.Load.Sent) + " sent" +
            (Types.empty() ? "" : "; errors: " + Types) +
            "); the instances' logs are in " + Dir + "/run/logs");
      }
      if (I == 1) {
        MRefLat = objectiveLatency(O.Planning.Obj, It["measured"]);
        MRefCost = num(It["measured"], "cost_usd");
      }
      if (cancelled(O)) {
        Report["iterations"].push_back(It);
        Cancelled = true;
        Reason = "interrupted";
        break;
      }

      // Plan from this run's traces and those before (O.AllTraces).
      if (Progress)
        *Progress << Prefix << "planning (" << O.Planning.Planner << ", "
                  << O.Planning.Obj.str() << ")\n";
      T0 = Clock::now();
      PlanOptions PO = O.Planning;
      PO.Current = Cur;
      PO.Scope = "program";
      if (I > 1 && PO.Obj.Kind == Objective::Goal::Weighted) {
        PO.Obj.RefLatencyMs = RefLat;
        PO.Obj.RefCostUsd = RefCost;
      }
      if (!O.AllTraces)
        PlanTraces.clear();
      PlanTraces.push_back(Dir + "/trace.jsonl");
      PlanResult R = planFromTraces(G, PlanTraces, PO);
      It["plan_s"] = r3(since(T0));
      Json From = Json::array();
      for (const std::string &T : PlanTraces)
        From.push_back(T.substr(O.OutDir.size() + 1));
      It["planned_from"] = From;
      Json Own = R.CurrentPredicted.toJson();
      It["predicted_self"] = Own;
      if (I == 1) {
        RefLat = objectiveLatency(PO.Obj, Own);
        RefCost = num(Own, "cost_usd");
        Report["references"] = Json{{"latency_ms", r3(RefLat)},
                                    {"cost_usd", usd(RefCost)},
                                    {"measured_latency_ms", r3(MRefLat)},
                                    {"measured_cost_usd", usd(MRefCost)}};
      }
      Json Next = R.Predicted.toJson();
      Json Planning{{"planner", PO.Planner},        {"changed", R.Changed},
                    {"host_cpus", R.HostCpus},      {"predicted", Next},
                    {"explanation", R.Explanation}, {"warnings", R.Warnings}};

      // Decide.
      Plan NextPlan = R.NewPlan;
      NextPlan.Scope = "program";
      std::string Decision;
      bool Stop = false;
      if (!R.Changed || sameLayout(NextPlan, Cur)) {
        Converged = Stop = true;
        Decision = "converged: the planner keeps this plan";
      } else if (!Heuristic) {
        double Before = objectiveValue(PO.Obj, Own, RefLat, RefCost);
        double After = objectiveValue(PO.Obj, Next, RefLat, RefCost);
        double Gain = Before > 0 ? (Before - After) / Before * 100 : 0;
        Planning["predicted_gain_pct"] = r3(Gain);
        if (Gain < O.MinImprovementPct) {
          Converged = Stop = true;
          Decision = "converged: the planned change improves the objective "
                     "by only " +
                     fixed(Gain, 1) + " % (predicted; the threshold is " +
                     fixed(O.MinImprovementPct, 1) + " %), so this plan stays";
        }
      }
      if (!Stop) {
        for (size_t K = 0; K < Seen.size() && !Stop; ++K)
          if (sameLayout(NextPlan, Seen[K])) {
            Stop = true;
            Decision = "stopped: the planner returns to the plan of "
                       "iteration " +
                       std::to_string(K + 1);
          }
      }
      if (!Stop && I == O.MaxIterations) {
        Stop = true;
        Decision = "stopped: " + std::to_string(O.MaxIterations) +
                   " iteration(s) done (--max-iterations); the plan would "
                   "still change";
      }
      if (!Stop)
        Decision = "rebuild with the new plan (" +
                   std::to_string(NextPlan.Groups.size()) + " group" +
                   (NextPlan.Groups.size() == 1 ? "" : "s") + ")";
      Planning["decision"] = Decision;
      Planning["plan"] = NextPlan.toJson();
      It["planning"] = Planning;
      It["total_s"] = r3(num(It, "build_s") + num(It, "run_s") +
                         num(It, "plan_s"));
      Report["iterations"].push_back(It);
      Save();
      if (O.Out) {
        if (I == 1)
          printTableHeader(*O.Out);
        printTableRow(*O.Out, It);
        O.Out->flush();
      }
      if (Progress)
        *Progress << Prefix << Decision << "\n";
      Seen.push_back(Cur);
      if (Stop) {
        Reason = Decision;
        break;
      }
      NextPlan.save(Dir + "/next-plan.json");
      Setup = Heuristic ? heuristicLabel(R.Explanation)
                        : PO.Planner + " plan of " +
                              (PlanTraces.size() > 1
                                   ? "iterations 1 to " + std::to_string(I)
                                   : "iteration " + std::to_string(I)) +
                              "'s traces";
      PredictedForCur = Next;
      Cur = NextPlan;
      if (cancelled(O)) {
        Cancelled = true;
        Reason = "interrupted";
        break;
      }
    }
  } catch (...) {
    Report["error"] = "the loop stopped on an error (see the message)";
    Report["duration_s"] = r3(since(Started));
    try {
      Save();
    } catch (...) {
    }
    throw;
  }

  // The result: the converged plan, else the best one measured.
  const Json &Its = Report["iterations"];
  size_t Chosen = Its.size() - 1;
  std::string Why = "the plan the loop converged to";
  if (!Converged) {
    double Best = 0;
    for (size_t K = 0; K < Its.size(); ++K) {
      if (!Its[K].contains("measured"))
        continue;
      double V =
          objectiveValue(O.Planning.Obj, Its[K]["measured"], MRefLat, MRefCost);
      if (K == 0 || V < Best) {
        Best = V;
        Chosen = K;
      }
    }
    Why = "the best plan measured (by the objective), since the loop did "
          "not converge";
  }
  const Json &First = Its[0]["measured"], &Last = Its[Chosen]["measured"];
  auto Pct = [&](const char *Key) {
    double A = num(First, Key), B2 = num(Last, Key);
    return A > 0 ? r3((B2 - A) / A * 100) : 0.0;
  };
  Report["outcome"] =
      Json{{"converged", Converged},
           {"cancelled", Cancelled},
           {"reason", Reason},
           {"iterations", Its.size()},
           {"chosen_iteration", Chosen + 1},
           {"chosen_because", Why},
           {"change",
            Json{{"p50_pct", Pct("p50_ms")},
                 {"p99_pct", Pct("p99_ms")},
                 {"cost_pct", Pct("cost_usd")},
                 {"billed_ms_pct", Pct("billed_ms")},
                 {"functions", Json::array({num(First, "functions"),
                                            num(Last, "functions")})}}}};
  Report["duration_s"] = r3(since(Started));
  Plan Final = Plan::fromJson(Its[Chosen]["plan"], "report");
  Result.PlanPath = O.OutDir + "/plan.json";
  Final.save(Result.PlanPath);
  Report["plan"] = "plan.json";
  if (O.WriteHtml) {
    Result.HtmlPath = O.OutDir + "/report.html";
    Report["html"] = "report.html";
  }
  Save();
  if (O.WriteHtml)
    writeTextFile(Result.HtmlPath, renderHtml(Report));
  Result.Report = Report;
  Result.ReportPath = ReportPath;
  Result.Converged = Converged;
  Result.Cancelled = Cancelled;
  if (O.Out) {
    *O.Out << "\n";
    printTable(*O.Out, Report);
    *O.Out << "\n";
    printChange(*O.Out, Report);
  }
  return Result;
}

} // namespace fusionize::optimize
