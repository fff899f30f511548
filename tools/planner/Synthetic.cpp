//===- planner/Synthetic.cpp - Synthetic traces for tests and benchmarks --===//
#include "planner/Synthetic.h"

#include "planner/Profile.h"
#include "planner/Stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace fusionize {

namespace {

/// Busy intervals of one instance. Requests are simulated one after the
/// other, so an instance may be asked about a time before its last use.
struct Instance {
  std::int64_t Created = 0; // ready for its first invocation
  std::vector<std::pair<std::int64_t, std::int64_t>> Busy;
  bool warmAt(std::int64_t T, std::int64_t Idle) const {
    if (T < Created)
      return false;
    std::int64_t LastFree = Created;
    for (auto &[B, E] : Busy) {
      if (B <= T && T < E)
        return false;
      if (E <= T)
        LastFree = std::max(LastFree, E);
    }
    return T - LastFree < Idle;
  }
};

class Sim {
public:
  Sim(const SyntheticSpec &S, std::ostream &Out) : S(S), Out(Out), R(S.Seed) {
    for (const TaskNode &T : S.G->Tasks) {
      TaskIdx[T.Name] = Names.size();
      Names.push_back(T.Name);
    }
  }

  std::size_t run() {
    double Total = 0;
    for (auto &E : S.Entries)
      Total += E.second;
    std::int64_t T0 = 1700000000LL * 1000000000LL;
    for (unsigned I = 0; I < S.Requests; ++I) {
      // Entries in proportion, deterministic.
      double U = (I + 0.5) / S.Requests * Total, Acc = 0;
      std::string Entry = S.Entries.front().first;
      for (auto &E : S.Entries) {
        Acc += E.second;
        if (U <= Acc) {
          Entry = E.first;
          break;
        }
      }
      Trace = I + 1;
      Buf.clear();
      std::int64_t Start = T0 + std::int64_t(I / S.RatePerS * 1e9);
      invoke(Entry, Start, 0, true);
      Out << "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":"
             "\"service.name\",\"value\":{\"stringValue\":\"synthetic\"}}]},"
             "\"scopeSpans\":[{\"scope\":{\"name\":\"fusionize\"},\"spans\":["
          << Buf << "]}]}]}\n";
    }
    return Spans;
  }

private:
  struct Ret {
    std::int64_t OwnEnd = 0, Tail = 0, CpuNs = 0, DelayNs = 0;
  };

  const Group &home(const std::string &T) const { return *S.P.homeOf(T); }
  SyntheticTask truth(const std::string &T) const {
    auto It = S.Truth.find(T);
    return It == S.Truth.end() ? SyntheticTask() : It->second;
  }
  double jitter(double Sigma) {
    if (Sigma <= 0)
      return 1;
    double U1 = std::max(R.uniform(), 1e-12), U2 = R.uniform();
    double Z = std::sqrt(-2 * std::log(U1)) * std::cos(6.283185307179586 * U2);
    return std::exp(Sigma * Z - Sigma * Sigma / 2);
  }
  static std::int64_t ns(double Ms) { return std::int64_t(std::llround(Ms * 1e6)); }

