//===- platform/Summary.h - Billing and the run summary
//--------------------===//
//
// Every invocation the platform completes becomes an InvocationRecord: what
// ran, how long, what it was billed. The summary aggregates them per function
// and end to end (over root requests: those that came from outside the
// application) and is printed at exit and written as JSON
// (fusionize-run-summary/1, docs/platform.md) for the optimize loop.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLATFORM_SUMMARY_H
#define FUSIONIZE_PLATFORM_SUMMARY_H

#include "core/Emulation.h"
#include "core/Json.h"

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace fusionize::platform {

/// What one invocation costs under a price model.
struct Bill {
  double DurationMs = 0; // dispatch to response
  double BilledMs = 0;   // rounded up to the granularity
  double GbSeconds = 0;  // billed seconds x memory in GB (MB / 1024)
  double CostUsd = 0;    // duration charge + request fee
};
Bill billInvocation(const PriceModel &P, double DurationMs, unsigned MemoryMB);

/// Appends `V` with `Digits` (0..2) decimals exactly as printf("%.*f")
/// prints it, without printf's cost (the REPORT log line of every
/// invocation).
void appendFixed(std::string &Out, double V, int Digits);

struct InvocationRecord {
  std::string Function;
  std::string Group;
  std::string RequestId;
  std::string TraceId;
  bool Sync = true;
  bool Root = false; // the request came from outside the application
  bool ColdStart = false;
  bool Error = false;
  std::string ErrorType;
  unsigned Attempt = 1;     // Event deliveries: 1, 2, 3
  bool FinalAttempt = true; // no retry follows this one
  unsigned MemoryMB = 0;
  double PeakMemoryMB = 0;
  double LatencyMs =
      0;              // what the caller waited (sync), or attempt start to end
  double InitMs = 0;  // cold start: provisioning + spawn until the first /next
  double QueueMs = 0; // ready to run until dispatched to an instance
  Bill Billing;
  std::int64_t ReceivedNs = 0; // wall clock: the request arrived
  std::int64_t EndNs = 0;      // wall clock: the result was known
};

/// Nearest-rank percentiles of a sample.
struct Distribution {
  size_t Count = 0;
  double Min = 0, Mean = 0, P50 = 0, P90 = 0, P99 = 0, Max = 0;

  static Distribution of(std::vector<double> Values);
  Json toJson() const;
};
/// The nearest-rank percentile `P` (0..100) of sorted values.
double percentileSorted(const std::vector<double> &Sorted, double P);

struct FunctionSummary {
  std::string Name;
  std::string Group;
  unsigned MemoryMB = 0;
  size_t Invocations = 0;
  size_t ColdStarts = 0;
  size_t Errors = 0;
  size_t Throttles = 0; // 429 answers
  std::map<std::string, size_t> ErrorsByType;
  Distribution Latency;
  Distribution Duration;
  Distribution Init;
  double PeakMemoryMB = 0;
  double BilledMs = 0;
  double GbSeconds = 0;
  double CostUsd = 0;
};

struct EventCounters {
  size_t Accepted = 0;  // 202 answers
  size_t Delivered = 0; // succeeded (on any attempt)
  size_t Retries = 0;   // attempts after the first
  size_t Failed = 0;    // gave up after the last retry (kept in SQLite)
  size_t Queued = 0;    // still queued when the summary was taken
  size_t Resumed = 0;   // found in the queue at start
};

struct RunSummary {
  std::string Emulation;
  double WallSeconds = 0;
  std::vector<FunctionSummary> Functions;
  size_t Invocations = 0, ColdStarts = 0, Errors = 0, Throttles = 0;
  double BilledMs = 0, GbSeconds = 0, CostUsd = 0;
  // End to end, over root requests (one per request, its last attempt).
  size_t RootRequests = 0, RootErrors = 0;
  Distribution EndToEnd;   // sync: response latency; event: until done
  Distribution Completion; // until the last invocation of the root's trace
  double CostPerRequestUsd = 0;
  EventCounters Events;

  Json toJson() const;
  void print(std::ostream &OS) const;
};

/// Collects records; `build` aggregates them. Functions listed with
/// `declare` appear in the summary even without invocations.
class SummaryBuilder {
public:
  void declare(const std::string &Function, const std::string &Group,
               unsigned MemoryMB);
  void add(InvocationRecord R);
  void throttled(const std::string &Function);
  EventCounters &events() { return Events; }
  const std::vector<InvocationRecord> &records() const { return Records; }

  RunSummary build(const std::string &Emulation, double WallSeconds) const;

private:
  struct Declared {
    std::string Group;
    unsigned MemoryMB;
    size_t Throttles = 0;
  };
  std::map<std::string, Declared> Functions;
  std::vector<std::string> Order;
  std::vector<InvocationRecord> Records;
  EventCounters Events;
};

} // namespace fusionize::platform

#endif // FUSIONIZE_PLATFORM_SUMMARY_H
