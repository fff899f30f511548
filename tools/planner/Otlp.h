//===- planner/Otlp.h - Streaming reader for OTLP/JSON traces -------------===//
//
// Reads the spans the profile needs from OTLP/JSON trace exports: one
// {"resourceSpans": [...]} document per file, or JSON Lines of them. The
// reader streams (a million spans need not fit in memory as JSON), ignores
// fields it does not know, and reports malformed input with the file, line,
// column, byte offset and what was expected:
//
//   trace.json:3:17: invalid OTLP/JSON (byte offset 212): resourceSpans[0]
//   .scopeSpans[0].spans[4].startTimeUnixNano: expected nanoseconds as a
//   string or number, got true
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLANNER_OTLP_H
#define FUSIONIZE_PLANNER_OTLP_H

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace fusionize {

enum class SpanKind : std::uint8_t {
  Unspecified = 0,
  Internal = 1,
  Server = 2,
  Client = 3,
  Producer = 4,
  Consumer = 5
};

/// Interned names (tasks, functions, groups): spans refer to them by index.
class NameTable {
public:
  int intern(std::string_view Name);
  int find(const std::string &Name) const;
  const std::string &name(int Id) const { return Names[size_t(Id)]; }
  size_t size() const { return Names.size(); }

private:
  std::unordered_map<std::string, int> Ids;
  std::vector<std::string> Names;
};

/// One span with the attributes the planner reads; -1 means absent.
struct RawSpan {
  std::uint64_t TraceHi = 0, TraceLo = 0;
  std::uint64_t SpanId = 0, ParentId = 0; // 0: none
  std::int64_t StartNs = 0, EndNs = 0;
  std::int64_t CpuNs = -1;           // fusion.cpu_ns
  std::int64_t TaskCpuNs = -1;       // fusion.task_cpu_ns (SERVER)
  double CostUsd = -1;               // fusion.cost_usd
  float BytesReq = -1, BytesResp = -1; // fusion.bytes_req / bytes_resp
  float BilledMs = -1, MemoryMB = -1, PeakMemoryMB = -1; // fusion.*
  float InitMs = -1, QueueMs = -1;
  float InitMemoryMB = -1;    // fusion.init_memory_mb (a cold start's)
  float RunDelayMs = -1;      // fusion.run_delay_ns, in ms
  float ThrottledMs = -1;     // fusion.throttled_ns (cgroup), in ms
  float FaultMB = -1;         // fusion.fault_bytes, in MiB
  float LockWaitMs = 0;       // fusion.lock_wait_ns, in ms
  float LockHoldCpuMs = 0;    // fusion.lock_hold_cpu_ns, in ms
  std::int32_t Task = -1;     // fusion.task (or the SERVER span's name)
  std::int32_t Caller = -1;   // fusion.caller
  std::int32_t Group = -1;    // fusion.group (span, else resource)
  std::int32_t Function = -1; // faas.invoked_name / faas.name
  std::int32_t File = 0;      // index into TraceSet::Files
  SpanKind Kind = SpanKind::Unspecified;
  std::int8_t Sync = -1;      // fusion.sync
  std::int8_t Cold = -1;      // faas.coldstart
  bool Platform = false;      // fusion.source == "platform"
  bool Error = false;         // status code 2
  /// fusion.queued_ns: asynchronous work whose span begins at its dispatch
  /// (runtimes before it began it when a worker took it up, up to 1 ms
  /// later).
  bool Dispatched = false;

  double durationMs() const { return double(EndNs - StartNs) / 1e6; }
};

struct TraceSet {
  std::vector<std::string> Files;
  std::vector<RawSpan> Spans;
  NameTable Names;
  std::uint64_t Documents = 0;
  /// CPUs of the traces' platform host (resource fusion.host_cpus; the
  /// largest seen); 0: none recorded.
  double HostCpus = 0;
};

/// Appends the spans of `Path` to `Out`. Throws FormatError on malformed
/// input, an empty file, or a document that is not an OTLP trace export.
/// A JSON Lines file larger than `SplitAbove` bytes is read by up to four
/// threads, each from a line that starts a document.
void readOtlpFile(const std::string &Path, TraceSet &Out,
                  std::uint64_t SplitAbove = std::uint64_t(64) << 20);

/// Same for a file already in memory (tests); `Origin` names it in errors.
void readOtlpText(const std::string &Text, const std::string &Origin,
                  TraceSet &Out);

} // namespace fusionize

#endif // FUSIONIZE_PLANNER_OTLP_H