  std::uint64_t span(const char *Name, const std::string &Target, int Kind,
                     std::uint64_t Parent, std::int64_t B, std::int64_t E,
                     const std::string &Attrs) {
    std::uint64_t Id = ++NextId;
    char Head[256];
    std::snprintf(Head, sizeof(Head),
                  "{\"traceId\":\"%016llx%016llx\",\"spanId\":\"%016llx\","
                  "\"parentSpanId\":\"",
                  0xabcULL, (unsigned long long)Trace, (unsigned long long)Id);
    if (!Buf.empty())
      Buf += ',';
    Buf += Head;
    if (Parent) {
      char P[20];
      std::snprintf(P, sizeof(P), "%016llx", (unsigned long long)Parent);
      Buf += P;
    }
    Buf += "\",\"name\":\"";
    Buf += Name;
    Buf += Target;
    Buf += "\",\"kind\":" + std::to_string(Kind) +
           ",\"startTimeUnixNano\":\"" + std::to_string(B) +
           "\",\"endTimeUnixNano\":\"" + std::to_string(E) +
           "\",\"attributes\":[" + Attrs + "]}";
    ++Spans;
    return Id;
  }
  /// fusion.run_delay_ns: the time the activation's thread was throttled.
  std::string delay(const Ret &A) const {
    return S.RunDelayAttribute ? integer("fusion.run_delay_ns", A.DelayNs)
                               : std::string();
  }
  static std::string str(const char *K, const std::string &V) {
    return std::string("{\"key\":\"") + K + "\",\"value\":{\"stringValue\":\"" +
           V + "\"}},";
  }
  static std::string num(const char *K, double V) {
    char B[96];
    std::snprintf(B, sizeof(B),
                  "{\"key\":\"%s\",\"value\":{\"doubleValue\":%.6g}},", K, V);
    return B;
  }
  static std::string integer(const char *K, long long V) {
    return std::string("{\"key\":\"") + K + "\",\"value\":{\"intValue\":\"" +
           std::to_string(V) + "\"}},";
  }
  static std::string boolean(const char *K, bool V) {
    return std::string("{\"key\":\"") + K + "\",\"value\":{\"boolValue\":" +
           (V ? "true" : "false") + "}},";
  }
  static std::string trim(std::string A) {
    if (!A.empty() && A.back() == ',')
      A.pop_back();
    return A;
  }

  /// A remote invocation of `T` arriving at the platform at `At`. Returns
  /// the platform span's end.
  std::int64_t invoke(const std::string &T, std::int64_t At,
                      std::uint64_t Client, bool Sync) {
    const Group &G = home(T);
    auto &Pool = Pools[T];
    double Ovh = Sync ? S.E.SyncOverheadMs : S.E.AsyncOverheadMs;
    std::int64_t Ready = At + ns(Ovh);
    std::int64_t Idle = std::int64_t(S.E.IdleTimeoutS) * 1000000000LL;
    Instance *Use = nullptr;
    for (Instance &I : Pool)
      if (I.warmAt(Ready, Idle)) {
        Use = &I;
        break;
      }
    bool Cold = !Use;
    double InitMs = Cold ? S.E.ColdStartMs + S.SpawnMs : 0;
    std::int64_t RunStart = Ready + ns(InitMs);
    // Children are written first and need their parents' ids: reserve the
    // platform and runtime span ids now.
    std::uint64_t PId = S.PlatformSpans ? ++NextId : 0;
    std::uint64_t RId = ++NextId;
    Ret A = activation(T, G, RunStart, RId, true, Sync);
    std::int64_t RunEnd = std::max(A.Tail, A.OwnEnd);
    double RunMs = double(RunEnd - RunStart) / 1e6;
    // Instance bookkeeping (the pool may have grown meanwhile).
    if (Cold) {
      Pool.emplace_back();
      Pool.back().Created = RunStart;
      Pool.back().Busy.emplace_back(Ready, RunEnd);
    } else {
      for (Instance &I : Pool)
        if (I.warmAt(Ready, Idle)) {
          I.Busy.emplace_back(Ready, RunEnd);
          break;
        }
    }
    double Billed = S.E.Price.billedMs(RunMs);
    double Cost = S.E.Price.invocationUsd(RunMs, G.MemoryMB);
    std::string Common = str("fusion.task", T) + str("fusion.group", G.Name) +
                         boolean("faas.coldstart", Cold) +
                         boolean("fusion.sync", Sync) +
                         integer("fusion.memory_mb", G.MemoryMB) +
                         num("fusion.bytes_req", S.BytesPerCall / 2) +
                         num("fusion.bytes_resp", S.BytesPerCall / 2);
    std::string Runtime = Common + str("faas.trigger", "other") +
                          integer("fusion.cpu_ns", A.CpuNs) + delay(A);
    if (!S.CpuAttribute)
      Runtime = Common + str("faas.trigger", "other");
    spanWithId(RId, T.c_str(), "", 2, PId ? PId : Client, RunStart, RunEnd,
               trim(Runtime));
    std::int64_t PEnd = RunEnd;
    if (PId) {
      std::string Pl = Common + str("fusion.source", "platform") +
                       str("faas.name", T) + num("fusion.billed_ms", Billed) +
                       num("fusion.peak_memory_mb", truth(T).PeakMemoryMB) +
                       num("fusion.cost_usd", Cost);
      if (Cold)
        Pl += num("fusion.init_ms", InitMs);
      spanWithId(PId, T.c_str(), "", 2, Client, At, PEnd, trim(Pl));
    }
    return PEnd;
  }

