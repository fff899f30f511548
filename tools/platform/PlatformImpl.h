//===- platform/PlatformImpl.h - Inside the local platform ----------------===//
//
// The state behind Platform, shared by Platform.cpp (lifecycle, Invoke API,
// scheduling), Instances.cpp (processes and their Runtime API), Events.cpp
// (the durable Event queue) and Telemetry.cpp (billing records, traces,
// logs). Everything here is touched only on the event loop thread, except
// the summary builder (StatsLock).
//
// An invocation is admitted (counts against the function's concurrency),
// becomes ready after the emulated overhead, waits in the function's
// pending queue until an idle instance takes it (dispatch), and finishes
// with a response, a function error, a timeout or the instance's death.
// Instances move Provisioning -> Starting -> Idle <-> Busy -> Finishing ->
// Idle ... -> Stopping, see docs/platform.md.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLATFORM_PLATFORMIMPL_H
#define FUSIONIZE_PLATFORM_PLATFORMIMPL_H

#include "platform/CpuLimiter.h"
#include "platform/EventQueue.h"
#include "platform/HttpServer.h"
#include "platform/Platform.h"
#include "platform/TraceContext.h"

#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <initializer_list>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

struct event;
struct event_base;

namespace fusionize::platform {

std::int64_t monoNs();
std::int64_t wallNs();
/// A timeval of at least `Ns` nanoseconds (rounded up to the microsecond).
timeval timevalOf(std::int64_t Ns);
inline std::int64_t wallMs() { return wallNs() / 1000000; }

/// Lambda's payload limits.
inline constexpr size_t SyncPayloadLimit = 6 * 1024 * 1024; // 6 MB
inline constexpr size_t AsyncPayloadLimit = 256 * 1024;     // 256 KB
inline constexpr size_t ResponsePayloadLimit = 6 * 1024 * 1024;
/// A function's log is written when this much is buffered, or every 50 ms.
inline constexpr size_t LogBufferSize = 64 * 1024;

enum class InstanceState {
  Provisioning,
  Starting,
  Idle,
  Busy,
  Finishing,
  Stopping
};
const char *stateName(InstanceState S);

struct FunctionState;
struct Instance;

struct Invocation {
  std::uint64_t Seq = 0;
  FunctionState *Fn = nullptr;
  std::string RequestId;
  std::string Payload;
  size_t PayloadBytes = 0;
  bool Sync = true;
  HttpConnection *Caller = nullptr; // sync only; null once the caller left
  bool TailLog = false;             // X-Amz-Log-Type: Tail
  // Event deliveries.
  std::int64_t EventId = 0;
  unsigned Attempt = 1;
  std::int64_t EnqueuedMs = 0;
  // Trace context: the platform span is SpanId, child of ParentSpanId.
  bool Root = false;
  std::string TraceId, ParentSpanId, SpanId;
  bool Sampled = true;
  // Timeline (steady clock ns, except ReceivedWallNs).
  std::int64_t ReceivedWallNs = 0, ReceivedMono = 0, ReadyMono = 0,
               DispatchMono = 0;
  Instance *Inst = nullptr;
  bool ColdStart = false;
  double InitMs = 0;            // provisioning + runtime init
  double RuntimeInitMs = 0;     // spawn until the first /next
  double InitMemoryMB = 0;      // the instance's peak at its first /next
  event *Timer = nullptr;       // the emulated overhead
  std::int64_t ReadyAtMono = 0; // the emulated overhead ends
  std::string LogTail;          // instance output while it ran (for Tail)
};

/// How an invocation ended.
struct Outcome {
  bool Error = false;
  std::string Body;      // the response, or the error document
  std::string ErrorType; // errorType of the error document
  std::string ErrorMessage;

