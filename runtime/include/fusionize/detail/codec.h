//===- fusionize/detail/codec.h - Arguments and results as JSON -----------===//
//
// Encodes task arguments as a JSON array and decodes payloads (an array, or
// an object keyed by parameter name) into them, with errors that name the
// parameter and the type that was expected. Everything nlohmann_json
// converts is supported; byte buffers (std::vector<std::uint8_t>) used
// directly as a parameter or result travel as base64 strings (4/3 of their
// size, where a JSON array of numbers would be up to 4x).
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_DETAIL_CODEC_H
#define FUSIONIZE_DETAIL_CODEC_H

#include <fusionize/detail/abi.h>
#include <fusionize/detail/runtime_api.h>
#include <fusionize/errors.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

// nlohmann_json before 3.12 has no std::optional support: null <-> nullopt.
#if !defined(FUSIONIZE_NO_OPTIONAL_SERIALIZER) &&                              \
    NLOHMANN_JSON_VERSION_MAJOR == 3 && NLOHMANN_JSON_VERSION_MINOR < 12
NLOHMANN_JSON_NAMESPACE_BEGIN
template <typename T> struct adl_serializer<std::optional<T>> {
  static void to_json(json &j, const std::optional<T> &v) {
    if (v)
      j = *v;
    else
      j = nullptr;
  }
  static void from_json(const json &j, std::optional<T> &v) {
    if (j.is_null())
      v.reset();
    else
      v = j.template get<T>();
  }
};
NLOHMANN_JSON_NAMESPACE_END
#endif

