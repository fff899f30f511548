//===- store.cpp - The IoT application's database -------------------------===//
#include "store.h"

#include "sqlite_db.h"
#include "work.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace iot {
namespace {

const char *const Schema = R"sql(
CREATE TABLE IF NOT EXISTS sensor_data (
  request_id  INTEGER PRIMARY KEY,
  sensor_id   INTEGER NOT NULL,
  temperature REAL NOT NULL,
  sound       REAL NOT NULL,
  air_quality REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS use_case (
  request_id INTEGER NOT NULL,
  source     TEXT NOT NULL,
  sensor_id  INTEGER NOT NULL,
  flagged    INTEGER NOT NULL,
  message    TEXT NOT NULL,
  primes     INTEGER NOT NULL,
  PRIMARY KEY (request_id, source)
);
CREATE TABLE IF NOT EXISTS signage (
  request_id INTEGER NOT NULL,
  source     TEXT NOT NULL,
  sign_id    INTEGER NOT NULL,
  message    TEXT NOT NULL,
  PRIMARY KEY (request_id, source, sign_id)
);
)sql";

examples::Database openDatabase() {
  return examples::Database(databasePath(), Schema);
}

std::string fixed2(double value) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << value;
  return out.str();
}

} // namespace

std::string databasePath() {
  return examples::databasePath("FUSIONIZE_IOT_DB", "fusionize-iot.sqlite");
}

bool storeReading(const SensorReading &reading) {
  examples::Database db = openDatabase();
  int inserted =
      db.execute("INSERT OR IGNORE INTO sensor_data VALUES (?, ?, ?, ?, ?)",
                 {reading.request_id, std::int64_t{reading.sensor_id},
                  reading.temperature, reading.sound, reading.air_quality});
  return inserted == 1;
}

void storeUseCase(const SensorReading &reading, const std::string &source,
                  const SoundVerdict &verdict) {
  examples::Database db = openDatabase();
  db.execute("INSERT OR REPLACE INTO use_case VALUES (?, ?, ?, ?, ?, ?)",
             {reading.request_id, source, std::int64_t{reading.sensor_id},
              std::int64_t{verdict.flagged}, verdict.message, verdict.primes});
}

int storeSignage(const SignageAction &action) {
  int first = std::min(action.location, action.location + action.chain);
  int last = std::max(action.location, action.location + action.chain);
  examples::Database db = openDatabase();
  db.transaction([&] {
    for (int sign = first; sign <= last; ++sign)
      db.execute("INSERT OR REPLACE INTO signage VALUES (?, ?, ?, ?)",
                 {action.request_id, action.source, std::int64_t{sign},
                  action.message});
  });
  return last - first + 1;
}

void printDatabase(std::ostream &out) {
  using examples::asInt;
  using examples::asReal;
  using examples::asText;
  examples::Database db = openDatabase();
  for (const examples::Row &row :
       db.query("SELECT request_id, sensor_id, temperature, sound, air_quality "
                "FROM sensor_data ORDER BY request_id"))
    out << "sensor_data request=" << asInt(row[0])
        << " sensor=" << asInt(row[1])
        << " temperature=" << fixed2(asReal(row[2]))
        << " sound=" << fixed2(asReal(row[3]))
        << " air_quality=" << fixed2(asReal(row[4])) << "\n";
  for (const examples::Row &row : db.query(
           "SELECT request_id, source, sensor_id, flagged, primes, message "
           "FROM use_case ORDER BY request_id, source"))
    out << "use_case request=" << asInt(row[0]) << " source=" << asText(row[1])
        << " sensor=" << asInt(row[2]) << " flagged=" << asInt(row[3])
        << " primes=" << asInt(row[4]) << " message=\"" << asText(row[5])
        << "\"\n";
  for (const examples::Row &row :
       db.query("SELECT request_id, source, sign_id, message "
                "FROM signage ORDER BY request_id, source, sign_id"))
    out << "signage request=" << asInt(row[0]) << " source=" << asText(row[1])
        << " sign=" << asInt(row[2]) << " message=\"" << asText(row[3])
        << "\"\n";
}

} // namespace iot
