//===- PlannerBench.cpp - Planning time and memory at scale ---------------===//
//
//   fusionize_planner_bench generate --apps A --tasks-per-app T --spans N DIR
//       writes DIR/graph.json, DIR/trace.jsonl (one function per task)
//   fusionize_planner_bench plan DIR [--planner search|auto|fusionize]
//       reads, profiles and plans; prints the phases' times and peak RSS
//   fusionize_planner_bench dom DIR
//       the baseline: parses every trace line into a nlohmann::json DOM
//   fusionize_planner_bench paper iot|tree
//       each planner and objective on the papers' call graphs
//
// Each mode runs in its own process so peak RSS is the mode's own.
//
//===----------------------------------------------------------------------===//
#include "planner/Otlp.h"
#include "planner/Planner.h"
#include "planner/Synthetic.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <sys/resource.h>

using namespace fusionize;
using Clock = std::chrono::steady_clock;

static double since(Clock::time_point T) {
  return std::chrono::duration<double>(Clock::now() - T).count();
}

static double cpuS() {
  rusage U{};
  getrusage(RUSAGE_SELF, &U);
  return double(U.ru_utime.tv_sec + U.ru_stime.tv_sec) +
         double(U.ru_utime.tv_usec + U.ru_stime.tv_usec) / 1e6;
}

static double peakMB() {
  rusage U{};
  getrusage(RUSAGE_SELF, &U);
  return double(U.ru_maxrss) / 1024.0;
}

static const char *arg(int Argc, char **Argv, const char *Name,
                       const char *Def) {
  for (int I = 1; I + 1 < Argc; ++I)
    if (!std::strcmp(Argv[I], Name))
      return Argv[I + 1];
  return Def;
}

static int generate(int Argc, char **Argv, const std::string &Dir) {
  unsigned Apps = unsigned(std::atoi(arg(Argc, Argv, "--apps", "1")));
  unsigned Per = unsigned(std::atoi(arg(Argc, Argv, "--tasks-per-app", "100")));
  double Spans = std::atof(arg(Argc, Argv, "--spans", "1000000"));
  Graph G = syntheticGraph(Apps, Per, 42);
  G.save(Dir + "/graph.json");
  SyntheticSpec S;
  S.G = &G;
  Rng R(9);
  for (const TaskNode &T : G.Tasks)
    S.Truth[T.Name] = {0.5 + 5 * R.uniform(), 3 * R.uniform(), 0.3, 40};
  for (unsigned A = 0; A < Apps; ++A)
    S.Entries.push_back({G.Tasks[A * Per].Name, 1});
  S.P = Plan::onePerTask(G, 256);
  // Spans per request depend on the random trees: measure on a pilot run.
  S.Requests = 200;
  S.RatePerS = 20;
  std::ostringstream Pilot;
  double PerRequest = double(writeSyntheticTraces(S, Pilot)) / 200.0;
  S.Requests = unsigned(Spans / PerRequest) + 1;
  std::ofstream Out(Dir + "/trace.jsonl");
  size_t N = writeSyntheticTraces(S, Out);
  Out.close();
  std::printf("{\"tasks\": %zu, \"requests\": %u, \"spans\": %zu}\n",
              G.Tasks.size(), S.Requests, N);
  return 0;
}

