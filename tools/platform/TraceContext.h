//===- platform/TraceContext.h - W3C and AWS X-Ray trace context ----------===//
//
// The platform receives a caller's context as a W3C `traceparent` (or an AWS
// `X-Amzn-Trace-Id`) on the Invoke API and hands the context of its own
// invocation span to the instance as `Lambda-Runtime-Trace-Id` in X-Ray form:
//
//   00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01          (W3C)
//   Root=1-0af76519-16cd43dd8448eb211c80319c;Parent=b7ad6b7169203331;Sampled=1
//
// The X-Ray root is the W3C trace id split after 8 hex digits
// (docs/formats.md, "Traces").
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLATFORM_TRACECONTEXT_H
#define FUSIONIZE_PLATFORM_TRACECONTEXT_H

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace fusionize::platform {

struct TraceContext {
  std::string TraceId; // 32 lowercase hex digits
  std::string SpanId;  // 16 lowercase hex digits (the parent of a new span)
  bool Sampled = true;

  bool operator==(const TraceContext &O) const {
    return TraceId == O.TraceId && SpanId == O.SpanId && Sampled == O.Sampled;
  }
};

/// Parses a W3C traceparent (version 00, or a later version read the same
/// way); rejects all-zero ids and malformed fields.
std::optional<TraceContext> parseTraceparent(std::string_view Header);
std::string formatTraceparent(const TraceContext &C);

/// Parses `Root=1-<8>-<24>;Parent=<16>;Sampled=<0|1>` in any field order,
/// ignoring other fields (Self=, Lineage=). Without Parent the span id is
/// empty; without Sampled the context counts as sampled.
std::optional<TraceContext> parseXRay(std::string_view Header);
std::string formatXRay(const TraceContext &C);
/// formatXRay, appended to `Out`.
void appendXRay(std::string &Out, std::string_view TraceId,
                std::string_view SpanId, bool Sampled);

/// Appends all of `Parts` to `Out`: one capacity check and a memcpy each,
/// rather than an append call each (response heads and log lines on the
/// hot paths).
void appendAll(std::string &Out,
               std::initializer_list<std::string_view> Parts);

/// Random ids (lowercase hex, never all zero) and Lambda request ids (UUID v4).
std::string newTraceId();
std::string newSpanId();
std::string newRequestId();

bool isLowerHex(std::string_view S);

} // namespace fusionize::platform

#endif // FUSIONIZE_PLATFORM_TRACECONTEXT_H
