//===- planner/CostModel.h - Latency and cost of a plan, predicted --------===//
//
// The cost model predicts, for any plan (groups, copies, memory sizes, home
// groups), each entry task's end-to-end latency distribution and the cost
// per request, from a profile and the emulation profile the platform
// applies (overheads, cold starts, CPU share by memory, Lambda prices).
// docs/planning.md gives the formulas.
//
// Two evaluators share the formulas:
//  * FastEval: expected values in one pass over the task graph (O(edges)),
//    for the planners' inner loops;
//  * predict(): a seeded Monte Carlo simulation of requests over the
//    empirical distributions, for percentiles and the final word.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLANNER_COSTMODEL_H
#define FUSIONIZE_PLANNER_COSTMODEL_H

#include "core/Emulation.h"
#include "core/Graph.h"
#include "core/Plan.h"
#include "planner/Profile.h"

#include <string>
#include <vector>

namespace fusionize {

enum class LatencyKind { Response, Completion };

struct CostModelOptions {
  EmulationProfile Emulation;      // the platform the plan will run on
  EmulationProfile TraceEmulation; // the platform the traces came from
  unsigned Samples = 2000;         // Monte Carlo requests per entry task
  double MaxSimulatedActivations = 2e6; // per prediction (fewer samples)
  std::uint64_t Seed = 42;
  LatencyKind Latency = LatencyKind::Response;
  /// Length of the run cold starts are spread over: < 0 the trace's window,
  /// 0 steady state (only idle expiry causes cold starts).
  double ColdStartWindowS = -1;
  double DefaultRequestRate = 1; // requests/s when the trace cannot tell
  // Used where the traces show no remote call to measure.
  double TransportMs = 0.5;          // loopback HTTP round trip
  double SerializeMsPerByte = 5e-6;  // JSON encode + decode + copy
  double SpawnMs = 5;                // process start beyond emulation
  /// CPU of the work fusing removes, where no task or call in the traces
  /// ran remotely to measure it (else the mean of the measured ones); the
  /// IoT example's means on the machine of docs/results.md:
  double ClientCpuMs = 0.08; // the caller's, per remote call (HTTP client)
  double CodecCpuMs = 0.05;  // the callee's, per remote invocation
  double PeakMemoryHeadroom = 1.1;   // memory >= peak * headroom
  /// The period of the platform's CPU quota (cpuWallMs in Profile.h).
  double CpuPeriodMs = DefaultCpuPeriodMs;
  /// CPUs of the machine the plan runs on, shared by every instance of a
  /// request: < 0 the traces' host (Profile::HostCpus), 0 none (each
  /// instance gets its share, as on AWS Lambda).
  double HostCpus = -1;
  /// For the profile (ProfileOptions::StopCpuMsPerMB): what a quota stop
  /// costs a run per MB, where the traces cannot fit it.
  double StopCpuMsPerMB = DefaultStopCpuMsPerMB;
};

struct Layout;

/// The program as the cost model sees it, by index.
class Model {
public:
  struct Task {
    std::string Name;
    double CpuMs = 0, WaitMs = 0; // means of self time
    double ColdExtraCpuMs = 0;    // more CPU in a cold invocation
    double InvokeCpuMs = 0;       // CPU around it when invoked remotely
    /// More CPU each time the quota stops it (TaskProfile::InterruptCpuMs);
    /// CpuMs and Joint are then of uninterrupted runs.
    double InterruptCpuMs = 0;
    /// > 0: InterruptCpuMs estimated from this much memory, not fitted.
    double InterruptMemoryMB = 0;
    /// The lock the program's instances share (TaskProfile::LockWaitMs
    /// ...): Monte Carlo runs LockHoldCpuMs of a run's CPU (in that share
    /// of runs) holding the lock, at its end; FastEval adds the traced
    /// LockWaitMs to the waiting instead.
    double LockWaitMs = 0, LockHoldShare = 0, LockHoldCpuMs = 0;
    std::vector<std::pair<float, float>> Joint; // (cpu, wait) samples
    /// The calls each sample's activation made together: per pattern,
    /// (edge, calls); JointPattern[i] is Joint[i]'s (TaskProfile::
    /// NoPattern: drawn edge by edge).
    std::vector<std::vector<std::pair<int, unsigned>>> CallPatterns;
    std::vector<std::uint8_t> JointPattern;
    /// Per pattern, the order its calls are made in (TaskProfile::
    /// CallOrder, by edge): Monte Carlo makes the synchronous calls in it
    /// and dispatches and joins each asynchronous call at its place among
    /// them. Empty Sync and Async: not known (edges in the model's order,
    /// dispatches at the edge's StartFraction).
    struct Place {
      int Edge = -1;
      unsigned After = 0;
      double Fraction = 0;
      int JoinBefore = -1; // -1: the edge's JoinedShare decides
    };
    struct Order {
      std::vector<int> Sync;
      std::vector<Place> Async;
    };
    std::vector<Order> PatternOrders;
    /// The task's runs per traced configuration (TaskProfile::Configs):
    /// in a block of that memory size whose measured tasks are that group,
    /// Monte Carlo draws from them and FastEval takes their means.
    struct Config {
      unsigned MemoryMB = 0;
      std::vector<int> Group; // task indices, sorted
      double CpuMs = 0, WaitMs = 0; // means of Joint (FastEval's)
      std::vector<std::pair<float, float>> Joint;
      std::vector<std::uint8_t> JointPattern;
    };
    std::vector<Config> Configs;
    /// Where two or more asynchronous calls may be joined: per call set
    /// with any, its share of the activations and those edges (FastEval
    /// waits for the longest of a set, not for the sum).
    std::vector<std::pair<double, std::vector<int>>> JoinSets;
    bool Measured = false;
    bool ReturnsVoid = false;
    double PeakMemoryMB = 0;
    std::vector<int> Out, In; // edge indices
    int Component = 0;
  };
  struct Edge {
    int Caller = 0, Callee = 0;
    EdgeKind Kind = EdgeKind::Sync;
    double Calls = 0;   // mean per caller activation
    double PCalled = 1; // share of caller activations with calls
    std::vector<double> CallsWhenCalled; // samples (empty: from Calls)
    double Bytes = 0;   // request + response
    double StartFraction = 0.5;
    double JoinedShare = 0; // async calls joined before the next sync call
    double CallCpuMs = 0;   // the caller's CPU per remote call (client)
    bool Event = false; // async call of a void task: Lambda Event
    bool Back = false;  // closes a cycle: not modelled
    double CallsPerRequest = 0;
  };
  struct Entry {
    int Task = 0;
    double Share = 1; // of all requests
  };

