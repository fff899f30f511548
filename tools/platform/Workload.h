//===- platform/Workload.h - Workloads for `fusionize load`
//----------------===//
//
// A workload (fusionize-workload/1,
// docs/schemas/fusionize-workload.schema.json) says what to send: one function,
// the invocation type, phases of open-loop arrivals (constant rate for N
// requests or S seconds, or a linear ramp), and the payloads (a JSON Lines
// file, cycled; a template with placeholders; or one literal document):
//
//   {"format": "fusionize-workload/1", "function": "AnalyzeSensor",
//    "phases": [{"rate": 1, "requests": 1000},
//               {"ramp": {"from": 5, "to": 40}, "duration_s": 60}],
//    "payload": {"template": "{\"id\": {{seq}}, \"v\": {{rand_int:1:100}}}"}}
//
// Template placeholders: {{seq}} (0-based request number), {{rand_int:LO:HI}}
// (inclusive), {{rand_float:LO:HI}}, {{choice:A|B|C}}, {{rand_string:N}}
// ([a-z0-9]), {{uuid}}, {{timestamp_ms}}; {{{{ is a literal "{{". The text
// is inserted as is, so a string needs quotes around the placeholder.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLATFORM_WORKLOAD_H
#define FUSIONIZE_PLATFORM_WORKLOAD_H

#include "core/Json.h"

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace fusionize::platform {

struct Phase {
  bool Ramp = false;
  double Rate = 0;         // requests per second (constant phases)
  double From = 0, To = 0; // requests per second at start and end (ramps)
  std::optional<std::uint64_t> Requests; // constant phases: stop after N
  double DurationS = 0;                  // otherwise: stop after this long

  /// How long the phase lasts (a count-bounded phase: Requests / Rate).
  double length() const;
};

struct Workload {
  std::string Name;
  std::string Endpoint; // http://host:port; the command line may override
  std::string Function;
  std::string InvocationType = "RequestResponse"; // or "Event"
  std::string Arrivals = "uniform";               // or "poisson"
  std::uint64_t Seed = 1;
  std::vector<Phase> Phases;
  enum class PayloadKind {
    None,
    File,
    Template,
    Literal
  } Payload = PayloadKind::None;
  std::string PayloadFile; // relative paths are relative to the workload file
  std::string Template;
  Json Literal;
  double TimeoutS = 960; // per request; beyond Lambda's 900 s maximum
  std::uint64_t MaxInflight = 10000; // beyond it, arrivals are dropped

  Json toJson() const;
  /// `BaseDir` resolves a relative payload file. Throws FormatError.
  static Workload fromJson(const Json &Doc, const std::string &Origin,
                           const std::string &BaseDir = "");
  static Workload load(const std::string &Path);
  /// Checks the fields a runnable workload needs; throws FormatError.
  void validate(const std::string &Origin) const;
};

/// Offsets in seconds from the start at which requests are sent, in order.
/// Uniform arrivals are evenly spaced at the (possibly ramping) rate; Poisson
/// arrivals have exponential gaps at that rate (seeded, reproducible).
std::vector<double> arrivalSchedule(const Workload &W);

/// A payload template, parsed once and expanded per request.
class PayloadTemplate {
public:
  /// Throws FormatError for an unknown or malformed placeholder.
  static PayloadTemplate parse(const std::string &Text);
  std::string expand(std::uint64_t Seq, std::mt19937_64 &Rng) const;

private:
  enum class Kind {
    Text,
    Seq,
    RandInt,
    RandFloat,
    Choice,
    RandString,
    Uuid,
    TimestampMs
  };
  struct Piece {
    Kind K = Kind::Text;
    std::string Text;
    std::int64_t Lo = 0, Hi = 0;
    double FLo = 0, FHi = 0;
    std::vector<std::string> Choices;
  };
  std::vector<Piece> Pieces;
};

/// Produces the payload of request `Seq` for a workload.
class PayloadSource {
public:
  /// Reads the file or parses the template; checks that payloads are JSON.
  /// Throws FormatError.
  static PayloadSource fromWorkload(const Workload &W);
  std::string next(std::uint64_t Seq);
  size_t size() const { return Lines.size(); }

private:
  std::vector<std::string> Lines;
  std::optional<PayloadTemplate> Template;
  std::mt19937_64 Rng;
};

} // namespace fusionize::platform

#endif // FUSIONIZE_PLATFORM_WORKLOAD_H
