//===- propagation.cpp - W3C traceparent and AWS X-Ray trace headers ------===//
//
// W3C: "00-<32 hex trace>-<16 hex parent>-<2 hex flags>". X-Ray (what the
// Runtime API hands over in Lambda-Runtime-Trace-Id):
// "Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=<0|1|?>", whose root is
// the W3C trace id split after eight digits.
//
//===----------------------------------------------------------------------===//
#include "trace.h"

namespace fusionize::detail {

std::string format_traceparent(const span_context &ctx) {
  return "00-" + to_hex(ctx.trace.data(), 16) + "-" + span_hex(ctx.span) +
         (ctx.sampled ? "-01" : "-00");
}

std::optional<span_context> parse_traceparent(std::string_view h) {
  // version "-" trace-id "-" parent-id "-" flags; later versions may append.
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t'))
    h.remove_prefix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t'))
    h.remove_suffix(1);
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-')
    return std::nullopt;
  std::uint8_t version;
  if (!from_hex(h.substr(0, 2), &version, 1) || version == 0xff)
    return std::nullopt;
  if (version == 0 && h.size() != 55)
    return std::nullopt;
  if (h.size() > 55 && h[55] != '-')
    return std::nullopt;
  span_context ctx;
  std::uint8_t flags;
  if (!from_hex(h.substr(3, 32), ctx.trace.data(), 16) ||
      !parse_span_hex(h.substr(36, 16), ctx.span) ||
      !from_hex(h.substr(53, 2), &flags, 1))
    return std::nullopt;
  if (!ctx.has_trace() || ctx.span == 0)
    return std::nullopt;
  ctx.sampled = flags & 1;
  ctx.decided = true;
  return ctx;
}

std::string format_xray(const span_context &ctx) {
  std::string hex = to_hex(ctx.trace.data(), 16);
  std::string out = "Root=1-" + hex.substr(0, 8) + "-" + hex.substr(8);
  if (ctx.span)
    out += ";Parent=" + span_hex(ctx.span);
  out +=
      ctx.decided ? (ctx.sampled ? ";Sampled=1" : ";Sampled=0") : ";Sampled=?";
  return out;
}

std::optional<span_context> parse_xray(std::string_view h) {
  span_context ctx;
  ctx.decided = false;
  bool have_root = false;
  while (!h.empty()) {
    auto semi = h.find(';');
    std::string_view field = h.substr(0, semi);
    h = semi == std::string_view::npos ? std::string_view()
                                       : h.substr(semi + 1);
    while (!field.empty() && field.front() == ' ')
      field.remove_prefix(1);
    while (!field.empty() && field.back() == ' ')
      field.remove_suffix(1);
    auto eq = field.find('=');
    if (eq == std::string_view::npos)
      continue;
    std::string_view key = field.substr(0, eq), value = field.substr(eq + 1);
    if (key == "Root") {
      // 1-<8 hex epoch>-<24 hex random>
      if (value.size() != 35 || value.substr(0, 2) != "1-" || value[10] != '-')
        return std::nullopt;
      std::string hex =
          std::string(value.substr(2, 8)) + std::string(value.substr(11));
      if (!from_hex(hex, ctx.trace.data(), 16) || !ctx.has_trace())
        return std::nullopt;
      have_root = true;
    } else if (key == "Parent") {
      if (!parse_span_hex(value, ctx.span))
        return std::nullopt;
    } else if (key == "Sampled") {
      if (value == "1" || value == "0") {
        ctx.sampled = value == "1";
        ctx.decided = true;
      }
    }
  }
  if (!have_root)
    return std::nullopt;
  return ctx;
}

} // namespace fusionize::detail
