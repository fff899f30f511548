//===- planner/Profile.cpp - What the traces say about the program --------===//
#include "planner/Profile.h"

#include "core/Plan.h"
#include "planner/Otlp.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <tuple>
#include <unordered_map>

namespace fusionize {

double cpuWallMs(double CpuMs, double Share, double PeriodMs) {
  if (CpuMs <= 0 || Share >= 1 || Share <= 0 || PeriodMs <= 0)
    return std::max(0.0, CpuMs);
  double Q = Share * PeriodMs;
  if (CpuMs <= Q)
    return CpuMs;
  // Whole quotas used up, each followed by the rest of its period spent
  // throttled; the last (partial or whole) quota runs unthrottled.
  double Throttled = std::ceil(CpuMs / Q) - 1;
  return Throttled * PeriodMs + (CpuMs - Throttled * Q);
}

double cpuOfWallMs(double WallMs, double Share, double PeriodMs) {
  if (WallMs <= 0 || Share >= 1 || Share <= 0 || PeriodMs <= 0)
    return std::max(0.0, WallMs);
  double Q = Share * PeriodMs;
  double Periods = std::floor(WallMs / PeriodMs);
  return Periods * Q + std::min(Q, WallMs - Periods * PeriodMs);
}

double cpuWallAtMs(double CpuMs, double Share, double PeriodMs,
                   double Phase) {
  if (CpuMs <= 0 || Share >= 1 || Share <= 0 || PeriodMs <= 0)
    return std::max(0.0, CpuMs);
  double Q = Share * PeriodMs;
  double Rest = PeriodMs * (1 - std::clamp(Phase, 0.0, 1.0));
  if (CpuMs <= std::min(Q, Rest))
    return CpuMs;
  // Rest >= Q: the quota runs out, throttled until the period ends.
  // Rest < Q: the period ends first and a fresh quota follows at once.
  double First = std::min(Q, Rest);
  return Rest + cpuWallMs(CpuMs - First, Share, PeriodMs);
}

double cpuWallMeanMs(double CpuMs, double Share, double PeriodMs) {
  if (CpuMs <= 0 || Share >= 1 || Share <= 0 || PeriodMs <= 0)
    return std::max(0.0, CpuMs);
  double Q = Share * PeriodMs;
  if (CpuMs <= Q)
    return CpuMs;
  double P = Q / PeriodMs, K = std::floor(CpuMs / Q), F = CpuMs - K * Q;
  double Periods = (1 - P) * (std::ceil(CpuMs / Q) - 1.5) + P * (K - 1 + F / Q);
  return CpuMs + (PeriodMs - Q) * Periods;
}

double cpuWallSlackMeanMs(double CpuMs, double Share, double PeriodMs,
                          const std::vector<double> &SlackMs) {
  if (SlackMs.empty() || Share >= 1 || Share <= 0 || CpuMs <= 0)
    return cpuWallMeanMs(CpuMs, Share, PeriodMs);
  double Q = Share * PeriodMs, Sum = 0;
  if (CpuMs - *std::min_element(SlackMs.begin(), SlackMs.end()) <= Q)
    return CpuMs; // every slack lets it through
  for (double X : SlackMs)
    Sum += CpuMs - X <= Q ? CpuMs : cpuWallMeanMs(CpuMs - X, Share, PeriodMs) + X;
  return Sum / double(SlackMs.size());
}

std::vector<double> fitQuotaSlack(std::vector<QuotaRun> Runs, double PeriodMs,
                                  std::uint64_t *Used) {
  Runs.erase(std::remove_if(Runs.begin(), Runs.end(),
                            [](const QuotaRun &R) {
                              return std::abs(R.OverMs) > QuotaSlackWindowMs ||
                                     R.QuotaMs <= 0;
                            }),
             Runs.end());
  size_t Throttled = 0;
  for (const QuotaRun &R : Runs)
    Throttled += R.Throttled;
  if (Used)
    *Used = Runs.size();
  if (Runs.size() < 20 || Throttled < 10 || Runs.size() - Throttled < 10)
    return {};
  // X ~ Normal(Mu, Sigma) by maximum likelihood on a grid (a probit
  // regression of the throttled runs on their overrun), over 0.1 ms bins.
  // A run of c > Q that starts less than 2Q - c before its period ends
  // gets a new quota in time (cpuWallAtMs), and a throttled run waits
  // anything from 0 to period - Q: seen throttled = P(X < over) x (1 -
  // the first chance) x (1 - the chance it waited too little to tell).
  constexpr int Bins = int(2 * QuotaSlackWindowMs * 10) + 1;
  struct Bin {
    double N = 0, Thr = 0, Factor = 0;
  };
  std::vector<Bin> B(Bins);
  for (const QuotaRun &R : Runs) {
    int I = std::clamp(int(std::lround((R.OverMs + QuotaSlackWindowMs) * 10)),
                       0, Bins - 1);
    double Saved =
        R.OverMs > 0 ? std::max(0.0, R.QuotaMs - R.OverMs) / PeriodMs : 0;
    double Seen = std::max(
        0.5, 1 - ThrottledDelayMs / std::max(1.0, PeriodMs - R.QuotaMs));
    B[size_t(I)].N += 1;
    B[size_t(I)].Thr += R.Throttled;
    B[size_t(I)].Factor += (1 - Saved) * Seen;
  }
  // In tenths of a ms: a 0.5 ms grid, then 0.1 ms around its best.
  auto LogLik = [&](int M, int S) {
    double LL = 0;
    for (int I = 0; I < Bins; ++I) {
      const Bin &X = B[size_t(I)];
      if (X.N == 0)
        continue;
      double Over = I / 10.0 - QuotaSlackWindowMs;
      double P = 0.5 *
                 std::erfc(-(Over - M / 10.0) / (S / 10.0) / std::sqrt(2.0)) *
                 X.Factor / X.N;
      P = std::clamp(P, 1e-6, 1 - 1e-6);
      LL += X.Thr * std::log(P) + (X.N - X.Thr) * std::log(1 - P);
    }
    return LL;
  };
  double BestLL = -1e300;
  int BestM = 0, BestS = 10;
  auto Search = [&](int M0, int M1, int S0, int S1, int Step) {
    for (int M = M0; M <= M1; M += Step)
      for (int S = std::max(1, S0); S <= std::min(50, S1); S += Step)
        if (double LL = LogLik(M, S); LL > BestLL) {
          BestLL = LL;
          BestM = M;
          BestS = S;
        }
  };
  Search(-50, 50, 5, 50, 5);
  Search(BestM - 4, BestM + 4, BestS - 4, BestS + 4, 1);
  double Mu = BestM / 10.0, Sigma = BestS / 10.0;
  // The normal's quantiles at (k + 1/2) / 8.
  static constexpr double Z[QuotaSlackQuantiles] = {
      -1.5341, -0.8871, -0.4888, -0.1573, 0.1573, 0.4888, 0.8871, 1.5341};
  std::vector<double> Out;
  for (double Zk : Z)
    Out.push_back(Mu + Sigma * Zk);
  return Out;
}

double fitInterruptCpu(const std::vector<InterruptSample> &Configs,
                       unsigned *Used) {
  double W = 0, N = 0, C = 0, MinN = 1e300, MaxN = -1e300, MaxK = 1e300;
  unsigned K = 0;
  for (const InterruptSample &S : Configs) {
    if (S.Runs < InterruptMinRuns)
      continue;
    ++K;
    W += S.Runs;
    N += S.Runs * S.Interruptions;
    C += S.Runs * S.CpuMs;
    MinN = std::min(MinN, S.Interruptions);
    MaxN = std::max(MaxN, S.Interruptions);
    if (S.QuotaMs > 0)
      MaxK = std::min(MaxK, S.QuotaMs / 2);
  }
  if (Used)
    *Used = 0;
  if (K < 2 || MaxN - MinN < InterruptMinSpread || MaxK >= 1e300)
    return 0;
  N /= W;
  C /= W;
  double Sxy = 0, Sxx = 0;
  for (const InterruptSample &S : Configs) {
    if (S.Runs < InterruptMinRuns)
      continue;
    Sxy += S.Runs * (S.Interruptions - N) * (S.CpuMs - C);
    Sxx += S.Runs * (S.Interruptions - N) * (S.Interruptions - N);
  }
  if (Used)
    *Used = K;
  return Sxx > 0 ? std::clamp(Sxy / Sxx, 0.0, MaxK) : 0;
}

const TaskProfile *Profile::task(const std::string &Name) const {
  auto It = Tasks.find(Name);
  return It == Tasks.end() ? nullptr : &It->second;
}

const EdgeProfile *Profile::edge(const std::string &Caller,
                                 const std::string &Callee,
                                 EdgeKind Kind) const {
  for (const EdgeProfile &E : Edges)
    if (E.Caller == Caller && E.Callee == Callee && E.Kind == Kind)
      return &E;
  return nullptr;
}

namespace {

constexpr double NsPerMs = 1e6;

/// Accumulates one profile from many traces.
class Builder {
public:
  Builder(const Graph &G, const TraceSet &TS, const ProfileOptions &O)
      : G(G), TS(TS), O(O), R(O.Seed) {}

  Profile run();

private:
  enum class Role : std::uint8_t { Other, Activation, Client, Platform };

