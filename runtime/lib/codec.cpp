//===- codec.cpp - Payload checks and base64 for the codec templates ------===//
//
// The out-of-line half of <fusionize/detail/codec.h>: every error names the
// task, the parameter and what was expected, because it is all a caller of a
// remote function gets to see.
//
//===----------------------------------------------------------------------===//
#include <fusionize/detail/codec.h>

#include <string>

namespace fusionize::detail {

namespace {

const char *task_name(const task_registration &reg) {
  return reg.info && reg.info->name ? reg.info->name : "?";
}

bool has_names(const task_registration &reg) {
  if (reg.nparams > 0 && !reg.params)
    return false;
  for (std::uint32_t i = 0; i < reg.nparams; ++i)
    if (!reg.params[i] || !*reg.params[i])
      return false;
  return true;
}

/// "(a, b)", or "(2 parameters)" without names.
std::string param_list(const task_registration &reg) {
  if (!has_names(reg))
    return "(" + std::to_string(reg.nparams) + " parameters)";
  std::string out = "(";
  for (std::uint32_t i = 0; i < reg.nparams; ++i) {
    if (i)
      out += ", ";
    out += reg.params[i];
  }
  return out + ")";
}

/// How to call the task: "[a, b] or {\"a\": ..., \"b\": ...}".
std::string expected_shape(const task_registration &reg) {
  if (reg.nparams == 0)
    return "null, [] or {}";
  std::string arr = "[", obj = "{";
  for (std::uint32_t i = 0; i < reg.nparams; ++i) {
    std::string name = has_names(reg) ? std::string(reg.params[i])
                                      : "arg" + std::to_string(i + 1);
    arr += (i ? ", " : "") + name;
    obj += (i ? ", \"" : "\"") + name + "\": ...";
  }
  return "a JSON array " + arr + "]" +
         (has_names(reg) ? " or an object " + obj + "}" : std::string());
}

std::string with_article(const char *kind) {
  bool vowel =
      std::string_view("aeiou").find(kind[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + std::string(kind);
}

std::string arguments(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " argument" : " arguments");
}

} // namespace

std::string dump(const json &j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json parse_result(const task_info &task, std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    throw remote_error(task.name, "InvalidResponse",
                       "the result is not valid JSON");
  return j;
}

json parse_payload(std::string_view payload, const task_registration &reg) {
  if (payload.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return nullptr;
  try {
    return json::parse(payload);
  } catch (const json::parse_error &e) {
    throw payload_error("the payload of task '" + std::string(task_name(reg)) +
                        "' is not valid JSON: " + json_error_text(e.what()));
  }
}

void arity_error(const task_registration &reg, std::size_t got) {
  throw payload_error("task '" + std::string(task_name(reg)) + "' takes " +
                      arguments(reg.nparams) + " " + param_list(reg) +
                      ", the payload has " + std::to_string(got) + ": send " +
                      expected_shape(reg));
}

void payload_shape_error(const task_registration &reg, const json &payload) {
  throw payload_error("task '" + std::string(task_name(reg)) + "' takes " +
                      arguments(reg.nparams) + " " + param_list(reg) +
                      ": send " + expected_shape(reg) + ", not " +
                      (payload.is_null() ? std::string("null")
                                         : with_article(json_kind(payload))));
}

void check_object_fields(const json &obj, const task_registration &reg) {
  const std::string task = task_name(reg);
  if (!has_names(reg))
    throw payload_error("task '" + task +
                        "' has no parameter names: send its arguments as a "
                        "JSON array");
  for (std::uint32_t i = 0; i < reg.nparams; ++i)
    if (!obj.contains(reg.params[i]))
      throw payload_error("task '" + task + "': the payload object has no " +
                          param_label(reg, i) + "; expected " +
                          expected_shape(reg));
  for (const auto &item : obj.items()) {
    bool known = false;
    for (std::uint32_t i = 0; i < reg.nparams && !known; ++i)
      known = item.key() == reg.params[i];
    if (!known)
      throw payload_error("task '" + task + "': unknown field '" + item.key() +
                          "' in the payload object; the parameters are " +
                          param_list(reg));
  }
}

std::string param_label(const task_registration &reg, std::size_t index) {
  std::string pos =
      std::to_string(index + 1) + " of " + std::to_string(reg.nparams);
  if (reg.params && index < reg.nparams && reg.params[index] &&
      *reg.params[index])
    return "parameter '" + std::string(reg.params[index]) + "' (" + pos + ")";
  return "parameter " + pos;
}

// --- base64 (RFC 4648, standard alphabet, padded)
// -------------------------------

static const char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(const std::uint8_t *data, std::size_t size) {
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    std::uint32_t v = std::uint32_t(data[i]) << 16 |
                      std::uint32_t(data[i + 1]) << 8 | data[i + 2];
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (size - i == 1) {
    std::uint32_t v = std::uint32_t(data[i]) << 16;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.append("==");
  } else if (size - i == 2) {
    std::uint32_t v = std::uint32_t(data[i]) << 16 | std::uint32_t(data[i + 1])
                                                         << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

static int base64_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+' || c == '-') // '-' and '_': the URL-safe alphabet
    return 62;
  if (c == '/' || c == '_')
    return 63;
  return -1;
}

std::vector<std::uint8_t> base64_decode(std::string_view text,
                                        const char *what) {
  auto fail = [&](const std::string &why) -> std::vector<std::uint8_t> {
    throw payload_error(std::string(what) + ": invalid base64 (" + why + ")");
  };
  // Padding is optional; once it starts only padding may follow.
  std::size_t len = text.size();
  std::size_t pad = 0;
  while (len > 0 && text[len - 1] == '=' && pad < 2) {
    --len;
    ++pad;
  }
  if (pad > 0 && (len + pad) % 4 != 0)
    return fail("wrong padding");
  if (len % 4 == 1)
    return fail("length " + std::to_string(text.size()) +
                " is not a valid base64 length");
  std::vector<std::uint8_t> out;
  out.reserve(len / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < len; ++i) {
    int v = base64_value(text[i]);
    if (v < 0)
      return fail("unexpected character at offset " + std::to_string(i));
    acc = (acc << 6) | std::uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(std::uint8_t(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  return out;
}

} // namespace fusionize::detail