  std::vector<Task> Tasks;
  std::vector<Edge> Edges;
  std::vector<Entry> Entries;
  std::vector<int> Topo; // callers before callees
  int Components = 0;
  /// Per component: its tasks in topological order, its entries (indices
  /// into Entries).
  std::vector<std::vector<int>> ComponentTasks, ComponentEntries;
  double RequestRate = 1, WindowS = 0;
  // Platform figures (ms), target emulation included.
  double SyncOvhMs = 0, SyncOvhPerByte = 0;
  std::vector<float> SyncResidual; // zero-mean noise around the fit
  double AckMs = 0, EventDelayMs = 0, ColdStartMs = 0, RootOvhMs = 0;
  /// Zero-mean samples around RootOvhMs, AckMs and EventDelayMs: the
  /// platform's overheads are skewed (mostly small, sometimes large), so
  /// Monte Carlo draws them instead of adding their means.
  std::vector<float> RootResidual, AckResidual, EventResidual;
  double CpuPeriodMs = DefaultCpuPeriodMs;
  /// How far past its quota an instance runs before it is throttled
  /// (Profile::QuotaSlackMs; empty: exactly at its quota).
  std::vector<double> QuotaSlackMs;
  /// CPUs an instance's threads can run on at once (under its quota): the
  /// platform's machines and Lambda's small sizes have two.
  double InstanceCpus = DefaultInstanceCpus;
  /// CPUs the request's instances share (CostModelOptions::HostCpus); 0:
  /// no limit.
  double HostCpus = 0;
  /// With a host: the time between requests' arrivals (the profile's
  /// samples), which Monte Carlo draws to let requests overlap.
  std::vector<double> ArrivalGapsMs;
  double BillExtraMs = 0;
  bool BillsInit = false;
  /// Measured / predicted cold starts on the traced plan (1: none known).
  double ColdFactor = 1;
  EmulationProfile Emulation;
  std::vector<std::string> Notes; // assumptions, for the explanation

  int taskIndex(const std::string &Name) const;
  double syncOverheadMs(const Edge &E) const {
    return SyncOvhMs + SyncOvhPerByte * E.Bytes;
  }
  /// Wall-clock factor of CPU work at `MemoryMB`: 1 / min(1, share).
  double cpuStretch(unsigned MemoryMB) const;
  double cpuShare(unsigned MemoryMB) const;
  /// Wall-clock time of one thread's `CpuMs` at `MemoryMB` (the CPU quota,
  /// cpuWallSlackMeanMs in Profile.h: the mean over where in a quota
  /// period the run starts and over the quota's slack).
  double cpuWallMs(double CpuMs, unsigned MemoryMB) const;
  /// The least wall-clock time an instance at `MemoryMB` needs for
  /// `CpuMs` of work on all its threads together (the mean).
  double cpuBoundMs(double CpuMs, unsigned MemoryMB) const;
  /// The mean CPU time of an activation of `T` alone in an instance at
  /// `MemoryMB`: its CPU plus InterruptCpuMs for each time the quota
  /// stops it, about c' / Q - 1 times for c' > Q (FastEval; Monte Carlo
  /// counts the interruptions as they happen).
  double interruptedCpuMs(const Task &T, unsigned MemoryMB) const {
    return interruptedCpuMs(T, T.CpuMs, MemoryMB);
  }
  /// The same for a run of `CpuMs` uninterrupted (a configuration's).
  double interruptedCpuMs(const Task &T, double CpuMs, unsigned MemoryMB) const;

