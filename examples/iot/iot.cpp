//===- iot.cpp - The ten tasks of the IoT traffic-monitoring application --===//
//
// A port of the IoT application of Fusionize (IC2E 2022) to C++ tasks. Where
// the original computes, these tasks count primes with a sieve of
// reading.sieve numbers; where it writes to DynamoDB, they write to SQLite
// (store.h). Decisions that the original makes at random depend on the
// reading here, so every run of a payload gives the same results.
//
// Asynchronous calls keep their futures and wait for them before the task
// returns, as the original awaits Promise.all(calls): inside one group that
// waits for the callee to finish, across groups only until the platform has
// accepted the event.
//
//===----------------------------------------------------------------------===//
#include "iot.h"

#include "store.h"
#include "work.h"

namespace iot {

AnalysisSummary AnalyzeSensor(const SensorReading &reading) {
  AnalysisSummary summary;
  summary.request_id = reading.request_id;
  summary.sensor_id = reading.sensor_id;
  summary.check = CheckSensor(reading);
  summary.stored = StoreEvent(reading);

  auto temperature = fusionize::async(CheckTemperature, reading);
  auto sound = fusionize::async(CheckSound, reading);
  auto air = fusionize::async(CheckAir, reading);
  summary.dispatched = {"CheckTemperature", "CheckSound", "CheckAir"};

  temperature.wait();
  sound.wait();
  air.wait();
  return summary;
}

SensorCheck CheckSensor(const SensorReading &reading) {
  // Stands in for comparing the reading with those of nearby stations.
  SensorCheck check;
  check.primes = examples::countPrimes(reading.sieve);
  if (reading.temperature < -40 || reading.temperature > 60)
    check.reason = "temperature out of range";
  else if (reading.sound < 20 || reading.sound > 150)
    check.reason = "sound level out of range";
  else if (reading.air_quality < 0 || reading.air_quality > 500)
    check.reason = "air quality out of range";
  else
    check.reason = "ok";
  check.valid = check.reason == "ok";
  return check;
}

bool StoreEvent(const SensorReading &reading) { return storeReading(reading); }

void CheckTemperature(const SensorReading &reading) {
  examples::countPrimes(reading.sieve);
  std::string message = "Temperature normal";
  if (reading.temperature < 0)
    message = "Below freezing: drive carefully";
  else if (reading.temperature > 30)
    message = "Heat warning: remember to drink";

  SignageAction action{reading.request_id, "CheckTemperature",
                       reading.sensor_id, 1, message};
  fusionize::async(ActionSignage, action).wait();
}

void CheckSound(const SensorReading &reading) {
  // Both checks record their verdicts themselves.
  CheckSoundLoud(reading);
  CheckSoundAccident(reading);
}

SoundVerdict CheckSoundLoud(const SensorReading &reading) {
  SoundVerdict verdict;
  verdict.primes = examples::countPrimes(reading.sieve);
  verdict.flagged = reading.sound > 80;
  verdict.message = verdict.flagged ? "Too loud: reroute heavy traffic"
                                    : "Sound level normal";
  storeUseCase(reading, "CheckSoundLoud", verdict);
  return verdict;
}

SoundVerdict CheckSoundAccident(const SensorReading &reading) {
  // Stands in for checking the cameras after a loud bang.
  SoundVerdict verdict;
  verdict.primes = examples::countPrimes(reading.sieve);
  verdict.flagged = reading.sound > 110;
  verdict.message = verdict.flagged ? "Possible accident: bang detected"
                                    : "No accident detected";
  storeUseCase(reading, "CheckSoundAccident", verdict);
  return verdict;
}

void CheckAir(const SensorReading &reading) {
  JamReport jam = DetectJam(reading);
  SignageAction action{reading.request_id, "CheckAir", reading.sensor_id,
                       jam.jam ? 5 : 0, jam.message};
  fusionize::async(ActionSignage, action).wait();
}

JamReport DetectJam(const SensorReading &reading) {
  // Stands in for checking the cameras for slow cars; bad air near a road
  // means standing traffic.
  JamReport report;
  report.primes = examples::countPrimes(reading.sieve);
  report.jam = reading.air_quality > 150;
  report.message =
      report.jam ? "Traffic jam ahead: expect delays" : "Traffic flowing";
  return report;
}

void ActionSignage(const SignageAction &action) { storeSignage(action); }

} // namespace iot
