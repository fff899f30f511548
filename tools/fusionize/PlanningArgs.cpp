//===- fusionize/PlanningArgs.cpp - Planning options plan and optimize share =//
#include "PlanningArgs.h"

#include "core/Json.h"
#include "planner/Planner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace fusionize {

/// A default's text: 0.12, not 0.120000.
static std::string shortNumber(double V) {
  char Buf[32];
  std::snprintf(Buf, sizeof Buf, "%g", V);
  return Buf;
}

PlanningArgs::PlanningArgs(ArgParser &P, const char *DefaultObjective,
                           const char *ObjectiveHelp, const char *PlannerHelp)
    : P(P), Planner(P.option("planner", "NAME", PlannerHelp, "auto")),
      Obj(P.option("objective", "GOAL", ObjectiveHelp, DefaultObjective)),
      MaxLat(P.option("max-latency-ms", "N",
                      "bound on every entry's latency (with --objective "
                      "cost: minimum cost under the bound)")),
      Pct(P.option("percentile", "P",
                   "latency percentile for the objective and the bound: "
                   "p50 or p99",
                   "p50")),
      LatKind(P.option("latency", "KIND",
                       "response (the caller's wait) or completion (until "
                       "the last task finishes)",
                       "response")),
      Sizes(P.option("memory-sizes", "LIST", "memory sizes to choose from, MB",
                     "128,256,512,1024,1769,3008,10240")),
      Samples(P.option("samples", "N", "Monte Carlo requests per entry task",
                       "2000")),
      Seed(P.option("seed", "N", "Monte Carlo seed", "42")),
      HostCpus(P.option("host-cpus", "N",
                        "CPUs the request's instances share: the traces' "
                        "host by default, 0 for no limit (AWS Lambda)")),
      StopCost(P.option("stop-cost-per-mb", "MS",
                        "CPU a quota stop costs a run per MB it works on "
                        "(the memory its runs touched; else its function's, "
                        "where no fit across configurations tells; 0: only "
                        "fits)",
                        shortNumber(DefaultStopCpuMsPerMB))) {}

int PlanningArgs::read(PlanOptions &O) const {
  O.Planner = Planner.value();
  if (O.Planner != "fusionize" && O.Planner != "exhaustive" &&
      O.Planner != "search" && O.Planner != "auto")
    return P.error("--planner: expected fusionize, exhaustive, search or "
                   "auto, got \"" + O.Planner + "\"");
  try {
    O.Obj = Objective::parse(Obj.value());
    O.Obj.Quantile = Objective::parseQuantile(Pct.value());
  } catch (const FormatError &E) {
    return P.error(E.what());
  }
  if (LatKind.value() == "completion")
    O.Obj.Latency = LatencyKind::Completion;
  else if (LatKind.value() != "response")
    return P.error("--latency: expected response or completion");
  if (MaxLat) {
    double V = 0;
    if (!P.getDouble(MaxLat, V))
      return 2;
    if (V <= 0)
      return P.error("--max-latency-ms: must be positive");
    O.Obj.MaxLatencyMs = V;
  }
  std::string Err;
  if (!parseMemorySizes(Sizes.value(), O.Settings.MemorySizes, Err))
    return P.error(Err);
  unsigned long long N = 0;
  if (!P.getUnsigned(Samples, N))
    return 2;
  O.Cost.Samples = unsigned(std::max(1ULL, N));
  if (!P.getUnsigned(Seed, N))
    return 2;
  O.Cost.Seed = N;
  if (HostCpus) {
    double V = 0;
    if (!P.getDouble(HostCpus, V))
      return 2;
    if (!(V >= 0) || !std::isfinite(V))
      return P.error("--host-cpus: expected a non-negative number of CPUs "
                     "(0: no limit), got '" +
                     HostCpus.value() + "'");
    O.Cost.HostCpus = V;
  }
  double Stop = 0;
  if (!P.getDouble(StopCost, Stop))
    return 2;
  if (!(Stop >= 0) || !std::isfinite(Stop))
    return P.error("--stop-cost-per-mb: expected a non-negative number of "
                   "ms, got '" +
                   StopCost.value() + "'");
  O.Cost.StopCpuMsPerMB = Stop;
  return -1;
}

} // namespace fusionize