namespace fusionize::detail {

using json = nlohmann::json;

/// The name of T as the compiler spells it, for error messages.
template <class T> std::string_view type_name() {
#if defined(__clang__) || defined(__GNUC__)
  std::string_view p = __PRETTY_FUNCTION__;
  auto b = p.find("T = ");
  if (b == std::string_view::npos)
    return "value";
  b += 4;
  auto e = p.find_first_of(";]", b);
  return p.substr(b, e - b);
#else
  return "value";
#endif
}

template <class T> struct is_byte_buffer : std::false_type {};
template <class A>
struct is_byte_buffer<std::vector<std::uint8_t, A>> : std::true_type {};

// --- The plugin's convertibility check ---------------------------------------
// The plugin instantiates json_support<T> for every parameter and result type
// and reads the integral constant: 0 convertible, else json_support_bits say
// what is missing.
enum json_support_bits : int {
  json_no_to = 1,      // no to_json: cannot be encoded
  json_no_from = 2,    // no from_json: cannot be decoded
  json_non_owning = 4, // a view (string_view, span): would dangle
};

template <class T, class = void> struct json_decodable : std::false_type {};
template <class T>
struct json_decodable<
    T, std::void_t<decltype(std::declval<const json &>().template get<T>())>>
    : std::true_type {};

template <class T>
struct json_support
    : std::integral_constant<
          int, (is_byte_buffer<T>::value ||
                        std::is_constructible<json, const T &>::value
                    ? 0
                    : json_no_to) |
                   (is_byte_buffer<T>::value || json_decodable<T>::value
                        ? 0
                        : json_no_from)> {};
// The optional serializer above accepts any T; what matters is T.
template <class T> struct json_support<std::optional<T>> : json_support<T> {};
template <class C, class Tr>
struct json_support<std::basic_string_view<C, Tr>>
    : std::integral_constant<int, json_non_owning> {};

// --- Describing types in error messages -------------------------------------
template <class T> struct is_std_vector : std::false_type {};
template <class T, class A>
struct is_std_vector<std::vector<T, A>> : std::true_type {};
template <class T> struct is_std_optional : std::false_type {};
template <class T> struct is_std_optional<std::optional<T>> : std::true_type {};

/// What a payload must contain for a T, in JSON terms where that is clearer
/// than the C++ name: "integer (int)", "string", "array of number (double)".
template <class T> std::string describe_type() {
  if constexpr (std::is_same_v<T, bool>)
    return "boolean";
  else if constexpr (std::is_integral_v<T>)
    return "integer (" + std::string(type_name<T>()) + ")";
  else if constexpr (std::is_floating_point_v<T>)
    return "number (" + std::string(type_name<T>()) + ")";
  else if constexpr (std::is_same_v<T, std::string>)
    return "string";
  else if constexpr (is_byte_buffer<T>::value)
    return "base64 string (bytes)";
  else if constexpr (is_std_optional<T>::value)
    return describe_type<typename T::value_type>() + " or null";
  else if constexpr (is_std_vector<T>::value)
    return "array of " + describe_type<typename T::value_type>();
  else
    return std::string(type_name<T>());
}

/// Compact JSON, invalid UTF-8 replaced. Out of line (runtime/lib/codec.cpp)
/// like the parsers below: nlohmann_json's serializer and parser are
/// compiled once, in the runtime, not in every object with glue.
std::string dump(const json &j);

/// nlohmann_json's exception text without its "[json.exception.x.n] " tag.
inline std::string json_error_text(const char *what) {
  std::string_view text = what;
  if (text.rfind("[json.exception.", 0) == 0) {
    auto close = text.find("] ");
    if (close != std::string_view::npos)
      text.remove_prefix(close + 2);
  }
  return std::string(text);
}

inline const char *json_kind(const json &j) {
  switch (j.type()) {
  case json::value_t::number_integer:
  case json::value_t::number_unsigned:
    return "integer";
  case json::value_t::number_float:
    return "number";
  default:
    return j.type_name();
  }
}

/// The message of a value that does not decode as T.
template <class T>
[[noreturn]] void value_error(const json &j, const char *what,
                              const std::string &detail) {
  std::string msg = std::string(what) + ": expected " + describe_type<T>() +
                    ", got " + json_kind(j);
  if (!detail.empty())
    msg += " (" + detail + ")";
  throw payload_error(msg);
}

// --- Values ------------------------------------------------------------------
template <class T> json encode_value(const T &v) {
  if constexpr (is_byte_buffer<T>::value)
    return json(base64_encode(v.data(), v.size()));
  else
    return json(v);
}

/// An integer parameter: nlohmann_json would silently truncate 3.5 or wrap
/// 300 into a uint8_t, so the value must be integral and in range.
template <class T> T decode_integer(const json &j, const char *what) {
  if (j.is_number_unsigned()) {
    auto v = j.get<std::uint64_t>();
    if (v <= static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
      return static_cast<T>(v);
    value_error<T>(j, what, dump(j) + " is out of range");
  }
  if (j.is_number_integer()) {
    auto v = j.get<std::int64_t>();
    if (std::is_signed_v<T>
            ? (v >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
               v <= static_cast<std::int64_t>(std::numeric_limits<T>::max()))
            : (v >= 0 &&
               static_cast<std::uint64_t>(v) <=
                   static_cast<std::uint64_t>(std::numeric_limits<T>::max())))
      return static_cast<T>(v);
    value_error<T>(j, what, dump(j) + " is out of range");
  }
  if (j.is_number_float()) {
    double d = j.get<double>();
    auto v = static_cast<long double>(d);
    if (std::isfinite(d) && std::trunc(d) == d &&
        v >= static_cast<long double>(std::numeric_limits<T>::min()) &&
        v <= static_cast<long double>(std::numeric_limits<T>::max()))
      return static_cast<T>(d);
    value_error<T>(j, what, dump(j) + " is not an integer in range");
  }
  value_error<T>(j, what, "");
}

template <class T> T decode_value(const json &j, const char *what) {
  if constexpr (is_byte_buffer<T>::value) {
    if (j.is_string()) {
      auto bytes = base64_decode(j.get_ref<const std::string &>(), what);
      return T(bytes.begin(), bytes.end());
    }
    if (j.is_array()) { // numbers 0..255 are accepted too
      T bytes;
      bytes.reserve(j.size());
      for (const json &b : j) {
        if (!b.is_number_integer() || b.get<std::int64_t>() < 0 ||
            b.get<std::int64_t>() > 255)
          value_error<T>(j, what, "element " + dump(b) + " is not a byte");
        bytes.push_back(static_cast<std::uint8_t>(b.get<std::int64_t>()));
      }
      return bytes;
    }
    value_error<T>(j, what, "");
  } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return decode_integer<T>(j, what);
  } else {
    try {
      return j.template get<T>();
    } catch (const json::exception &e) {
      value_error<T>(j, what, json_error_text(e.what()));
    }
  }
}

// --- Arguments
// -----------------------------------------------------------------
template <class... A> std::string encode_args(const A &...a) {
  json arr = json::array();
  (arr.push_back(encode_value(a)), ...);
  return dump(arr);
}

/// Parses a payload; empty or blank is `null`. Throws payload_error naming
/// the task and the position of the syntax error.
json parse_payload(std::string_view payload, const task_registration &reg);
/// An array payload with `got` elements for a task with another arity.
[[noreturn]] void arity_error(const task_registration &reg, std::size_t got);
/// A payload that is neither an array nor an object (nor null for a task
/// without parameters).
[[noreturn]] void payload_shape_error(const task_registration &reg,
                                      const json &payload);
/// An object payload must name every parameter and nothing else.
void check_object_fields(const json &obj, const task_registration &reg);
/// "parameter 'x' (1 of 2)", or "parameter 1 of 2" without a name.
std::string param_label(const task_registration &reg, std::size_t index);

template <class... T, std::size_t... I>
std::tuple<T...> decode_args_impl(const json &payload,
                                  const task_registration &reg,
                                  std::index_sequence<I...>) {
  if (payload.is_array()) {
    if (payload.size() != sizeof...(T))
      arity_error(reg, payload.size());
    return std::tuple<T...>(
        decode_value<T>(payload[I], param_label(reg, I).c_str())...);
  }
  if (payload.is_object()) {
    check_object_fields(payload, reg);
    if (reg.nparams != sizeof...(T))
      arity_error(reg, payload.size());
    return std::tuple<T...>(decode_value<T>(payload.at(reg.params[I]),
                                            param_label(reg, I).c_str())...);
  }
  // `null` or an empty body is accepted for a task without parameters.
  if constexpr (sizeof...(T) == 0) {
    if (payload.is_null())
      return {};
  }
  payload_shape_error(reg, payload);
}

/// Decodes the invocation payload into the task's (decayed) parameter types.
template <class... T> std::tuple<T...> decode_args(const invocation &inv) {
  json payload = parse_payload(inv.payload, *inv.task);
  return decode_args_impl<T...>(payload, *inv.task,
                                std::index_sequence_for<T...>{});
}

template <class R> std::string encode_result(const R &r) {
  return dump(encode_value(r));
}

/// Decodes a remote result; a malformed one is a remote_error of type
/// "InvalidResponse".
/// Parses a remote result; malformed JSON is a remote_error of type
/// "InvalidResponse".
json parse_result(const task_info &task, std::string_view body);

template <class R>
R decode_result(const task_info &task, std::string_view body) {
  json j = parse_result(task, body);
  try {
    return decode_value<R>(j, "result");
  } catch (const payload_error &e) {
    throw remote_error(task.name, "InvalidResponse", e.what());
  }
}

} // namespace fusionize::detail

#endif // FUSIONIZE_DETAIL_CODEC_H
