//===- optimize/Optimize.h - The build-run-plan loop (fusionize optimize) -===//
//
// Fusionize's feedback loop on the local platform, in-process:
//
//   plan_1 = the starting layout (one function per task, like Fusionize)
//   for i = 1, 2, ...:
//     build    recompile every source with plan_i, link the groups (Build.h)
//     run      start the platform (Platform.h) with the emulation profile,
//              drive the workload (Load.h), wait for the Event queue
//     measure  the run summary: median/p99 latency, cost per request, ...
//     plan     traces + task graph -> plan_{i+1} (planner/Planner.h); the
//              traces of every iteration so far (AllTraces), so the
//              profile sees tasks under more than one plan
//     stop     when the plan stops changing (or returns to an earlier one,
//              or only improves by less than MinImprovementPct), or after
//              MaxIterations
//
//   OptimizeOptions O;  O.ManifestPath = ...; O.WorkloadPath = ...;
//   OptimizeResult R = runOptimize(O);   // R.Report: fusionize-optimize/1
//
// Everything of an iteration stays in OutDir/iter-<i>/: plan.json, the
// objects, the group executables, trace.jsonl, summary.json, load.json and
// the platform's state (logs). OutDir/report.json, report.html and plan.json
// (the chosen plan) are written at the end, and the report after every
// iteration.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_OPTIMIZE_OPTIMIZE_H
#define FUSIONIZE_OPTIMIZE_OPTIMIZE_H

#include "core/Json.h"
#include "planner/Planner.h"

#include <atomic>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>

namespace fusionize::optimize {

/// A loop that cannot go on (bad input, a run in which nothing succeeded).
class OptimizeError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct OptimizeOptions {
  std::string ManifestPath;    // the application, built once (CMake)
  std::string CompileCommands; // empty: found above the manifest
  std::string WorkloadPath;    // fusionize-workload/1
  std::string OutDir = "fusionize-optimize";
  /// "one-per-task" (Fusionize's start), "static" (the static plan),
  /// "manifest" (the plan the manifest was built with), or a plan file.
  std::string Start = "one-per-task";
  unsigned StartMemoryMB = 128; // one-per-task and static
  /// Planner, objective, memory sizes, emulation (Cost.Emulation is also
  /// what the platform applies).
  PlanOptions Planning;
  unsigned MaxIterations = 6;
  /// A searching planner's change is applied only if it is predicted to
  /// improve the objective by at least this much (percent): measurement
  /// noise must not make the loop flap between equivalent plans.
  double MinImprovementPct = 2;
  /// Plan from the traces of every iteration so far (false: the last
  /// iteration's only). Runs of one task under several plans tell the cost
  /// model what its CPU quota's interruptions cost it (docs/planning.md).
  bool AllTraces = true;
  std::string Fusionize; // the fusionize executable (link, analyze)
  std::string Plugin;    // empty: the build's, else next to fusionize
  unsigned Jobs = 2;
  std::optional<unsigned> IdleTimeoutS; // platform override
  double DrainTimeoutS = 300; // wait this long for queued Events
  bool WriteHtml = true;
  std::ostream *Out = nullptr;      // the table, the change, where things are
  std::ostream *Progress = nullptr; // progress lines
  bool ProgressTty = false;
  const std::atomic<bool> *Cancel = nullptr; // stops after the current step
};

struct OptimizeResult {
  Json Report; // fusionize-optimize/1
  std::string ReportPath, HtmlPath, PlanPath;
  bool Converged = false;
  bool Cancelled = false;
};

/// Runs the loop. Throws BuildError (Build.h), OptimizeError, FormatError,
/// platform::PlatformError or platform::LoadError; the report of the
/// iterations done so far is written before a failure propagates.
OptimizeResult runOptimize(const OptimizeOptions &O);

/// The objective's value of measured figures (fusionize-optimize/1
/// "measured"), or of a prediction (Prediction::toJson), with the given
/// references for the weighted objective. Smaller is better; a violated
/// latency bound adds a large penalty.
double objectiveValue(const Objective &Obj, const Json &Figures,
                      double RefLatencyMs, double RefCostUsd);

/// The latency the objective looks at (percentile and kind) in figures.
double objectiveLatency(const Objective &Obj, const Json &Figures);

/// Groups, homes and memory sizes equal (timeouts and names ignored).
bool sameLayout(const Plan &A, const Plan &B);

} // namespace fusionize::optimize

#endif // FUSIONIZE_OPTIMIZE_OPTIMIZE_H
