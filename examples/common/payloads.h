//===- payloads.h - Payload files for the example drivers ----------------===//
//
// A payload file is JSON Lines: one invocation payload per line, exactly as
// the platform's load driver sends it to the entry function, i.e. the task's
// arguments as a JSON array (positional) or as an object keyed by parameter
// name. Blank lines and lines starting with '#' are skipped.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_EXAMPLES_PAYLOADS_H
#define FUSIONIZE_EXAMPLES_PAYLOADS_H

#include <nlohmann/json.hpp>

#include <cstddef>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace examples {

/// All payloads in the JSON Lines file at `path`.
inline std::vector<nlohmann::json> readPayloads(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error("cannot read payload file " + path);
  std::vector<nlohmann::json> payloads;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#')
      continue;
    try {
      payloads.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception &error) {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": " +
                               error.what());
    }
  }
  return payloads;
}

/// Argument `position` (named `name`) of a payload, converted to T.
template <class T>
T argument(const nlohmann::json &payload, std::size_t position,
           const char *name) {
  if (payload.is_array())
    return payload.at(position).get<T>();
  return payload.at(name).get<T>();
}

} // namespace examples

#endif // FUSIONIZE_EXAMPLES_PAYLOADS_H