static int plan(int Argc, char **Argv, const std::string &Dir) {
  auto T0 = Clock::now();
  Graph G = Graph::load(Dir + "/graph.json");
  double GraphS = since(T0);
  auto T1 = Clock::now();
  double C1 = cpuS();
  TraceSet TS;
  readOtlpFile(Dir + "/trace.jsonl", TS);
  double ReadS = since(T1), ReadCpu = cpuS() - C1;
  auto T2 = Clock::now();
  double C2 = cpuS();
  ProfileOptions PO;
  Profile P = buildProfile(G, TS, PO);
  double ProfileS = since(T2), ProfileCpu = cpuS() - C2;
  size_t Spans = TS.Spans.size();
  TS = TraceSet(); // the planner no longer needs the spans
  auto T3 = Clock::now();
  double C3 = cpuS();
  PlanOptions O;
  O.Planner = arg(Argc, Argv, "--planner", "search");
  O.Obj = Objective::parse(arg(Argc, Argv, "--objective", "cost"));
  O.Cost.Samples = unsigned(std::atoi(arg(Argc, Argv, "--samples", "200")));
  PlanResult R = planFromProfile(G, P, O);
  double PlanS = since(T3), PlanCpu = cpuS() - C3;
  std::printf("{\"tasks\": %zu, \"spans\": %zu, \"planner\": \"%s\", "
              "\"graph_s\": %.3f, \"read_s\": %.3f, \"profile_s\": %.3f, "
              "\"plan_s\": %.3f, \"total_s\": %.3f, \"cpu_s\": %.3f, \"peak_rss_mb\": %.1f, "
              "\"groups_before\": %zu, \"groups_after\": %zu, "
              "\"cost_before_uusd\": %.4f, \"cost_after_uusd\": %.4f, "
              "\"p50_before_ms\": %.2f, \"p50_after_ms\": %.2f, "
              "\"read_cpu_s\": %.3f, \"profile_cpu_s\": %.3f, "
              "\"plan_cpu_s\": %.3f}\n",
              G.Tasks.size(), Spans, O.Planner.c_str(), GraphS, ReadS,
              ProfileS, PlanS, since(T0), cpuS(), peakMB(),
              R.CurrentPlan.Groups.size(), R.NewPlan.Groups.size(),
              R.CurrentPredicted.CostUsd * 1e6, R.Predicted.CostUsd * 1e6,
              R.CurrentPredicted.P50Ms, R.Predicted.P50Ms, ReadCpu,
              ProfileCpu, PlanCpu);
  if (std::getenv("BENCH_VERBOSE"))
    for (const std::string &L : R.Explanation)
      if (L.rfind("planner", 0) == 0 || L.rfind("current", 0) == 0 ||
          L.rfind("planned", 0) == 0 || L.rfind("exhaustive", 0) == 0)
        std::fprintf(stderr, "%s\n", L.c_str());
  return 0;
}

/// The papers' IoT (10 tasks) and Tree (7 tasks) call graphs, traced under
/// one function per task: planning time and predicted result of each
/// planner, side by side.
static Graph paperGraph(const std::string &Name) {
  Graph G;
  auto Add = [&](const char *A, const char *B, EdgeKind K) {
    for (const char *N : {A, B})
      if (!G.findTask(N)) {
        TaskNode T;
        T.Name = N;
        T.Returns = "int";
        G.Tasks.push_back(T);
      }
    if (K == EdgeKind::Async)
      G.findTask(B)->Returns = "void", G.findTask(B)->ReturnsVoid = true;
    Edge E;
    E.Caller = A;
    E.Callee = B;
    E.Kind = K;
    E.Calls = 1;
    G.Edges.push_back(E);
  };
  const EdgeKind S = EdgeKind::Sync, A = EdgeKind::Async;
  if (Name == "iot") {
    Add("I", "CW", S), Add("I", "SE", S), Add("I", "CT", A), Add("I", "CS", A);
    Add("I", "CA", A), Add("CT", "AS", A), Add("CS", "CSL", S);
    Add("CS", "CSA", S), Add("CA", "DJ", S), Add("CA", "AS", A);
  } else {
    Add("A", "B", S), Add("A", "C", A), Add("B", "D", S), Add("D", "E", S);
    Add("C", "F", A), Add("C", "G", A);
  }
  return G;
}