  void spanWithId(std::uint64_t Id, const char *Name, const std::string &T,
                  int Kind, std::uint64_t Parent, std::int64_t B,
                  std::int64_t E, const std::string &Attrs) {
    std::uint64_t Save = NextId;
    NextId = Id - 1;
    span(Name, T, Kind, Parent, B, E, Attrs);
    NextId = Save;
  }

  Ret activation(const std::string &T, const Group &G, std::int64_t Start,
                 std::uint64_t SpanId, bool Server, bool) {
    SyntheticTask Tr = truth(T);
    double Cpu = Tr.CpuMs * jitter(Tr.Sigma);
    double Wait = Tr.WaitMs * jitter(Tr.Sigma);
    // The platform's CPU quota (Profile.h), each activation on a fresh one
    // starting anywhere in a quota period.
    double Self = cpuWallAtMs(Cpu, S.E.Enabled ? S.E.cpuShare(G.MemoryMB) : 1,
                              DefaultCpuPeriodMs, R.uniform()) +
                  Wait;
    const auto Out = S.G->outgoing(T);
    std::vector<std::pair<const Edge *, unsigned>> Calls;
    unsigned SyncCalls = 0;
    for (const Edge *E : Out) {
      double Fl = std::floor(E->Calls);
      unsigned K = unsigned(Fl) + (R.uniform() < E->Calls - Fl);
      if (!K)
        continue;
      Calls.emplace_back(E, K);
      if (E->Kind == EdgeKind::Sync)
        SyncCalls += K;
    }
    double Gap = Self / (SyncCalls + 1);
    std::int64_t Pos = Start;
    Ret Res;
    Res.CpuNs = ns(Cpu);
    Res.DelayNs = ns(std::max(0.0, Self - Wait - Cpu)); // throttled
    std::int64_t Tail = 0;
    for (auto &[E, K] : Calls) {
      if (E->Kind != EdgeKind::Sync)
        continue;
      for (unsigned I = 0; I < K; ++I) {
        Pos += ns(Gap);
        if (G.contains(E->Callee)) {
          std::uint64_t Id = ++NextId;
          Ret C = activation(E->Callee, G, Pos, Id, false, true);
          spanWithId(Id, "local ", E->Callee, 1, SpanId, Pos, C.OwnEnd,
                     trim(str("fusion.task", E->Callee) +
                          str("fusion.caller", T) +
                          str("fusion.group", G.Name) +
                          boolean("fusion.sync", true) +
                          integer("fusion.cpu_ns", C.CpuNs) + delay(C)));
          Res.CpuNs += C.CpuNs;
          Res.DelayNs += C.DelayNs;
          Tail = std::max(Tail, C.Tail);
          Pos = C.OwnEnd;
        } else {
          std::uint64_t Id = ++NextId;
          std::int64_t PEnd = invoke(E->Callee, Pos + ns(S.TransportMs / 2),
                                     Id, true);
          std::int64_t CEnd = PEnd + ns(S.TransportMs / 2);
          spanWithId(Id, "invoke ", E->Callee, 3, SpanId, Pos, CEnd,
                     trim(str("faas.invoked_name", E->Callee) +
                          str("fusion.task", E->Callee) +
                          str("fusion.caller", T) +
                          boolean("fusion.sync", true) +
                          num("fusion.bytes_req", S.BytesPerCall / 2) +
                          num("fusion.bytes_resp", S.BytesPerCall / 2)));
          Pos = CEnd;
        }
      }
    }
    Pos += ns(Gap);
    Res.OwnEnd = Pos;
    Tail = std::max(Tail, Pos);
    std::int64_t AsyncAt =
        Start + std::int64_t(double(Pos - Start) * S.AsyncStartFraction);
    for (auto &[E, K] : Calls) {
      if (E->Kind != EdgeKind::Async)
        continue;
      for (unsigned I = 0; I < K; ++I) {
        std::uint64_t Id = ++NextId;
        if (G.contains(E->Callee)) {
          Ret C = activation(E->Callee, G, AsyncAt, Id, false, false);
          spanWithId(Id, "local ", E->Callee, 1, SpanId, AsyncAt, C.OwnEnd,
                     trim(str("fusion.task", E->Callee) +
                          str("fusion.caller", T) +
                          str("fusion.group", G.Name) +
                          boolean("fusion.sync", false) +
                          integer("fusion.cpu_ns", C.CpuNs) + delay(C)));
          Tail = std::max({Tail, C.Tail, C.OwnEnd});
          continue;
        }
        const TaskNode *Callee = S.G->findTask(E->Callee);
        bool Event = Callee && Callee->ReturnsVoid;
        std::int64_t CEnd;
        if (Event) {
          CEnd = AsyncAt + ns(S.TransportMs);
          invoke(E->Callee, AsyncAt + ns(S.TransportMs / 2), Id, false);
        } else {
          std::int64_t PEnd = invoke(E->Callee,
                                     AsyncAt + ns(S.TransportMs / 2), Id, true);
          CEnd = PEnd + ns(S.TransportMs / 2);
        }
        spanWithId(Id, "invoke ", E->Callee, 3, SpanId, AsyncAt, CEnd,
                   trim(str("faas.invoked_name", E->Callee) +
                        str("fusion.task", E->Callee) +
                        str("fusion.caller", T) +
                        boolean("fusion.sync", !Event) +
                        num("fusion.bytes_req", S.BytesPerCall / 2) +
                        num("fusion.bytes_resp", S.BytesPerCall / 2)));
        Tail = std::max(Tail, CEnd);
      }
    }
    (void)Server;
    Res.Tail = Tail;
    return Res;
  }

