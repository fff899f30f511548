//===- otlp_json.cpp - OTLP/JSON text, written directly -------------------===//
#include "otlp_json.h"

#include <charconv>
#include <cmath>
#include <type_traits>
#include <variant>

namespace fusionize::detail {

namespace {

/// The length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = c >= 0xf0 && c <= 0xf4  ? 4
                    : c >= 0xe0 && c < 0xf0 ? 3
                    : c >= 0xc2 && c < 0xe0 ? 2
                                            : 0;
  if (len == 0 || i + len > s.size())
    return 0;
  for (std::size_t k = 1; k < len; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80)
      return 0;
  auto c1 = static_cast<unsigned char>(s[i + 1]);
  if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) ||
      (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f))
    return 0; // overlong, a surrogate, or beyond U+10FFFF
  return len;
}

const char kHex[] = "0123456789abcdef";

} // namespace

json_out &json_out::str(std::string_view s) {
  text.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      text.push_back(char(c));
      ++i;
    } else if (c == '"' || c == '\\') {
      text.push_back('\\');
      text.push_back(char(c));
      ++i;
    } else if (c < 0x20) {
      switch (c) {
      case '\n':
        text.append("\\n");
        break;
      case '\r':
        text.append("\\r");
        break;
      case '\t':
        text.append("\\t");
        break;
      case '\b':
        text.append("\\b");
        break;
      case '\f':
        text.append("\\f");
        break;
      default:
        text.append("\\u00");
        text.push_back(kHex[c >> 4]);
        text.push_back(kHex[c & 15]);
      }
      ++i;
    } else if (std::size_t len = utf8_length(s, i)) {
      text.append(s.substr(i, len));
      i += len;
    } else {
      text.append("\xef\xbf\xbd");
      ++i;
    }
  }
  text.push_back('"');
  return *this;
}

json_out &json_out::num(std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  text.append(buf, r.ptr);
  return *this;
}

json_out &json_out::num_str(std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  text.push_back('"');
  text.append(buf, r.ptr);
  text.push_back('"');
  return *this;
}

json_out &json_out::hex(const std::uint8_t *data, std::size_t n) {
  text.push_back('"');
  for (std::size_t i = 0; i < n; ++i) {
    text.push_back(kHex[data[i] >> 4]);
    text.push_back(kHex[data[i] & 15]);
  }
  text.push_back('"');
  return *this;
}

json_out &json_out::span_id(std::uint64_t id) {
  std::uint8_t bytes[8];
  for (int i = 0; i < 8; ++i)
    bytes[i] = std::uint8_t(id >> (56 - 8 * i));
  return hex(bytes, 8);
}

json_out &json_out::attr(std::string_view key, std::string_view value) {
  raw("{\"key\":").str(key).raw(",\"value\":{\"stringValue\":").str(value);
  return raw("}}");
}

json_out &json_out::attr(std::string_view key, std::int64_t value) {
  raw("{\"key\":").str(key).raw(",\"value\":{\"intValue\":").num_str(value);
  return raw("}}");
}

json_out &json_out::attr(std::string_view key, bool value) {
  raw("{\"key\":").str(key).raw(",\"value\":{\"boolValue\":");
  return raw(value ? "true}}" : "false}}");
}

json_out &json_out::attr(std::string_view key, double value) {
  // JSON has no infinities or NaN: those become strings.
  if (!std::isfinite(value))
    return attr(key, std::string_view(std::isnan(value) ? "NaN"
                                      : value > 0       ? "Infinity"
                                                        : "-Infinity"));
  raw("{\"key\":").str(key).raw(",\"value\":{\"doubleValue\":");
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  text.append(buf, r.ptr);
  return raw("}}");
}

json_out &json_out::attr(const span_attribute &a) {
  std::visit(
      [&](const auto &v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string>)
          attr(a.key, std::string_view(v));
        else
          attr(a.key, v);
      },
      a.value);
  return *this;
}

void write_span_head(json_out &out, const trace_id &trace, std::uint64_t span,
                     std::uint64_t parent, std::string_view name,
                     span_kind kind, std::uint64_t start_ns,
                     std::uint64_t end_ns) {
  out.raw("{\"traceId\":").hex(trace.data(), trace.size());
  out.raw(",\"spanId\":").span_id(span);
  if (parent)
    out.raw(",\"parentSpanId\":").span_id(parent);
  out.raw(",\"name\":").str(name);
  out.raw(",\"kind\":").num(std::uint64_t(kind));
  out.raw(",\"startTimeUnixNano\":").num_str(std::int64_t(start_ns));
  out.raw(",\"endTimeUnixNano\":").num_str(std::int64_t(end_ns));
}

void write_span(json_out &out, const span_record &s) {
  write_span_head(out, s.trace, s.span, s.parent, s.name, s.kind, s.start_ns,
                  s.end_ns);
  out.raw(",\"attributes\":[");
  for (std::size_t i = 0; i < s.attributes.size(); ++i) {
    if (i)
      out.raw(",");
    out.attr(s.attributes[i]);
  }
  out.raw("]");
  if (s.error)
    out.raw(",\"status\":{\"code\":2,\"message\":")
        .str(s.status_message)
        .raw("}");
  out.raw("}");
}

void open_document(json_out &out, const std::vector<span_attribute> &resource) {
  out.raw("{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
  for (std::size_t i = 0; i < resource.size(); ++i) {
    if (i)
      out.raw(",");
    out.attr(resource[i]);
  }
  out.raw("]},\"scopeSpans\":[{\"scope\":{\"name\":\"fusionize\",\"version\":"
          "\"0.1.0\"},\"spans\":[");
}

void close_document(json_out &out) { out.raw("]}]}]}"); }

} // namespace fusionize::detail