static int paper(int Argc, char **Argv, const std::string &Name) {
  Graph G = paperGraph(Name);
  SyntheticSpec S;
  S.G = &G;
  for (const TaskNode &T : G.Tasks)
    S.Truth[T.Name] = {20, 2, 0.2, 60}; // CPU work (prime sieve)
  if (Name == "iot") {
    S.Truth["SE"] = {2, 15, 0.2, 60}; // storage: waiting
  } else {
    for (const char *W : {"B", "D", "E"})
      S.Truth[W] = {1, 100, 0.2, 40}; // I/O-like waits
    for (const char *C : {"C", "F", "G"})
      S.Truth[C] = {150, 0, 0.2, 80};
  }
  S.Entries = {{G.Tasks[0].Name, 1}};
  S.P = Plan::onePerTask(G, 128);
  S.Requests = 1000;
  S.RatePerS = 1;
  std::ostringstream Out;
  writeSyntheticTraces(S, Out);
  TraceSet TS;
  readOtlpText(Out.str(), Name, TS);
  Profile P = buildProfile(G, TS);
  for (const char *Obj : {"cost", "latency", "weighted:0.5"}) {
    for (const char *Planner : {"fusionize", "search", "exhaustive"}) {
      PlanOptions O;
      O.Planner = Planner;
      O.Obj = Objective::parse(Obj);
      O.Cost.Samples = unsigned(std::atoi(arg(Argc, Argv, "--samples", "1000")));
      // The heuristic, iterated until it converges (one change each).
      unsigned Iter = 0;
      auto T0 = Clock::now();
      PlanResult R = planFromProfile(G, P, O);
      Prediction Start = R.CurrentPredicted;
      ++Iter;
      if (O.Planner == "fusionize")
        while (R.Changed && Iter < 50) {
          O.Current = R.NewPlan;
          R = planFromProfile(G, P, O);
          Iter += R.Changed;
        }
      double Sec = since(T0);
      std::printf("{\"app\": \"%s\", \"objective\": \"%s\", "
                  "\"planner\": \"%s\", \"iterations\": %u, "
                  "\"plan_s\": %.3f, \"groups\": %zu, \"p50_ms\": %.1f, "
                  "\"p99_ms\": %.1f, \"cost_uusd\": %.3f, "
                  "\"start_p50_ms\": %.1f, \"start_cost_uusd\": %.3f}\n",
                  Name.c_str(), Obj, Planner, Iter, Sec,
                  R.NewPlan.Groups.size(), R.Predicted.P50Ms,
                  R.Predicted.P99Ms, R.Predicted.CostUsd * 1e6,
                  Start.P50Ms, Start.CostUsd * 1e6);
    }
  }
  return 0;
}

static int dom(const std::string &Dir) {
  auto T0 = Clock::now();
  std::ifstream In(Dir + "/trace.jsonl");
  std::string Line;
  size_t Spans = 0;
  while (std::getline(In, Line)) {
    nlohmann::json J = nlohmann::json::parse(Line);
    for (auto &RS : J["resourceSpans"])
      for (auto &SS : RS["scopeSpans"])
        Spans += SS["spans"].size();
  }
  std::printf("{\"baseline\": \"nlohmann DOM per line\", \"spans\": %zu, "
              "\"read_s\": %.3f, \"cpu_s\": %.3f, \"peak_rss_mb\": %.1f}\n",
              Spans, since(T0), cpuS(), peakMB());
  return 0;
}

int main(int Argc, char **Argv) {
  if (Argc < 3) {
    std::fprintf(stderr, "usage: %s generate|plan|dom DIR [options]\n",
                 Argv[0]);
    return 2;
  }
  std::string Mode = Argv[1], Dir = Argv[2];
  try {
    if (Mode == "generate")
      return generate(Argc, Argv, Dir);
    if (Mode == "plan")
      return plan(Argc, Argv, Dir);
    if (Mode == "dom")
      return dom(Dir);
    if (Mode == "paper")
      return paper(Argc, Argv, Dir);
  } catch (const std::exception &E) {
    std::fprintf(stderr, "error: %s\n", E.what());
    return 1;
  }
  std::fprintf(stderr, "unknown mode %s\n", Mode.c_str());
  return 2;
}
