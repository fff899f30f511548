//===- platform/Events.cpp - Event invocations through the durable queue --===//
//
// An Event is committed to SQLite before the 202, pulled into the function's
// pending queue when the function has concurrency to spare and the event is
// due, and removed only once it succeeded or failed for the last time.
// Failed attempts are retried after Opts.RetryDelaysS (Lambda: about one and
// two minutes), at most Opts.MaxRetries times, and never past
// Opts.MaxEventAgeS.
//
//===----------------------------------------------------------------------===//
#include "platform/PlatformImpl.h"

#include "platform/Http.h"

#include <event2/event.h>

#include <cmath>

namespace fusionize::platform {

void Platform::Impl::openQueue() {
  try {
    Queue = EventQueue::open(Opts.StateDir + "/events.db");
    Queue->resetInflight();
    std::map<std::string, size_t> Unknown;
    size_t Total = 0;
    for (const QueuedEvent &E : Queue->all()) {
      ++Total;
      auto It = Functions.find(E.Function);
      if (It == Functions.end())
        ++Unknown[E.Function];
      else
        ++It->second->QueuedEvents;
    }
    {
      std::lock_guard<std::mutex> G(StatsLock);
      Stats.events().Resumed = Total;
    }
    if (Total)
      say("resuming " + std::to_string(Total) + " queued event(s) from " +
          Opts.StateDir + "/events.db");
    for (const auto &[Name, N] : Unknown)
      say("keeping " + std::to_string(N) + " queued event(s) for function " +
          Name + ", which this manifest does not deploy");
  } catch (const QueueError &E) {
    throw PlatformError(E.what());
  }
  for (auto &[Name, F] : Functions)
    F->EventTimer = evtimer_new(
        Base,
        [](evutil_socket_t, short, void *Arg) {
          auto *F = static_cast<FunctionState *>(Arg);
          F->EventTimerAtMs = 0;
          F->P->pumpEvents(*F);
        },
        F.get());
}

void Platform::Impl::acceptEvent(HttpConnection &C, FunctionState &F,
                                 std::string Payload,
                                 const TraceContext *Parent, bool Root,
                                 const std::string &RequestId) {
  QueuedEvent E;
  E.Function = F.Name;
  E.RequestId = RequestId;
  E.Payload = std::move(Payload);
  E.TraceId = Parent ? Parent->TraceId : newTraceId();
  E.ParentSpan = Parent ? Parent->SpanId : "";
  E.Sampled = Parent ? Parent->Sampled : true;
  E.Root = Root;
  E.EnqueuedMs = wallMs();
  double Overhead = Opts.Emulation.Enabled ? Opts.Emulation.AsyncOverheadMs : 0;
  E.DueMs = E.EnqueuedMs + static_cast<std::int64_t>(std::llround(Overhead));
  try {
    Queue->enqueue(E);
  } catch (const QueueError &Err) {
    say(Err.what());
    return sendAwsError(C, 500, "ServiceException",
                        std::string("the event could not be stored: ") +
                            Err.what());
  }
  ++F.QueuedEvents;
  {
    std::lock_guard<std::mutex> G(StatsLock);
    ++Stats.events().Accepted;
  }
  C.respond(202, "", {{"X-Amzn-RequestId", RequestId}}, nullptr);
  pumpEvents(F);
}

void Platform::Impl::pumpEvents(FunctionState &F) {
  if (!Queue || Draining || ShuttingDown || F.QueuedEvents == 0)
    return;
  size_t Capacity = F.Limit > F.InUse ? F.Limit - F.InUse : 0;
  if (Capacity == 0)
    return; // finish() pumps again when a slot frees up
  std::int64_t Now = wallMs();
  std::vector<QueuedEvent> Due;
  try {
    Due = Queue->takeDue(F.Name, Now, Capacity);
  } catch (const QueueError &Err) {
    say(Err.what());
    return;
  }
  F.QueuedEvents -= std::min(F.QueuedEvents, Due.size());
  std::int64_t Mono = monoNs(), Wall = wallNs();
  for (QueuedEvent &E : Due) {
    auto Owned = std::make_unique<Invocation>();
    Invocation *Inv = Owned.get();
    Inv->Seq = NextSeq++;
    Inv->Fn = &F;
    Inv->RequestId = E.RequestId;
    Inv->PayloadBytes = E.Payload.size();
    Inv->Payload = std::move(E.Payload);
    Inv->Sync = false;
    Inv->EventId = E.Id;
    Inv->Attempt = E.Attempts + 1;
    Inv->EnqueuedMs = E.EnqueuedMs;
    Inv->Root = E.Root;
    Inv->TraceId = E.TraceId.empty() ? newTraceId() : E.TraceId;
    Inv->ParentSpanId = E.ParentSpan;
    Inv->Sampled = E.Sampled;
    Inv->SpanId = newSpanId();
    Inv->ReceivedWallNs = Wall;
    Inv->ReceivedMono = Mono;
    Invocations[Inv->Seq] = std::move(Owned);
    admit(Inv);
  }
  if (Due.size() >= Capacity || F.QueuedEvents == 0)
    return;
  // Not everything is due yet: wake up when the next one is.
  std::optional<std::int64_t> Next;
  try {
    Next = Queue->nextDue(F.Name);
  } catch (const QueueError &Err) {
    say(Err.what());
  }
  if (!Next)
    return;
  std::int64_t At = std::max<std::int64_t>(*Next, Now + 1);
  if (F.EventTimerAtMs && F.EventTimerAtMs <= At)
    return;
  F.EventTimerAtMs = At;
  std::int64_t Ms = At - Now;
  timeval Tv{static_cast<time_t>(Ms / 1000),
             static_cast<suseconds_t>((Ms % 1000) * 1000)};
  evtimer_add(F.EventTimer, &Tv);
}

void Platform::Impl::eventFinished(Invocation *Inv, const Outcome &O,
                                   bool Final) {
  FunctionState &F = *Inv->Fn;
  std::int64_t Now = wallMs();
  std::string Error = O.ErrorType + ": " + O.ErrorMessage;
  try {
    if (!O.Error) {
      Queue->complete(Inv->EventId);
      std::lock_guard<std::mutex> G(StatsLock);
      ++Stats.events().Delivered;
    } else if (Final) {
      Queue->fail(Inv->EventId, Inv->Attempt, Now, Error);
      logLine(F, "event " + Inv->RequestId + " failed after " +
                     std::to_string(Inv->Attempt) +
                     " attempt(s), kept in failed_events: " + Error);
      std::lock_guard<std::mutex> G(StatsLock);
      ++Stats.events().Failed;
    } else {
      double Delay = Opts.RetryDelaysS[Inv->Attempt - 1];
      Queue->retry(Inv->EventId, Inv->Attempt,
                   Now + static_cast<std::int64_t>(std::llround(Delay * 1000)),
                   Error);
      ++F.QueuedEvents;
      std::lock_guard<std::mutex> G(StatsLock);
      ++Stats.events().Retries;
    }
  } catch (const QueueError &Err) {
    // The event stays inflight in SQLite and is delivered again at the next
    // start: at least once.
    say(Err.what());
  }
}

void Platform::Impl::releaseEvent(Invocation *Inv) {
  try {
    Queue->release(Inv->EventId);
    ++Inv->Fn->QueuedEvents;
  } catch (const QueueError &Err) {
    say(Err.what());
  }
}

} // namespace fusionize::platform