  static Outcome success(std::string Body);
  /// A platform-made function error {errorMessage, errorType, stackTrace}.
  static Outcome failure(const std::string &Type, const std::string &Message);
  /// An error document posted by the runtime (kept as is when it is JSON).
  static Outcome fromRuntime(std::string Body, const std::string &TypeHeader);
};

struct Instance {
  std::uint64_t Id = 0;
  std::string Name; // function-N
  FunctionState *Fn = nullptr;
  InstanceState State = InstanceState::Provisioning;
  pid_t Pid = -1;
  int PidFd = -1;
  event *ExitEvent = nullptr;
  std::unique_ptr<HttpServer> Http; // this instance's Runtime API
  unsigned Port = 0;
  HttpConnection *Next = nullptr; // the held GET /next
  Invocation *Current = nullptr;
  int OutFd = -1;
  event *OutEvent = nullptr;
  std::string OutPartial;
  /// Provisioning delay, init timeout, the current invocation's timeout,
  /// kill grace.
  event *Timer = nullptr;
  /// The current invocation's timeout ends (while Busy).
  std::int64_t DeadlineMono = 0;
  /// When Timer, armed for an invocation's timeout, fires; 0 when Timer is
  /// armed for something else or not at all. Such a timer is left armed
  /// when the invocation ends: the next invocation's deadline is later, so
  /// the timer, when it fires, is moved on to it (once per timeout at most,
  /// rather than an event_add and an event_del per invocation).
  std::int64_t DeadlineTimerAtMono = 0;
  std::int64_t CreatedMono = 0, SpawnMono = 0, LastUsedMono = 0;
  std::int64_t ProvisionedAtMono = 0; // the emulated cold start ends
  double InitMs = 0;                  // created until the first /next
  double RuntimeInitMs = 0;           // spawned until the first /next
  double InitMemoryMB = 0; // peak memory at the first /next (runtime, init)
  unsigned Served = 0;
  bool Ready = false; // the first /next arrived
  std::string Cgroup;
  std::string InitError;  // body of /init/error
  std::string KillReason; // why the platform killed it
  bool Exited = false;
  double PeakMB = 0;
  int StatusFd = -1;              // /proc/PID/status, for the peak memory
  std::int64_t PeakReadMono = 0;  // when PeakMB was last read
  std::int64_t IdleSinceMono = 0; // when it last became idle
};

struct FunctionState {
  Platform::Impl *P = nullptr;
  const ManifestFunction *Spec = nullptr;
  std::string Name, Group, Executable;
  std::string Arn; // arn:aws:lambda:REGION:000000000000:function:NAME
  unsigned Limit = 1;
  unsigned InUse = 0; // admitted and not finished
  std::deque<Invocation *> Pending;
  std::vector<std::unique_ptr<Instance>> Instances;
  size_t QueuedEvents = 0; // in SQLite, waiting (not inflight)
  event *EventTimer = nullptr;
  std::int64_t EventTimerAtMs = 0;
  /// logs/<function>.log, and what is not written to it yet: lines are
  /// appended here and written with one write(2) every 50 ms (flushLogs).
  int LogFd = -1;
  std::string LogBuf;
  unsigned NextInstance = 1;
};

struct Platform::Impl {
  explicit Impl(PlatformOptions O) : Opts(std::move(O)) {}
  ~Impl();

  PlatformOptions Opts;
  Manifest M;
  std::string Region = "us-east-1";
  unsigned IdleTimeoutS = 300;
  /// CPUs this process may run on (traces' fusion.host_cpus).
  unsigned HostCpus = 1;
  double CpuCap = 1;

  event_base *Base = nullptr;
  std::unique_ptr<HttpServer> Api;
  unsigned Port = 0;
  std::map<std::string, std::unique_ptr<FunctionState>, std::less<>> Functions;
  std::unordered_map<std::uint64_t, std::unique_ptr<Invocation>> Invocations;
  std::uint64_t NextSeq = 1, NextInstanceId = 1;
  std::unordered_map<std::string, int> ActiveTraces;
  std::unique_ptr<EventQueue> Queue;
  std::unique_ptr<CpuLimiter> Cpu;
  FILE *Trace = nullptr;
  int LockFd = -1;

