//===- cmd_optimize.cpp - fusionize optimize: the build-run-plan loop -----===//
//
//   fusionize optimize build/iot.fusion/manifest.json \
//       --workload examples/iot/workloads/constant-1rps.json -o iot-opt
//
// Rebuilds the application with a plan, runs it on the local platform under
// the emulation profile, drives the workload, plans from the traces, and
// repeats until the plan stops changing; prints a table per iteration and
// writes report.json, report.html and the chosen plan.json. The loop itself
// is libfusionize_optimize (optimize/Optimize.h); docs/cli.md describes the
// options.
//
//===----------------------------------------------------------------------===//
#include "Command.h"
#include "PlanningArgs.h"

#include "core/CommandLine.h"
#include "core/Plan.h"
#include "core/Emulation.h"
#include "optimize/Build.h"
#include "optimize/Optimize.h"
#include "platform/Load.h"
#include "platform/Platform.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <sstream>
#include <unistd.h>

using namespace fusionize;

namespace {

std::atomic<bool> Interrupted{false};

void onSignal(int) {
  if (Interrupted.exchange(true)) {
    // A second Ctrl-C: stop at once.
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
  }
}

std::string selfExe() {
  char Buf[4096];
  ssize_t N = ::readlink("/proc/self/exe", Buf, sizeof(Buf) - 1);
  if (N <= 0)
    return "fusionize";
  Buf[N] = 0;
  return Buf;
}

int runOptimizeCommand(int Argc, char **Argv) {
  ArgParser P("fusionize optimize",
              "Fusionize's feedback loop on the local platform: build the "
              "application with a plan, run it under the emulation profile, "
              "drive the workload, plan from the traces, rebuild, until the "
              "plan stops changing. Prints a table per iteration and writes "
              "report.json, report.html and the chosen plan.json.");
  auto &ManifestA = P.positional("MANIFEST",
                                 "the application's manifest.json (from "
                                 "fusionize_add_application or fusionize "
                                 "link); it records the sources and link "
                                 "arguments");
  auto &WorkloadA = P.option("workload", "FILE",
                             "the workload to drive each iteration with "
                             "(fusionize-workload/1)",
                             "", 'w');
  auto &DB = P.option("compile-commands", "FILE",
                      "compile_commands.json (or its directory) with the "
                      "sources' compile commands (default: the nearest one "
                      "above the manifest)",
                      "", 'p');
  auto &OutDir = P.option("out-dir", "DIR",
                          "where iterations, report.json, report.html and "
                          "plan.json go",
                          "fusionize-optimize", 'o');
  auto &Start = P.option("start", "LAYOUT",
                         "first plan: one-per-task (as Fusionize), static, "
                         "manifest (the plan it was built with) or a plan "
                         "file",
                         "one-per-task");
  auto &StartMem = P.option("start-memory", "MB",
                            "memory size of the groups of one-per-task and "
                            "static",
                            "128");
  PlanningArgs Planning(P, "weighted:0.5",
                        "latency, cost or weighted:W (W = latency's share, "
                        "relative to the first iteration)",
                        "fusionize (the published heuristic: one change "
                        "per iteration), exhaustive, search or auto");
  auto &Emu = P.option("emulate", "PROFILE",
                       "emulation profile for the platform and the planner: "
                       "aws-lambda-x86, none or a fusionize-emulation/1 file",
                       "aws-lambda-x86");
  auto &MaxIt = P.option("max-iterations", "N",
                         "stop after N iterations even if the plan still "
                         "changes",
                         "6");
  auto &MinGain = P.option("min-improvement", "PCT",
                           "apply a planned change only if it is predicted "
                           "to improve the objective by this many percent "
                           "(not for the fusionize heuristic)",
                           "2");
  auto &Traces = P.option("traces", "WHICH",
                          "plan from the traces of all iterations so far, "
                          "or the last iteration's only",
                          "all");
  auto &Idle = P.option("idle-timeout", "S",
                        "platform: stop idle instances after S seconds "
                        "(default: the emulation profile's)");
  auto &Jobs = P.option("jobs", "N", "compiles and links at once", "2", 'j');
  auto &Plugin = P.option("plugin", "FILE",
                          "fusionize.so (default: the one the build used)");
  auto &NoHtml = P.flag("no-html", "do not write report.html");
  auto &Quiet = P.flag("quiet", "no progress lines", 'q');
  P.epilog(
      "Example:\n"
      "  fusionize optimize build/examples/iot/iot.fusion/manifest.json \\\n"
      "      --workload examples/iot/workloads/constant-1rps.json -o iot-opt\n"
      "\nExit status: 0 when the loop ended (converged or not), 1 when a "
      "build,\nthe platform or an input failed, 2 for a usage error, 130 "
      "after Ctrl-C\n(the report of the iterations so far is written).");
  if (int Rc = P.parse(Argc, Argv); Rc >= 0)
    return Rc;
  if (!WorkloadA)
    return P.error("--workload FILE is required (a fusionize-workload/1 "
                   "document, e.g. examples/iot/workloads/smoke.json)");

  optimize::OptimizeOptions O;
  O.ManifestPath = ManifestA.value();
  O.WorkloadPath = WorkloadA.value();
  O.CompileCommands = DB.value();
  O.OutDir = OutDir.value();
  O.Start = Start.value();
  O.Fusionize = selfExe();
  O.Plugin = Plugin.value();
  O.WriteHtml = !NoHtml;
  unsigned long long N = 0;
  if (!P.getUnsigned(StartMem, N))
    return 2;
  if (N < MinMemoryMB || N > MaxMemoryMB)
    return P.error("--start-memory: expected 128..10240 MB");
  O.StartMemoryMB = unsigned(N);
  if (!P.getUnsigned(MaxIt, N))
    return 2;
  if (N < 1)
    return P.error("--max-iterations: expected at least 1");
  O.MaxIterations = unsigned(N);
  if (!P.getUnsigned(Jobs, N))
    return 2;
  O.Jobs = unsigned(std::max(1ULL, N));
  if (!P.getDouble(MinGain, O.MinImprovementPct))
    return 2;
  if (Traces.value() != "all" && Traces.value() != "last")
    return P.error("--traces: expected all or last, got \"" + Traces.value() +
                   "\"");
  O.AllTraces = Traces.value() == "all";
  if (Idle) {
    if (!P.getUnsigned(Idle, N))
      return 2;
    O.IdleTimeoutS = unsigned(N);
  }
  PlanOptions &PO = O.Planning;
  try {
    if (int Rc = Planning.read(PO); Rc >= 0)
      return Rc;
    PO.Cost.Emulation = EmulationProfile::load(Emu.value());
    PO.Cost.TraceEmulation = PO.Cost.Emulation;
  } catch (const FormatError &E) {
    return P.error(E.what());
  }
  O.Out = &std::cout;
  O.Progress = Quiet ? nullptr : &std::cerr;
  O.ProgressTty = !Quiet && ::isatty(2);
  O.Cancel = &Interrupted;

  struct sigaction SA = {}, OldInt = {}, OldTerm = {};
  SA.sa_handler = onSignal;
  sigemptyset(&SA.sa_mask);
  sigaction(SIGINT, &SA, &OldInt);
  sigaction(SIGTERM, &SA, &OldTerm);
  int Rc = 0;
  try {
    optimize::OptimizeResult R = optimize::runOptimize(O);
    std::cout << "\nreport: " << R.ReportPath;
    if (!R.HtmlPath.empty())
      std::cout << ", " << R.HtmlPath << " (open it in a browser)";
    std::cout << "\nchosen plan: " << R.PlanPath
              << " (build with it: fusionize_add_application(... PLAN "
              << R.PlanPath << "), or -fplugin-arg-fusionize-plan=" << R.PlanPath
              << ")\n";
    Rc = R.Cancelled ? 130 : 0;
  } catch (const optimize::BuildError &E) {
    std::cerr << "fusionize optimize: error: " << E.what() << "\n";
    if (!E.Output.empty())
      std::cerr << E.Output << (E.Output.back() == '\n' ? "" : "\n");
    Rc = 1;
  } catch (const platform::PlatformError &E) {
    std::cerr << "fusionize optimize: error: the local platform failed: "
              << E.what() << "\n";
    Rc = 1;
  } catch (const platform::LoadError &E) {
    std::cerr << "fusionize optimize: error: the workload failed: " << E.what()
              << "\n";
    Rc = 1;
  } catch (const optimize::OptimizeError &E) {
    std::cerr << "fusionize optimize: error: " << E.what() << "\n";
    Rc = 1;
  } catch (const FormatError &E) {
    std::cerr << "fusionize optimize: error: " << E.what() << "\n";
    Rc = 1;
  }
  sigaction(SIGINT, &OldInt, nullptr);
  sigaction(SIGTERM, &OldTerm, nullptr);
  return Rc;
}

} // namespace

FUSIONIZE_COMMAND(optimize,
                  "the build-run-plan loop on the local platform, with a "
                  "report",
                  runOptimizeCommand, 55)
