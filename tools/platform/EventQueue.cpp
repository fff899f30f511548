//===- platform/EventQueue.cpp - Durable queue of Event invocations -------===//
#include "platform/EventQueue.h"

#include <sqlite3.h>

namespace fusionize::platform {

namespace {
/// Resets a statement when the scope ends, whatever happens.
struct StmtScope {
  sqlite3_stmt *S;
  ~StmtScope() {
    sqlite3_reset(S);
    sqlite3_clear_bindings(S);
  }
};

void bindText(sqlite3_stmt *S, int I, const std::string &V) {
  sqlite3_bind_text(S, I, V.data(), static_cast<int>(V.size()),
                    SQLITE_TRANSIENT);
}

std::string columnText(sqlite3_stmt *S, int I) {
  const unsigned char *T = sqlite3_column_text(S, I);
  int N = sqlite3_column_bytes(S, I);
  return T ? std::string(reinterpret_cast<const char *>(T),
                         static_cast<size_t>(N))
           : std::string();
}

std::string columnBlob(sqlite3_stmt *S, int I) {
  const void *B = sqlite3_column_blob(S, I);
  int N = sqlite3_column_bytes(S, I);
  return B ? std::string(static_cast<const char *>(B), static_cast<size_t>(N))
           : std::string();
}
} // namespace

static const char *const Schema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('format', 'fusionize-events/1');
CREATE TABLE IF NOT EXISTS events(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  function TEXT NOT NULL,
  request_id TEXT NOT NULL,
  payload BLOB NOT NULL,
  trace_id TEXT NOT NULL DEFAULT '',
  parent_span TEXT NOT NULL DEFAULT '',
  sampled INTEGER NOT NULL DEFAULT 1,
  root INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  enqueued_ms INTEGER NOT NULL,
  due_ms INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued',
  last_error TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS events_due ON events(state, function, due_ms);
CREATE TABLE IF NOT EXISTS failed_events(
  id INTEGER PRIMARY KEY,
  function TEXT NOT NULL,
  request_id TEXT NOT NULL,
  payload BLOB NOT NULL,
  attempts INTEGER NOT NULL,
  enqueued_ms INTEGER NOT NULL,
  failed_ms INTEGER NOT NULL,
  error TEXT NOT NULL);
)sql";

static const char *const EventColumns =
    "id, function, request_id, payload, trace_id, parent_span, sampled, root, "
    "attempts, enqueued_ms, due_ms, last_error";

static QueuedEvent readEvent(sqlite3_stmt *S) {
  QueuedEvent E;
  E.Id = sqlite3_column_int64(S, 0);
  E.Function = columnText(S, 1);
  E.RequestId = columnText(S, 2);
  E.Payload = columnBlob(S, 3);
  E.TraceId = columnText(S, 4);
  E.ParentSpan = columnText(S, 5);
  E.Sampled = sqlite3_column_int(S, 6) != 0;
  E.Root = sqlite3_column_int(S, 7) != 0;
  E.Attempts = static_cast<unsigned>(sqlite3_column_int(S, 8));
  E.EnqueuedMs = sqlite3_column_int64(S, 9);
  E.DueMs = sqlite3_column_int64(S, 10);
  E.LastError = columnText(S, 11);
  return E;
}

std::unique_ptr<EventQueue> EventQueue::open(const std::string &Path) {
  sqlite3 *Db = nullptr;
  int Rc = sqlite3_open_v2(Path.c_str(), &Db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                               SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (Rc != SQLITE_OK) {
    std::string Msg = Db ? sqlite3_errmsg(Db) : sqlite3_errstr(Rc);
    sqlite3_close(Db);
    throw QueueError("cannot open event queue " + Path + ": " + Msg);
  }
  std::unique_ptr<EventQueue> Q(new EventQueue(Db));
  sqlite3_busy_timeout(Db, 5000);
  // WAL with synchronous=NORMAL: a committed event survives a crash of the
  // platform (not necessarily a power loss), and a commit costs no fsync.
  Q->exec("PRAGMA journal_mode=WAL");
  Q->exec("PRAGMA synchronous=NORMAL");
  try {
    Q->exec(Schema);
  } catch (const QueueError &E) {
    throw QueueError(Path + ": " + E.what());
  }
  Q->Insert =
      Q->prepare("INSERT INTO events(function, request_id, payload, trace_id, "
                 "parent_span, sampled, root, attempts, enqueued_ms, due_ms) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  Q->SelectDue = Q->prepare(
      (std::string("SELECT ") + EventColumns +
       " FROM events WHERE state = 'queued' AND function = ?1 AND due_ms <= "
       "?2 ORDER BY due_ms, id LIMIT ?3")
          .c_str());
  Q->MarkInflight =
      Q->prepare("UPDATE events SET state = 'inflight' WHERE id = ?1");
  Q->Delete = Q->prepare("DELETE FROM events WHERE id = ?1");
  Q->Retry = Q->prepare("UPDATE events SET state = 'queued', attempts = ?2, "
                        "due_ms = ?3, last_error = ?4 WHERE id = ?1");
  Q->CopyFailed = Q->prepare(
      "INSERT OR REPLACE INTO failed_events(id, function, request_id, "
      "payload, attempts, enqueued_ms, failed_ms, error) SELECT id, "
      "function, request_id, payload, ?2, enqueued_ms, ?3, ?4 FROM events "
      "WHERE id = ?1");
  Q->Release = Q->prepare("UPDATE events SET state = 'queued' WHERE id = ?1");
  Q->NextDue = Q->prepare("SELECT MIN(due_ms) FROM events WHERE state = "
                          "'queued' AND function = ?1");
  Q->Count = Q->prepare("SELECT COUNT(*) FROM events");
  Q->CountInflight =
      Q->prepare("SELECT COUNT(*) FROM events WHERE state = 'inflight'");
  return Q;
}

EventQueue::EventQueue(sqlite3 *Db) : Db(Db) {}

EventQueue::~EventQueue() {
  for (sqlite3_stmt *S : Statements)
    sqlite3_finalize(S);
  sqlite3_close(Db);
}

void EventQueue::raise(const std::string &What) {
  throw QueueError("event queue: " + What + ": " + sqlite3_errmsg(Db));
}

sqlite3_stmt *EventQueue::prepare(const char *Sql) {
  sqlite3_stmt *S = nullptr;
  if (sqlite3_prepare_v2(Db, Sql, -1, &S, nullptr) != SQLITE_OK)
    raise("prepare");
  Statements.push_back(S);
  return S;
}

void EventQueue::exec(const char *Sql) {
  char *Err = nullptr;
  if (sqlite3_exec(Db, Sql, nullptr, nullptr, &Err) != SQLITE_OK) {
    std::string Msg = Err ? Err : "unknown error";
    sqlite3_free(Err);
    throw QueueError(Msg);
  }
}

size_t EventQueue::resetInflight() {
  exec("UPDATE events SET state = 'queued' WHERE state = 'inflight'");
  return static_cast<size_t>(sqlite3_changes(Db));
}

std::int64_t EventQueue::enqueue(const QueuedEvent &E) {
  StmtScope Scope{Insert};
  bindText(Insert, 1, E.Function);
  bindText(Insert, 2, E.RequestId);
  sqlite3_bind_blob(Insert, 3, E.Payload.data(),
                    static_cast<int>(E.Payload.size()), SQLITE_TRANSIENT);
  bindText(Insert, 4, E.TraceId);
  bindText(Insert, 5, E.ParentSpan);
  sqlite3_bind_int(Insert, 6, E.Sampled);
  sqlite3_bind_int(Insert, 7, E.Root);
  sqlite3_bind_int(Insert, 8, static_cast<int>(E.Attempts));
  sqlite3_bind_int64(Insert, 9, E.EnqueuedMs);
  sqlite3_bind_int64(Insert, 10, E.DueMs);
  if (sqlite3_step(Insert) != SQLITE_DONE)
    raise("insert");
  return sqlite3_last_insert_rowid(Db);
}

std::vector<QueuedEvent> EventQueue::takeDue(const std::string &Function,
                                             std::int64_t NowMs, size_t Max) {
  std::vector<QueuedEvent> Out;
  if (Max == 0)
    return Out;
  {
    StmtScope Scope{SelectDue};
    bindText(SelectDue, 1, Function);
    sqlite3_bind_int64(SelectDue, 2, NowMs);
    sqlite3_bind_int64(SelectDue, 3, static_cast<sqlite3_int64>(Max));
    int Rc;
    while ((Rc = sqlite3_step(SelectDue)) == SQLITE_ROW)
      Out.push_back(readEvent(SelectDue));
    if (Rc != SQLITE_DONE)
      raise("select");
  }
  if (Out.empty())
    return Out;
  exec("BEGIN IMMEDIATE");
  for (const QueuedEvent &E : Out) {
    StmtScope Scope{MarkInflight};
    sqlite3_bind_int64(MarkInflight, 1, E.Id);
    if (sqlite3_step(MarkInflight) != SQLITE_DONE) {
      exec("ROLLBACK");
      raise("update");
    }
  }
  exec("COMMIT");
  return Out;
}

void EventQueue::complete(std::int64_t Id) {
  StmtScope Scope{Delete};
  sqlite3_bind_int64(Delete, 1, Id);
  if (sqlite3_step(Delete) != SQLITE_DONE)
    raise("delete");
}

void EventQueue::retry(std::int64_t Id, unsigned Attempts, std::int64_t DueMs,
                       const std::string &Error) {
  StmtScope Scope{Retry};
  sqlite3_bind_int64(Retry, 1, Id);
  sqlite3_bind_int(Retry, 2, static_cast<int>(Attempts));
  sqlite3_bind_int64(Retry, 3, DueMs);
  bindText(Retry, 4, Error);
  if (sqlite3_step(Retry) != SQLITE_DONE)
    raise("retry");
}

void EventQueue::fail(std::int64_t Id, unsigned Attempts, std::int64_t NowMs,
                      const std::string &Error) {
  exec("BEGIN IMMEDIATE");
  {
    StmtScope Scope{CopyFailed};
    sqlite3_bind_int64(CopyFailed, 1, Id);
    sqlite3_bind_int(CopyFailed, 2, static_cast<int>(Attempts));
    sqlite3_bind_int64(CopyFailed, 3, NowMs);
    bindText(CopyFailed, 4, Error);
    if (sqlite3_step(CopyFailed) != SQLITE_DONE) {
      exec("ROLLBACK");
      raise("dead-letter");
    }
  }
  {
    StmtScope Scope{Delete};
    sqlite3_bind_int64(Delete, 1, Id);
    if (sqlite3_step(Delete) != SQLITE_DONE) {
      exec("ROLLBACK");
      raise("delete");
    }
  }
  exec("COMMIT");
}

void EventQueue::release(std::int64_t Id) {
  StmtScope Scope{Release};
  sqlite3_bind_int64(Release, 1, Id);
  if (sqlite3_step(Release) != SQLITE_DONE)
    raise("release");
}

std::optional<std::int64_t> EventQueue::nextDue(const std::string &Function) {
  StmtScope Scope{NextDue};
  bindText(NextDue, 1, Function);
  if (sqlite3_step(NextDue) != SQLITE_ROW)
    raise("select");
  if (sqlite3_column_type(NextDue, 0) == SQLITE_NULL)
    return std::nullopt;
  return sqlite3_column_int64(NextDue, 0);
}

size_t EventQueue::countQueued() {
  StmtScope Scope{Count};
  if (sqlite3_step(Count) != SQLITE_ROW)
    raise("count");
  return static_cast<size_t>(sqlite3_column_int64(Count, 0));
}

size_t EventQueue::countInflight() {
  StmtScope Scope{CountInflight};
  if (sqlite3_step(CountInflight) != SQLITE_ROW)
    raise("count");
  return static_cast<size_t>(sqlite3_column_int64(CountInflight, 0));
}

std::vector<FailedEvent> EventQueue::failedEvents() {
  sqlite3_stmt *S = nullptr;
  if (sqlite3_prepare_v2(Db,
                         "SELECT id, function, request_id, payload, attempts, "
                         "enqueued_ms, failed_ms, error FROM failed_events "
                         "ORDER BY failed_ms, id",
                         -1, &S, nullptr) != SQLITE_OK)
    raise("prepare");
  std::vector<FailedEvent> Out;
  while (sqlite3_step(S) == SQLITE_ROW) {
    FailedEvent F;
    F.Id = sqlite3_column_int64(S, 0);
    F.Function = columnText(S, 1);
    F.RequestId = columnText(S, 2);
    F.Payload = columnBlob(S, 3);
    F.Attempts = static_cast<unsigned>(sqlite3_column_int(S, 4));
    F.EnqueuedMs = sqlite3_column_int64(S, 5);
    F.FailedMs = sqlite3_column_int64(S, 6);
    F.Error = columnText(S, 7);
    Out.push_back(std::move(F));
  }
  sqlite3_finalize(S);
  return Out;
}

std::vector<QueuedEvent> EventQueue::all() {
  sqlite3_stmt *S = nullptr;
  std::string Sql =
      std::string("SELECT ") + EventColumns + " FROM events ORDER BY id";
  if (sqlite3_prepare_v2(Db, Sql.c_str(), -1, &S, nullptr) != SQLITE_OK)
    raise("prepare");
  std::vector<QueuedEvent> Out;
  while (sqlite3_step(S) == SQLITE_ROW)
    Out.push_back(readEvent(S));
  sqlite3_finalize(S);
  return Out;
}

} // namespace fusionize::platform
