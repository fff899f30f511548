//===- sqlite_db.h - A small RAII wrapper around SQLite for the examples --===//
//
//   examples::Database db(path, schemaSql);
//   db.execute("INSERT OR REPLACE INTO t VALUES (?, ?)",
//              {std::int64_t{1}, std::string("x")});
//   for (const examples::Row &row : db.query("SELECT a, b FROM t"))
//     ...
//
// The example applications keep their state in one SQLite file that several
// processes (the instances of different fusion groups) write concurrently, as
// the papers' applications share one DynamoDB table. Every connection runs in
// WAL mode with a busy handler, so concurrent writers wait for each other
// instead of failing: SQLite's own schedule (sleeps of 1, 2, 5, 10, 15, 20,
// 25, 25, 25, 50, 50, then 100 ms, for up to 30 s), each sleep reported to
// the tracer as a wait for the shared lock (fusionize/lock.h), and every
// write holds that lock for the tracer while it runs, so that the planner
// can simulate the database's write lock in other plans. A task opens its
// own connection for each call, like a request to a database service;
// connections are never shared across threads.
//
// Header-only so that every fusion group links it without extra targets.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_EXAMPLES_SQLITE_DB_H
#define FUSIONIZE_EXAMPLES_SQLITE_DB_H

#include <fusionize/lock.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace examples {

/// A value bound to or read from a statement: NULL, integer, real or text.
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;
using Row = std::vector<Value>;