  const SyntheticSpec &S;
  std::ostream &Out;
  Rng R;
  std::map<std::string, size_t> TaskIdx;
  std::vector<std::string> Names;
  std::map<std::string, std::vector<Instance>> Pools;
  std::string Buf;
  std::uint64_t Trace = 0, NextId = 0;
  std::size_t Spans = 0;
};

} // namespace

std::size_t writeSyntheticTraces(const SyntheticSpec &S, std::ostream &Out) {
  return Sim(S, Out).run();
}

Graph syntheticGraph(unsigned Apps, unsigned TasksPerApp, std::uint64_t Seed) {
  Graph G;
  G.Program = "synthetic";
  Rng R(Seed);
  for (unsigned A = 0; A < Apps; ++A) {
    size_t First = G.Tasks.size();
    for (unsigned I = 0; I < TasksPerApp; ++I) {
      TaskNode T;
      T.Name = "a" + std::to_string(A) + "t" + std::to_string(I);
      T.SelfCost = 100 + double(R.below(5000));
      T.Returns = "int";
      G.Tasks.push_back(T);
      if (I == 0)
        continue;
      // A tree: each task is called by an earlier one of the same app.
      size_t Parent = First + size_t(R.below(I));
      if (I > 3)
        Parent = First + I / 3 + size_t(R.below(3)) % I; // wider, shallow
      if (Parent >= First + I)
        Parent = First + I - 1;
      bool Async = R.uniform() < 0.25;
      Edge E;
      E.Caller = G.Tasks[Parent].Name;
      E.Callee = T.Name;
      E.Kind = Async ? EdgeKind::Async : EdgeKind::Sync;
      E.Calls = R.uniform() < 0.2 ? 2 : 1;
      if (Async)
        G.Tasks.back().Returns = "void", G.Tasks.back().ReturnsVoid = true;
      G.Edges.push_back(E);
    }
  }
  G.computeTotalCosts();
  return G;
}

} // namespace fusionize
