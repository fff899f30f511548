//===- platform/Summary.cpp - Billing and the run summary
//------------------===//
#include "platform/Summary.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <unordered_map>

namespace fusionize::platform {

void appendFixed(std::string &Out, double V, int Digits) {
  if (std::isfinite(V) && std::fabs(V) < 1e15) {
    // V x 10^Digits is exact in long double (53 + 7 of 64 mantissa bits),
    // so rounding it to an integer to nearest, ties to even, is what
    // printf does with the exact binary value.
    static constexpr long double Scale[] = {1.0L, 10.0L, 100.0L};
    long long N =
        std::llrint(std::fabs(static_cast<long double>(V)) * Scale[Digits]);
    char Buf[32];
    char *P = Buf + sizeof Buf;
    for (int I = 0; I < Digits; ++I, N /= 10)
      *--P = static_cast<char>('0' + N % 10);
    if (Digits)
      *--P = '.';
    do {
      *--P = static_cast<char>('0' + N % 10);
      N /= 10;
    } while (N);
    if (std::signbit(V))
      *--P = '-';
    Out.append(P, static_cast<size_t>(Buf + sizeof Buf - P));
    return;
  }
  char Buf[400]; // DBL_MAX has 309 digits
  auto [End, Ec] =
      std::to_chars(Buf, Buf + sizeof Buf, V, std::chars_format::fixed, Digits);
  if (Ec == std::errc())
    Out.append(Buf, static_cast<size_t>(End - Buf));
}

Bill billInvocation(const PriceModel &P, double DurationMs, unsigned MemoryMB) {
  Bill B;
  B.DurationMs = std::max(DurationMs, 0.0);
  B.BilledMs = P.billedMs(B.DurationMs);
  B.GbSeconds = B.BilledMs / 1000.0 * (MemoryMB / 1024.0);
  B.CostUsd = P.invocationUsd(B.DurationMs, MemoryMB);
  return B;
}

double percentileSorted(const std::vector<double> &Sorted, double P) {
  if (Sorted.empty())
    return 0;
  double Rank = std::ceil(P / 100.0 * static_cast<double>(Sorted.size()));
  size_t I = Rank < 1 ? 0 : static_cast<size_t>(Rank) - 1;
  return Sorted[std::min(I, Sorted.size() - 1)];
}

Distribution Distribution::of(std::vector<double> Values) {
  Distribution D;
  if (Values.empty())
    return D;
  std::sort(Values.begin(), Values.end());
  D.Count = Values.size();
  D.Min = Values.front();
  D.Max = Values.back();
  D.Mean = std::accumulate(Values.begin(), Values.end(), 0.0) /
           static_cast<double>(Values.size());
  D.P50 = percentileSorted(Values, 50);
  D.P90 = percentileSorted(Values, 90);
  D.P99 = percentileSorted(Values, 99);
  return D;
}

static double round3(double V) { return std::round(V * 1000.0) / 1000.0; }

Json Distribution::toJson() const {
  return Json{{"count", Count},       {"min", round3(Min)},
              {"mean", round3(Mean)}, {"p50", round3(P50)},
              {"p90", round3(P90)},   {"p99", round3(P99)},
              {"max", round3(Max)}};
}

void SummaryBuilder::declare(const std::string &Function,
                             const std::string &Group, unsigned MemoryMB) {
  if (Functions.emplace(Function, Declared{Group, MemoryMB}).second)
    Order.push_back(Function);
}

void SummaryBuilder::add(InvocationRecord R) {
  if (!Functions.count(R.Function))
    declare(R.Function, R.Group, R.MemoryMB);
  Records.push_back(std::move(R));
}

void SummaryBuilder::throttled(const std::string &Function) {
  auto It = Functions.find(Function);
  if (It != Functions.end())
    ++It->second.Throttles;
}

RunSummary SummaryBuilder::build(const std::string &Emulation,
                                 double WallSeconds) const {
  RunSummary S;
  S.Emulation = Emulation;
  S.WallSeconds = WallSeconds;
  S.Events = Events;
  std::unordered_map<std::string, size_t> Index;
  for (const std::string &Name : Order) {
    const Declared &D = Functions.at(Name);
    FunctionSummary F;
    F.Name = Name;
    F.Group = D.Group;
    F.MemoryMB = D.MemoryMB;
    F.Throttles = D.Throttles;
    S.Throttles += D.Throttles;
    Index[Name] = S.Functions.size();
    S.Functions.push_back(std::move(F));
  }
  std::vector<std::vector<double>> Lat(S.Functions.size()),
      Dur(S.Functions.size()), Init(S.Functions.size());
  // Per trace: when its last invocation ended (for the completion time).
  std::unordered_map<std::string, std::int64_t> TraceEnd;
  // Per root request: its last attempt.
  std::unordered_map<std::string, const InvocationRecord *> Roots;
  std::vector<std::string> RootOrder;
  for (const InvocationRecord &R : Records) {
    FunctionSummary &F = S.Functions[Index.at(R.Function)];
    size_t I = Index.at(R.Function);
    ++F.Invocations;
    F.ColdStarts += R.ColdStart;
    if (R.Error) {
      ++F.Errors;
      ++F.ErrorsByType[R.ErrorType.empty() ? "Unknown" : R.ErrorType];
    }
    Lat[I].push_back(R.LatencyMs);
    Dur[I].push_back(R.Billing.DurationMs);
    if (R.ColdStart)
      Init[I].push_back(R.InitMs);
    F.PeakMemoryMB = std::max(F.PeakMemoryMB, R.PeakMemoryMB);
    F.BilledMs += R.Billing.BilledMs;
    F.GbSeconds += R.Billing.GbSeconds;
    F.CostUsd += R.Billing.CostUsd;
    if (!R.TraceId.empty()) {
      std::int64_t &E = TraceEnd[R.TraceId];
      E = std::max(E, R.EndNs);
    }
    if (R.Root) {
      auto [It, New] = Roots.emplace(R.RequestId, &R);
      if (New)
        RootOrder.push_back(R.RequestId);
      else if (R.Attempt >= It->second->Attempt)
        It->second = &R;
    }
  }
  for (size_t I = 0; I < S.Functions.size(); ++I) {
    FunctionSummary &F = S.Functions[I];
    F.Latency = Distribution::of(std::move(Lat[I]));
    F.Duration = Distribution::of(std::move(Dur[I]));
    F.Init = Distribution::of(std::move(Init[I]));
    S.Invocations += F.Invocations;
    S.ColdStarts += F.ColdStarts;
    S.Errors += F.Errors;
    S.BilledMs += F.BilledMs;
    S.GbSeconds += F.GbSeconds;
    S.CostUsd += F.CostUsd;
  }
  std::vector<double> E2E, Completion;
  for (const std::string &Id : RootOrder) {
    const InvocationRecord &R = *Roots.at(Id);
    ++S.RootRequests;
    S.RootErrors += R.Error;
    double Latency = R.Sync ? R.LatencyMs : (R.EndNs - R.ReceivedNs) / 1e6;
    E2E.push_back(Latency);
    std::int64_t End = R.EndNs;
    if (auto It = TraceEnd.find(R.TraceId); It != TraceEnd.end())
      End = std::max(End, It->second);
    Completion.push_back(std::max(Latency, (End - R.ReceivedNs) / 1e6));
  }
  S.EndToEnd = Distribution::of(std::move(E2E));
  S.Completion = Distribution::of(std::move(Completion));
  S.CostPerRequestUsd =
      S.RootRequests ? S.CostUsd / static_cast<double>(S.RootRequests) : 0;
  return S;
}

Json RunSummary::toJson() const {
  Json Fs = Json::array();
  for (const FunctionSummary &F : Functions) {
    Json Errs = Json::object();
    for (const auto &[T, N] : F.ErrorsByType)
      Errs[T] = N;
    Fs.push_back(Json{{"name", F.Name},
                      {"group", F.Group},
                      {"memory_mb", F.MemoryMB},
                      {"invocations", F.Invocations},
                      {"cold_starts", F.ColdStarts},
                      {"errors", F.Errors},
                      {"errors_by_type", Errs},
                      {"throttles", F.Throttles},
                      {"latency_ms", F.Latency.toJson()},
                      {"duration_ms", F.Duration.toJson()},
                      {"init_ms", F.Init.toJson()},
                      {"peak_memory_mb", round3(F.PeakMemoryMB)},
                      {"billed_ms", F.BilledMs},
                      {"gb_seconds", F.GbSeconds},
                      {"cost_usd", F.CostUsd}});
  }
  return Json{{"format", "fusionize-run-summary/1"},
              {"emulation", Emulation},
              {"wall_s", round3(WallSeconds)},
              {"functions", Fs},
              {"end_to_end", Json{{"requests", RootRequests},
                                  {"errors", RootErrors},
                                  {"latency_ms", EndToEnd.toJson()},
                                  {"completion_ms", Completion.toJson()},
                                  {"cost_per_request_usd", CostPerRequestUsd}}},
              {"totals", Json{{"invocations", Invocations},
                              {"cold_starts", ColdStarts},
                              {"errors", Errors},
                              {"throttles", Throttles},
                              {"billed_ms", BilledMs},
                              {"gb_seconds", GbSeconds},
                              {"cost_usd", CostUsd}}},
              {"events", Json{{"accepted", Events.Accepted},
                              {"delivered", Events.Delivered},
                              {"retries", Events.Retries},
                              {"failed", Events.Failed},
                              {"queued", Events.Queued},
                              {"resumed", Events.Resumed}}}};
}

static std::string fmt(const char *Format, double V) {
  char Buf[64];
  std::snprintf(Buf, sizeof Buf, Format, V);
  return Buf;
}

static std::string pad(std::string S, size_t W, bool Left = false) {
  if (S.size() >= W)
    return S;
  return Left ? S + std::string(W - S.size(), ' ')
              : std::string(W - S.size(), ' ') + S;
}

void RunSummary::print(std::ostream &OS) const {
  size_t NameW = 8;
  for (const FunctionSummary &F : Functions)
    if (F.Invocations || F.Throttles)
      NameW = std::max(NameW, F.Name.size());
  OS << "fusionize run: summary (" << fmt("%.1f", WallSeconds)
     << " s, emulation " << Emulation << ")\n";
  OS << "  " << pad("function", NameW, true) << "  invocations  cold  errors"
     << "   p50 ms   p90 ms   p99 ms  billed GB-s      cost USD\n";
  size_t Quiet = 0;
  for (const FunctionSummary &F : Functions) {
    if (!F.Invocations && !F.Throttles) {
      ++Quiet; // listed in the JSON summary only
      continue;
    }
    OS << "  " << pad(F.Name, NameW, true) << "  "
       << pad(std::to_string(F.Invocations), 11) << "  "
       << pad(std::to_string(F.ColdStarts), 4) << "  "
       << pad(std::to_string(F.Errors), 6) << " "
       << pad(fmt("%.2f", F.Latency.P50), 8) << " "
       << pad(fmt("%.2f", F.Latency.P90), 8) << " "
       << pad(fmt("%.2f", F.Latency.P99), 8) << "  "
       << pad(fmt("%.6f", F.GbSeconds), 11) << "  "
       << pad(fmt("%.10f", F.CostUsd), 12) << "\n";
    for (const auto &[T, N] : F.ErrorsByType)
      OS << "  " << pad("", NameW) << "  error " << T << ": " << N << "\n";
    if (F.Throttles)
      OS << "  " << pad("", NameW) << "  throttled (429): " << F.Throttles
         << "\n";
  }
  if (Quiet)
    OS << "  (" << Quiet << " more function(s) without invocations)\n";
  OS << "  end to end: " << RootRequests << " root requests, " << RootErrors
     << " errors, latency p50 " << fmt("%.2f", EndToEnd.P50) << " ms, p90 "
     << fmt("%.2f", EndToEnd.P90) << " ms, p99 " << fmt("%.2f", EndToEnd.P99)
     << " ms; completion p50 " << fmt("%.2f", Completion.P50) << " ms\n";
  OS << "  total: " << Invocations << " invocations, " << ColdStarts
     << " cold starts, " << Errors << " errors, " << Throttles
     << " throttled, billed " << fmt("%.6f", GbSeconds) << " GB-s, cost $"
     << fmt("%.10f", CostUsd) << " ($" << fmt("%.10f", CostPerRequestUsd)
     << " per request)\n";
  if (Events.Accepted || Events.Queued || Events.Resumed)
    OS << "  events: " << Events.Accepted << " accepted, " << Events.Resumed
       << " resumed, " << Events.Delivered << " delivered, " << Events.Retries
       << " retries, " << Events.Failed << " failed, " << Events.Queued
       << " still queued\n";
}

} // namespace fusionize::platform