  struct EdgeAcc {
    EdgeProfile P;
    double BytesReqSum = 0, BytesRespSum = 0;
    std::uint64_t BytesN = 0;
    double StartFracSum = 0;
    std::uint64_t StartFracN = 0;
    // Async calls whose result the caller needed before its next
    // synchronous call, of those whose timing tells (activation()).
    std::uint64_t Joined = 0, Decided = 0;
    double CallCpuMsSum = 0; // remote calls' client CPU
    std::uint64_t CallCpuN = 0;
  };
  struct FuncAcc {
    FunctionProfile P;
    double BytesReqSum = 0, BytesRespSum = 0;
    std::uint64_t BytesN = 0;
  };
  struct PendingRun {
    double SelfMs, CpuMs, WaitMs;
    float Interruptions;  // times the quota stopped it
    std::uint32_t Config; // in TaskAcc::Configs
    std::uint8_t Pattern;
    bool Cold; // in a cold invocation
  };
  struct TaskAcc {
    TaskProfile P;
    // Distinct call sets (edge, calls), sorted, by id, and their hashes.
    std::vector<std::vector<std::pair<size_t, int>>> Patterns;
    std::vector<std::uint64_t> PatternHash;
    bool TooManyPatterns = false;
    /// Per pattern: the order of the calls of its first activation that
    /// tells it (edge per synchronous call; per asynchronous call its
    /// edge, the synchronous calls before it, and sums for where it went
    /// and joined).
    struct OrderAcc {
      bool Set = false;
      std::vector<size_t> Sync;
      struct Async {
        size_t Edge = 0;
        unsigned After = 0;
        double FracSum = 0;
        unsigned FracN = 0;
        std::map<unsigned, unsigned> Joins; // before which call -> times
      };
      std::vector<Async> Asyncs;
    };
    std::vector<OrderAcc> Orders; // parallel to Patterns
    double CodecMsSum = 0; // remote activations' codec CPU
    std::uint64_t CodecN = 0;
    /// The shared lock over the runs with CPU measured: waits, CPU held,
    /// runs that held it, runs.
    double LockWaitSum = 0, LockHoldSum = 0;
    std::uint64_t LockHolds = 0, LockRuns = 0;
    /// The runs with CPU measured, kept until the interruption cost is
    /// known (fitInterruptCpu over Configs), then added in their order.
    std::vector<PendingRun> Runs;
    struct Config {
      std::int32_t File, Group;
      unsigned MemoryMB;
      InterruptSample S; // sums until the fit
    };
    std::vector<Config> Configs;
  };
  struct Deferred { // activation without fusion.cpu_ns
    int Task;
    double SelfMs, Share;
  };

  void trace(size_t Begin, size_t End);
  void activation(size_t A);
  /// Where the activation's asynchronous calls went among its synchronous
  /// ones (SyncSeq, AsyncSeq), into its pattern's order.
  void placeCalls(TaskAcc &Acc, std::uint8_t Pattern, std::int64_t Start,
                  std::int64_t OwnEnd);
  /// Adds a measured run's times to its task's distributions.
  void addRun(TaskAcc &Acc, double SelfMs, double CpuMs, double WaitMs,
              std::uint8_t Pattern = TaskProfile::NoPattern);
  void invocation(size_t P, size_t Act); // P: platform span or -1
  void request(size_t Root);
  EdgeKind kindOf(int Caller, int Callee, std::int8_t SyncAttr);
  EdgeAcc &edge(int Caller, int Callee, EdgeKind K);
  TaskAcc &taskAcc(int NameId);
  /// The CPU share the trace's runs had (1: not throttled).
  double share(double MemoryMB) const {
    if (MemoryMB <= 0 || !O.TraceEmulation.Enabled)
      return 1;
    double S = O.TraceEmulation.cpuShare(unsigned(MemoryMB));
    return S > 0 ? S : 1;
  }
  double price(double Ms, double MemoryMB) const {
    unsigned M = MemoryMB > 0 ? unsigned(MemoryMB) : DefaultMemoryMB;
    return O.TraceEmulation.Price.invocationUsd(Ms, M);
  }

  const Graph &G;
  const TraceSet &TS;
  const ProfileOptions &O;
  Rng R;

  // Per trace (reused).
  std::vector<size_t> Idx;                    // spans of the trace
  std::vector<std::pair<std::uint64_t, int>> ById;
  std::vector<int> Parent;                    // local index, -1
  std::vector<int> ChildStart, ChildList;     // CSR children
  std::vector<Role> Roles;
  std::vector<float> Memory;                  // effective memory size
  std::vector<char> InCold;                   // in a cold invocation
  std::vector<char> Threaded; // a runtime SERVER span that started threads
  /// Per runtime SERVER span: its remote asynchronous calls' client CPU,
  /// on threads other than its own (the instance's CPU all the same).
  std::vector<float> DispatchCpu; // ns
  /// The runtime SERVER span (invocation) an activation runs in.
  size_t invocationOf(size_t A) const {
    while (TS.Spans[Idx[A]].Kind != SpanKind::Server && Parent[A] >= 0)
      A = size_t(Parent[A]);
    return A;
  }
  std::vector<int> Eff;                       // effective children scratch
  std::vector<std::uint8_t> EffSync;          // Eff[i] is a sync call
  struct Placed {                             // a call with its edge
    std::int64_t StartNs, EndNs;
    size_t Edge;
    bool Dispatched; // RawSpan::Dispatched
  };
  std::vector<Placed> SyncSeq, AsyncSeq; // an activation's, by start

