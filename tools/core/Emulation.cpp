//===- core/Emulation.cpp - Cloud emulation profile and Lambda pricing ----===//
#include "core/Emulation.h"

#include <algorithm>
#include <cmath>

namespace fusionize {

static const char *const EmulationFormat = "fusionize-emulation/1";

double PriceModel::billedMs(double DurationMs) const {
  double G = GranularityMs > 0 ? GranularityMs : 1;
  double B = std::ceil(std::max(DurationMs, 0.0) / G - 1e-9) * G;
  return std::max(B, MinBilledMs);
}

double PriceModel::invocationUsd(double DurationMs, unsigned MemoryMB) const {
  return billedMs(DurationMs) / 1000.0 * (MemoryMB / 1024.0) * GbSecondUsd +
         RequestUsd;
}

double EmulationProfile::cpuShare(unsigned MemoryMB) const {
  if (!Enabled)
    return MaxVcpus;
  return std::min(MaxVcpus, MemoryMB / FullCpuMemoryMB);
}

Json EmulationProfile::toJson() const {
  return Json{{"format", EmulationFormat},
              {"name", Name},
              {"enabled", Enabled},
              {"sync_overhead_ms", SyncOverheadMs},
              {"async_overhead_ms", AsyncOverheadMs},
              {"cold_start_ms", ColdStartMs},
              {"full_cpu_memory_mb", FullCpuMemoryMB},
              {"max_vcpus", MaxVcpus},
              {"idle_timeout_s", IdleTimeoutS},
              {"concurrency_limit", ConcurrencyLimit},
              {"price", Json{{"gb_second_usd", Price.GbSecondUsd},
                             {"request_usd", Price.RequestUsd},
                             {"granularity_ms", Price.GranularityMs},
                             {"min_billed_ms", Price.MinBilledMs}}}};
}

EmulationProfile EmulationProfile::fromJson(const Json &Doc,
                                            const std::string &Origin) {
  expectFormat(Doc, EmulationFormat, Origin);
  EmulationProfile E;
  E.Name = getString(Doc, "name", "custom", Origin, "");
  E.Enabled = getBool(Doc, "enabled", true, Origin, "");
  auto NonNeg = [&](const char *Key, double Def) {
    double V = getNumber(Doc, Key, Def, Origin, "");
    if (V < 0)
      throw FormatError(Origin + ": " + Key + ": must not be negative");
    return V;
  };
  E.SyncOverheadMs = NonNeg("sync_overhead_ms", E.SyncOverheadMs);
  E.AsyncOverheadMs = NonNeg("async_overhead_ms", E.AsyncOverheadMs);
  E.ColdStartMs = NonNeg("cold_start_ms", E.ColdStartMs);
  E.FullCpuMemoryMB = NonNeg("full_cpu_memory_mb", E.FullCpuMemoryMB);
  if (E.FullCpuMemoryMB <= 0)
    throw FormatError(Origin + ": full_cpu_memory_mb: must be positive");
  E.MaxVcpus = NonNeg("max_vcpus", E.MaxVcpus);
  if (E.MaxVcpus <= 0)
    throw FormatError(Origin + ": max_vcpus: must be positive");
  E.IdleTimeoutS = static_cast<unsigned>(
      getInteger(Doc, "idle_timeout_s", E.IdleTimeoutS, Origin, ""));
  E.ConcurrencyLimit = static_cast<unsigned>(
      getInteger(Doc, "concurrency_limit", E.ConcurrencyLimit, Origin, ""));
  if (E.ConcurrencyLimit == 0)
    throw FormatError(Origin + ": concurrency_limit: must be at least 1");
  if (Doc.contains("price")) {
    const Json &P = Doc["price"];
    E.Price.GbSecondUsd =
        getNumber(P, "gb_second_usd", E.Price.GbSecondUsd, Origin, "price");
    E.Price.RequestUsd =
        getNumber(P, "request_usd", E.Price.RequestUsd, Origin, "price");
    E.Price.GranularityMs =
        getNumber(P, "granularity_ms", E.Price.GranularityMs, Origin, "price");
    E.Price.MinBilledMs =
        getNumber(P, "min_billed_ms", E.Price.MinBilledMs, Origin, "price");
    if (E.Price.GbSecondUsd < 0 || E.Price.RequestUsd < 0 ||
        E.Price.GranularityMs <= 0 || E.Price.MinBilledMs < 0)
      throw FormatError(Origin + ": price: values must be positive");
  }
  return E;
}

EmulationProfile EmulationProfile::builtin(const std::string &Name) {
  EmulationProfile E;
  if (Name == "aws-lambda-x86")
    return E;
  if (Name == "none") {
    E.Name = "none";
    E.Enabled = false;
    E.SyncOverheadMs = E.AsyncOverheadMs = E.ColdStartMs = 0;
    return E;
  }
  throw FormatError("unknown emulation profile \"" + Name +
                    "\" (built-in: aws-lambda-x86, none; or a file)");
}

EmulationProfile EmulationProfile::load(const std::string &PathOrName) {
  if (PathOrName == "aws-lambda-x86" || PathOrName == "none")
    return builtin(PathOrName);
  return fromJson(readJsonFile(PathOrName), PathOrName);
}

} // namespace fusionize
