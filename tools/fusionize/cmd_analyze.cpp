//===- cmd_analyze.cpp - fusionize analyze: the whole program's task graph
//-===//
//
//   fusionize analyze -p build [--graph graph.json] [--plan plan.json] [SRC...]
//
// Runs the plugin's analysis over every translation unit of a compilation
// database (compile_commands.json) and merges the per-file graphs into the
// program's graph, resolving calls to tasks declared in headers and defined
// in other files, and calls through helpers defined in other files. With
// --plan it also writes the static whole-program plan that every file is
// then compiled with (-fplugin-arg-fusionize-plan=plan.json).
//
//===----------------------------------------------------------------------===//
#include "Command.h"

#include "WholeProgram.h"
#include "core/CommandLine.h"
#include "core/Plan.h"

#include <iostream>

namespace fusionize {
namespace {

int runAnalyze(int Argc, char **Argv) {
  ArgParser P("fusionize analyze",
              "Builds the task graph of a whole program from a compilation "
              "database, and optionally its static plan.");
  auto &BuildDir = P.option("build-dir", "DIR",
                            "directory with compile_commands.json", ".", 'p');
  auto &GraphOut =
      P.option("graph", "FILE", "write the graph here (default: print it)");
  auto &PlanOut =
      P.option("plan", "FILE", "write the static whole-program plan here");
  auto &Expensive = P.option("expensive", "COST",
                             "static plan: total cost at which a synchronous "
                             "callee gets its own group",
                             "20000");
  auto &Memory =
      P.option("memory", "MB", "static plan: memory of each group", "128");
  auto &Quiet = P.flag("quiet", "print nothing but errors", 'q');
  auto &Sources = P.positional("SOURCE",
                               "files to analyze (default: all in "
                               "the database)",
                               false, true);
  if (int Rc = P.parse(Argc, Argv); Rc >= 0)
    return Rc;
  double ExpensiveCost;
  unsigned long long MemoryMB;
  if (!P.getDouble(Expensive, ExpensiveCost) ||
      !P.getUnsigned(Memory, MemoryMB))
    return 2;
  if (MemoryMB < MinMemoryMB || MemoryMB > MaxMemoryMB)
    return P.error("--memory: " + std::to_string(MemoryMB) +
                   " is outside 128..10240");

  AnalyzeOptions O;
  O.BuildDir = BuildDir.value();
  O.Sources = Sources.Values;
  O.ResourceDir = FUSIONIZE_CLANG_RESOURCE_DIR;
  try {
    Graph G = analyzeProgram(O);
    if (GraphOut)
      G.save(GraphOut.value());
    else
      std::cout << G.toJson().dump(2) << "\n";
    if (PlanOut) {
      StaticPlanOptions SO;
      SO.ExpensiveCost = ExpensiveCost;
      SO.MemoryMB = static_cast<unsigned>(MemoryMB);
      SO.Scope = "program";
      Plan Pl = staticPlan(G, SO);
      Pl.save(PlanOut.value());
      if (!Quiet)
        std::cerr << "fusionize analyze: static plan with " << Pl.Groups.size()
                  << " groups -> " << PlanOut.value() << "\n";
    }
    if (!Quiet && GraphOut)
      std::cerr << "fusionize analyze: " << G.Tasks.size() << " tasks, "
                << G.Edges.size() << " edges from " << G.Sources.size()
                << " files -> " << GraphOut.value() << "\n";
  } catch (const FormatError &E) {
    std::cerr << "fusionize analyze: " << E.what() << "\n";
    return 1;
  }
  return 0;
}

} // namespace
} // namespace fusionize

FUSIONIZE_COMMAND(
    analyze,
    "whole-program task graph (and static plan) over compile_commands.json",
    fusionize::runAnalyze, 10)