  // Aggregates.
  std::unordered_map<int, TaskAcc> TaskAccs;
  std::unordered_map<std::uint64_t, size_t> EdgeIdx;
  std::vector<EdgeAcc> EdgeAccs;
  std::unordered_map<int, FuncAcc> FuncAccs;
  std::vector<Deferred> NoCpu;
  /// Fits each task's interruption cost and adds its runs.
  void settleRuns();
  double estimateInterruptCpu(TaskAcc &T, double LeastMemoryMB);
  double leastMemoryMB() const;
  struct ColdRun { // an activation in a cold invocation, with CPU measured
    int Task;
    double SelfMs, CpuMs, WaitMs;
    std::uint8_t Pattern;
  };
  std::vector<ColdRun> ColdRuns;
  std::vector<QuotaRun> QuotaRuns; // single-threaded, with a CPU quota
  double CpuWallSum = 0, SelfSum = 0;
  struct RootTime {
    std::int64_t Start, End;
    std::int32_t File;
    bool operator<(const RootTime &O) const { return Start < O.Start; }
  };
  std::vector<RootTime> RootTimes;
  std::map<int, EntryProfile> Entries;
  /// Per trace file: group -> tasks seen running in it, memory size.
  struct FileGroup {
    std::set<int> Tasks;
    unsigned MemoryMB = 0;
    double PeakMemoryMB = 0; // the most any of its instances used
    double InitMemoryMB = 0; // the least one used before its first task
    bool operator==(const FileGroup &O) const {
      return Tasks == O.Tasks && MemoryMB == O.MemoryMB;
    }
  };
  std::map<std::int32_t, std::map<int, FileGroup>> FileGroups;
  std::vector<double> WarmOverheadForCold; // (cold overhead) samples
  std::uint64_t Traces = 0;
  std::vector<int> GraphKinds; // per name id: bit0 sync edge, bit1 async
  std::vector<char> InGraph;   // per name id: a task of the graph
  std::uint64_t ForeignRequests = 0; // whose entry the graph does not have
  std::unordered_map<std::uint64_t, int> GraphEdgeKinds;
  Profile Out;
};

std::uint64_t edgeKey(int Caller, int Callee) {
  return (std::uint64_t(std::uint32_t(Caller)) << 32) |
         std::uint32_t(Callee);
}

Builder::TaskAcc &Builder::taskAcc(int NameId) {
  auto [It, New] = TaskAccs.try_emplace(NameId);
  if (New) {
    It->second.P.Name = TS.Names.name(NameId);
    It->second.P.CpuMs = Distribution(512);
    It->second.P.WaitMs = Distribution(512);
    It->second.P.SelfMs = Distribution(512);
  }
  return It->second;
}

EdgeKind Builder::kindOf(int Caller, int Callee, std::int8_t SyncAttr) {
  auto It = GraphEdgeKinds.find(edgeKey(Caller, Callee));
  int Kinds = It == GraphEdgeKinds.end() ? 0 : It->second;
  if (Kinds == 1)
    return EdgeKind::Sync;
  if (Kinds == 2)
    return EdgeKind::Async;
  return SyncAttr == 0 ? EdgeKind::Async : EdgeKind::Sync;
}

Builder::EdgeAcc &Builder::edge(int Caller, int Callee, EdgeKind K) {
  std::uint64_t Key = edgeKey(Caller, Callee) * 2 + (K == EdgeKind::Async);
  auto [It, New] = EdgeIdx.try_emplace(Key, EdgeAccs.size());
  if (New) {
    EdgeAccs.emplace_back();
    EdgeProfile &P = EdgeAccs.back().P;
    P.Caller = TS.Names.name(Caller);
    P.Callee = TS.Names.name(Callee);
    P.Kind = K;
  }
  return EdgeAccs[It->second];
}

Profile Builder::run() {
  Out.Sources = TS.Files;
  Out.Spans = TS.Spans.size();
  Out.TraceEmulation = O.TraceEmulation.Name;
  Out.HostCpus = TS.HostCpus;
  if (TS.Spans.empty()) {
    std::string Files;
    for (const std::string &F : TS.Files)
      Files += (Files.empty() ? "" : ", ") + F;
    throw FormatError(Files + ": the trace has no spans");
  }
  InGraph.assign(TS.Names.size(), 0);
  for (const TaskNode &T : G.Tasks)
    if (int Id = TS.Names.find(T.Name); Id >= 0)
      InGraph[size_t(Id)] = 1;
  for (const Edge &E : G.Edges) {
    int C = TS.Names.find(E.Caller), D = TS.Names.find(E.Callee);
    if (C >= 0 && D >= 0)
      GraphEdgeKinds[edgeKey(C, D)] |= E.Kind == EdgeKind::Sync ? 1 : 2;
  }

  // Group the spans by trace, in start order.
  std::vector<size_t> Order(TS.Spans.size());
  std::iota(Order.begin(), Order.end(), size_t(0));
  std::sort(Order.begin(), Order.end(), [&](size_t A, size_t B) {
    const RawSpan &X = TS.Spans[A], &Y = TS.Spans[B];
    if (X.TraceHi != Y.TraceHi)
      return X.TraceHi < Y.TraceHi;
    if (X.TraceLo != Y.TraceLo)
      return X.TraceLo < Y.TraceLo;
    return X.StartNs < Y.StartNs;
  });
  for (size_t I = 0; I < Order.size();) {
    size_t J = I;
    const RawSpan &S = TS.Spans[Order[I]];
    while (J < Order.size() && TS.Spans[Order[J]].TraceHi == S.TraceHi &&
           TS.Spans[Order[J]].TraceLo == S.TraceLo)
      ++J;
    Idx.assign(Order.begin() + long(I), Order.begin() + long(J));
    trace(0, Idx.size());
    I = J;
  }
  Out.Traces = Traces;
  settleRuns();

  // Runs in cold invocations: a task's samples are its warm runs when it
  // had any, and the cold runs' extra CPU time is kept apart (the model
  // adds it to a task's activations in cold invocations of any plan).
  {
    std::unordered_map<int, std::pair<double, std::uint64_t>> ColdCpu;
    for (const ColdRun &C : ColdRuns) {
      auto &[Sum, N] = ColdCpu[C.Task];
      Sum += C.CpuMs;
      ++N;
    }
    for (auto &[Task, SN] : ColdCpu) {
      TaskAcc &T = TaskAccs[Task];
      T.P.ColdRuns = SN.second;
      if (T.P.CpuMs.count() > 0)
        T.P.ColdExtraCpuMs =
            std::max(0.0, SN.first / double(SN.second) - T.P.CpuMs.mean());
    }
    for (const ColdRun &C : ColdRuns) {
      TaskAcc &T = TaskAccs[C.Task];
      if (T.P.CpuMeasured == T.P.ColdRuns)
        addRun(T, C.SelfMs, C.CpuMs, C.WaitMs, C.Pattern); // no warm run
    }
  }

  Out.QuotaSlackMs = fitQuotaSlack(std::move(QuotaRuns), O.CpuPeriodMs,
                                   &Out.QuotaRuns);

  // Activations without fusion.cpu_ns: split their self time with the
  // CPU fraction of those that had it (all CPU when none had it).
  double Fraction = SelfSum > 0 ? std::clamp(CpuWallSum / SelfSum, 0.0, 1.0)
                                : 1.0;
  if (!NoCpu.empty() && SelfSum <= 0)
    Out.Warnings.push_back("no span has fusion.cpu_ns: self time is treated "
                           "as CPU time");
  for (const Deferred &D : NoCpu) {
    TaskAcc &T = TaskAccs[D.Task];
    double CpuWall = D.SelfMs * Fraction;
    double Cpu = cpuOfWallMs(CpuWall, D.Share, O.CpuPeriodMs),
           Wait = D.SelfMs - CpuWall;
    T.P.CpuMs.add(Cpu, R);
    T.P.WaitMs.add(Wait, R);
    if (T.P.Joint.size() < 1024) {
      T.P.Joint.emplace_back(float(Cpu), float(Wait));
      T.P.JointPattern.push_back(TaskProfile::NoPattern);
    }
  }

  // Which graph tasks did the traces show?
  std::set<std::string> Seen;
  for (auto &[Id, T] : TaskAccs)
    Seen.insert(T.P.Name);
  for (auto &[Id, F] : FuncAccs)
    Seen.insert(F.P.Name);
  size_t Known = 0;
  for (const TaskNode &T : G.Tasks) {
    if (Seen.count(T.Name))
      ++Known;
    else
      Out.MissingTasks.push_back(T.Name);
  }
  std::set<std::string> GraphTasks;
  for (const TaskNode &T : G.Tasks)
    GraphTasks.insert(T.Name);
  for (const std::string &S : Seen)
    if (!GraphTasks.count(S))
      Out.UnknownTasks.push_back(S);
  std::string Files;
  for (const std::string &F : TS.Files)
    Files += (Files.empty() ? "" : ", ") + F;
  if (Known == 0) {
    std::string Some;
    size_t N = 0;
    for (const std::string &S : Seen)
      if (N++ < 5)
        Some += (Some.empty() ? "" : ", ") + S;
    throw FormatError(
        Files + ": none of the " + std::to_string(G.Tasks.size()) +
        " tasks of the graph appear in the trace" +
        (Seen.empty() ? std::string(" (it names no task at all)")
                      : " (it shows " + Some +
                            (Seen.size() > 5 ? ", ..." : "") + ")") +
        "; is it a trace of another program?");
  }
  if (!Out.MissingTasks.empty()) {
    std::string List;
    for (size_t I = 0; I < Out.MissingTasks.size() && I < 8; ++I)
      List += (I ? ", " : "") + Out.MissingTasks[I];
    if (Out.MissingTasks.size() > 8)
      List += ", ...";
    Out.Warnings.push_back(
        std::to_string(Out.MissingTasks.size()) + " of " +
        std::to_string(G.Tasks.size()) +
        " tasks never ran in the trace (" + List +
        "): their times are static cost estimates scaled by the measured "
        "tasks, their calls the static estimates");
  }
  if (!Out.UnknownTasks.empty()) {
    std::string List;
    for (size_t I = 0; I < Out.UnknownTasks.size() && I < 8; ++I)
      List += (I ? ", " : "") + Out.UnknownTasks[I];
    Out.Warnings.push_back(
        "the trace shows " + std::to_string(Out.UnknownTasks.size()) +
        " task(s) the graph does not have (" + List + "); they are ignored" +
        (ForeignRequests ? ", as are the " + std::to_string(ForeignRequests) +
                               " request(s) that entered through one"
                         : std::string()));
  }

  // Tasks, their call sets by callee.
  for (auto &[Id, T] : TaskAccs) {
    if (T.TooManyPatterns) {
      T.P.JointPattern.clear();
    } else {
      T.P.CallPatterns.resize(T.Patterns.size());
      for (size_t PId = 0; PId < T.Patterns.size(); ++PId)
        for (auto [EI, Count] : T.Patterns[PId]) {
          const EdgeProfile &E = EdgeAccs[EI].P;
          T.P.CallPatterns[PId].push_back(
              {E.Callee, E.Kind,
               std::uint16_t(std::min(Count, 65535))});
        }
      T.P.PatternOrders.resize(T.Patterns.size());
      for (size_t PId = 0; PId < T.Orders.size(); ++PId) {
        const TaskAcc::OrderAcc &O = T.Orders[PId];
        TaskProfile::CallOrder &CO = T.P.PatternOrders[PId];
        if (!O.Set || O.Sync.size() > 65535)
          continue;
        for (size_t EI : O.Sync)
          CO.Sync.push_back(EdgeAccs[EI].P.Callee);
        for (const auto &X : O.Asyncs) {
          TaskProfile::AsyncPlace AP;
          AP.Callee = EdgeAccs[X.Edge].P.Callee;
          AP.After = std::uint16_t(X.After);
          AP.Fraction = X.FracN ? float(X.FracSum / X.FracN) : 0.0f;
          unsigned Most = 0; // the join seen most often, the earlier on a tie
          for (auto [Before, Times] : X.Joins)
            if (Times > Most) {
              Most = Times;
              AP.JoinBefore = std::int32_t(Before);
            }
          CO.Async.push_back(std::move(AP));
        }
      }
    }
    if (T.CodecN)
      T.P.InvokeCpuMs = T.CodecMsSum / double(T.CodecN);
    Out.Tasks.emplace(T.P.Name, std::move(T.P));
  }
  // Edges.
  std::set<std::tuple<std::string, std::string, int>> GraphEdges;
  for (const Edge &E : G.Edges)
    GraphEdges.emplace(E.Caller, E.Callee, int(E.Kind));
  for (EdgeAcc &E : EdgeAccs) {
    EdgeProfile &P = E.P;
    const TaskProfile *Caller = Out.task(P.Caller);
    P.CallsPerActivation =
        Caller && Caller->Activations ? double(P.Calls) / Caller->Activations
                                      : 0;
    P.CallsPerRequest = Out.Requests ? double(P.Calls) / Out.Requests : 0;
    if (E.BytesN) {
      P.BytesReq = E.BytesReqSum / E.BytesN;
      P.BytesResp = E.BytesRespSum / E.BytesN;
    }
    if (E.StartFracN)
      P.StartFraction = E.StartFracSum / E.StartFracN;
    if (E.CallCpuN)
      P.CallCpuMs = E.CallCpuMsSum / double(E.CallCpuN);
    if (P.Kind == EdgeKind::Async && E.Decided)
      P.JoinedShare = double(E.Joined) / double(E.Decided);
    P.InGraph = GraphEdges.count({P.Caller, P.Callee, int(P.Kind)}) > 0;
    Out.Edges.push_back(std::move(P));
  }
  std::sort(Out.Edges.begin(), Out.Edges.end(),
            [](const EdgeProfile &A, const EdgeProfile &B) {
              return std::tie(A.Caller, A.Callee, A.Kind) <
                     std::tie(B.Caller, B.Callee, B.Kind);
            });
  for (auto &[Id, F] : FuncAccs) {
    if (F.BytesN) {
      F.P.BytesReq = F.BytesReqSum / F.BytesN;
      F.P.BytesResp = F.BytesRespSum / F.BytesN;
    }
    Out.Functions.emplace(F.P.Name, std::move(F.P));
  }
  // Cold starts without init_ms: extra overhead of cold over warm calls.
  if (!WarmOverheadForCold.empty() && !Out.Overhead.SyncSamples.empty()) {
    double Warm = 0;
    for (auto &S : Out.Overhead.SyncSamples)
      Warm += S.first;
    Warm /= double(Out.Overhead.SyncSamples.size());
    for (double C : WarmOverheadForCold)
      Out.Overhead.ColdExtraMs.add(std::max(0.0, C - Warm), R);
  }

  // Requests: arrival rate, window, concurrency.
  // Files of separate runs (the traces of two plans) leave a gap between
  // their windows that is no time of the workload: the window is the union
  // of the files' windows (shards of one run overlap), the rate the mean
  // over its parts.
  std::sort(RootTimes.begin(), RootTimes.end());
  {
    std::map<std::int32_t, std::pair<std::int64_t, std::int64_t>> FileSpan;
    for (const RootTime &T : RootTimes) {
      auto [It, New] = FileSpan.try_emplace(T.File, T.Start, T.Start);
      It->second.second = std::max(It->second.second, T.Start);
    }
    std::vector<std::pair<std::int64_t, std::int64_t>> Parts;
    for (auto &[F, Span] : FileSpan)
      Parts.push_back(Span);
    std::sort(Parts.begin(), Parts.end());
    std::vector<std::pair<std::int64_t, std::int64_t>> Union;
    for (auto P : Parts)
      if (!Union.empty() && P.first <= Union.back().second)
        Union.back().second = std::max(Union.back().second, P.second);
      else
        Union.push_back(P);
    double W = 0;
    for (auto [B, E] : Union)
      W += double(E - B) / 1e9;
    // Gaps between consecutive requests of one part (not across runs).
    size_t Part = 0;
    for (size_t I = 1; I < RootTimes.size(); ++I) {
      std::int64_t A = RootTimes[I - 1].Start, B = RootTimes[I].Start;
      while (Part < Union.size() && Union[Part].second < A)
        ++Part;
      if (Part < Union.size() && B <= Union[Part].second)
        Out.ArrivalGapMs.add(double(B - A) / 1e6, R);
    }
    // A part's first request starts its window: n requests, n - 1 gaps.
    if (RootTimes.size() >= 2) {
      Out.WindowS = W;
      Out.RequestRate =
          W > 0 ? std::max(0.0, double(RootTimes.size() - Union.size())) / W
                : 0;
    }
  }
  {
    std::vector<std::pair<std::int64_t, int>> Ev;
    for (auto &T : RootTimes) {
      Ev.emplace_back(T.Start, 1);
      Ev.emplace_back(T.End, -1);
    }
    std::sort(Ev.begin(), Ev.end());
    int Cur = 0, Peak = 0;
    for (auto &E : Ev)
      Peak = std::max(Peak, Cur += E.second);
    Out.PeakConcurrency = Peak;
  }
  for (auto &[Id, E] : Entries) {
    E.ColdStartsPerRequest /= double(std::max<std::uint64_t>(1, E.Requests));
    E.InvocationsPerRequest /= double(std::max<std::uint64_t>(1, E.Requests));
    Out.Entries.emplace(E.Task, std::move(E));
  }
  // The plan the traces ran: when files show different plans (traces of
  // two builds), the last file's.
  std::vector<const std::map<int, FileGroup> *> Plans;
  for (auto &FG : FileGroups) {
    const std::map<int, FileGroup> &Groups = FG.second;
    if (std::none_of(Plans.begin(), Plans.end(),
                     [&](auto *P) { return *P == Groups; }))
      Plans.push_back(&Groups);
  }
  Out.ObservedPlans = unsigned(Plans.size());
  if (!FileGroups.empty())
    for (auto &[Group, FG] : FileGroups.rbegin()->second) {
      auto &OG = Out.ObservedGroups[TS.Names.name(Group)];
      for (int T : FG.Tasks)
        OG.Tasks.push_back(TS.Names.name(T));
      OG.MemoryMB = FG.MemoryMB;
    }
  if (Out.Requests == 0)
    Out.Warnings.push_back("no span without a parent: the trace shows no "
                           "whole request, so arrival rate and calls per "
                           "request are unknown");
  return std::move(Out);
}

void Builder::trace(size_t Begin, size_t End) {
  ++Traces;
  size_t N = End - Begin;
  ById.clear();
  for (size_t I = 0; I < N; ++I)
    ById.emplace_back(TS.Spans[Idx[Begin + I]].SpanId, int(I));
  std::sort(ById.begin(), ById.end());
  Parent.assign(N, -1);
  std::vector<int> Count(N + 1, 0);
  for (size_t I = 0; I < N; ++I) {
    std::uint64_t P = TS.Spans[Idx[Begin + I]].ParentId;
    if (!P)
      continue;
    auto It = std::lower_bound(ById.begin(), ById.end(),
                               std::make_pair(P, -1));
    if (It != ById.end() && It->first == P && size_t(It->second) != I) {
      Parent[I] = It->second;
      ++Count[size_t(It->second)];
    }
  }
  ChildStart.assign(N + 1, 0);
  for (size_t I = 0; I < N; ++I)
    ChildStart[I + 1] = ChildStart[I] + Count[I];
  ChildList.assign(size_t(ChildStart[N]), 0);
  std::vector<int> Fill(ChildStart.begin(), ChildStart.end() - 1);
  for (size_t I = 0; I < N; ++I) // spans are in start order already
    if (Parent[I] >= 0)
      ChildList[size_t(Fill[size_t(Parent[I])]++)] = int(I);

  Roles.assign(N, Role::Other);
  for (size_t I = 0; I < N; ++I) {
    const RawSpan &S = TS.Spans[Idx[I]];
    if (S.Kind == SpanKind::Server)
      Roles[I] = S.Platform ? Role::Platform : Role::Activation;
    else if (S.Kind == SpanKind::Client)
      Roles[I] = Role::Client;
    else if (S.Kind == SpanKind::Internal && S.Task >= 0)
      Roles[I] = Role::Activation;
  }
  // A platform span with no runtime span below it stands for the activation.
  for (size_t I = 0; I < N; ++I) {
    if (Roles[I] != Role::Platform)
      continue;
    bool Has = false;
    for (int C = ChildStart[I]; C < ChildStart[I + 1]; ++C)
      Has |= Roles[size_t(ChildList[size_t(C)])] == Role::Activation;
    if (!Has && TS.Spans[Idx[I]].Task >= 0)
      Roles[I] = Role::Activation;
  }
  // Effective memory size: inherited from the enclosing invocation. Spans
  // are in start order, so a parent is seen before its children.
  Memory.assign(N, -1);
  for (size_t I = 0; I < N; ++I) {
    float M = TS.Spans[Idx[I]].MemoryMB;
    if (M <= 0 && Parent[I] >= 0 && Roles[I] != Role::Platform &&
        Roles[size_t(Parent[I])] != Role::Client)
      M = Memory[size_t(Parent[I])];
    Memory[I] = M;
  }
  // In a cold invocation: the runtime's or the platform's span says so,
  // and fused calls below it inherit it (a remote call starts anew).
  InCold.assign(N, 0);
  for (size_t I = 0; I < N; ++I) {
    const RawSpan &S = TS.Spans[Idx[I]];
    int P = Parent[I];
    if (S.Kind == SpanKind::Server)
      InCold[I] = S.Cold == 1 || (P >= 0 && Roles[size_t(P)] == Role::Platform &&
                                  InCold[size_t(P)]);
    else if (P >= 0 && Roles[size_t(P)] != Role::Client)
      InCold[I] = InCold[size_t(P)];
  }

  Threaded.assign(N, 0);
  DispatchCpu.assign(N, 0);
  for (size_t I = 0; I < N; ++I) {
    if (Roles[I] == Role::Activation)
      activation(I);
    const RawSpan &S = TS.Spans[Idx[I]];
    if (Roles[I] == Role::Platform) {
      int Act = -1;
      for (int C = ChildStart[I]; C < ChildStart[I + 1]; ++C)
        if (Roles[size_t(ChildList[size_t(C)])] == Role::Activation)
          Act = ChildList[size_t(C)];
      invocation(I, Act < 0 ? I : size_t(Act));
    } else if (Roles[I] == Role::Activation && S.Kind == SpanKind::Server &&
               (Parent[I] < 0 || Roles[size_t(Parent[I])] != Role::Platform)) {
      invocation(size_t(-1), I);
    }
    if (S.ParentId == 0 && S.Kind == SpanKind::Server)
      request(I);
  }
  // Invocations that ran on one thread, near a CPU quota: what the quota's
  // slack is fitted on.
  for (size_t I = 0; I < N; ++I) {
    const RawSpan &S = TS.Spans[Idx[I]];
    if (Roles[I] != Role::Activation || S.Kind != SpanKind::Server ||
        S.Platform || Threaded[I] || S.CpuNs < 0 || S.RunDelayMs < 0)
      continue;
    double Q = share(Memory[I]) * O.CpuPeriodMs;
    // The instance's throttled time, where recorded, also sees throttling
    // that the invocation's other threads (remote calls' dispatch) met
    // while this one slept; run delay also sees other instances' CPU.
    bool Throttled = S.ThrottledMs >= 0 ? S.ThrottledMs >= ThrottledDelayMs
                                        : S.RunDelayMs >= ThrottledDelayMs;
    if (Q < O.CpuPeriodMs)
      QuotaRuns.push_back(
          {(double(S.CpuNs) + DispatchCpu[I]) / NsPerMs - Q, Q, Throttled});
  }
}

void Builder::placeCalls(TaskAcc &Acc, std::uint8_t Pattern, std::int64_t Start,
                         std::int64_t OwnEnd) {
  auto ByStart = [](const Placed &X, const Placed &Y) {
    return std::tie(X.StartNs, X.EndNs, X.Edge) <
           std::tie(Y.StartNs, Y.EndNs, Y.Edge);
  };
  std::sort(SyncSeq.begin(), SyncSeq.end(), ByStart);
  std::sort(AsyncSeq.begin(), AsyncSeq.end(), ByStart);
  // A synchronous call came before a dispatch if it ended before it (the
  // caller makes them one after another; the runtime begins asynchronous
  // work's span at its dispatch). Each dispatch is then placed as the
  // number of synchronous calls before it.
  const size_t N = SyncSeq.size();
  auto callsBefore = [&](std::int64_t At) {
    size_t I = 0;
    while (I < N && SyncSeq[I].EndNs <= At)
      ++I;
    return unsigned(I);
  };
  // Runtimes before fusion.queued_ns began the span when a worker took the
  // work up, up to 1 ms after the dispatch: a call that began and ended in
  // that time may have come after the dispatch (the web shop's fused
  // currency conversion). Such an activation does not tell the order.
  const std::int64_t Pickup = std::int64_t(NsPerMs);
  for (const Placed &K : AsyncSeq)
    if (!K.Dispatched)
      for (const Placed &C : SyncSeq)
        if (C.EndNs <= K.StartNs && C.StartNs > K.StartNs - Pickup)
          return;
  TaskAcc::OrderAcc &O = Acc.Orders[Pattern];
  if (!O.Set) {
    O.Set = true;
    for (const Placed &C : SyncSeq)
      O.Sync.push_back(C.Edge);
    for (const Placed &C : AsyncSeq) {
      TaskAcc::OrderAcc::Async X;
      X.Edge = C.Edge;
      X.After = callsBefore(C.StartNs);
      O.Asyncs.push_back(std::move(X));
    }
  } else {
    // The same calls in another order: this activation tells nothing about
    // the pattern's.
    if (O.Sync.size() != N || O.Asyncs.size() != AsyncSeq.size())
      return;
    for (size_t I = 0; I < N; ++I)
      if (O.Sync[I] != SyncSeq[I].Edge)
        return;
    for (size_t I = 0; I < AsyncSeq.size(); ++I)
      if (O.Asyncs[I].Edge != AsyncSeq[I].Edge ||
          O.Asyncs[I].After != callsBefore(AsyncSeq[I].StartNs))
        return;
  }
  // The caller wakes after the result was recorded, so only the clocks'
  // difference (a fused span's converted TSC against a remote one's wall
  // clock: microseconds) puts a call it waited for before the result.
  // A fused result comes within microseconds of the calls around it: a
  // call begun 30 us before it was not waited for (the web shop's fused
  // currency conversion, before the recommendations it went on beside).
  const std::int64_t Early = std::int64_t(0.01 * NsPerMs),
                     Late = std::int64_t(NsPerMs);
  for (size_t I = 0; I < AsyncSeq.size(); ++I) {
    const Placed &K = AsyncSeq[I];
    TaskAcc::OrderAcc::Async &P = O.Asyncs[I];
    // Into the stretch of own time between the calls around the dispatch.
    std::int64_t From = P.After ? SyncSeq[P.After - 1].EndNs : Start,
                 To = P.After < N ? SyncSeq[P.After].StartNs : OwnEnd;
    P.FracSum +=
        To > From
            ? std::clamp(double(K.StartNs - From) / double(To - From), 0.0, 1.0)
            : 0.0;
    ++P.FracN;
    // Where the caller waited for the result: not before a call it began
    // before the result came; before the first one it began after, if it
    // began that call as the result came (within [-0.01, +1] ms) without
    // being in another call then. A result that came while the caller was
    // in a call, or well before its next one, says nothing; one that came
    // after the caller began its last call: after its last call (at its
    // end, or not at all).
    size_t J = P.After;
    while (J < N && SyncSeq[J].StartNs < K.EndNs - Early)
      ++J;
    if (J == N) {
      ++P.Joins[unsigned(N)];
      continue;
    }
    std::int64_t Free = J > P.After ? SyncSeq[J - 1].EndNs : K.StartNs;
    if (Free <= K.EndNs && SyncSeq[J].StartNs <= K.EndNs + Late)
      ++P.Joins[unsigned(J)];
  }
}

void Builder::activation(size_t A) {
  const RawSpan &S = TS.Spans[Idx[A]];
  int T = S.Task;
  TaskAcc &Acc = taskAcc(T);
  ++Acc.P.Activations;
  if (S.Kind == SpanKind::Internal)
    ++Acc.P.Local;
  else
    ++Acc.P.Remote;
  if (Memory[A] > 0)
    ++Acc.P.MemoryMB[unsigned(Memory[A])];
  int Group = S.Group;
  if (Group >= 0) {
    FileGroup &FG = FileGroups[S.File][Group];
    FG.Tasks.insert(T);
    if (Memory[A] > 0)
      FG.MemoryMB = unsigned(Memory[A]);
  }

  // Effective children: through spans that are neither activations nor
  // calls (the application's own INTERNAL spans).
  Eff.clear();
  std::vector<int> Stack(ChildList.begin() + ChildStart[A],
                         ChildList.begin() + ChildStart[A + 1]);
  while (!Stack.empty()) {
    int C = Stack.back();
    Stack.pop_back();
    Role Ro = Roles[size_t(C)];
    if (Ro == Role::Activation || Ro == Role::Client) {
      Eff.push_back(C);
    } else if (Ro == Role::Other) {
      Stack.insert(Stack.end(), ChildList.begin() + ChildStart[size_t(C)],
                   ChildList.begin() + ChildStart[size_t(C) + 1]);
    }
  }

  std::int64_t Start = S.StartNs, End = S.EndNs;
  double Dur = double(End - Start);
  double Tol = std::max(0.1 * NsPerMs, 0.005 * Dur);
  std::vector<std::pair<std::int64_t, std::int64_t>> SyncIv;
  std::int64_t LastSyncEnd = Start, LastAsyncStart = Start;
  std::int64_t LastAsyncEnd = -1; // none
  double ChildCpu = 0, ChildDelay = 0, ChildFaultMB = 0;
  double ChildLockWait = 0, ChildLockHold = 0;
  // Count calls per edge for this activation.
  std::vector<std::pair<size_t, int>> Calls;
  std::vector<std::pair<size_t, std::int64_t>> AsyncStarts;
  // Which children are synchronous calls (by the graph: a remote call with
  // a result made from a thread carries fusion.sync = true).
  EffSync.assign(Eff.size(), 0);
  SyncSeq.clear();
  AsyncSeq.clear();
  for (size_t I = 0; I < Eff.size(); ++I) {
    const RawSpan &K = TS.Spans[Idx[size_t(Eff[I])]];
    int Callee = K.Task >= 0 ? K.Task : K.Function;
    EffSync[I] = Callee >= 0 && kindOf(T, Callee, K.Sync) == EdgeKind::Sync;
  }
  for (int C : Eff) {
    const RawSpan &K = TS.Spans[Idx[size_t(C)]];
    int Callee = K.Task >= 0 ? K.Task : K.Function;
    if (Callee < 0)
      continue;
    EdgeKind Kind = kindOf(T, Callee, K.Sync);
    EdgeAcc &E = edge(T, Callee, Kind);
    size_t EI = size_t(&E - EdgeAccs.data());
    ++E.P.Calls;
    (Kind == EdgeKind::Sync ? SyncSeq : AsyncSeq)
        .push_back({K.StartNs, K.EndNs, EI, K.Dispatched});
    bool Found = false;
    for (auto &P : Calls)
      if (P.first == EI) {
        ++P.second;
        Found = true;
      }
    if (!Found)
      Calls.emplace_back(EI, 1);
    bool Remote = Roles[size_t(C)] == Role::Client;
    if (Remote && K.CpuNs >= 0) {
      // The client's work (the runtime's HTTP call), which fusing removes:
      // on the caller's thread for a synchronous call (not the task's own
      // CPU then), on a worker's for an asynchronous one (the instance's
      // CPU all the same).
      E.CallCpuMsSum += double(K.CpuNs) / NsPerMs;
      ++E.CallCpuN;
      if (Kind == EdgeKind::Sync)
        ChildCpu += double(K.CpuNs);
      else
        DispatchCpu[invocationOf(A)] += float(K.CpuNs);
    }
    if (Remote) {
      ++E.P.Remote;
      if (K.BytesReq >= 0 || K.BytesResp >= 0) {
        E.BytesReqSum += std::max(0.0f, K.BytesReq);
        E.BytesRespSum += std::max(0.0f, K.BytesResp);
        ++E.BytesN;
      }
    } else {
      ++E.P.Local;
    }
    if (Kind == EdgeKind::Sync) {
      SyncIv.emplace_back(std::max(K.StartNs, Start), std::min(K.EndNs, End));
      LastSyncEnd = std::max(LastSyncEnd, K.EndNs);
      if (!Remote && K.CpuNs >= 0)
        ChildCpu += double(K.CpuNs);
      if (!Remote && K.RunDelayMs > 0)
        ChildDelay += double(K.RunDelayMs) * NsPerMs;
      if (!Remote) { // on this thread: theirs, not this activation's
        ChildFaultMB += std::max(0.0f, K.FaultMB);
        ChildLockWait += double(K.LockWaitMs);
        ChildLockHold += double(K.LockHoldCpuMs);
      }
    } else {
      // A remote asynchronous call (an Event's acknowledgement, or a call
      // whose result is collected later) is not the caller's own time
      // either: the model adds its end to the caller's tail. Counted as
      // waiting, traces of a split plan charged the caller the remote
      // round trips that fusing removes (the web shop's frontend: 12 ms).
      if (Remote)
        SyncIv.emplace_back(std::max(K.StartNs, Start),
                            std::min(K.EndNs, End));
      LastAsyncStart = std::max(LastAsyncStart, K.StartNs);
      AsyncStarts.emplace_back(EI, K.StartNs);
      // Does the caller need the result before its next synchronous call
      // (the first that had not ended when this call began)? It does when
      // that call started as the result came (the web shop's frontend
      // collects its recommendations before it reads the cart), it does
      // not when that call started before the result. A result there well
      // before the next call says nothing (a fused call's short run, or a
      // remote one that came before another the caller waited for): not
      // counted. Remote and fused calls tell alike, so the traces of a
      // fused plan say where its calls would wait when split.
      const RawSpan *Next = nullptr;
      for (size_t I = 0; I < Eff.size(); ++I) {
        const RawSpan &K2 = TS.Spans[Idx[size_t(Eff[I])]];
        if (EffSync[I] && K2.EndNs > K.StartNs &&
            (!Next || K2.StartNs < Next->StartNs))
          Next = &K2;
      }
      if (Next && Next->StartNs <= K.EndNs + std::int64_t(NsPerMs)) {
        ++E.Decided;
        if (Next->StartNs >= K.EndNs - std::int64_t(0.05 * NsPerMs))
          ++E.Joined;
      }
      if (!Remote) {
        // A thread of its own: the invocation's CPU is not all on the
        // span's thread. (A remote asynchronous call's dispatch costs
        // little CPU: IoT's heuristic plan's entry, which sends three
        // Events, is throttled as often as one function per task's runs of
        // its CPU.)
        Threaded[invocationOf(A)] = 1;
      }
      LastAsyncEnd = std::max(LastAsyncEnd, K.EndNs);
    }
  }
  for (auto &[EI, Count] : Calls) {
    EdgeAcc &E = EdgeAccs[EI];
    ++E.P.ActivationsWithCalls;
    E.P.CallsWhenCalled.add(Count, R);
  }
  // Which calls this activation made together.
  std::uint8_t Pattern = TaskProfile::NoPattern;
  if (!Acc.TooManyPatterns) {
    std::sort(Calls.begin(), Calls.end());
    std::uint64_t H = 1469598103934665603ULL;
    for (auto [EI, Count] : Calls)
      H = (H ^ (std::uint64_t(EI) << 20 ^ std::uint64_t(Count))) *
          1099511628211ULL;
    size_t Id = 0;
    while (Id < Acc.Patterns.size() &&
           (Acc.PatternHash[Id] != H || Acc.Patterns[Id] != Calls))
      ++Id;
    if (Id == Acc.Patterns.size()) {
      if (Id >= TaskProfile::MaxCallPatterns) {
        Acc.TooManyPatterns = true;
        Acc.Patterns.clear();
        Acc.PatternHash.clear();
        Acc.Orders.clear();
      } else {
        Acc.Patterns.push_back(Calls);
        Acc.PatternHash.push_back(H);
        Acc.Orders.emplace_back();
      }
    }
    if (!Acc.TooManyPatterns)
      Pattern = std::uint8_t(Id);
  }

  // A remote activation's codec (its arguments decoded, its result
  // encoded) and the runtime's span work are not the task's own: fusing
  // removes them (fusion.task_cpu_ns, the entry glue's measurement of the
  // task alone).
  double CodecNs = 0;
  if (S.Kind == SpanKind::Server && S.CpuNs >= 0 && S.TaskCpuNs >= 0) {
    CodecNs = std::max(0.0, double(S.CpuNs - S.TaskCpuNs));
    Acc.CodecMsSum += CodecNs / NsPerMs;
    ++Acc.CodecN;
  }
  double SelfCpuNs =
      S.CpuNs >= 0 ? std::max(0.0, double(S.CpuNs) - CodecNs - ChildCpu)
                   : -1;
  // The time this thread was runnable but not running (throttled by the
  // quota, or waiting for a CPU) when the runtime measured it; else the
  // throttling is estimated from the CPU time with cpuWallMs.
  double SelfDelayNs =
      SelfCpuNs >= 0 && S.RunDelayMs >= 0
          ? std::max(0.0, double(S.RunDelayMs) * NsPerMs - ChildDelay)
          : -1;
  // The memory the run touched first (its synchronous fused callees' on
  // the same thread are theirs): the most of any run is what the task
  // works on, wherever the allocator kept it from an earlier one.
  if (S.FaultMB >= 0)
    Acc.P.TouchedMemoryMB = std::max(
        Acc.P.TouchedMemoryMB, std::max(0.0, double(S.FaultMB) - ChildFaultMB));
  // fusion.throttled_ns (the cgroup's throttled time) is not used here
  // (only by the quota's slack fit): it covers a thread blocked behind a
  // throttled one, but just as well one that sleeps or waits for I/O while
  // other threads use up the quota (docs/planning.md).
  double Share = share(Memory[A]);
  std::sort(SyncIv.begin(), SyncIv.end());
  auto SyncTimeUntil = [&](std::int64_t Until) {
    double Sum = 0;
    std::int64_t Cur = Start;
    for (auto [B, E] : SyncIv) {
      B = std::max(B, Cur);
      E = std::min(E, Until);
      if (E > B) {
        Sum += double(E - B);
        Cur = E;
      }
    }
    return Sum;
  };
  std::int64_t OwnEnd = End;
  // The span stayed open for asynchronous work when its last asynchronous
  // call ended at its end: up to the time its thread then waited for the
  // CPU (in a throttled instance, up to a quota period), which its run
  // delay counts. (IoT's all-in-one traces: CheckTemperature ends 15 ms
  // after the ActionSignage it waits for; counted as waiting, it carried
  // the 190 ms it waited for that call into split plans.)
  bool Held =
      LastAsyncEnd >= 0 &&
      double(LastAsyncEnd) >= double(End) - Tol - std::max(0.0, SelfDelayNs);
  if (Held) {
    // The span stayed open for asynchronous work: its own run ended after
    // its last synchronous call, its last dispatch and its own CPU time.
    double ByCpu =
        double(Start) + SyncTimeUntil(End) +
        (SelfDelayNs >= 0 ? SelfCpuNs + SelfDelayNs
         : SelfCpuNs > 0
             ? cpuWallMs(SelfCpuNs / NsPerMs, Share, O.CpuPeriodMs) * NsPerMs
             : 0);
    OwnEnd = std::max({LastSyncEnd, LastAsyncStart, std::int64_t(ByCpu)});
    OwnEnd = std::clamp(OwnEnd, Start, End);
  }
  double SelfMs = std::max(0.0, double(OwnEnd - Start) -
                                     SyncTimeUntil(OwnEnd) - CodecNs) /
                  NsPerMs;
  for (auto &[EI, SNs] : AsyncStarts) {
    double Own = double(OwnEnd - Start);
    EdgeAcc &E = EdgeAccs[EI];
    E.StartFracSum +=
        Own > 0 ? std::clamp(double(SNs - Start) / Own, 0.0, 1.0) : 0.0;
    ++E.StartFracN;
  }
  if (Pattern != TaskProfile::NoPattern && !AsyncSeq.empty())
    placeCalls(Acc, Pattern, Start, OwnEnd);
  if (SelfCpuNs < 0) {
    Acc.P.SelfMs.add(SelfMs, R);
    NoCpu.push_back({T, SelfMs, Share});
    return;
  }
  ++Acc.P.CpuMeasured;
  double CpuMs = SelfCpuNs / NsPerMs;
  double CpuWall = SelfDelayNs >= 0 ? CpuMs + SelfDelayNs / NsPerMs
                                    : cpuWallMs(CpuMs, Share, O.CpuPeriodMs);
  double WaitMs = SelfMs - CpuWall;
  if (WaitMs < 0 && SelfDelayNs >= 0) { // clocks disagree slightly
    CpuMs = std::min(CpuMs, SelfMs);
    CpuWall = SelfMs;
    WaitMs = 0;
  } else if (WaitMs < 0) { // less throttling happened than estimated
    CpuMs = cpuOfWallMs(SelfMs, Share, O.CpuPeriodMs);
    CpuWall = SelfMs;
    WaitMs = 0;
  }
  // The shared lock (fusionize/lock.h): its waits depend on the plan (the
  // model simulates the lock), so they are not the task's own waiting.
  double LockWait =
             std::clamp(double(S.LockWaitMs) - ChildLockWait, 0.0, WaitMs),
         LockHold = std::max(0.0, double(S.LockHoldCpuMs) - ChildLockHold);
  WaitMs -= LockWait;
  Acc.LockWaitSum += LockWait;
  if (LockHold > 1e-3) { // a µs: what subtracting a callee's leaves
    Acc.LockHoldSum += std::min(LockHold, CpuMs);
    ++Acc.LockHolds;
  }
  ++Acc.LockRuns;
  CpuWallSum += CpuWall;
  SelfSum += SelfMs;
  // How often the quota stopped this run: each time, its thread waited
  // for the period's end (period - quota, a little more when the instance
  // ran other threads in the period); a shorter run delay is a busy
  // machine's. Without the run delay: as cpuWallMs assumes.
  double Interruptions = 0;
  if (Share < 1) {
    double Q = Share * O.CpuPeriodMs, Gap = O.CpuPeriodMs - Q;
    if (SelfDelayNs >= 0) {
      double DelayMs = SelfDelayNs / NsPerMs;
      Interruptions = std::floor(DelayMs / Gap + 0.5);
      // A stop costs a thread the CPU it was on: with more runnable
      // threads than the instance's CPUs, a thread is on one at a stop
      // only CPUs / threads of the time. A thread alone runs c ms in c /
      // share of runnable time (CPU + run delay), n threads sharing the
      // quota n times that: n = share (c + delay) / c (Tree's three sieves
      // in one 128 MB instance: 2.5 to 2.7, so 0.76 to 0.82 of their 31 to
      // 35 stops).
      double Threads = CpuMs > 0 ? Share * (CpuMs + DelayMs) / CpuMs : 0.0;
      if (Threads > O.InstanceCpus)
        Interruptions *= O.InstanceCpus / Threads;
    } else {
      Interruptions = std::max(0.0, std::ceil(CpuMs / Q) - 1);
    }
  }
  std::uint32_t Config = 0;
  while (Config < Acc.Configs.size() &&
         !(Acc.Configs[Config].File == S.File &&
           Acc.Configs[Config].Group == S.Group &&
           Acc.Configs[Config].MemoryMB == unsigned(Memory[A])))
    ++Config;
  if (Config == Acc.Configs.size()) {
    Acc.Configs.push_back({S.File, S.Group, unsigned(Memory[A]), {}});
    Acc.Configs.back().S.QuotaMs = Share < 1 ? Share * O.CpuPeriodMs : 0;
  }
  if (!InCold[A]) { // the fit takes warm runs
    InterruptSample &IS = Acc.Configs[Config].S;
    IS.Interruptions += Interruptions;
    IS.CpuMs += CpuMs;
    IS.Runs += 1;
  }
  Acc.Runs.push_back({SelfMs, CpuMs, WaitMs, float(Interruptions), Config,
                      Pattern, InCold[A] != 0});
}

double Builder::leastMemoryMB() const {
  double Least = 0;
  for (const auto &[File, Groups] : FileGroups)
    for (const auto &[Group, FG] : Groups)
      for (double MB : {FG.PeakMemoryMB, FG.InitMemoryMB})
        if (MB > 0)
          Least = Least > 0 ? std::min(Least, MB) : MB;
  return Least;
}

double Builder::estimateInterruptCpu(TaskAcc &T, double Least) {
  // The data a stopped run brings back once it goes on: the memory its
  // runs touched (fusion.fault_bytes), in whatever function they ran;
  // without it, the memory its function used above its process's own (at
  // its first /next, from the platform; without it, Least: the least any
  // function of the traces used), where the task had a function to
  // itself. Whether or not a quota stopped it there: a plan may put it
  // where one does.
  if (O.StopCpuMsPerMB <= 0)
    return 0;
  double Memory = T.P.TouchedMemoryMB;
  for (const auto &C : T.Configs) {
    if (T.P.TouchedMemoryMB > 0)
      break;
    if (C.Group < 0 || C.S.Runs < InterruptMinRuns)
      continue;
    auto F = FileGroups.find(C.File);
    if (F == FileGroups.end())
      continue;
    auto G = F->second.find(C.Group);
    if (G == F->second.end() || G->second.Tasks.size() != 1 ||
        G->second.PeakMemoryMB <= 0)
      continue;
    double Base = G->second.InitMemoryMB > 0 ? G->second.InitMemoryMB : Least;
    Memory = std::max(Memory, G->second.PeakMemoryMB - Base);
  }
  if (Memory <= 0)
    return 0;
  T.P.InterruptMemoryMB = Memory;
  // At most half the smallest size's quota, as a fit (fitInterruptCpu).
  double K = O.StopCpuMsPerMB * Memory;
  double Share = O.TraceEmulation.cpuShare(MinMemoryMB);
  return Share > 0 && Share < 1 ? std::min(K, Share * O.CpuPeriodMs / 2) : K;
}

void Builder::settleRuns() {
  double Least = O.StopCpuMsPerMB > 0 ? leastMemoryMB() : 0;
  for (auto &[Id, T] : TaskAccs) {
    std::vector<InterruptSample> Samples;
    for (auto &C : T.Configs) {
      InterruptSample S = C.S;
      if (S.Runs > 0) {
        S.Interruptions /= S.Runs;
        S.CpuMs /= S.Runs;
      }
      Samples.push_back(S);
    }
    // The memory a run touched, where recorded, prices a stop rather than
    // a fit: configurations differ in more than their stops (the other
    // threads of a group, the host's load), and a fit takes all of it.
    double K = 0;
    if (T.P.TouchedMemoryMB <= 0 || O.StopCpuMsPerMB <= 0)
      K = fitInterruptCpu(Samples, &T.P.InterruptConfigs);
    if (T.P.InterruptConfigs < 2)
      K = estimateInterruptCpu(T, Least);
    T.P.InterruptCpuMs = K;
    if (T.LockRuns > 0) {
      T.P.LockWaitMs = T.LockWaitSum / double(T.LockRuns);
      T.P.LockHoldShare = double(T.LockHolds) / double(T.LockRuns);
    }
    if (T.LockHolds > 0)
      T.P.LockHoldCpuMs = T.LockHoldSum / double(T.LockHolds);
    // The distinct configurations (memory size, the group's tasks) of the
    // task's (file, group, memory size) ones: Slot[c], -1 without a group.
    // One of those is one configuration: nothing to keep apart.
    std::vector<int> Slot(T.Configs.size(), -1);
    std::vector<TaskProfile::ConfigRuns> Distinct;
    size_t Keyed = T.Configs.size() > 1 ? T.Configs.size() : 0;
    for (size_t C = 0; C < Keyed; ++C) {
      const auto &Cf = T.Configs[C];
      auto F = FileGroups.find(Cf.File);
      if (Cf.Group < 0 || F == FileGroups.end())
        continue;
      auto G = F->second.find(Cf.Group);
      if (G == F->second.end())
        continue;
      TaskProfile::ConfigRuns Key;
      Key.MemoryMB = Cf.MemoryMB;
      for (int Task : G->second.Tasks)
        Key.Group.push_back(TS.Names.name(Task));
      std::sort(Key.Group.begin(), Key.Group.end());
      size_t D = 0;
      while (D < Distinct.size() && !(Distinct[D].MemoryMB == Key.MemoryMB &&
                                      Distinct[D].Group == Key.Group))
        ++D;
      if (D == Distinct.size())
        Distinct.push_back(std::move(Key));
      Slot[C] = int(D);
    }
    bool Apart = Distinct.size() >= 2;
    for (const PendingRun &Run : T.Runs) {
      double Cpu = std::max(0.0, Run.CpuMs - K * Run.Interruptions);
      if (Run.Cold) { // kept apart until the warm runs are known
        ColdRuns.push_back({Id, Run.SelfMs, Cpu, Run.WaitMs, Run.Pattern});
        continue;
      }
      addRun(T, Run.SelfMs, Cpu, Run.WaitMs, Run.Pattern);
      if (!Apart || Slot[Run.Config] < 0)
        continue;
      TaskProfile::ConfigRuns &D = Distinct[size_t(Slot[Run.Config])];
      std::pair<float, float> X(float(Cpu), float(Run.WaitMs));
      if (D.Joint.size() < TaskProfile::MaxConfigSamples) {
        D.Joint.push_back(X);
        D.JointPattern.push_back(Run.Pattern);
      } else if (std::uint64_t J = R.below(D.Runs + 1);
                 J < TaskProfile::MaxConfigSamples) {
        D.Joint[J] = X;
        D.JointPattern[J] = Run.Pattern;
      }
      ++D.Runs;
    }
    if (Apart)
      for (TaskProfile::ConfigRuns &D : Distinct)
        if (D.Runs > 0)
          T.P.Configs.push_back(std::move(D));
    T.Runs = {};
  }
}

void Builder::addRun(TaskAcc &Acc, double SelfMs, double CpuMs,
                     double WaitMs, std::uint8_t Pattern) {
  Acc.P.SelfMs.add(SelfMs, R);
  Acc.P.CpuMs.add(CpuMs, R);
  Acc.P.WaitMs.add(WaitMs, R);
  if (Acc.P.Joint.size() < 1024) {
    Acc.P.Joint.emplace_back(float(CpuMs), float(WaitMs));
    Acc.P.JointPattern.push_back(Pattern);
  } else if (std::uint64_t J = R.below(Acc.P.CpuMs.count()); J < 1024) {
    Acc.P.Joint[J] = {float(CpuMs), float(WaitMs)};
    Acc.P.JointPattern[J] = Pattern;
  }
}

void Builder::invocation(size_t P, size_t Act) {
  const RawSpan &A = TS.Spans[Idx[Act]];
  const RawSpan *Pl = P == size_t(-1) ? nullptr : &TS.Spans[Idx[P]];
  int Fn = A.Task >= 0 ? A.Task : (Pl ? Pl->Task : -1);
  if (Fn < 0)
    return;
  auto [It, New] = FuncAccs.try_emplace(Fn);
  FuncAcc &F = It->second;
  if (New)
    F.P.Name = TS.Names.name(Fn);
  ++F.P.Invocations;
  bool Cold = A.Cold == 1 || (Pl && Pl->Cold == 1);
  F.P.ColdStarts += Cold;
  double RunMs = A.durationMs();
  F.P.DurationMs.add(RunMs, R);
  int Group = A.Group >= 0 ? A.Group : (Pl ? Pl->Group : -1);
  if (Group >= 0) {
    F.P.Group = TS.Names.name(Group);
    FileGroups[A.File][Group].Tasks.insert(Fn);
  }
  float Mem = Pl && Pl->MemoryMB > 0 ? Pl->MemoryMB : Memory[Act];
  if (Mem > 0)
    ++F.P.MemoryMB[unsigned(Mem)];
  if (Pl) {
    if (Pl->BilledMs >= 0) {
      F.P.BilledMs.add(Pl->BilledMs, R);
      if (&A != Pl)
        (Cold ? Out.Overhead.BillExtraColdMs : Out.Overhead.BillExtraWarmMs)
            .add(Pl->BilledMs - RunMs, R);
    }
    if (Pl->InitMs >= 0 && Cold) {
      F.P.InitMs.add(Pl->InitMs, R);
      Out.Overhead.ColdExtraMs.add(Pl->InitMs, R);
    }
    if (Pl->PeakMemoryMB > 0) {
      F.P.PeakMemoryMB = std::max(F.P.PeakMemoryMB, double(Pl->PeakMemoryMB));
      if (Group >= 0) {
        double &Peak = FileGroups[A.File][Group].PeakMemoryMB;
        Peak = std::max(Peak, double(Pl->PeakMemoryMB));
      }
    }
    if (Pl->InitMemoryMB > 0 && Group >= 0) {
      double &Init = FileGroups[A.File][Group].InitMemoryMB;
      Init = Init > 0 ? std::min(Init, double(Pl->InitMemoryMB))
                      : double(Pl->InitMemoryMB);
    }
  }
  const RawSpan &Bytes = Pl ? *Pl : A;
  if (Bytes.BytesReq >= 0 || Bytes.BytesResp >= 0) {
    F.BytesReqSum += std::max(0.0f, Bytes.BytesReq);
    F.BytesRespSum += std::max(0.0f, Bytes.BytesResp);
    ++F.BytesN;
  }
  // Overheads: what the caller saw beyond the callee's own run.
  size_t Top = Pl ? P : Act;
  int Up = Parent[Top];
  if (Up < 0) {
    if (Pl && &A != Pl && !Cold)
      Out.Overhead.RootOverheadMs.add(Pl->durationMs() - RunMs, R);
    return;
  }
  if (Roles[size_t(Up)] != Role::Client)
    return;
  const RawSpan &C = TS.Spans[Idx[size_t(Up)]];
  if (C.Sync == 0) {
    Out.Overhead.AckMs.add(C.durationMs(), R);
    if (!Cold)
      Out.Overhead.EventDelayMs.add(double(A.StartNs - C.StartNs) / NsPerMs,
                                    R);
    return;
  }
  if (&A == Pl)
    return; // no runtime span: the callee's own run is unknown
  double Ovh = C.durationMs() - RunMs;
  if (Cold) {
    if (!(Pl && Pl->InitMs >= 0))
      WarmOverheadForCold.push_back(Ovh);
    return;
  }
  float Bytes2 = std::max(0.0f, C.BytesReq) + std::max(0.0f, C.BytesResp);
  auto &SS = Out.Overhead.SyncSamples;
  ++Out.Overhead.SyncCalls;
  if (SS.size() < 4096)
    SS.emplace_back(float(Ovh), Bytes2);
  else if (std::uint64_t J = R.below(Out.Overhead.SyncCalls); J < 4096)
    SS[J] = {float(Ovh), Bytes2};
  // Per edge, too.
  int Caller = C.Caller;
  if (Caller < 0 && Parent[size_t(Up)] >= 0)
    Caller = TS.Spans[Idx[size_t(Parent[size_t(Up)])]].Task;
  if (Caller >= 0) {
    auto EIt = EdgeIdx.find(edgeKey(Caller, Fn) * 2 +
                            (kindOf(Caller, Fn, C.Sync) == EdgeKind::Async));
    if (EIt != EdgeIdx.end())
      EdgeAccs[EIt->second].P.OverheadMs.add(Ovh, R);
  }
}

void Builder::request(size_t Root) {
  const RawSpan &S = TS.Spans[Idx[Root]];
  int Entry = S.Task;
  if (Entry < 0)
    for (int C = ChildStart[Root]; C < ChildStart[Root + 1]; ++C)
      if (TS.Spans[Idx[size_t(ChildList[size_t(C)])]].Task >= 0)
        Entry = TS.Spans[Idx[size_t(ChildList[size_t(C)])]].Task;
  if (Entry < 0)
    return;
  if (!InGraph[size_t(Entry)]) { // another program's request
    ++ForeignRequests;
    return;
  }
  ++Out.Requests;
  RootTimes.push_back({S.StartNs, S.EndNs, S.File});
  // Walk the request's spans.
  std::int64_t Last = S.EndNs;
  double Cost = 0, Colds = 0, Invocations = 0;
  std::vector<int> Stack{int(Root)};
  while (!Stack.empty()) {
    size_t I = size_t(Stack.back());
    Stack.pop_back();
    const RawSpan &K = TS.Spans[Idx[I]];
    Last = std::max(Last, K.EndNs);
    bool Inv = Roles[I] == Role::Platform ||
               (K.Kind == SpanKind::Server && !K.Platform &&
                (Parent[I] < 0 || Roles[size_t(Parent[I])] != Role::Platform));
    if (Inv) {
      ++Invocations;
      Colds += K.Cold == 1;
      if (K.CostUsd >= 0)
        Cost += K.CostUsd;
      else
        Cost += price(K.BilledMs >= 0 ? K.BilledMs : K.durationMs(),
                      K.MemoryMB > 0 ? K.MemoryMB : Memory[I]);
    } else if (K.Kind == SpanKind::Server && K.Cold == 1 && Parent[I] >= 0 &&
               TS.Spans[Idx[size_t(Parent[I])]].Cold != 1) {
      ++Colds; // the runtime saw a cold start the platform did not flag
    }
    for (int C = ChildStart[I]; C < ChildStart[I + 1]; ++C)
      Stack.push_back(ChildList[size_t(C)]);
  }
  auto [It, New] = Entries.try_emplace(Entry);
  EntryProfile &E = It->second;
  if (New)
    E.Task = TS.Names.name(Entry);
  ++E.Requests;
  double Lat = S.durationMs();
  double Compl = double(Last - S.StartNs) / NsPerMs;
  E.LatencyMs.add(Lat, R);
  E.CompletionMs.add(Compl, R);
  E.CostUsd.add(Cost, R);
  E.ColdStartsPerRequest += Colds;
  E.InvocationsPerRequest += Invocations;
  Out.LatencyMs.add(Lat, R);
  Out.CompletionMs.add(Compl, R);
  Out.CostUsd.add(Cost, R);
}

} // namespace

Profile buildProfile(const Graph &G, const TraceSet &Spans,
                     const ProfileOptions &O) {
  return Builder(G, Spans, O).run();
}

Profile buildProfile(const Graph &G, const std::vector<std::string> &Files,
                     const ProfileOptions &O) {
  if (Files.empty())
    throw FormatError("no trace file given");
  TraceSet TS;
  for (const std::string &F : Files) {
    size_t Before = TS.Spans.size();
    readOtlpFile(F, TS);
    if (TS.Spans.size() == Before)
      throw FormatError(F + ": the trace has no spans");
  }
  return buildProfile(G, TS, O);
}

} // namespace fusionize