  mutable std::mutex StatsLock;
  SummaryBuilder Stats;
  std::int64_t StartMono = 0;
  std::int64_t StopMono = 0;

  std::thread Loop;
  std::atomic<bool> Running{false};
  std::atomic<int> StopRequest{0}; // 1 drain, 2 force
  mutable std::mutex StopLock;
  std::condition_variable StopCv;
  bool Finished = false;
  event *StopEvent = nullptr;
  int StopFd = -1; // eventfd: requestStop() from any thread wakes the loop
  bool Draining = false, Forced = false, ShuttingDown = false;
  std::vector<std::unique_ptr<Instance>> Graveyard;
  event *ReaperEvent = nullptr;
  event *SampleTimer = nullptr;
  bool LogsDirty = false; // logs and traces are flushed by the sampler
  std::string Scratch;       // response headers on the hot paths
  std::string ReportScratch; // the REPORT log line

  // Platform.cpp
  void start();
  void runLoop();
  void onStopRequest();
  void checkDrained();
  void finishStop();
  void onApiRequest(HttpConnection &C);
  void onInvoke(HttpConnection &C, std::string_view Id);
  void onStatus(HttpConnection &C);
  void admit(Invocation *Inv);
  void makeReady(Invocation *Inv);
  void schedule(FunctionState &F);
  void dispatch(Invocation *Inv, Instance &I);
  /// Ends an invocation: answers its caller, then `Ack` (the runtime's
  /// POST that ended it, with 202), then bills, logs and traces it.
  void finish(Invocation *Inv, Outcome O, HttpConnection *Ack = nullptr);
  void releaseInvocation(Invocation *Inv);
  void say(const std::string &Line);

  // Instances.cpp
  Instance &startInstance(FunctionState &F);
  void spawn(Instance &I);
  void onRuntimeRequest(Instance &I, HttpConnection &C);
  void onNext(Instance &I, HttpConnection &C);
  void onTimeout(Invocation *Inv);
  void onInitFailed(Instance &I);
  void reapGraveyard();
  void onExit(Instance &I);
  void onInstanceTimer(Instance &I);
  void onOutput(Instance &I, bool Drain);
  void stopInstance(Instance &I, int Signal, const std::string &Reason);
  void destroyInstance(Instance &I);
  void sampleMemory();
  double instancePeak(Instance &I, bool Fresh);
  bool overMemory(Instance &I, bool Fresh);
  void flushLogs();
  void flushLog(FunctionState &F);
  void armTimer(Instance &I, double Seconds);
  /// Makes sure Timer fires at I.DeadlineMono or before.
  void armDeadline(Instance &I);
  size_t instanceCount() const;

  // Events.cpp
  void openQueue();
  void acceptEvent(HttpConnection &C, FunctionState &F, std::string Payload,
                   const TraceContext *Parent, bool Root,
                   const std::string &RequestId);
  void pumpEvents(FunctionState &F);
  void eventFinished(Invocation *Inv, const Outcome &O, bool Final);
  void releaseEvent(Invocation *Inv);

  // Telemetry.cpp
  void openTelemetry();
  void closeTelemetry();
  void record(Invocation *Inv, const Outcome &O, double DurationMs,
              double PeakMB, bool FinalAttempt);
  void onOtlp(HttpConnection &C);
  void writeTraceLine(const std::string &Line);
  void logLine(FunctionState &F, const std::string &Line);
  /// One log line made of `Parts`, without building a string.
  void logLine(FunctionState &F, std::initializer_list<std::string_view> Parts);
  void logOutput(Instance &I, const std::string &Line);
};

} // namespace fusionize::platform

#endif // FUSIONIZE_PLATFORM_PLATFORMIMPL_H
