//===- store.h - The IoT application's database ---------------------------===//
//
// Three tables in one SQLite file, shared by every instance of every fusion
// group (the original application writes to DynamoDB tables):
//
//   sensor_data  one row per reading            (written by StoreEvent)
//   use_case     one row per sound check        (CheckSoundLoud,
//   CheckSoundAccident) signage      one row per road sign message
//   (ActionSignage)
//
// Every write is keyed by the request, so repeating an invocation (the
// platform retries failed asynchronous events) changes nothing.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_EXAMPLES_IOT_STORE_H
#define FUSIONIZE_EXAMPLES_IOT_STORE_H

#include "iot.h"

#include <ostream>
#include <string>

namespace iot {

/// $FUSIONIZE_IOT_DB, or fusionize-iot.sqlite in $TMPDIR (or /tmp).
std::string databasePath();

/// Stores a reading; false if a reading with its request id was stored
/// before.
bool storeReading(const SensorReading &reading);

/// Records the verdict of a sound check made by task `source`.
void storeUseCase(const SensorReading &reading, const std::string &source,
                  const SoundVerdict &verdict);

/// Shows the action's message on every sign from `location` to
/// `location + chain` (either direction); returns the number of signs.
int storeSignage(const SignageAction &action);

/// Writes every row of every table, sorted, one line per row, so that two
/// runs of the application can be compared line for line.
void printDatabase(std::ostream &out);

} // namespace iot

#endif // FUSIONIZE_EXAMPLES_IOT_STORE_H
