//===- trace.h - Spans, propagation and OTLP/JSON export ------------------===//
//
// The runtime's OpenTelemetry subset (docs/formats.md): a SERVER span per
// invocation, a CLIENT span per remote call, an INTERNAL span per fused
// call; W3C traceparent and X-Ray trace headers; export as OTLP/JSON lines
// to a file or stdout, or OTLP/HTTP (JSON). Spans are buffered and exported
// off the invocation's critical path: the Runtime API loop flushes after
// posting the response, HTTP mode and plain programs in the background.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_RUNTIME_TRACE_H
#define FUSIONIZE_RUNTIME_TRACE_H

#include "context.h"
#include "util.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fusionize::detail {

enum class span_kind : int { internal = 1, server = 2, client = 3 };

using attribute_value = std::variant<std::string, std::int64_t, bool, double>;
struct span_attribute {
  std::string key;
  attribute_value value;
};

/// A finished span, as exported.
struct span_record {
  trace_id trace{};
  std::uint64_t span = 0;
  std::uint64_t parent = 0;
  std::string name;
  span_kind kind = span_kind::internal;
  std::uint64_t start_ns = 0, end_ns = 0;
  std::vector<span_attribute> attributes;
  bool error = false;
  std::string status_message;
};

/// A SERVER or CLIENT span in progress. It always has a context (ids are
/// generated even when nothing is recorded, so propagation works with
/// tracing off); it records only when the trace is sampled and an exporter
/// is configured.
class span_builder {
public:
  /// `parent` may be empty (a new trace). With `measure_cpu`, the span gets
  /// fusion.cpu_ns: this thread's CPU time while it was open, and
  /// fusion.run_delay_ns: the time it was runnable but not running (waiting
  /// for a CPU or throttled by the CPU quota), where the kernel tells, and
  /// fusion.throttled_ns: the time the process's CPU cgroup was throttled
  /// (the last two for SERVER spans only).
  span_builder(std::string name, span_kind kind, const span_context &parent,
               bool measure_cpu);
  ~span_builder();
  span_builder(const span_builder &) = delete;
  span_builder &operator=(const span_builder &) = delete;

  const span_context &context() const noexcept { return ctx_; }
  bool recording() const noexcept { return recording_; }
  void set(std::string key, attribute_value value);
  /// Marks the span failed (status ERROR, exception.* attributes).
  void fail(const std::string &type, const std::string &message);
  /// Ends and records the span; later calls do nothing.
  void end();

private:
  span_record rec_;
  span_context ctx_;
  bool recording_ = false;
  bool measure_cpu_ = false;
  bool ended_ = false;
  std::uint64_t cpu_start_ = 0;
  std::uint64_t delay_start_ = 0;
  std::uint64_t throttled_start_ = 0;
  std::uint64_t faults_start_ = 0;
  std::uint64_t lock_wait_start_ = 0, lock_hold_start_ = 0;
};

// --- Configuration -----------------------------------------------------------
enum class sampler_kind { always_on, always_off, ratio };

struct trace_config {
  std::string file;          // FUSIONIZE_TRACE_FILE: append JSON Lines
  bool to_stdout = false;    // FUSIONIZE_TRACE=stdout
  std::string otlp_endpoint; // OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (full URL)
  sampler_kind sampler = sampler_kind::always_on;
  double ratio = 1.0; // OTEL_TRACES_SAMPLER_ARG for traceidratio
  /// Fused calls of tasks whose previous call took less than this get
  /// fusion.cpu_ns = their wall duration instead of a CPU clock reading.
  std::uint64_t cpu_threshold_ns = 50000;
  /// FUSIONIZE_TRACE_THROTTLED=1: fusion.throttled_ns where the run delay
  /// is measured (two more file reads per such span).
  bool cgroup_throttled = false;
  std::size_t max_buffered = 65536;     // spans held between flushes
  std::size_t batch = 4096;             // buffered spans that wake the exporter
  std::vector<span_attribute> resource; // service.name, faas.*, fusion.group

  bool exporting() const {
    return !file.empty() || to_stdout || !otlp_endpoint.empty();
  }
  /// From the environment (see docs/runtime.md); problems are logged.
  static trace_config from_env();
};

/// Replaces the tracing configuration (flushing what is buffered first) and
/// sets tracing_flag. Runs once from the environment at start-up.
void configure_tracing(trace_config config);
/// The group this executable serves (FUSIONIZE_GROUP, else its file name).
const std::string &group_name();

/// The sampling decision for a new trace (parent-based: only asked for
/// traces that arrive without a decision).
bool sample_root(const trace_id &trace) noexcept;

trace_id new_trace_id() noexcept;
std::uint64_t new_span_id() noexcept;

// --- Propagation -------------------------------------------------------------
/// "00-<trace>-<span>-<flags>".
std::string format_traceparent(const span_context &ctx);
std::optional<span_context> parse_traceparent(std::string_view header);
/// "Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=<0|1>".
std::string format_xray(const span_context &ctx);
std::optional<span_context> parse_xray(std::string_view header);

// --- Recording and export ----------------------------------------------------
void record_span(span_record span);
/// Marks the innermost open INTERNAL span of this thread failed with
/// `error`; false when there is none.
bool fail_open_local_span(const exception_description &error);
/// Exports everything buffered now, on the calling thread.
void flush_traces();
/// Exports everything buffered soon, on the exporter thread.
void request_flush();
/// The OTLP/JSON document for `spans` (tests, and the exporter itself).
std::string otlp_document(const std::vector<span_record> &spans);

} // namespace fusionize::detail

#endif // FUSIONIZE_RUNTIME_TRACE_H
