//===- fusionize/cmd_plan.cpp - fusionize plan -----------------------------===//
//
//   fusionize plan --graph G --profile TRACE... -o plan.json
//   fusionize plan --graph G --profile TRACE... --evaluate PLAN
//
// Builds a profile from OTLP traces, predicts latency and cost of plans
// with the cost model, and writes the plan a planner chooses, with an
// explanation of every change. docs/cli.md and docs/planning.md.
//
//===----------------------------------------------------------------------===//
#include "Command.h"
#include "PlanningArgs.h"

#include "core/CommandLine.h"
#include "core/Plan.h"
#include "core/Emulation.h"
#include "core/Graph.h"
#include "planner/Planner.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

using namespace fusionize;

static void printPrediction(std::ostream &OS, const char *Title,
                            const Prediction &P) {
  char Buf[256];
  OS << Title << "\n";
  std::snprintf(Buf, sizeof(Buf),
                "  %-24s %10s %10s %12s %8s %8s\n", "entry", "median ms",
                "p99 ms", "cost µ$/req", "colds", "calls");
  OS << Buf;
  for (const EntryPrediction &E : P.Entries) {
    std::snprintf(Buf, sizeof(Buf), "  %-24s %10.2f %10.2f %12.3f %8.3f %8.2f\n",
                  E.Task.c_str(), E.P50Ms, E.P99Ms, E.CostUsd * 1e6,
                  E.ColdStarts, E.Invocations);
    OS << Buf;
  }
  std::snprintf(Buf, sizeof(Buf), "  %-24s %10.2f %10.2f %12.3f %8.3f %8.2f\n",
                "all requests", P.P50Ms, P.P99Ms, P.CostUsd * 1e6, P.ColdStarts,
                P.Invocations);
  OS << Buf;
}

static int runPlan(int Argc, char **Argv) {
  ArgParser P("fusionize plan",
              "Plans fusion groups and memory sizes from traces: builds a "
              "profile, predicts latency and cost with the cost model, and "
              "writes the chosen plan with an explanation of every change.");
  auto &GraphA = P.option("graph", "FILE", "task graph (fusionize-graph/1)");
  auto &Traces = P.multi("profile", "TRACE",
                         "OTLP/JSON trace file (JSON Lines allowed); repeat "
                         "for several");
  auto &Current = P.option("current", "PLAN",
                           "the plan the traces ran under (default: the "
                           "grouping the traces show)");
  PlanningArgs Planning(P, "cost",
                        "latency, cost or weighted:W (W = latency share)",
                        "fusionize (published heuristic, one change), "
                        "exhaustive, search or auto");
  auto &Emu = P.option("emulation", "PROFILE",
                       "platform to plan for: aws-lambda-x86, none or a "
                       "fusionize-emulation/1 file",
                       "aws-lambda-x86");
  auto &TraceEmu = P.option("trace-emulation", "PROFILE",
                            "platform the traces were recorded on (default: "
                            "--emulation)");
  auto &Scope = P.option("scope", "SCOPE",
                         "program or translation-unit", "program");
  auto &Output = P.option("output", "FILE", "write the plan here", "", 'o');
  auto &Evaluate = P.option("evaluate", "PLAN",
                            "only predict this plan's latency and cost");
  auto &Dump = P.option("dump-profile", "FILE",
                        "write the profile (fusionize-profile/1)");
  auto &AsJson = P.flag("json", "print predictions as JSON");
  auto &Quiet = P.flag("quiet", "print no explanation", 'q');
  P.epilog("Examples:\n"
           "  fusionize plan --graph app.graph.json --profile trace.json "
           "-o plan.json\n"
           "  fusionize plan --graph g.json --profile t.json --objective cost "
           "--max-latency-ms 250 --percentile p99 -o plan.json\n"
           "  fusionize plan --graph g.json --profile t.json --evaluate "
           "plan.json\n");
  if (int Rc = P.parse(Argc, Argv); Rc >= 0)
    return Rc;
  if (!GraphA)
    return P.error("--graph is required");
  if (Traces.Values.empty())
    return P.error("--profile is required (an OTLP/JSON trace file)");
  if (!Evaluate && !Output && !Dump)
    return P.error("-o FILE is required (or --evaluate PLAN, or "
                   "--dump-profile FILE)");
  try {
    PlanOptions O;
    if (int Rc = Planning.read(O); Rc >= 0)
      return Rc;
    if (Scope.value() != "program" && Scope.value() != "translation-unit")
      return P.error("--scope: expected program or translation-unit");
    O.Scope = Scope.value();
    O.Cost.Emulation = EmulationProfile::load(Emu.value());
    O.Cost.TraceEmulation =
        TraceEmu ? EmulationProfile::load(TraceEmu.value()) : O.Cost.Emulation;

    Graph G = Graph::load(GraphA.value());
    ProfileOptions PO;
    PO.TraceEmulation = O.Cost.TraceEmulation;
    PO.StopCpuMsPerMB = O.Cost.StopCpuMsPerMB;
    Profile Prof = buildProfile(G, Traces.Values, PO);
    if (Dump)
      writeJsonFile(Dump.value(), Prof.toJson());
    for (const std::string &W : Prof.Warnings)
      std::cerr << "fusionize plan: warning: " << W << "\n";

    if (Evaluate) {
      Plan Pl = Plan::load(Evaluate.value());
      Prediction Pr = evaluatePlan(G, Prof, Pl, O.Cost);
      if (AsJson) {
        Json J = Pr.toJson();
        J["plan"] = Evaluate.value();
        Json M{{"requests", Prof.Requests},
               {"p50_ms", Prof.LatencyMs.quantile(0.5)},
               {"p99_ms", Prof.LatencyMs.quantile(0.99)},
               {"cost_usd", Prof.CostUsd.mean()}};
        J["measured"] = M;
        std::cout << J.dump(2) << "\n";
      } else {
        printPrediction(std::cout, ("predicted for " + Evaluate.value()).c_str(),
                        Pr);
        if (Prof.Requests) {
          char Buf[256];
          std::snprintf(Buf, sizeof(Buf),
                        "measured in the trace (%llu requests, whatever plan "
                        "it ran): median %.2f ms, p99 %.2f ms, cost %.3f "
                        "µ$/request\n",
                        (unsigned long long)Prof.Requests,
                        Prof.LatencyMs.quantile(0.5),
                        Prof.LatencyMs.quantile(0.99),
                        Prof.CostUsd.mean() * 1e6);
          std::cout << Buf;
        }
      }
      return 0;
    }
    if (!Output)
      return 0;
    if (Current)
      O.Current = Plan::load(Current.value());
    PlanResult R = planFromProfile(G, Prof, O);
    for (size_t I = Prof.Warnings.size(); I < R.Warnings.size(); ++I)
      std::cerr << "fusionize plan: note: " << R.Warnings[I] << "\n";
    R.NewPlan.save(Output.value());
    if (AsJson) {
      std::cout << R.NewPlan.toJson()["predicted"].dump(2) << "\n";
    } else if (!Quiet) {
      for (const std::string &L : R.Explanation)
        std::cout << L << "\n";
      std::cout << "wrote " << Output.value() << " ("
                << R.NewPlan.Groups.size() << " groups)\n";
    }
    return 0;
  } catch (const FormatError &E) {
    std::cerr << "fusionize plan: error: " << E.what() << "\n";
    return 1;
  }
}

FUSIONIZE_COMMAND(plan, "trace + graph -> plan, with an explanation", runPlan,
                  20)
