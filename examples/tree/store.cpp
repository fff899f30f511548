//===- store.cpp - Where the tree's asynchronous branch leaves its results ===//
#include "store.h"

#include "sqlite_db.h"
#include "work.h"

namespace tree {
namespace {

const char *const Schema = R"sql(
CREATE TABLE IF NOT EXISTS computed (
  request_id INTEGER NOT NULL,
  task       TEXT NOT NULL,
  primes     INTEGER NOT NULL,
  PRIMARY KEY (request_id, task)
);
)sql";

examples::Database openDatabase() {
  return examples::Database(databasePath(), Schema);
}

} // namespace

std::string databasePath() {
  return examples::databasePath("FUSIONIZE_TREE_DB", "fusionize-tree.sqlite");
}

void storeComputed(std::int64_t requestId, const std::string &task,
                   std::int64_t primes) {
  examples::Database db = openDatabase();
  db.execute("INSERT OR REPLACE INTO computed VALUES (?, ?, ?)",
             {requestId, task, primes});
}

void printDatabase(std::ostream &out) {
  examples::Database db = openDatabase();
  for (const examples::Row &row :
       db.query("SELECT request_id, task, primes FROM computed "
                "ORDER BY request_id, task"))
    out << "computed request=" << examples::asInt(row[0])
        << " task=" << examples::asText(row[1])
        << " primes=" << examples::asInt(row[2]) << "\n";
}

} // namespace tree
