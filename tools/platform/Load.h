//===- platform/Load.h - The workload driver (`fusionize load`) -----------===//
//
// Sends a workload's requests to a Lambda Invoke API endpoint open-loop: each
// request leaves at its scheduled time (arrivalSchedule) whether or not
// earlier ones have been answered, so a slow system sees the queueing a real
// user population would cause. One event loop, a pool of keep-alive
// connections (one request in flight per connection).
//
//   Workload W = Workload::load("examples/iot/workloads/ramp.json");
//   LoadOptions O;
//   O.Endpoint = P.endpoint();
//   LoadResult R = runLoad(W, O);
//   R.print(std::cout);
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLATFORM_LOAD_H
#define FUSIONIZE_PLATFORM_LOAD_H

#include "platform/Summary.h"
#include "platform/Workload.h"

#include <atomic>
#include <map>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fusionize::platform {

class LoadError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct LoadOptions {
  std::string Endpoint; // overrides the workload's endpoint
  /// A progress line while running; null: none.
  std::ostream *Progress = nullptr;
  bool ProgressTty = false;  // rewrite one line (\r) instead of printing lines
  double ProgressEveryS = 0; // 0: 0.5 s on a TTY, 10 s otherwise
  /// Set from another thread (or a signal handler) to stop sending; requests
  /// in flight are still awaited.
  const std::atomic<bool> *Cancel = nullptr;
  /// Keep every request's outcome in LoadResult::Requests.
  bool KeepRequests = false;
};

struct RequestOutcome {
  std::uint64_t Seq = 0;
  double ScheduledS = 0; // offset of the planned send
  double SentS = 0;      // offset of the actual send
  double LatencyMs = 0;
  int Status = 0;        // HTTP status; 0: no answer
  std::string ErrorType; // empty: success
};

struct LoadResult {
  std::string Function, InvocationType, Endpoint;
  size_t Planned = 0, Sent = 0, Completed = 0, Ok = 0, Errors = 0, Dropped = 0;
  double ElapsedS = 0;     // first send to last answer
  double OfferedRate = 0;  // planned requests / planned duration
  double AchievedRate = 0; // requests actually sent per second
  double Throughput = 0;   // answers per second
  double MaxLagMs = 0;     // latest send behind its schedule
  Distribution Latency;    // every answered request
  std::vector<double> LatenciesMs;
  std::map<std::string, size_t> ErrorsByType;
  std::map<int, size_t> Statuses;
  std::vector<RequestOutcome> Requests; // with LoadOptions::KeepRequests

  /// fusionize-load-result/1.
  Json toJson() const;
  /// Percentiles, a latency histogram, errors by type and the rates.
  void print(std::ostream &OS) const;
};

/// Runs the workload; throws LoadError for a bad endpoint or workload.
LoadResult runLoad(const Workload &W, const LoadOptions &O);

/// Log-spaced histogram buckets (upper bounds in ms) and counts.
struct Histogram {
  std::vector<double> UpperMs;
  std::vector<size_t> Counts;
  static Histogram of(const std::vector<double> &LatenciesMs);
};

} // namespace fusionize::platform

#endif // FUSIONIZE_PLATFORM_LOAD_H
