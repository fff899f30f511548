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

#include <cstdint>
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
template <class T>
struct json_support<std::optional<T>> : json_support<T> {};
template <class C, class Tr>
struct json_support<std::basic_string_view<C, Tr>>
    : std::integral_constant<int, json_non_owning> {};

// --- Values ------------------------------------------------------------------
template <class T> json encode_value(const T &v) {
  if constexpr (is_byte_buffer<T>::value)
    return json(base64_encode(v.data(), v.size()));
  else
    return json(v);
}

template <class T> T decode_value(const json &j, const char *what) {
  if constexpr (is_byte_buffer<T>::value) {
    if (j.is_string()) {
      auto bytes = base64_decode(j.get_ref<const std::string &>(), what);
      return T(bytes.begin(), bytes.end());
    }
  }
  try {
    return j.template get<T>();
  } catch (const json::exception &e) {
    std::string msg = std::string(what) + ": expected " +
                      std::string(type_name<T>()) + ", got " +
                      (j.is_null() ? "null" : j.type_name()) + " (" +
                      e.what() + ")";
    throw payload_error(msg);
  }
}

inline std::string dump(const json &j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// --- Arguments -----------------------------------------------------------------
template <class... A> std::string encode_args(const A &...a) {
  json arr = json::array();
  (arr.push_back(encode_value(a)), ...);
  return dump(arr);
}

json parse_payload(std::string_view payload, const task_registration &reg);
[[noreturn]] void arity_error(const task_registration &reg, std::size_t got);
void check_object_fields(const json &obj, const task_registration &reg);
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
    return std::tuple<T...>(decode_value<T>(payload.at(reg.params[I]),
                                            param_label(reg, I).c_str())...);
  }
  // `null` or an empty body is accepted for a task without parameters.
  if constexpr (sizeof...(T) == 0) {
    if (payload.is_null())
      return {};
  }
  arity_error(reg, payload.is_null() ? 0 : 1);
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
template <class R> R decode_result(const task_info &task, std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    throw remote_error(task.name, "InvalidResponse",
                       "the result is not valid JSON");
  try {
    return decode_value<R>(j, "result");
  } catch (const payload_error &e) {
    throw remote_error(task.name, "InvalidResponse", e.what());
  }
}

} // namespace fusionize::detail

#endif // FUSIONIZE_DETAIL_CODEC_H
