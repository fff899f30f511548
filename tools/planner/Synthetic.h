//===- planner/Synthetic.h - Synthetic traces for tests and benchmarks ----===//
//
// Simulates requests of a program under a plan on an emulated platform and
// writes the OTLP/JSON traces the runtime and `fusionize run` would write
// (platform SERVER, runtime SERVER, CLIENT and INTERNAL spans, as in
// docs/formats.md), one JSON line per request. The ground truth (CPU and
// waiting time per task, calls per edge) is known, so tests can check that
// the profile recovers it under any plan. Not linked into the plugin.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLANNER_SYNTHETIC_H
#define FUSIONIZE_PLANNER_SYNTHETIC_H

#include "core/Emulation.h"
#include "core/Graph.h"
#include "core/Plan.h"

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace fusionize {

struct SyntheticTask {
  double CpuMs = 1, WaitMs = 0; // means at full CPU
  double Sigma = 0;             // lognormal jitter (0: exact)
  double PeakMemoryMB = 40;
};

struct SyntheticSpec {
  const Graph *G = nullptr; // edges' Calls = calls per activation
  Plan P;
  EmulationProfile E;
  std::map<std::string, SyntheticTask> Truth; // by task; default 1 ms CPU
  std::vector<std::pair<std::string, double>> Entries; // task, share
  unsigned Requests = 100;
  double RatePerS = 1;
  std::uint64_t Seed = 7;
  double TransportMs = 0.4;
  double BytesPerCall = 256;
  double AsyncStartFraction = 0.5;
  double SpawnMs = 3; // real process start, beyond the emulation
  bool CpuAttribute = true;
  bool RunDelayAttribute = true; // fusion.run_delay_ns: the throttled time
  bool PlatformSpans = true;
};

/// Writes JSON Lines; returns the number of spans.
std::size_t writeSyntheticTraces(const SyntheticSpec &S, std::ostream &Out);

/// A random program: `Apps` entry tasks, each the root of a tree of about
/// `TasksPerApp` tasks (sync and async edges, occasional shared callees),
/// with returns and costs filled in.
Graph syntheticGraph(unsigned Apps, unsigned TasksPerApp, std::uint64_t Seed);

} // namespace fusionize

#endif // FUSIONIZE_PLANNER_SYNTHETIC_H
