//===- platform/EventQueue.h - Durable queue of Event invocations ---------===//
//
// Event invocations (X-Amz-Invocation-Type: Event) are answered 202 only
// after they are committed to SQLite, and leave the queue only when they
// succeeded or failed for the last time (then they move to failed_events, a
// dead-letter table). A platform that crashes mid-delivery finds the event
// "inflight" at the next start and delivers it again: at least once.
//
//   auto Q = EventQueue::open(StateDir + "/events.db");
//   Q->enqueue(E);                       // durable when it returns
//   for (auto &E : Q->takeDue("fn", NowMs, 4)) ...   // marked inflight
//   Q->complete(Id) | Q->retry(Id, ...) | Q->fail(Id, ...)
//
// Times are wall-clock milliseconds since the epoch, so they survive restarts.
// Not thread-safe: the platform uses it from its event loop only.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLATFORM_EVENTQUEUE_H
#define FUSIONIZE_PLATFORM_EVENTQUEUE_H

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace fusionize::platform {

struct QueuedEvent {
  std::int64_t Id = 0;
  std::string Function;
  std::string RequestId;
  std::string Payload;
  std::string TraceId;    // the trace the event belongs to
  std::string ParentSpan; // the caller's span (empty for a root request)
  bool Sampled = true;
  bool Root = false;     // the request came from outside the application
  unsigned Attempts = 0; // attempts made so far
  std::int64_t EnqueuedMs = 0;
  std::int64_t DueMs = 0; // not delivered before
  std::string LastError;
};

struct FailedEvent {
  std::int64_t Id = 0;
  std::string Function;
  std::string RequestId;
  std::string Payload;
  unsigned Attempts = 0;
  std::int64_t EnqueuedMs = 0;
  std::int64_t FailedMs = 0;
  std::string Error;
};

class QueueError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class EventQueue {
public:
  /// Opens (creating if needed) the queue database. Throws QueueError.
  static std::unique_ptr<EventQueue> open(const std::string &Path);
  ~EventQueue();
  EventQueue(const EventQueue &) = delete;
  EventQueue &operator=(const EventQueue &) = delete;

  /// Events left "inflight" by a previous run go back to "queued"; returns
  /// how many. Call once at start.
  size_t resetInflight();

  /// Stores the event (committed when this returns); returns its id.
  std::int64_t enqueue(const QueuedEvent &E);
  /// Up to `Max` queued events of `Function` due at `NowMs`, oldest due
  /// first, marked inflight.
  std::vector<QueuedEvent> takeDue(const std::string &Function,
                                   std::int64_t NowMs, size_t Max);
  /// Delivered: removes the event.
  void complete(std::int64_t Id);
  /// Failed, to be tried again at `DueMs`.
  void retry(std::int64_t Id, unsigned Attempts, std::int64_t DueMs,
             const std::string &Error);
  /// Failed for the last time: moves the event to failed_events.
  void fail(std::int64_t Id, unsigned Attempts, std::int64_t NowMs,
            const std::string &Error);
  /// Puts an inflight event back without counting an attempt (shutdown).
  void release(std::int64_t Id);

  /// The earliest due time of a queued event of `Function`.
  std::optional<std::int64_t> nextDue(const std::string &Function);
  size_t countQueued(); // queued or inflight
  size_t countInflight();
  std::vector<FailedEvent> failedEvents();
  std::vector<QueuedEvent> all(); // every event still in the queue

private:
  explicit EventQueue(sqlite3 *Db);
  sqlite3_stmt *prepare(const char *Sql);
  void exec(const char *Sql);
  [[noreturn]] void raise(const std::string &What);

  sqlite3 *Db;
  std::vector<sqlite3_stmt *> Statements;
  sqlite3_stmt *Insert = nullptr, *SelectDue = nullptr, *MarkInflight = nullptr,
               *Delete = nullptr, *Retry = nullptr, *CopyFailed = nullptr,
               *Release = nullptr, *NextDue = nullptr, *Count = nullptr,
               *CountInflight = nullptr;
};

} // namespace fusionize::platform

#endif // FUSIONIZE_PLATFORM_EVENTQUEUE_H
