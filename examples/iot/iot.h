//===- iot.h - The IoT traffic-monitoring application of Fusionize --------===//
//
// Ten tasks that analyze a reading of a roadside sensor station (the IoT
// application of Schirmer et al., "Fusionize", IC2E 2022). The entry task is
// AnalyzeSensor; see README.md for the call graph.
//
//   AnalyzeSensor ──sync──► CheckSensor, StoreEvent
//                 ──async─► CheckTemperature ──async─► ActionSignage
//                 ──async─► CheckSound ──sync──► CheckSoundLoud
//                                      ──sync──► CheckSoundAccident
//                 ──async─► CheckAir ──sync──► DetectJam
//                                    ──async─► ActionSignage
//
// State lives in the SQLite file $FUSIONIZE_IOT_DB (default
// $TMPDIR/fusionize-iot.sqlite), where the original writes to DynamoDB.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_EXAMPLES_IOT_H
#define FUSIONIZE_EXAMPLES_IOT_H

#include <fusionize/fusionize.h>

#include <cstdint>
#include <string>
#include <vector>

namespace iot {

/// One reading of a sensor station: the payload of AnalyzeSensor.
struct SensorReading {
  std::int64_t request_id = 0;    // unique per request; the database key
  int sensor_id = 0;              // also the id of the road sign next to it
  double temperature = 0;         // degrees Celsius
  double sound = 0;               // dB
  double air_quality = 0;         // air quality index (higher is worse)
  std::int64_t sieve = 4'000'000; // size of the CPU work of each check
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SensorReading, request_id,
                                                sensor_id, temperature, sound,
                                                air_quality, sieve)

/// What CheckSensor concludes about the station.
struct SensorCheck {
  bool valid = false;
  std::string reason;
  std::int64_t primes = 0; // result of the CPU work, for checking
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SensorCheck, valid, reason,
                                                primes)

/// The response of AnalyzeSensor. The asynchronous checks it starts report
/// through the database, not here.
struct AnalysisSummary {
  std::int64_t request_id = 0;
  int sensor_id = 0;
  SensorCheck check;
  bool stored = false;                 // StoreEvent wrote a new row
  std::vector<std::string> dispatched; // asynchronous checks started
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AnalysisSummary, request_id,
                                                sensor_id, check, stored,
                                                dispatched)

/// The verdict of one sound check (loudness or accident).
struct SoundVerdict {
  bool flagged = false;
  std::string message;
  std::int64_t primes = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SoundVerdict, flagged, message,
                                                primes)

/// What DetectJam saw on the cameras near the station.
struct JamReport {
  bool jam = false;
  std::string message;
  std::int64_t primes = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(JamReport, jam, message, primes)

/// A message for the road signs from `location` to `location + chain`.
struct SignageAction {
  std::int64_t request_id = 0;
  std::string source; // the task that asked for it
  int location = 0;
  int chain = 0;
  std::string message;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SignageAction, request_id,
                                                source, location, chain,
                                                message)

// The tasks; the papers' short names in parentheses.

/// (I) The entry: checks and stores the reading, then starts the three
/// asynchronous checks.
[[fusionize::task]] AnalysisSummary AnalyzeSensor(const SensorReading &reading);
/// (CW) Is the station plausible?
[[fusionize::task]] SensorCheck CheckSensor(const SensorReading &reading);
/// (SE) Stores the reading.
[[fusionize::task]] bool StoreEvent(const SensorReading &reading);
/// (CT) Warns of ice or heat on the signs next to the station.
[[fusionize::task]] void CheckTemperature(const SensorReading &reading);
/// (CS) Runs both sound checks.
[[fusionize::task]] void CheckSound(const SensorReading &reading);
/// (CSL) Is the traffic too loud?
[[fusionize::task]] SoundVerdict CheckSoundLoud(const SensorReading &reading);
/// (CSA) Was there a bang, an accident?
[[fusionize::task]] SoundVerdict
CheckSoundAccident(const SensorReading &reading);
/// (CA) Checks for a jam and tells the signs.
[[fusionize::task]] void CheckAir(const SensorReading &reading);
/// (DJ) Is the traffic standing?
[[fusionize::task]] JamReport DetectJam(const SensorReading &reading);
/// (AS) Shows a message on a chain of road signs.
[[fusionize::task]] void ActionSignage(const SignageAction &action);

} // namespace iot

#endif // FUSIONIZE_EXAMPLES_IOT_H
