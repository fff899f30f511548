//===- main.cpp - Runs the IoT application as an ordinary program ---------===//
//
//   iot_plain [PAYLOADS.jsonl]   run readings through AnalyzeSensor
//   iot_plain --report           only print the database
//
// Sends each reading (the built-in ones, or one payload per line of the
// file) to AnalyzeSensor, prints each response as a line of JSON, then every
// row of the database. Every call is a plain C++ call here; the output is
// what every fusion plan of the application must reproduce. Set
// FUSIONIZE_IOT_DB to choose the database file; start from a fresh file to
// compare runs.
//
//===----------------------------------------------------------------------===//
#include "iot.h"
#include "payloads.h"
#include "store.h"

#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {

/// Readings that take every branch of the application: freezing, heat, loud,
/// a bang, a jam, and a station that reports nonsense.
std::vector<iot::SensorReading> builtinReadings() {
  const std::int64_t sieve = 100'000;
  return {
      {1, 17, -3.5, 62.0, 40.0, sieve},
      {2, 23, 21.25, 85.5, 120.0, sieve},
      {3, 42, 34.0, 118.0, 180.0, sieve},
      {4, 8, 12.0, 55.0, 75.5, sieve},
      {5, 99, 80.0, 60.0, 30.0, sieve},
  };
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 1 && args[0] == "--report") {
      iot::printDatabase(std::cout);
      return 0;
    }
    if (args.size() > 1 || (args.size() == 1 && args[0].rfind("-", 0) == 0)) {
      std::cerr << "usage: iot_plain [PAYLOADS.jsonl] | --report\n";
      return 2;
    }

    std::vector<iot::SensorReading> readings;
    if (args.empty()) {
      readings = builtinReadings();
    } else {
      for (const nlohmann::json &payload : examples::readPayloads(args[0]))
        readings.push_back(
            examples::argument<iot::SensorReading>(payload, 0, "reading"));
    }

    for (const iot::SensorReading &reading : readings) {
      iot::AnalysisSummary summary = iot::AnalyzeSensor(reading);
      std::cout << "AnalyzeSensor " << nlohmann::json(summary).dump() << "\n";
    }
    iot::printDatabase(std::cout);
  } catch (const std::exception &error) {
    std::cerr << "iot_plain: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
