//===- planner/Profile.h - What the traces say about the program ----------===//
//
// A profile aggregates OTLP traces of one program, run under any plan:
//
//  * per task: self time per activation split into CPU (fusion.cpu_ns minus
//    the same-thread children's) and waiting, as joint samples;
//  * per edge (caller, callee, sync/async): calls per caller activation and
//    per root request, local (INTERNAL span) and remote (CLIENT span)
//    observations, payload sizes, measured remote-call overhead;
//  * per function (remote entry point): invocations, cold starts, init
//    time, billed duration, peak memory, the memory size it ran at;
//  * per entry task: requests, arrival rate, measured latency and cost.
//
// A fused call is an INTERNAL span, a remote one CLIENT + SERVER spans, so
// the same program gives the same task and edge figures under every plan.
// docs/planning.md explains every figure; `fusionize plan --dump-profile`
// writes it as fusionize-profile/1.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLANNER_PROFILE_H
#define FUSIONIZE_PLANNER_PROFILE_H

#include "core/Emulation.h"
#include "core/Graph.h"
#include "core/Json.h"
#include "planner/Stats.h"

#include <map>
#include <string>
#include <vector>

namespace fusionize {

struct TraceSet;

struct TaskProfile {
  std::string Name;
  std::uint64_t Activations = 0;
  std::uint64_t Local = 0;  // activations as a fused call (INTERNAL span)
  std::uint64_t Remote = 0; // activations as an invocation (SERVER span)
  std::uint64_t CpuMeasured = 0; // activations with fusion.cpu_ns
  Distribution CpuMs;  // self CPU time at full speed
  Distribution WaitMs; // self time not spent on the CPU
  Distribution SelfMs; // wall-clock self time as measured
  /// Joint (cpu, wait) samples, so Monte Carlo keeps their correlation.
  std::vector<std::pair<float, float>> Joint;
  /// The calls an activation made, each distinct set once: (callee, kind,
  /// calls) for every edge it called. JointPattern[i] is the set Joint[i]'s
  /// activation made (NoPattern: not known), so Monte Carlo keeps which
  /// calls go together (a web shop's page kinds). Empty when the task's
  /// activations made more than MaxCallPatterns different sets.
  struct CallCount {
    std::string Callee;
    EdgeKind Kind = EdgeKind::Sync;
    std::uint16_t Calls = 0;
  };
  std::vector<std::vector<CallCount>> CallPatterns;
  std::vector<std::uint8_t> JointPattern;
  /// Per call pattern, the order of its calls as the program makes them
  /// (that of the pattern's first activation whose timing tells it, see
  /// docs/planning.md; later ones in another order add nothing; empty
  /// when none told): its synchronous calls in the order they began, and
  /// where among them each asynchronous call was dispatched and where the
  /// caller waited for its result. Sync calls and dispatches are the
  /// program's whatever the plan, so Monte Carlo places an asynchronous
  /// call by them in any plan, where a fraction of the caller's run
  /// (EdgeProfile::StartFraction) moves with the calls that other plans
  /// make slower or faster.
  struct AsyncPlace {
    std::string Callee;
    std::uint16_t After = 0; // synchronous calls before the dispatch
    /// Where in the stretch of the caller's own time between those calls
    /// it was dispatched (0..1, mean).
    float Fraction = 0;
    /// The synchronous call (After .. Sync.size() - 1) before which the
    /// caller waited for the result, most often where the timing told;
    /// Sync.size(): after its last one (at its end, or not at all);
    /// NoJoin: the timing never told.
    std::int32_t JoinBefore = NoJoin;
    static constexpr std::int32_t NoJoin = -1;
  };
  struct CallOrder {
    std::vector<std::string> Sync; // callee per synchronous call
    std::vector<AsyncPlace> Async; // in the order they were dispatched
  };
  std::vector<CallOrder> PatternOrders; // parallel to CallPatterns
  static constexpr std::uint8_t NoPattern = 255;
  static constexpr size_t MaxCallPatterns = 254;
  /// Activations in the first invocation of an instance (a cold start) run
  /// slower: the process touches its memory and code for the first time.
  /// The distributions above are of warm runs (when there were any), and
  /// this is the extra CPU time of a cold one (mean cold - mean warm, >= 0).
  std::uint64_t ColdRuns = 0;
  double ColdExtraCpuMs = 0;
  /// Remote activations with fusion.task_cpu_ns: the mean CPU time of the
  /// invocation around the task (its payload decoded, its result encoded,
  /// the runtime's span work), which fusing removes; not in CpuMs.
  double InvokeCpuMs = 0;
  /// The CPU time a run needs more each time its instance's quota stops
  /// it (its data back into the cache after the other work on that core),
  /// ms: fitted when the traces show the task under configurations whose
  /// runs the quota stopped a different number of times (fitInterruptCpu);
  /// else 0. CpuMs and Joint are then of uninterrupted runs.
  double InterruptCpuMs = 0;
  /// The configurations (trace file, group, memory size) the fit used.
  unsigned InterruptConfigs = 0;
  /// Without a fit: the memory (MB) InterruptCpuMs was estimated from
  /// (ProfileOptions::StopCpuMsPerMB): TouchedMemoryMB, else what the
  /// task's function used above its process's own in a function of its
  /// own; 0 when fitted or not estimated.
  double InterruptMemoryMB = 0;
  /// The most memory (MB) one run touched for the first time, its
  /// synchronous fused callees' left out (fusion.fault_bytes); 0: not
  /// recorded.
  double TouchedMemoryMB = 0;
  /// The lock the program's instances share (fusionize/lock.h): the mean
  /// wait for it per run (not in WaitMs), the share of runs that held it
  /// and their mean CPU while holding it (in CpuMs).
  double LockWaitMs = 0, LockHoldShare = 0, LockHoldCpuMs = 0;
  /// With traces of several plans: the task's warm runs in each
  /// configuration it ran in (its group's memory size and the tasks seen
  /// in that group), kept apart so that a plan running it the same way
  /// gets that configuration's runs: what it waited there (for a lock a
  /// stopped instance held, for the host's CPUs) belongs to it. Empty
  /// when the traces show one configuration. Joint as above (CPU of
  /// uninterrupted runs), at most MaxConfigSamples each.
  struct ConfigRuns {
    unsigned MemoryMB = 0;
    std::vector<std::string> Group; // sorted
    std::uint64_t Runs = 0;
    std::vector<std::pair<float, float>> Joint;
    std::vector<std::uint8_t> JointPattern;
  };
  std::vector<ConfigRuns> Configs;
  static constexpr size_t MaxConfigSamples = 256;
  std::map<unsigned, std::uint64_t> MemoryMB; // memory size -> activations
};

struct EdgeProfile {
  std::string Caller, Callee;
  EdgeKind Kind = EdgeKind::Sync;
  std::uint64_t Calls = 0;
  std::uint64_t Local = 0, Remote = 0;
  /// Caller activations with at least one call, and a sample of the call
  /// count in those.
  std::uint64_t ActivationsWithCalls = 0;
  Distribution CallsWhenCalled{256};
  double CallsPerActivation = 0; // Calls / caller activations
  double CallsPerRequest = 0;
  double BytesReq = 0, BytesResp = 0; // means over calls with sizes
  /// Where in the caller's own run an asynchronous call starts (0..1).
  double StartFraction = 0.5;
  /// Remote calls with fusion.cpu_ns on their CLIENT span: the mean CPU
  /// time of the client's work (the runtime's HTTP call), which fusing
  /// removes; not in the caller's CpuMs.
  double CallCpuMs = 0;
  /// Of the asynchronous calls (remote or fused) whose timing tells, the
  /// share whose result the caller needed before its next synchronous
  /// call: that call started within 1 ms of the result, not before it.
  double JoinedShare = 0;
  Distribution OverheadMs{256}; // remote warm sync: CLIENT - callee SERVER
  bool InGraph = true; // false: seen only in the traces
};

struct FunctionProfile {
  std::string Name;  // = the task it serves
  std::string Group; // the group executable that served it
  std::uint64_t Invocations = 0, ColdStarts = 0;
  Distribution DurationMs{256}; // runtime SERVER span
  Distribution BilledMs{256};
  Distribution InitMs{256};
  double PeakMemoryMB = 0;
  double BytesReq = 0, BytesResp = 0; // means over invocations with sizes
  std::map<unsigned, std::uint64_t> MemoryMB;
};

struct EntryProfile {
  std::string Task;
  std::uint64_t Requests = 0;
  Distribution LatencyMs{2048};    // root span: response time
  Distribution CompletionMs{2048}; // until the last span of the request
  Distribution CostUsd{2048};      // all invocations of the request
  double ColdStartsPerRequest = 0;
  double InvocationsPerRequest = 0;
};

/// Platform-level figures the cost model calibrates itself with.
struct OverheadProfile {
  /// Warm synchronous remote calls: (CLIENT - callee's runtime SERVER) ms,
  /// and the payload bytes (request + response) of each.
  std::vector<std::pair<float, float>> SyncSamples; // (ms, bytes)
  std::uint64_t SyncCalls = 0;
  Distribution AckMs{256};        // asynchronous Event: CLIENT duration
  Distribution EventDelayMs{256}; // Event: CLIENT start -> callee start
  Distribution RootOverheadMs{256}; // root platform span - runtime span
  Distribution ColdExtraMs{256};  // init_ms, or cold minus warm overhead
  /// billed_ms - runtime duration on warm and cold invocations.
  Distribution BillExtraWarmMs{256}, BillExtraColdMs{256};
};

struct Profile {
  std::vector<std::string> Sources;
  std::uint64_t Spans = 0, Traces = 0, Requests = 0;
  double WindowS = 0;     // first to last root request (union over files)
  double RequestRate = 0; // root requests per second
  double PeakConcurrency = 0; // most root requests in flight at once
  /// Time between one root request's start and the next's (within a
  /// file's window): how requests arrive, for the cost model's stream of
  /// requests on a shared host.
  Distribution ArrivalGapMs{1024};
  std::string TraceEmulation; // emulation profile the traces ran under
  /// CPUs of the machine the traces' platform ran on (fusion.host_cpus;
  /// the largest if the files differ); 0: not recorded.
  double HostCpus = 0;
  std::map<std::string, TaskProfile> Tasks;
  std::vector<EdgeProfile> Edges;
  std::map<std::string, FunctionProfile> Functions;
  std::map<std::string, EntryProfile> Entries;
  OverheadProfile Overhead;
  /// How far past its quota (< 0: short of it) an instance runs before it
  /// is throttled, ms: equally likely values (fitQuotaSlack). Empty: too
  /// few runs near their quota to tell; the quota is taken as exact.
  std::vector<double> QuotaSlackMs;
  std::uint64_t QuotaRuns = 0; // the runs the fit used
  /// The plan the traces were recorded under: group -> tasks seen running
  /// in it, memory size.
  struct ObservedGroup {
    std::vector<std::string> Tasks;
    unsigned MemoryMB = 0;
  };
  std::map<std::string, ObservedGroup> ObservedGroups;
  /// Different plans among the trace files (the groups each ran); from 2
  /// on, ObservedGroups is the last file's and the cold starts measured
  /// are of several plans.
  unsigned ObservedPlans = 0;
  /// Measured over all requests.
  Distribution LatencyMs{4096}, CompletionMs{4096}, CostUsd{4096};
  std::vector<std::string> Warnings;
  std::vector<std::string> MissingTasks;  // in the graph, not in the traces
  std::vector<std::string> UnknownTasks;  // in the traces, not in the graph

