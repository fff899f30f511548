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

/// The readings of workloads/readings-smoke.jsonl (a test checks that both
/// give the same output). Together they take every branch of the
/// application: freezing and heat, loud traffic and a bang, a jam, and a
/// station that reports nonsense.
std::vector<iot::SensorReading> builtinReadings() {
  const std::int64_t sieve = 100'000;
  return {
      {1, 67, -16.78, 114.71, 14.53, sieve},
      {2, 14, 27.84, 73.18, 86.08, sieve},
      {3, 57, 2.93, 82.3, 67.58, sieve},
      {4, 42, 1.41, 65.28, 128.33, sieve},
      {5, 75, 15.51, 16.92, 9.68, sieve},
      {6, 34, 36.86, 75.74, 140.1, sieve},
      {7, 28, -4.21, 62.82, 161.16, sieve},
      {8, 40, 11.62, 32.41, 141.42, sieve},
      {9, 70, 26.12, 98.96, 51.8, sieve},
      {10, 81, 24.14, 22.53, 43.21, sieve},
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