  /// Whether any task has runs per configuration (Task::Configs).
  bool HasConfigs = false;
  /// The measured tasks (home or copy) of each block of `L`, sorted, into
  /// `Here` (its vectors reused: FastEval lists them per evaluation): what
  /// a traced configuration's group is matched against. Empty when no
  /// task has configurations.
  void measuredTasksByBlock(const Layout &L,
                            std::vector<std::vector<int>> &Here) const;
  /// Task `T`'s traced configuration that a block of `MemoryMB` whose
  /// measured tasks are `Here` runs it as, or -1.
  int configOf(int T, unsigned MemoryMB, const std::vector<int> &Here) const;

  static Model build(const Graph &G, const Profile &P,
                     const CostModelOptions &O);

private:
  std::vector<std::pair<std::string, int>> Index;
};

/// A plan by index: blocks with memory, each task's home block and copies.
struct Layout {
  std::vector<std::string> Names;
  std::vector<unsigned> Memory, Timeout;
  std::vector<int> Home;                // per task
  std::vector<std::vector<int>> Copies; // per task, other blocks

  size_t blocks() const { return Memory.size(); }
  bool in(int Task, int Block) const {
    if (Home[size_t(Task)] == Block)
      return true;
    for (int C : Copies[size_t(Task)])
      if (C == Block)
        return true;
    return false;
  }
  /// Throws FormatError if the plan leaves out a task of the model.
  static Layout fromPlan(const Model &M, const Plan &P);
  /// Names each group after its first home task (unless `Names` is set),
  /// drops empty blocks.
  Plan toPlan(const Model &M) const;
  /// Removes blocks that hold no home task and renumbers.
  void compact();
};

struct EntryPrediction {
  std::string Task;
  double Share = 1;
  double MeanMs = 0, P50Ms = 0, P99Ms = 0;          // response
  double CompletionP50Ms = 0, CompletionP99Ms = 0;  // last span
  double CostUsd = 0, ColdStarts = 0, Invocations = 0;
};

struct GroupPrediction {
  std::string Name;
  unsigned MemoryMB = 0;
  double Invocations = 0;  // per request
  double MeanDurationMs = 0;
  double CostUsd = 0;      // per request
};

struct Prediction {
  std::vector<EntryPrediction> Entries;
  double MeanMs = 0, P50Ms = 0, P99Ms = 0; // over all requests
  double CompletionP50Ms = 0, CompletionP99Ms = 0;
  double CostUsd = 0; // per request
  double ColdStarts = 0, Invocations = 0, GbSeconds = 0;
  unsigned Functions = 0; // functions that get invoked
  std::vector<GroupPrediction> Groups;

  /// Latency per the options' kind and a quantile (0.5 or 0.99).
  double latency(const EntryPrediction &E, LatencyKind K, double Q) const;
  Json toJson() const;
};

/// Expected-value evaluation for the planners' inner loops.
class FastEval {
public:
  FastEval(const Model &M, const CostModelOptions &O);

  struct Result {
    double CostUsd = 0;
    std::vector<double> EntryMs;     // mean response latency per entry
    std::vector<double> EntryDoneMs; // mean completion per entry
    double latency(LatencyKind K, size_t E) const {
      return K == LatencyKind::Response ? EntryMs[E] : EntryDoneMs[E];
    }
  };
  /// Evaluates `L`; only the tasks of `Component` (>= 0) if given, whose
  /// entries and cost are then the component's.
  void evaluate(const Layout &L, Result &R, int Component = -1);

  /// Expected activations per request, per task and slot.
  const std::vector<std::vector<double>> &massOfSlots() const { return Mass; }

  // Per function after evaluate(): invocations per request, mean
  // invocation duration, cold-start probability.
  std::vector<double> Invocations, InvMs, DoneMs, PCold;
  /// PCold's part from the pool's warm-up (the first requests of a run
  /// meet all of them: Monte Carlo couples it across a request).
  std::vector<double> PWarmup;

private:
  struct Act {
    double Own = 0, Tail = 0, Done = 0, Cpu = 0;
  };
  const Act &act(const Layout &L, int T, int Block);
  /// Model::measuredTasksByBlock of the layout being evaluated.
  std::vector<std::vector<int>> BlockTasks;
  double coldProbability(double Lambda, double InvMs,
                         double *Warmup = nullptr) const;

  const Model &M;
  std::vector<std::vector<double>> Mass; // per task per slot
  std::vector<std::vector<Act>> Acts;    // per task per slot
};

/// Full prediction: FastEval for cold-start probabilities, then Monte
/// Carlo for the distributions. Deterministic for a given seed.
Prediction predict(const Model &M, const Layout &L,
                   const CostModelOptions &O);

} // namespace fusionize

#endif // FUSIONIZE_PLANNER_COSTMODEL_H