  const TaskProfile *task(const std::string &Name) const;
  const EdgeProfile *edge(const std::string &Caller, const std::string &Callee,
                          EdgeKind Kind) const;

  /// fusionize-profile/1 (docs/schemas/fusionize-profile.schema.json).
  Json toJson() const;
};

/// CPU bandwidth control as the platform enforces it (CFS quota = share x
/// period per period, docs/platform.md): an instance with `Share` < 1 vCPU
/// runs at full speed until it has used its quota Q = Share x Period, then
/// is throttled until the period ends. `CpuMs` of work (at full speed)
/// starting on a fresh quota at a period's start takes
///   CpuMs                                  when CpuMs <= Q
///   n x Period + (CpuMs - n x Q)           otherwise, n = ceil(CpuMs / Q) - 1
/// (n throttled periods, then the last quota's run). Traces of the local
/// platform fit this better than the linear Q + (CpuMs - Q) / Share, which
/// ignores that the last period is only partly used. At Share >= 1 a single
/// thread is not slowed down. cpuOfWallMs is its inverse (the CPU time
/// a run of `WallMs` can have used).
double cpuWallMs(double CpuMs, double Share, double PeriodMs);
/// The inverse: the CPU work that takes `WallMs` of wall-clock time.
double cpuOfWallMs(double WallMs, double Share, double PeriodMs);
/// The same work started when `Phase` (0 <= Phase < 1) of the current
/// period has passed, with that period's whole quota unused (an instance
/// that was idle): it runs min(Q, rest of the period) at once, then as
/// cpuWallMs from the next period's start. The kernel's period timer is not
/// aligned with requests, so the phase of a run is uniform.
double cpuWallAtMs(double CpuMs, double Share, double PeriodMs, double Phase);
/// cpuWallAtMs averaged over a uniform phase (docs/planning.md gives the
/// closed form). With c > Q, p = Q / Period, k = floor(c / Q), f = c - k Q:
///   c + (Period - Q) ((1 - p)(ceil(c / Q) - 1.5) + p (k - 1 + f / Q))
/// which is about half a period less than cpuWallMs.
double cpuWallMeanMs(double CpuMs, double Share, double PeriodMs);
/// cpuWallMeanMs where the instance runs `X` ms past its quota (X < 0:
/// short of it) before the kernel throttles it, the next period paying the
/// overrun back: cpuWallMeanMs(CpuMs - X) + X, or CpuMs when the slack
/// covers the run, averaged over X in `SlackMs` (equally likely values,
/// Profile::QuotaSlackMs). Empty: cpuWallMeanMs.
double cpuWallSlackMeanMs(double CpuMs, double Share, double PeriodMs,
                          const std::vector<double> &SlackMs);

/// A single-threaded invocation of an instance with a CPU quota: its CPU
/// time less the quota, and whether it was throttled.
struct QuotaRun {
  double OverMs = 0, QuotaMs = 0;
  bool Throttled = false;
};
/// The quota's slack: the kernel throttles an instance at the first tick
/// after its quota ran out (every 4 ms at CONFIG_HZ=250 if the thread
/// makes no system call), and the instance spends CPU outside the runs the
/// traces measure. X ~ Normal(mu, sigma) fitted by maximum likelihood on
/// runs within QuotaSlackWindowMs of their quota: P(seen throttled | over)
/// = P(X < over), less the runs a period's end saved and the throttled runs
/// that waited less than ThrottledDelayMs; returns its quantiles at
/// (k + 1/2) / QuotaSlackQuantiles. Empty when fewer than 20 runs, or
/// fewer than 10 throttled or 10 not, fall in the window.
std::vector<double> fitQuotaSlack(std::vector<QuotaRun> Runs, double PeriodMs,
                                  std::uint64_t *Used = nullptr);
inline constexpr double QuotaSlackWindowMs = 5;
inline constexpr int QuotaSlackQuantiles = 8;
/// Run delay from which a run counts as throttled: a throttled run waits
/// for the period's end, anything from 0 to period - quota; a busy
/// machine's CPUs delay a run by a few ms (fitQuotaSlack corrects for the
/// throttled runs that waited less).
inline constexpr double ThrottledDelayMs = 10;

/// The runs of one task under one configuration (a trace file's group and
/// memory size): how often the quota stopped them, and their CPU time.
struct InterruptSample {
  double Interruptions = 0, CpuMs = 0; // means over the runs
  double Runs = 0;
  double QuotaMs = 0; // share x period; 0: no quota
};
/// The extra CPU time a run needs per quota interruption: the slope of the
/// mean CPU time over the mean interruptions, between configurations with
/// at least InterruptMinRuns runs each, weighted by their runs (within one
/// configuration the slope mixes both ways round: a run that needs more
/// CPU also meets more interruptions). 0 unless the configurations' means
/// lie at least InterruptMinSpread interruptions apart; at most half the
/// smallest quota among them (more would never finish).
double fitInterruptCpu(const std::vector<InterruptSample> &Configs,
                       unsigned *Used = nullptr);
inline constexpr double InterruptMinRuns = 5;
inline constexpr double InterruptMinSpread = 1;

/// The period of the platform's CFS quota (tools/platform/CpuLimiter).
inline constexpr double DefaultCpuPeriodMs = 100;
/// The CPUs an instance below one vCPU runs its threads on at once (its
/// quota shared by all): the platform's machines and Lambda's small sizes
/// have two.
inline constexpr double DefaultInstanceCpus = 2;
/// What a quota stop costs a run per MB of its data, where traces of one
/// configuration cannot fit it: the data come back from memory once the
/// thread runs again. The fits across configurations of the examples'
/// sieves gave 0.12 to 0.15 ms per MB (Tree's 10.6 MB arrays, 1.3 to 1.6
/// ms a stop) and 0.04 to 0.2 (IoT's 4 MB, 0.2 to 0.8 ms); docs/planning.md.
inline constexpr double DefaultStopCpuMsPerMB = 0.12;

struct ProfileOptions {
  /// The emulation the traces were recorded under (to undo CPU throttling
  /// and take the emulated overheads apart from the measured ones).
  EmulationProfile TraceEmulation;
  double CpuPeriodMs = DefaultCpuPeriodMs;
  double InstanceCpus = DefaultInstanceCpus;
  /// Without a fit, a task alone in a function of the traces gets
  /// InterruptCpuMs = this x the memory its function used above the
  /// trace's smallest function; 0: none (stops cost nothing).
  double StopCpuMsPerMB = DefaultStopCpuMsPerMB;
  std::uint64_t Seed = 1;
};

/// Builds the profile of `G` from the trace files. Throws FormatError on
/// malformed or empty traces and on traces of another program (no task of
/// the graph appears); missing tasks become warnings.
Profile buildProfile(const Graph &G, const std::vector<std::string> &Files,
                     const ProfileOptions &O = {});
/// Same from spans already read (tests, benchmarks).
Profile buildProfile(const Graph &G, const TraceSet &Spans,
                     const ProfileOptions &O = {});

} // namespace fusionize

#endif // FUSIONIZE_PLANNER_PROFILE_H