class DatabaseError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class Database {
public:
  /// Opens (creating if needed) the database at `path` and runs `schemaSql`,
  /// which should only contain idempotent statements (CREATE ... IF NOT
  /// EXISTS).
  Database(const std::string &path, const std::string &schemaSql) {
    int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &handle_, flags, nullptr) != SQLITE_OK) {
      std::string message = handle_ ? sqlite3_errmsg(handle_) : "out of memory";
      sqlite3_close(handle_);
      handle_ = nullptr;
      throw DatabaseError("cannot open database " + path + ": " + message);
    }
    // Other processes may hold the write lock for a while under load.
    sqlite3_busy_handler(handle_, &Database::busyWait, nullptr);
    // Switching a new database to WAL and creating its tables take locks
    // that SQLite may refuse at once, without its busy handler, while
    // other processes open the same file: retry those for a while.
    executeWhileBusy("PRAGMA journal_mode=WAL");
    execute("PRAGMA synchronous=NORMAL");
    executeWhileBusy(schemaSql);
  }

  ~Database() { sqlite3_close(handle_); }
  Database(const Database &) = delete;
  Database &operator=(const Database &) = delete;

  /// Runs one or more statements without parameters.
  void execute(const std::string &sql) {
    char *error = nullptr;
    if (sqlite3_exec(handle_, sql.c_str(), nullptr, nullptr, &error) !=
        SQLITE_OK) {
      std::string message = error ? error : sqlite3_errmsg(handle_);
      sqlite3_free(error);
      throw DatabaseError(message + " in: " + sql);
    }
  }

  /// execute(), retried for up to 30 s while the database is busy.
  void executeWhileBusy(const std::string &sql) {
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (int attempt = 0;; ++attempt) {
      char *error = nullptr;
      int rc = sqlite3_exec(handle_, sql.c_str(), nullptr, nullptr, &error);
      if (rc == SQLITE_OK)
        return;
      std::string message = error ? error : sqlite3_errmsg(handle_);
      sqlite3_free(error);
      if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) ||
          std::chrono::steady_clock::now() >= deadline)
        throw DatabaseError(message + " in: " + sql);
      sleepForTheLock(std::min(1 << std::min(attempt, 6), 50));
    }
  }

  /// Runs one statement with positional parameters (`?`), a write: it holds
  /// the database's write lock; returns the number of rows it changed.
  int execute(const std::string &sql, std::initializer_list<Value> params) {
    fusionize::lock_hold hold;
    Statement statement(handle_, sql, params);
    while (statement.step()) {
    }
    return sqlite3_changes(handle_);
  }

  /// Runs one query with positional parameters and returns all its rows.
  std::vector<Row> query(const std::string &sql,
                         std::initializer_list<Value> params = {}) {
    Statement statement(handle_, sql, params);
    std::vector<Row> rows;
    while (statement.step())
      rows.push_back(statement.row());
    return rows;
  }

  /// Runs `body` inside one write transaction (BEGIN IMMEDIATE takes the
  /// write lock up front, so a read-modify-write cannot lose an update made
  /// by another process in between). Rolls back if `body` throws.
  template <class Body> auto transaction(Body &&body) {
    fusionize::lock_hold hold;
    execute("BEGIN IMMEDIATE");
    try {
      if constexpr (std::is_void_v<decltype(body())>) {
        body();
        execute("COMMIT");
      } else {
        auto result = body();
        execute("COMMIT");
        return result;
      }
    } catch (...) {
      sqlite3_exec(handle_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

private:
  /// SQLite's default busy handler's schedule (sqliteDefaultBusyCallback),
  /// each sleep a wait for the shared lock; gives up after 30 s.
  static int busyWait(void *, int count) {
    static constexpr int delays[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50};
    static constexpr int totals[] = {0, 1, 3, 8, 18, 33, 53, 78, 103, 128, 178};
    constexpr int n = sizeof delays / sizeof delays[0];
    int delay = count < n ? delays[count] : 100;
    int prior = count < n ? totals[count] : 228 + 100 * (count - n);
    if (prior >= 30000)
      return 0;
    sleepForTheLock(std::min(delay, 30000 - prior));
    return 1;
  }

  /// Sleeps `ms` waiting for another connection's lock, and says so.
  static void sleepForTheLock(int ms) {
    auto start = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    fusionize::record_lock_wait(std::chrono::steady_clock::now() - start);
  }

  class Statement {
  public:
    Statement(sqlite3 *db, const std::string &sql,
              std::initializer_list<Value> params)
        : db_(db) {
      if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt_, nullptr) !=
          SQLITE_OK)
        throw DatabaseError(std::string(sqlite3_errmsg(db_)) + " in: " + sql);
      int index = 1;
      for (const Value &v : params)
        bind(index++, v);
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    /// Advances to the next row; false when done.
    bool step() {
      int rc = sqlite3_step(stmt_);
      if (rc == SQLITE_ROW)
        return true;
      if (rc == SQLITE_DONE)
        return false;
      throw DatabaseError(sqlite3_errmsg(db_));
    }

    Row row() const {
      Row row;
      int columns = sqlite3_column_count(stmt_);
      for (int i = 0; i < columns; ++i) {
        switch (sqlite3_column_type(stmt_, i)) {
        case SQLITE_INTEGER:
          row.emplace_back(
              static_cast<std::int64_t>(sqlite3_column_int64(stmt_, i)));
          break;
        case SQLITE_FLOAT:
          row.emplace_back(sqlite3_column_double(stmt_, i));
          break;
        case SQLITE_NULL:
          row.emplace_back(std::monostate{});
          break;
        default:
          row.emplace_back(std::string(
              reinterpret_cast<const char *>(sqlite3_column_text(stmt_, i)),
              static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))));
        }
      }
      return row;
    }

  private:
    void bind(int index, const Value &value) {
      int rc = SQLITE_OK;
      if (auto *i = std::get_if<std::int64_t>(&value))
        rc = sqlite3_bind_int64(stmt_, index, *i);
      else if (auto *d = std::get_if<double>(&value))
        rc = sqlite3_bind_double(stmt_, index, *d);
      else if (auto *text = std::get_if<std::string>(&value))
        rc =
            sqlite3_bind_text(stmt_, index, text->c_str(),
                              static_cast<int>(text->size()), SQLITE_TRANSIENT);
      else
        rc = sqlite3_bind_null(stmt_, index);
      if (rc != SQLITE_OK)
        throw DatabaseError(sqlite3_errmsg(db_));
    }

    sqlite3 *db_;
    sqlite3_stmt *stmt_ = nullptr;
  };

  sqlite3 *handle_ = nullptr;
};

/// The integer in a column (0 for NULL).
inline std::int64_t asInt(const Value &value) {
  if (auto *i = std::get_if<std::int64_t>(&value))
    return *i;
  if (auto *d = std::get_if<double>(&value))
    return static_cast<std::int64_t>(*d);
  return 0;
}

/// The real number in a column (0 for NULL).
inline double asReal(const Value &value) {
  if (auto *d = std::get_if<double>(&value))
    return *d;
  if (auto *i = std::get_if<std::int64_t>(&value))
    return static_cast<double>(*i);
  return 0;
}

/// The text in a column (empty for NULL).
inline std::string asText(const Value &value) {
  if (auto *text = std::get_if<std::string>(&value))
    return *text;
  if (auto *i = std::get_if<std::int64_t>(&value))
    return std::to_string(*i);
  return "";
}

} // namespace examples

#endif // FUSIONIZE_EXAMPLES_SQLITE_DB_H
