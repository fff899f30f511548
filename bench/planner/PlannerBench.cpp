//===- PlannerBench.cpp - Planning time and memory at scale ---------------===//
//
//   fusionize_planner_bench generate --apps A --tasks-per-app T --spans N DIR
//       writes DIR/graph.json, DIR/trace.jsonl (one function per task)
//   fusionize_planner_bench plan DIR [--planner search|auto|fusionize]
//       reads, profiles and plans; prints the phases' times and peak RSS
//   fusionize_planner_bench dom DIR
//       the baseline: parses every trace line into a nlohmann::json DOM
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
  TraceSet TS;
  readOtlpFile(Dir + "/trace.jsonl", TS);
  double ReadS = since(T1);
  auto T2 = Clock::now();
  ProfileOptions PO;
  Profile P = buildProfile(G, TS, PO);
  double ProfileS = since(T2);
  size_t Spans = TS.Spans.size();
  TS = TraceSet(); // the planner no longer needs the spans
  auto T3 = Clock::now();
  PlanOptions O;
  O.Planner = arg(Argc, Argv, "--planner", "search");
  O.Obj = Objective::parse(arg(Argc, Argv, "--objective", "cost"));
  O.Cost.Samples = unsigned(std::atoi(arg(Argc, Argv, "--samples", "200")));
  PlanResult R = planFromProfile(G, P, O);
  double PlanS = since(T3);
  std::printf("{\"tasks\": %zu, \"spans\": %zu, \"planner\": \"%s\", "
              "\"graph_s\": %.3f, \"read_s\": %.3f, \"profile_s\": %.3f, "
              "\"plan_s\": %.3f, \"total_s\": %.3f, \"cpu_s\": %.3f, \"peak_rss_mb\": %.1f, "
              "\"groups_before\": %zu, \"groups_after\": %zu, "
              "\"cost_before_uusd\": %.4f, \"cost_after_uusd\": %.4f, "
              "\"p50_before_ms\": %.2f, \"p50_after_ms\": %.2f}\n",
              G.Tasks.size(), Spans, O.Planner.c_str(), GraphS, ReadS,
              ProfileS, PlanS, since(T0), cpuS(), peakMB(),
              R.CurrentPlan.Groups.size(), R.NewPlan.Groups.size(),
              R.CurrentPredicted.CostUsd * 1e6, R.Predicted.CostUsd * 1e6,
              R.CurrentPredicted.P50Ms, R.Predicted.P50Ms);
  if (std::getenv("BENCH_VERBOSE"))
    for (const std::string &L : R.Explanation)
      if (L.rfind("planner", 0) == 0 || L.rfind("current", 0) == 0 ||
          L.rfind("planned", 0) == 0 || L.rfind("exhaustive", 0) == 0)
        std::fprintf(stderr, "%s\n", L.c_str());
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
  } catch (const std::exception &E) {
    std::fprintf(stderr, "error: %s\n", E.what());
    return 1;
  }
  std::fprintf(stderr, "unknown mode %s\n", Mode.c_str());
  return 2;
}
