//===- core/Emulation.h - Cloud emulation profile and Lambda pricing ------===//
//
// One document (fusionize-emulation/1) describes the cloud that the local
// platform emulates and that the cost model predicts: the price model, the
// invocation overhead and cold-start time the platform adds, and the CPU
// share an instance gets for its memory size. `fusionize run --emulate FILE`
// applies it; `fusionize plan --emulation FILE` predicts with it. Without a
// file, the built-in profile "aws-lambda-x86" (docs/platform.md gives its
// sources) is used; "none" switches the emulation off but keeps billing.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_CORE_EMULATION_H
#define FUSIONIZE_CORE_EMULATION_H

#include "core/Json.h"

#include <cstdint>
#include <string>

namespace fusionize {

struct PriceModel {
  double GbSecondUsd = 0.0000166667; // x86, first tier
  double RequestUsd = 0.0000002;     // $0.20 per million requests
  double GranularityMs = 1;          // billed duration is rounded up to this
  double MinBilledMs = 1;

  /// Billed duration of an invocation that ran `DurationMs`.
  double billedMs(double DurationMs) const;
  /// Cost of one invocation: duration at the memory size plus the request fee.
  double invocationUsd(double DurationMs, unsigned MemoryMB) const;
};

struct EmulationProfile {
  std::string Name = "aws-lambda-x86";
  bool Enabled = true;           // false: no added latency, no CPU limits
  double SyncOverheadMs = 12;    // added to each RequestResponse invocation
  double AsyncOverheadMs = 18;   // Event: queueing before delivery starts
  double ColdStartMs = 180;      // added to the real start of an instance
  double FullCpuMemoryMB = 1769; // memory at which an instance gets one vCPU
  double MaxVcpus = 6;
  unsigned IdleTimeoutS = 600; // keep-warm period of an idle instance
  // (the sources of these defaults are in docs/platform.md)
  unsigned ConcurrencyLimit = 100; // instances per function
  PriceModel Price;

  /// vCPUs an instance of `MemoryMB` gets (memory/FullCpuMemoryMB, capped).
  double cpuShare(unsigned MemoryMB) const;

  Json toJson() const;
  static EmulationProfile fromJson(const Json &Doc, const std::string &Origin);
  /// A file path, or a built-in name: "aws-lambda-x86", "none".
  static EmulationProfile load(const std::string &PathOrName);
  static EmulationProfile builtin(const std::string &Name);
};

} // namespace fusionize

#endif // FUSIONIZE_CORE_EMULATION_H
