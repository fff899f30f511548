//===- planner/CostModel.cpp - Latency and cost of a plan, predicted ------===//
#include "planner/CostModel.h"

#include "planner/Stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <numeric>
#include <set>

namespace fusionize {

//===-- Model --------------------------------------------------------------===//

int Model::taskIndex(const std::string &Name) const {
  auto It = std::lower_bound(Index.begin(), Index.end(),
                             std::make_pair(Name, -1));
  return It != Index.end() && It->first == Name ? It->second : -1;
}

double Model::cpuShare(unsigned MemoryMB) const {
  return Emulation.cpuShare(MemoryMB);
}

double Model::cpuWallMs(double CpuMs, unsigned MemoryMB) const {
  if (!Emulation.Enabled)
    return CpuMs;
  return fusionize::cpuWallSlackMeanMs(CpuMs, cpuShare(MemoryMB), CpuPeriodMs,
                                       QuotaSlackMs);
}

double Model::cpuBoundMs(double CpuMs, unsigned MemoryMB) const {
  double S = cpuShare(MemoryMB);
  if (!Emulation.Enabled || S <= 0)
    return CpuMs;
  return S >= 1 ? CpuMs / S
                : fusionize::cpuWallSlackMeanMs(CpuMs, S, CpuPeriodMs,
                                                QuotaSlackMs);
}

double Model::interruptedCpuMs(const Task &T, double CpuMs,
                               unsigned MemoryMB) const {
  double S = cpuShare(MemoryMB);
  if (T.InterruptCpuMs <= 0 || !Emulation.Enabled || S <= 0 || S >= 1)
    return CpuMs;
  double Q = S * CpuPeriodMs;
  if (CpuMs <= Q)
    return CpuMs;
  // c' = c + k n with n = c' / Q - 1: n = (c / Q - 1) / (1 - k / Q).
  double K = std::min(T.InterruptCpuMs, Q / 2);
  return CpuMs + K * (CpuMs / Q - 1) / (1 - K / Q);
}

void Model::measuredTasksByBlock(const Layout &L,
                                 std::vector<std::vector<int>> &Here) const {
  if (!HasConfigs) {
    Here.clear();
    return;
  }
  Here.resize(L.blocks());
  for (std::vector<int> &B : Here)
    B.clear();
  for (size_t T = 0; T < Tasks.size(); ++T) { // ascending: sorted
    if (!Tasks[T].Measured)
      continue;
    Here[size_t(L.Home[T])].push_back(int(T));
    for (int B : L.Copies[T])
      Here[size_t(B)].push_back(int(T));
  }
}

int Model::configOf(int T, unsigned MemoryMB,
                    const std::vector<int> &Here) const {
  const Task &Tk = Tasks[size_t(T)];
  for (size_t C = 0; C < Tk.Configs.size(); ++C)
    if (Tk.Configs[C].MemoryMB == MemoryMB && Tk.Configs[C].Group == Here)
      return int(C);
  return -1;
}

double Model::cpuStretch(unsigned MemoryMB) const {
  double S = cpuShare(MemoryMB);
  return S > 0 && S < 1 ? 1 / S : 1;
}

static double mean(const std::vector<double> &V) {
  return V.empty() ? 0 : std::accumulate(V.begin(), V.end(), 0.0) / V.size();
}

Model Model::build(const Graph &G, const Profile &P,
                   const CostModelOptions &O) {
  Model M;
  M.Emulation = O.Emulation;
  M.CpuPeriodMs = O.CpuPeriodMs;
  M.QuotaSlackMs = P.QuotaSlackMs;
  M.HostCpus = O.HostCpus >= 0 ? O.HostCpus : P.HostCpus;
  if (M.HostCpus > 0) {
    char Cpus[32];
    std::snprintf(Cpus, sizeof Cpus, "%g", M.HostCpus);
    const char *From = O.HostCpus >= 0 ? "--host-cpus"
                                       : "the traces' host; --host-cpus 0 or "
                                         "host-cpus=0 for none";
    M.ArrivalGapsMs = P.ArrivalGapMs.samples();
    std::string Arrivals =
        M.ArrivalGapsMs.empty()
            ? std::string(", each request alone (the traces do not tell how "
                          "requests arrive)")
            : ", with requests overlapping as the traces' arrived";
    M.Notes.push_back("the request's instances share the host's " +
                      std::string(Cpus) + " CPUs (" + From + ")" + Arrivals);
  }
  const EmulationProfile &E = O.Emulation, &TE = O.TraceEmulation;
  for (size_t I = 0; I < G.Tasks.size(); ++I) {
    Task T;
    T.Name = G.Tasks[I].Name;
    T.ReturnsVoid = G.Tasks[I].ReturnsVoid;
    M.Tasks.push_back(std::move(T));
    M.Index.emplace_back(G.Tasks[I].Name, int(I));
  }
  std::sort(M.Index.begin(), M.Index.end());

  // Task times: measured, else static estimates scaled by measured tasks.
  double MeasuredMs = 0, MeasuredUnits = 0, CpuWall = 0, Self = 0;
  std::vector<double> MeasuredMeans;
  for (size_t I = 0; I < G.Tasks.size(); ++I) {
    const TaskProfile *TP = P.task(G.Tasks[I].Name);
    Task &T = M.Tasks[I];
    if (const FunctionProfile *F = [&]() -> const FunctionProfile * {
          auto It = P.Functions.find(T.Name);
          return It == P.Functions.end() ? nullptr : &It->second;
        }())
      T.PeakMemoryMB = F->PeakMemoryMB;
    if (!TP || TP->CpuMs.count() == 0)
      continue;
    T.Measured = true;
    T.CpuMs = TP->CpuMs.mean();
    T.WaitMs = TP->WaitMs.mean();
    T.Joint = TP->Joint;
    T.ColdExtraCpuMs = TP->ColdExtraCpuMs;
    T.InvokeCpuMs = TP->InvokeCpuMs;
    T.InterruptCpuMs = TP->InterruptCpuMs;
    T.InterruptMemoryMB = TP->InterruptMemoryMB;
    T.LockWaitMs = TP->LockWaitMs;
    T.LockHoldShare = TP->LockHoldShare;
    T.LockHoldCpuMs = TP->LockHoldCpuMs;
    double S = T.CpuMs + T.WaitMs;
    MeasuredMeans.push_back(S);
    CpuWall += T.CpuMs;
    Self += S;
    if (G.Tasks[I].SelfCost > 0) {
      MeasuredMs += S;
      MeasuredUnits += G.Tasks[I].SelfCost;
    }
  }
  double CpuFraction = Self > 0 ? CpuWall / Self : 1;
  double MsPerUnit = MeasuredUnits > 0 ? MeasuredMs / MeasuredUnits : 0;
  double Typical = MeasuredMeans.empty() ? 1 : quantileOf(MeasuredMeans, 0.5);
  unsigned Estimated = 0;
  for (size_t I = 0; I < G.Tasks.size(); ++I) {
    Task &T = M.Tasks[I];
    if (T.Measured)
      continue;
    double Ms = MsPerUnit > 0 && G.Tasks[I].SelfCost > 0
                    ? G.Tasks[I].SelfCost * MsPerUnit
                    : Typical;
    T.CpuMs = Ms * CpuFraction;
    T.WaitMs = Ms - T.CpuMs;
    ++Estimated;
  }
  if (Estimated) {
    char PerUnit[32]; // std::to_string prints 1e-7 as 0.000000
    std::snprintf(PerUnit, sizeof PerUnit, "%.3g", MsPerUnit);
    M.Notes.push_back(
        std::to_string(Estimated) + " task(s) not in the trace: self time " +
        (MsPerUnit > 0 ? "= static cost x " + std::string(PerUnit) +
                             " ms per unit (measured tasks' ratio)"
                       : "= the median measured task's") +
        ", CPU share " + std::to_string(int(CpuFraction * 100)) + " %");
  }

  // The lock the instances share: who holds it, who waited for it.
  {
    std::string Holders, Waiters;
    unsigned NH = 0, NW = 0;
    char Ms[96];
    for (const Task &T : M.Tasks) {
      if (T.LockHoldShare > 0 && T.LockHoldCpuMs > 0 && NH++ < 8) {
        std::snprintf(Ms, sizeof Ms, " %.2f ms", T.LockHoldCpuMs);
        Holders += (Holders.empty() ? "" : ", ") + T.Name + Ms;
      }
      if (T.LockWaitMs >= 0.05 && NW++ < 8) {
        std::snprintf(Ms, sizeof Ms, " %.1f ms", T.LockWaitMs);
        Waiters += (Waiters.empty() ? "" : ", ") + T.Name + Ms;
      }
    }
    if (NH)
      M.Notes.push_back(
          std::to_string(NH) +
          " task(s) hold the lock the instances share (CPU held): " + Holders +
          (NH > 8 ? ", ..." : "") +
          "; Monte Carlo runs the lock in every plan" +
          (NW ? "; the traces' waits for it: " + Waiters +
                    (NW > 8 ? ", ..." : "")
              : std::string()));
  }

  // What a quota stop costs the tasks, most first: fitted, or estimated
  // from memory (where the plan has no quota, nothing).
  for (bool Fitted : {true, false}) {
    if (!M.Emulation.Enabled)
      break;
    std::vector<const Task *> Listed;
    for (const Task &T : M.Tasks)
      if (T.InterruptCpuMs > 0 && (T.InterruptMemoryMB <= 0) == Fitted)
        Listed.push_back(&T);
    if (Listed.empty())
      continue;
    std::stable_sort(Listed.begin(), Listed.end(),
                     [](const Task *X, const Task *Y) {
                       return X->InterruptCpuMs > Y->InterruptCpuMs;
                     });
    std::string List;
    for (size_t I = 0; I < Listed.size() && I < 8; ++I) {
      char Ms[64];
      if (Fitted)
        std::snprintf(Ms, sizeof Ms, "%.2f ms", Listed[I]->InterruptCpuMs);
      else
        std::snprintf(Ms, sizeof Ms, "%.2f ms (%.1f MB)",
                      Listed[I]->InterruptCpuMs, Listed[I]->InterruptMemoryMB);
      List += (List.empty() ? "" : ", ") + Listed[I]->Name + " " + Ms;
    }
    M.Notes.push_back(
        std::to_string(Listed.size()) +
        " task(s) need more CPU each time the quota stops them (" +
        (Fitted
             ? "fitted across the traces' configurations"
             : "estimated from the memory they work on, --stop-cost-per-mb") +
        "): " + List + (Listed.size() > 8 ? ", ..." : ""));
  }

  // Edges: the graph's, plus the ones only the trace shows.
  std::map<std::tuple<int, int, int>, size_t> EdgeAt;
  auto AddEdge = [&](int C, int D, EdgeKind K) -> Edge & {
    auto Key = std::make_tuple(C, D, int(K));
    auto [It, New] = EdgeAt.try_emplace(Key, M.Edges.size());
    if (New) {
      Edge Ed;
      Ed.Caller = C;
      Ed.Callee = D;
      Ed.Kind = K;
      M.Edges.push_back(Ed);
    }
    return M.Edges[It->second];
  };
  for (const fusionize::Edge &GE : G.Edges) {
    int C = M.taskIndex(GE.Caller), D = M.taskIndex(GE.Callee);
    Edge &Ed = AddEdge(C, D, GE.Kind);
    Ed.Calls = GE.Calls; // static estimate until the profile says more
  }
  for (const EdgeProfile &EP : P.Edges) {
    int C = M.taskIndex(EP.Caller), D = M.taskIndex(EP.Callee);
    if (C < 0 || D < 0)
      continue;
    AddEdge(C, D, EP.Kind);
  }
  std::map<std::tuple<int, int, int>, const EdgeProfile *> ProfEdges;
  for (const EdgeProfile &EP : P.Edges)
    ProfEdges[{M.taskIndex(EP.Caller), M.taskIndex(EP.Callee), int(EP.Kind)}] =
        &EP;
  for (Edge &Ed : M.Edges) {
    const Task &Caller = M.Tasks[size_t(Ed.Caller)];
    auto PE = ProfEdges.find({Ed.Caller, Ed.Callee, int(Ed.Kind)});
    const EdgeProfile *EP = PE == ProfEdges.end() ? nullptr : PE->second;
    const TaskProfile *CP = P.task(Caller.Name);
    if (CP && CP->Activations > 0) {
      // The caller ran: what it called is measured (never called: 0).
      Ed.Calls = EP ? double(EP->Calls) / double(CP->Activations) : 0;
      if (EP && EP->ActivationsWithCalls) {
        Ed.PCalled = std::min(1.0, double(EP->ActivationsWithCalls) /
                                       double(CP->Activations));
        Ed.CallsWhenCalled = EP->CallsWhenCalled.samples();
      }
    }
    if (EP) {
      Ed.CallsPerRequest = EP->CallsPerRequest;
      if (EP->Kind == EdgeKind::Async && EP->Calls) {
        Ed.StartFraction = EP->StartFraction;
        Ed.JoinedShare = EP->JoinedShare;
      }
      if (EP->Remote)
        Ed.Bytes = EP->BytesReq + EP->BytesResp;
      Ed.CallCpuMs = EP->CallCpuMs;
    }
    if (Ed.Bytes == 0) {
      auto It = P.Functions.find(M.Tasks[size_t(Ed.Callee)].Name);
      if (It != P.Functions.end())
        Ed.Bytes = It->second.BytesReq + It->second.BytesResp;
    }
    Ed.Event = Ed.Kind == EdgeKind::Async && M.Tasks[size_t(Ed.Callee)].ReturnsVoid;
  }
  // The client's and the codec's CPU where no remote call measured them
  // (a task or call only ever fused in the traces): the mean of the
  // measured ones, else the defaults. Used only where a plan splits them.
  {
    double ClientSum = 0, ClientN = 0, CodecSum = 0, CodecN = 0;
    for (const EdgeProfile &EP : P.Edges)
      if (EP.CallCpuMs > 0 && EP.Remote) {
        ClientSum += EP.CallCpuMs * double(EP.Remote);
        ClientN += double(EP.Remote);
      }
    for (const auto &[Name, TP] : P.Tasks)
      if (TP.InvokeCpuMs > 0 && TP.Remote) {
        CodecSum += TP.InvokeCpuMs * double(TP.Remote);
        CodecN += double(TP.Remote);
      }
    double Client = ClientN ? ClientSum / ClientN : O.ClientCpuMs;
    double Codec = CodecN ? CodecSum / CodecN : O.CodecCpuMs;
    unsigned Calls = 0, Tasks = 0;
    for (Edge &Ed : M.Edges)
      if (Ed.CallCpuMs <= 0 && Client > 0) {
        Ed.CallCpuMs = Client;
        Calls += Ed.Calls > 0;
      }
    for (Task &T : M.Tasks)
      if (T.InvokeCpuMs <= 0 && Codec > 0) {
        T.InvokeCpuMs = Codec;
        ++Tasks;
      }
    auto Ms = [](double V) {
      char B[32];
      std::snprintf(B, sizeof B, "%.3f ms", V);
      return std::string(B);
    };
    if (Calls)
      M.Notes.push_back(std::to_string(Calls) +
                        " caller-callee pair(s) never called remotely in the "
                        "trace: client CPU " +
                        Ms(Client) + " per remote call" +
                        (ClientN ? " (the measured calls' mean)"
                                 : " (default, none measured)"));
    if (Tasks)
      M.Notes.push_back(std::to_string(Tasks) +
                        " task(s) never invoked remotely in the trace: "
                        "codec CPU " +
                        Ms(Codec) + " per invocation" +
                        (CodecN ? " (the measured tasks' mean)"
                                : " (default, none measured)"));
  }
  for (size_t I = 0; I < M.Edges.size(); ++I) {
    M.Tasks[size_t(M.Edges[I].Caller)].Out.push_back(int(I));
    M.Tasks[size_t(M.Edges[I].Callee)].In.push_back(int(I));
  }
  // The runs per traced configuration, by task index.
  for (Task &T : M.Tasks) {
    const TaskProfile *TP = P.task(T.Name);
    if (!T.Measured || !TP)
      continue;
    for (const TaskProfile::ConfigRuns &C : TP->Configs) {
      Task::Config X;
      X.MemoryMB = C.MemoryMB;
      for (const std::string &Name : C.Group)
        if (int I = M.taskIndex(Name); I >= 0)
          X.Group.push_back(I);
      std::sort(X.Group.begin(), X.Group.end());
      X.Joint = C.Joint;
      X.JointPattern = C.JointPattern;
      if (X.Group.size() != C.Group.size() || X.Joint.empty())
        continue;
      for (const auto &[Cpu, Wait] : X.Joint) {
        X.CpuMs += Cpu;
        X.WaitMs += Wait;
      }
      X.CpuMs /= double(X.Joint.size());
      X.WaitMs /= double(X.Joint.size());
      T.Configs.push_back(std::move(X));
      M.HasConfigs = true;
    }
  }
  // The calls a task's activations made together, by model edge.
  for (size_t I = 0; I < M.Tasks.size(); ++I) {
    Task &T = M.Tasks[I];
    const TaskProfile *TP = P.task(T.Name);
    if (!T.Measured || !TP || TP->JointPattern.size() != T.Joint.size() ||
        TP->CallPatterns.empty())
      continue;
    bool Known = true;
    std::vector<std::vector<std::pair<int, unsigned>>> Patterns;
    for (const auto &CP : TP->CallPatterns) {
      Patterns.emplace_back();
      for (const TaskProfile::CallCount &C : CP) {
        auto It = EdgeAt.find({int(I), M.taskIndex(C.Callee), int(C.Kind)});
        if (It == EdgeAt.end()) {
          Known = false;
          break;
        }
        Patterns.back().emplace_back(int(It->second), unsigned(C.Calls));
      }
    }
    if (!Known)
      continue;
    T.CallPatterns = std::move(Patterns);
    T.JointPattern = TP->JointPattern;
    // Their order, where every call's edge is known (not a back edge,
    // which Monte Carlo does not follow).
    T.PatternOrders.resize(T.CallPatterns.size());
    for (size_t PI = 0;
         PI < TP->PatternOrders.size() && PI < T.PatternOrders.size(); ++PI) {
      const TaskProfile::CallOrder &CO = TP->PatternOrders[PI];
      Task::Order O;
      auto edgeOf = [&](const std::string &Callee, EdgeKind K) {
        auto It = EdgeAt.find({int(I), M.taskIndex(Callee), int(K)});
        return It == EdgeAt.end() || M.Edges[It->second].Back ? -1
                                                              : int(It->second);
      };
      bool Ok = true;
      for (const std::string &C : CO.Sync) {
        O.Sync.push_back(edgeOf(C, EdgeKind::Sync));
        Ok = Ok && O.Sync.back() >= 0;
      }
      for (const TaskProfile::AsyncPlace &AP : CO.Async) {
        int EI = edgeOf(AP.Callee, EdgeKind::Async);
        Ok = Ok && EI >= 0 && AP.After <= CO.Sync.size();
        O.Async.push_back(
            {EI, AP.After, double(AP.Fraction), int(AP.JoinBefore)});
      }
      if (Ok)
        T.PatternOrders[PI] = std::move(O);
    }
    // Calls that may be joined, by call set, when a task has several.
    auto Joinable = [&](int EI) {
      const Edge &E = M.Edges[size_t(EI)];
      return E.Kind == EdgeKind::Async && !E.Event && !E.Back &&
             E.JoinedShare > 0;
    };
    if (std::count_if(T.Out.begin(), T.Out.end(), Joinable) < 2)
      continue;
    std::vector<double> Freq(T.CallPatterns.size(), 0);
    for (std::uint8_t JP : T.JointPattern)
      if (JP < Freq.size())
        Freq[JP] += 1.0 / double(T.JointPattern.size());
    for (size_t PI = 0; PI < T.CallPatterns.size(); ++PI) {
      std::vector<int> Set;
      for (auto [EI, K] : T.CallPatterns[PI])
        if (Joinable(EI))
          Set.push_back(EI);
      if (!Set.empty() && Freq[PI] > 0)
        T.JoinSets.emplace_back(Freq[PI], std::move(Set));
    }
  }

  // Entries: where requests arrived; else the graph's roots.
  double Requests = 0;
  for (auto &[Name, EP] : P.Entries) {
    int T = M.taskIndex(Name);
    if (T < 0)
      continue;
    M.Entries.push_back({T, double(EP.Requests)});
    Requests += double(EP.Requests);
  }
  if (M.Entries.empty()) {
    for (const std::string &R : G.roots())
      M.Entries.push_back({M.taskIndex(R), 1});
    Requests = double(M.Entries.size());
    if (M.Entries.empty() && !M.Tasks.empty()) {
      M.Entries.push_back({0, 1});
      Requests = 1;
    }
    M.Notes.push_back("the trace shows no whole request: every entry task "
                      "of the graph gets an equal share");
  }
  for (Entry &En : M.Entries)
    En.Share /= Requests;
  M.RequestRate = P.RequestRate > 0 ? P.RequestRate : O.DefaultRequestRate;
  M.WindowS = O.ColdStartWindowS >= 0 ? O.ColdStartWindowS : P.WindowS;

  // Topological order from the entries, cycles cut (iterative DFS).
  {
    size_t N = M.Tasks.size();
    std::vector<int> State(N, 0); // 0 new, 1 on stack, 2 done
    std::vector<int> Post;
    std::vector<int> Starts;
    for (const Entry &En : M.Entries)
      Starts.push_back(En.Task);
    for (size_t I = 0; I < N; ++I)
      if (M.Tasks[I].In.empty())
        Starts.push_back(int(I));
    for (size_t I = 0; I < N; ++I)
      Starts.push_back(int(I));
    std::vector<std::pair<int, size_t>> Stack;
    for (int S : Starts) {
      if (State[size_t(S)])
        continue;
      Stack.emplace_back(S, 0);
      State[size_t(S)] = 1;
      while (!Stack.empty()) {
        auto &[T, Next] = Stack.back();
        const auto &Out = M.Tasks[size_t(T)].Out;
        if (Next < Out.size()) {
          Edge &Ed = M.Edges[size_t(Out[Next++])];
          int V = Ed.Callee;
          if (State[size_t(V)] == 1)
            Ed.Back = true;
          else if (State[size_t(V)] == 0) {
            State[size_t(V)] = 1;
            Stack.emplace_back(V, 0);
          }
          continue;
        }
        State[size_t(T)] = 2;
        Post.push_back(T);
        Stack.pop_back();
      }
    }
    M.Topo.assign(Post.rbegin(), Post.rend());
    for (const Edge &Ed : M.Edges)
      if (Ed.Back) {
        M.Notes.push_back("recursive calls (" +
                          M.Tasks[size_t(Ed.Caller)].Name + " -> " +
                          M.Tasks[size_t(Ed.Callee)].Name +
                          ") are not modelled beyond the first level");
        break;
      }
  }
  // Components (undirected).
  {
    std::vector<int> Parent(M.Tasks.size());
    std::iota(Parent.begin(), Parent.end(), 0);
    std::function<int(int)> Find = [&](int X) {
      while (Parent[size_t(X)] != X)
        X = Parent[size_t(X)] = Parent[size_t(Parent[size_t(X)])];
      return X;
    };
    for (const Edge &Ed : M.Edges)
      Parent[size_t(Find(Ed.Caller))] = Find(Ed.Callee);
    std::map<int, int> Ids;
    for (size_t I = 0; I < M.Tasks.size(); ++I) {
      auto [It, New] = Ids.try_emplace(Find(int(I)), int(Ids.size()));
      M.Tasks[I].Component = It->second;
    }
    M.Components = int(Ids.size());
    M.ComponentTasks.assign(Ids.size(), {});
    M.ComponentEntries.assign(Ids.size(), {});
    for (int T : M.Topo)
      M.ComponentTasks[size_t(M.Tasks[size_t(T)].Component)].push_back(T);
    for (size_t I = 0; I < M.Entries.size(); ++I)
      M.ComponentEntries[size_t(M.Tasks[size_t(M.Entries[I].Task)].Component)]
          .push_back(int(I));
  }

  // Platform figures: target emulation + what the trace measured beyond
  // the emulation it ran under.
  const OverheadProfile &OP = P.Overhead;
  double A = O.TransportMs, B = O.SerializeMsPerByte;
  if (!OP.SyncSamples.empty()) {
    double N = double(OP.SyncSamples.size()), SX = 0, SY = 0, SXX = 0,
           SXY = 0;
    for (auto &[Ms, By] : OP.SyncSamples) {
      double Y = Ms - TE.SyncOverheadMs;
      SX += By;
      SY += Y;
      SXX += double(By) * By;
      SXY += double(By) * Y;
    }
    double Var = SXX / N - (SX / N) * (SX / N);
    // A slope per byte only from payloads that really differ (a standard
    // deviation of a kilobyte or more); over similar payloads the fit
    // would turn the noise of the platform into a price per byte.
    if (N >= 8 && Var >= 1e6) {
      B = std::max(0.0, (SXY / N - (SX / N) * (SY / N)) / Var);
    }
    A = std::max(0.0, SY / N - B * SX / N);
    for (auto &[Ms, By] : OP.SyncSamples)
      M.SyncResidual.push_back(
          float(Ms - TE.SyncOverheadMs - std::max(0.0, A + B * By) ));
    double Mean = 0;
    for (float R : M.SyncResidual)
      Mean += R;
    Mean /= double(M.SyncResidual.size());
    for (float &R : M.SyncResidual)
      R -= float(Mean);
  }
  M.SyncOvhMs = E.SyncOverheadMs + A;
  M.SyncOvhPerByte = B;
  auto Residuals = [](const Distribution &D, double Mean) {
    std::vector<float> R;
    for (double V : D.samples())
      R.push_back(float(V - Mean));
    return R;
  };
  M.AckMs = OP.AckMs.count() ? OP.AckMs.mean() : O.TransportMs;
  if (OP.AckMs.count())
    M.AckResidual = Residuals(OP.AckMs, OP.AckMs.mean());
  M.EventDelayMs =
      E.AsyncOverheadMs +
      (OP.EventDelayMs.count()
           ? std::max(0.0, OP.EventDelayMs.mean() - TE.AsyncOverheadMs)
           : O.TransportMs);
  if (OP.EventDelayMs.count())
    M.EventResidual = Residuals(OP.EventDelayMs, OP.EventDelayMs.mean());
  M.ColdStartMs =
      E.ColdStartMs +
      (OP.ColdExtraMs.count()
           ? std::max(0.0, OP.ColdExtraMs.mean() - TE.ColdStartMs)
           : O.SpawnMs);
  M.RootOvhMs =
      OP.RootOverheadMs.count()
          ? std::max(0.0, OP.RootOverheadMs.mean() - TE.SyncOverheadMs) +
                E.SyncOverheadMs
          : M.SyncOvhMs;
  if (OP.RootOverheadMs.count())
    M.RootResidual =
        Residuals(OP.RootOverheadMs, OP.RootOverheadMs.mean());
  for (auto *V : {&M.SyncResidual, &M.AckResidual, &M.EventResidual,
                  &M.RootResidual})
    std::sort(V->begin(), V->end());
  if (OP.BillExtraWarmMs.count())
    M.BillExtraMs = std::max(0.0, OP.BillExtraWarmMs.mean() -
                                      0.5 * E.Price.GranularityMs);
  if (OP.BillExtraColdMs.count() && OP.BillExtraWarmMs.count())
    M.BillsInit = OP.BillExtraColdMs.mean() - OP.BillExtraWarmMs.mean() >
                  0.5 * M.ColdStartMs;
  (void)mean;
  return M;
}

//===-- Layout -------------------------------------------------------------===//

Layout Layout::fromPlan(const Model &M, const Plan &P) {
  Layout L;
  L.Home.assign(M.Tasks.size(), -1);
  L.Copies.assign(M.Tasks.size(), {});
  for (const Group &G : P.Groups) {
    L.Names.push_back(G.Name);
    L.Memory.push_back(G.MemoryMB);
    L.Timeout.push_back(G.TimeoutS);
  }
  // One pass over the groups (plans of thousands of tasks).
  std::vector<std::vector<int>> In(M.Tasks.size());
  std::map<std::string, int> GroupIdx;
  for (size_t B = 0; B < P.Groups.size(); ++B) {
    GroupIdx[P.Groups[B].Name] = int(B);
    for (const std::string &T : P.Groups[B].Tasks)
      if (int I = M.taskIndex(T); I >= 0)
        In[size_t(I)].push_back(int(B));
  }
  for (size_t T = 0; T < M.Tasks.size(); ++T) {
    if (In[T].empty())
      throw FormatError("the plan puts task \"" + M.Tasks[T].Name +
                        "\" in no group");
    int H = In[T].front();
    if (auto R = P.Routes.find(M.Tasks[T].Name); R != P.Routes.end())
      if (auto G = GroupIdx.find(R->second); G != GroupIdx.end() &&
          std::find(In[T].begin(), In[T].end(), G->second) != In[T].end())
        H = G->second;
    L.Home[T] = H;
    for (int B : In[T])
      if (B != H)
        L.Copies[T].push_back(B);
  }
  return L;
}

void Layout::compact() {
  std::vector<int> Used(blocks(), 0);
  for (int H : Home)
    Used[size_t(H)] = 1;
  std::vector<int> Map(blocks(), -1);
  Layout N;
  for (size_t B = 0; B < blocks(); ++B)
    if (Used[B]) {
      Map[B] = int(N.Memory.size());
      N.Memory.push_back(Memory[B]);
      N.Timeout.push_back(B < Timeout.size() ? Timeout[B] : DefaultTimeoutS);
      if (B < Names.size())
        N.Names.push_back(Names[B]);
    }
  if (N.Names.size() != N.Memory.size())
    N.Names.clear();
  N.Home.resize(Home.size());
  N.Copies.resize(Home.size());
  for (size_t T = 0; T < Home.size(); ++T) {
    N.Home[T] = Map[size_t(Home[T])];
    for (int C : Copies[T])
      if (Map[size_t(C)] >= 0 && Map[size_t(C)] != N.Home[T])
        N.Copies[T].push_back(Map[size_t(C)]);
    std::sort(N.Copies[T].begin(), N.Copies[T].end());
    N.Copies[T].erase(std::unique(N.Copies[T].begin(), N.Copies[T].end()),
                      N.Copies[T].end());
  }
  *this = std::move(N);
}

Plan Layout::toPlan(const Model &M) const {
  Layout L = *this;
  L.compact();
  Plan P;
  std::vector<std::vector<int>> Members(L.blocks());
  // Home tasks first (in graph order), then copies.
  for (size_t T = 0; T < L.Home.size(); ++T)
    Members[size_t(L.Home[T])].push_back(int(T));
  std::vector<std::vector<int>> CopyMembers(L.blocks());
  for (size_t T = 0; T < L.Home.size(); ++T)
    for (int C : L.Copies[T])
      CopyMembers[size_t(C)].push_back(int(T));
  std::set<std::string> Used;
  for (size_t B = 0; B < L.blocks(); ++B) {
    Group G;
    G.Name = !L.Names.empty() && !L.Names[B].empty()
                 ? L.Names[B]
                 : M.Tasks[size_t(Members[B].front())].Name;
    if (Used.count(G.Name) || G.Name.empty()) {
      std::string Base = G.Name.empty() ? "group" : G.Name.substr(0, 58);
      for (int K = 2;; ++K)
        if (!Used.count(Base + "-" + std::to_string(K))) {
          G.Name = Base + "-" + std::to_string(K);
          break;
        }
    }
    Used.insert(G.Name);
    for (int T : Members[B])
      G.Tasks.push_back(M.Tasks[size_t(T)].Name);
    for (int T : CopyMembers[B])
      G.Tasks.push_back(M.Tasks[size_t(T)].Name);
    G.MemoryMB = L.Memory[B];
    G.TimeoutS = B < L.Timeout.size() ? L.Timeout[B] : DefaultTimeoutS;
    P.Groups.push_back(std::move(G));
  }
  // Routes make homes explicit where a copy is listed in an earlier group.
  for (size_t T = 0; T < L.Home.size(); ++T) {
    if (L.Copies[T].empty())
      continue;
    const std::string &Name = M.Tasks[T].Name;
    const Group *Home = &P.Groups[size_t(L.Home[T])];
    if (P.homeOf(Name) != Home)
      P.Routes[Name] = Home->Name;
  }
  return P;
}

//===-- FastEval -----------------------------------------------------------===//

FastEval::FastEval(const Model &M, const CostModelOptions &) : M(M) {
  size_t N = M.Tasks.size();
  Mass.resize(N);
  Acts.resize(N);
  Invocations.assign(N, 0);
  InvMs.assign(N, 0);
  DoneMs.assign(N, 0);
  PCold.assign(N, 0);
  PWarmup.assign(N, 0);
}

double FastEval::coldProbability(double Lambda, double InvMs,
                                 double *WarmupOut) const {
  if (WarmupOut)
    *WarmupOut = 0;
  if (!M.Emulation.Enabled && M.ColdStartMs <= 0)
    return 0;
  if (Lambda <= 0)
    return 1;
  // An idle instance expires after the keep-warm period; the pool grows to
  // the concurrency peak once per run.
  double Idle = std::exp(-Lambda * double(M.Emulation.IdleTimeoutS));
  double Conc = Lambda * InvMs / 1000.0;
  double Pool = std::max(1.0, Conc + 2 * std::sqrt(Conc));
  double Warmup =
      M.WindowS > 0 ? M.ColdFactor * Pool / (Lambda * M.WindowS) : 0;
  if (WarmupOut)
    *WarmupOut = std::min(1.0, Warmup);
  return std::min(1.0, Idle + Warmup);
}

static int slotOf(const Layout &L, int T, int B) {
  if (L.Home[size_t(T)] == B)
    return 0;
  const auto &C = L.Copies[size_t(T)];
  for (size_t I = 0; I < C.size(); ++I)
    if (C[I] == B)
      return int(I) + 1;
  return -1;
}

static int blockOfSlot(const Layout &L, int T, int S) {
  return S == 0 ? L.Home[size_t(T)] : L.Copies[size_t(T)][size_t(S - 1)];
}

const FastEval::Act &FastEval::act(const Layout &L, int T, int B) {
  const Model::Task &Task = M.Tasks[size_t(T)];
  unsigned Mem = L.Memory[size_t(B)];
  // The means of the configuration the block runs the task as, if traced.
  double OwnCpu = Task.CpuMs, Wait = Task.WaitMs;
  if (!Task.Configs.empty() && !BlockTasks.empty())
    if (int C = M.configOf(T, Mem, BlockTasks[size_t(B)]); C >= 0) {
      OwnCpu = Task.Configs[size_t(C)].CpuMs;
      Wait = Task.Configs[size_t(C)].WaitMs;
    }
  Wait += Task.LockWaitMs; // as traced: only Monte Carlo runs the lock
  // Monte Carlo runs half the CPU before the waiting and half after; a
  // quota period that ends before the second half refills the quota (the
  // more likely the longer the first half and the wait): between one
  // throttled run and two.
  double Cpu = M.interruptedCpuMs(Task, OwnCpu, Mem);
  double CpuWall = M.cpuWallMs(Cpu, Mem);
  if (Wait > 0 && CpuWall > Cpu) {
    double Half = M.cpuWallMs(Cpu / 2, Mem);
    double Refill = std::min(1.0, (Wait + Half) / M.CpuPeriodMs);
    CpuWall = (1 - Refill) * CpuWall + Refill * 2 * Half;
  }
  double Self = CpuWall + Wait;
  Act A;
  A.Cpu = Cpu;
  unsigned SyncEdges = 0;
  for (int EI : Task.Out) {
    const Model::Edge &E = M.Edges[size_t(EI)];
    SyncEdges += E.Kind == EdgeKind::Sync && !E.Back && E.Calls > 0;
  }
  double Gap = Self / double(SyncEdges + 1), Pos = 0;
  double TailEnd = 0, DoneEnd = 0;
  for (int EI : Task.Out) {
    const Model::Edge &E = M.Edges[size_t(EI)];
    if (E.Kind != EdgeKind::Sync || E.Back || E.Calls <= 0)
      continue;
    Pos += Gap;
    int V = E.Callee, S = slotOf(L, V, B);
    double Call, TailX, DoneX;
    if (S >= 0) {
      const Act &C = Acts[size_t(V)][size_t(S)];
      Call = C.Own;
      TailX = C.Tail - C.Own;
      DoneX = C.Done - C.Own;
      A.Cpu += E.Calls * C.Cpu;
    } else {
      Call = M.syncOverheadMs(E) + PCold[size_t(V)] * M.ColdStartMs +
             InvMs[size_t(V)];
      TailX = 0;
      DoneX = DoneMs[size_t(V)] - InvMs[size_t(V)];
      A.Cpu += E.Calls * E.CallCpuMs; // the client's, within the overhead
    }
    Pos += E.Calls * Call;
    double P = std::min(1.0, E.Calls);
    TailEnd = std::max(TailEnd, Pos + P * TailX);
    DoneEnd = std::max(DoneEnd, Pos + P * DoneX);
  }
  Pos += Gap;
  // Remote asynchronous calls the caller waits for lengthen its own run;
  // those of one call set run side by side (the longest counts).
  auto JoinWait = [&](const Model::Edge &E) {
    if (E.Kind != EdgeKind::Async || E.Back || E.Calls <= 0 || E.Event ||
        E.JoinedShare <= 0 || slotOf(L, E.Callee, B) >= 0)
      return 0.0;
    int V = E.Callee;
    return E.JoinedShare * (M.syncOverheadMs(E) +
                            PCold[size_t(V)] * M.ColdStartMs +
                            InvMs[size_t(V)]);
  };
  double Joined = 0;
  if (!Task.JoinSets.empty()) {
    for (const auto &[Freq, Set] : Task.JoinSets) {
      double Longest = 0;
      for (int EI : Set)
        Longest = std::max(Longest, JoinWait(M.Edges[size_t(EI)]));
      Joined += Freq * Longest;
    }
  } else {
    for (int EI : Task.Out) {
      const Model::Edge &E = M.Edges[size_t(EI)];
      Joined += E.Calls * JoinWait(E);
    }
  }
  Pos += Joined;
  TailEnd += Joined;
  DoneEnd += Joined;
  A.Own = Pos;
  TailEnd = std::max(TailEnd, A.Own);
  DoneEnd = std::max(DoneEnd, A.Own);
  double Tail = TailEnd, Done = DoneEnd;
  for (int EI : Task.Out) {
    const Model::Edge &E = M.Edges[size_t(EI)];
    if (E.Kind != EdgeKind::Async || E.Back || E.Calls <= 0)
      continue;
    double Start = E.StartFraction * A.Own;
    int V = E.Callee, S = slotOf(L, V, B);
    double End, Fin;
    if (S >= 0) {
      const Act &C = Acts[size_t(V)][size_t(S)];
      End = Start + C.Tail;
      Fin = Start + C.Done;
      A.Cpu += E.Calls * C.Cpu;
    } else if (E.Event) {
      A.Cpu += E.Calls * E.CallCpuMs;
      End = Start + M.AckMs;
      Fin = Start + M.EventDelayMs + PCold[size_t(V)] * M.ColdStartMs +
            DoneMs[size_t(V)];
    } else {
      A.Cpu += E.Calls * E.CallCpuMs;
      double Back = M.syncOverheadMs(E) + PCold[size_t(V)] * M.ColdStartMs;
      End = Start + Back + InvMs[size_t(V)];
      Fin = Start + Back + DoneMs[size_t(V)];
    }
    double P = std::min(1.0, E.Calls);
    if (S < 0 && !E.Event)
      P *= 1 - E.JoinedShare; // the rest is in the caller's own run
    Tail = std::max(Tail, TailEnd + P * std::max(0.0, End - TailEnd));
    Done = std::max(Done, DoneEnd + P * std::max(0.0, Fin - DoneEnd));
  }
  A.Tail = Tail;
  A.Done = std::max(Done, Tail);
  auto &Slot = Acts[size_t(T)][size_t(slotOf(L, T, B))];
  Slot = A;
  return Slot;
}

void FastEval::evaluate(const Layout &L, Result &R, int Component) {
  const std::vector<int> &Topo =
      Component < 0 ? M.Topo : M.ComponentTasks[size_t(Component)];
  M.measuredTasksByBlock(L, BlockTasks);
  for (int T : Topo) {
    size_t Slots = 1 + L.Copies[size_t(T)].size();
    Mass[size_t(T)].assign(Slots, 0);
    Acts[size_t(T)].assign(Slots, Act());
    Invocations[size_t(T)] = InvMs[size_t(T)] = DoneMs[size_t(T)] =
        PCold[size_t(T)] = PWarmup[size_t(T)] = 0;
  }
  std::vector<int> AllEntries;
  if (Component < 0)
    for (size_t I = 0; I < M.Entries.size(); ++I)
      AllEntries.push_back(int(I));
  const std::vector<int> &Entries =
      Component < 0 ? AllEntries : M.ComponentEntries[size_t(Component)];
  for (int EI : Entries) {
    const Model::Entry &E = M.Entries[size_t(EI)];
    Mass[size_t(E.Task)][0] += E.Share;
    Invocations[size_t(E.Task)] += E.Share;
  }
  for (int T : Topo) {
    const auto &TM = Mass[size_t(T)];
    for (size_t S = 0; S < TM.size(); ++S) {
      double A = TM[S];
      if (A <= 0)
        continue;
      int B = blockOfSlot(L, T, int(S));
      for (int EI : M.Tasks[size_t(T)].Out) {
        const Model::Edge &E = M.Edges[size_t(EI)];
        if (E.Back || E.Calls <= 0)
          continue;
        int V = E.Callee, SV = slotOf(L, V, B);
        double X = A * E.Calls;
        if (SV >= 0) {
          Mass[size_t(V)][size_t(SV)] += X;
        } else {
          Mass[size_t(V)][0] += X;
          Invocations[size_t(V)] += X;
        }
      }
    }
  }
  double Cost = 0;
  const PriceModel &Pr = M.Emulation.Price;
  for (auto It = Topo.rbegin(); It != Topo.rend(); ++It) {
    int T = *It;
    const auto &TM = Mass[size_t(T)];
    for (size_t S = 1; S < TM.size(); ++S)
      if (TM[S] > 0)
        act(L, T, blockOfSlot(L, T, int(S)));
    if (TM[0] <= 0 && Invocations[size_t(T)] <= 0)
      continue;
    const Act &A = act(L, T, L.Home[size_t(T)]);
    unsigned Mem = L.Memory[size_t(L.Home[size_t(T)])];
    // The invocation's codec around the task (Monte Carlo: half before,
    // half after).
    double Codec = M.Tasks[size_t(T)].InvokeCpuMs;
    double Inv = std::max(A.Tail + M.cpuWallMs(Codec, Mem),
                          M.cpuBoundMs(A.Cpu + Codec, Mem));
    InvMs[size_t(T)] = Inv;
    DoneMs[size_t(T)] = std::max(A.Done, Inv);
    double N = Invocations[size_t(T)];
    if (N <= 0)
      continue;
    PCold[size_t(T)] =
        coldProbability(M.RequestRate * N, Inv, &PWarmup[size_t(T)]);
    double Billed = std::max(Pr.MinBilledMs,
                             Inv + M.BillExtraMs + 0.5 * Pr.GranularityMs +
                                 (M.BillsInit ? PCold[size_t(T)] *
                                                    M.ColdStartMs
                                              : 0));
    Cost += N * (Billed / 1000.0 * (Mem / 1024.0) * Pr.GbSecondUsd +
                 Pr.RequestUsd);
  }
  R.CostUsd = Cost;
  R.EntryMs.resize(M.Entries.size());
  R.EntryDoneMs.resize(M.Entries.size());
  for (int EI : Entries) {
    size_t I = size_t(EI);
    int T = M.Entries[I].Task;
    double Base = M.RootOvhMs + PCold[size_t(T)] * M.ColdStartMs;
    R.EntryMs[I] = Base + InvMs[size_t(T)];
    R.EntryDoneMs[I] = Base + DoneMs[size_t(T)];
  }
}

//===-- Monte Carlo --------------------------------------------------------===//

namespace {

class Simulator {
public:
  Simulator(const Model &M, const Layout &L, const FastEval &F,
            std::uint64_t Seed)
      : M(M), L(L), F(F), R(Seed) {
    // Which traced configuration each task runs as in its home block.
    HomeConfig.assign(M.Tasks.size(), -1);
    M.measuredTasksByBlock(L, BlockTasks);
    if (BlockTasks.empty())
      return;
    for (size_t T = 0; T < M.Tasks.size(); ++T)
      HomeConfig[T] = findConfig(int(T), L.Home[T]);
  }

  double Cost = 0, Colds = 0, Invocations = 0;
  double RequestU = 1; // drawn per request
  /// The platform's noise of a request: its overheads are drawn at one
  /// quantile per request (a slow moment of the platform slows every hop
  /// of the request), around the request's own jitter.
  double PlatformU = 0.5;
  std::vector<double> GroupInvocations, GroupMs, GroupCost;
  unsigned long Activations = 0;

  /// A request as simulated: its latency (the root's overhead and cold
  /// start, then the entry invocation) and completion (until its last
  /// invocation ended), ms.
  struct Outcome {
    double LatencyMs = 0, DoneMs = 0;
  };

  /// `N` requests to entry task `V`. Each builds every invocation it makes
  /// (the entry's and, nested, its remote callees') when it arrives, and
  /// they run together on the host. Alone: one request after another, each
  /// on an idle host. As a stream: arriving `M.ArrivalGapsMs` apart (drawn),
  /// overlapping requests sharing the host's CPUs.
  void requests(int V, unsigned N, bool Stream, std::vector<Outcome> &Out) {
    Entry = V;
    Out.assign(N, Outcome());
    Results = &Out;
    if (Stream) {
      run(0, N);
    } else {
      for (unsigned I = 0; I < N; ++I)
        run(I, 1);
    }
  }

  /// `Mean` plus a residual from `Residual` (sorted) at the request's
  /// platform quantile, never negative.
  double draw(double Mean, const std::vector<float> &Residual) {
    if (Residual.empty())
      return Mean;
    size_t I = std::min(Residual.size() - 1,
                        size_t(PlatformU * double(Residual.size())));
    return std::max(0.0, Mean + Residual[I]);
  }

private:
  /// One step of a thread of an invocation: CPU to run (ms at full speed),
  /// a wait (sleep, I/O: no CPU), a fused asynchronous call (starts thread
  /// Ref of the invocation), a wait for the answer of a remote call the
  /// thread sent (slot Ref), a synchronous remote call (the thread waits
  /// for invocation Ref) or an asynchronous one (invocation Ref starts, the
  /// thread goes on); taking the lock the program's instances share (the
  /// thread polls until it is free) or letting it go.
  struct Step {
    enum Kind : std::uint8_t {
      Cpu,
      Wait,
      Spawn,
      Join,
      Call,
      Send,
      Lock,
      Unlock
    } K;
    double Ms;            // Cpu, Wait; Call: its nominal duration
    int Ref = -1;         // Spawn: thread; Join: slot; Call, Send: invocation
    double Interrupt = 0; // Cpu: more each time the quota stops it
  };
  using Thread = std::vector<Step>;
  using Key = std::pair<double, std::size_t>;
  /// How an invocation answers the one that made it.
  enum class Link : std::uint8_t { Root, Sync, Answer, Event };

  /// One invocation of a request: its threads (built before the request
  /// runs), how it hangs on its caller, and its state while it runs.
  struct Program {
    std::vector<Thread> T;
    size_t N = 0;
    int add() {
      if (N == T.size())
        T.emplace_back();
      T[N].clear();
      return int(N++);
    }
    Thread &operator[](size_t I) { return T[I]; }
    size_t size() const { return N; }
    std::vector<double> SlotEnd; // a joined remote call's answer; < 0: not yet
    int slot() {
      SlotEnd.push_back(-1);
      return int(SlotEnd.size() - 1);
    }
    // Built.
    int Id = 0, Block = 0;
    int Req = 0;      // its request (index into Reqs)
    unsigned Gen = 0; // its slot's use: events of an earlier one are stale
    unsigned Mem = 0;
    double ColdMs = 0, Phase = 0, SlackMs = 0, NominalMs = 0;
    Link How = Link::Root;
    int Parent = -1, Slot = -1;
    /// From the caller's step to this invocation's start (overhead, cold
    /// start, an event's delay), and from its end to the caller's answer;
    /// an event's acknowledgement holds the caller open AckMs.
    double PreMs = 0, PostMs = 0, AckMs = 0;
    // Running.
    int WaitingThread = -1; // the caller's thread in a synchronous call
    double Start = 0, End = 0, LastEnd = 0, HoldUntil = 0;
    double BlockedAt = 0; // a thread that ran ahead: when it joined
    int Live = 0, Holds = 0;
    bool Started = false, Finished = false, BoundaryQueued = false;
    std::vector<std::pair<int, int>> Joining; // (slot, thread) asleep
    // The instance's CPU: a fluid model (runnable threads share its CPUs
    // evenly, each at most one CPU), progress counted in host time.
    bool Quota = false;
    double Q = 0, Cpus = 1, Left = 0, Boundary = 0, Bonus = 0;
    double Progress = 0, VLast = 0, Busy = 0;
    unsigned Stamp = 0;
    std::vector<std::size_t> Idx; // each thread's step
    std::vector<unsigned> Polls;  // each thread's tries for the lock
    std::vector<Key> OnCpu;       // by the progress its step ends at
  };
  /// The invocations of the running requests: Progs[0, Used) less the
  /// finished ones (Free, reused), storage kept across runs; stable (a
  /// nested invoke() adds one while its caller is built).
  std::deque<Program> Progs;
  size_t Used = 0;
  std::vector<int> Free;
  /// The requests of a run: when each arrived, its root invocation, how
  /// many of its invocations are still running, when its last ended.
  struct Request {
    int Root = -1, Live = 0;
    double RootMs = 0, Start = 0, End = 0, Done = 0;
  };
  std::vector<Request> Reqs;
  unsigned FirstReq = 0, Building = 0; // the run's first; the one built
  int Entry = 0;
  std::vector<Outcome> *Results = nullptr;

  int newProgram() {
    int Id;
    if (!Free.empty()) {
      Id = Free.back();
      Free.pop_back();
    } else {
      if (Used == Progs.size())
        Progs.emplace_back();
      Id = int(Used++);
    }
    Program &P = Progs[size_t(Id)];
    P.Id = Id;
    ++P.Gen;
    P.Req = int(Building);
    ++Reqs[Building].Live;
    P.N = 0;
    P.SlotEnd.clear();
    P.Joining.clear();
    P.How = Link::Root;
    P.Parent = P.Slot = P.WaitingThread = -1;
    P.PreMs = P.PostMs = P.AckMs = 0;
    P.Started = P.Finished = false;
    return Id;
  }

  static void push(Thread &X, Step::Kind K, double Ms, double Interrupt = 0) {
    if (Ms > 0)
      X.push_back({K, Ms, -1, Interrupt});
  }

  /// A step's duration when the instance is not shared: CPU at the
  /// memory size's speed (1/share of full speed), waits and synchronous
  /// calls as they are.
  static double nominal(const Step &S, double Stretch) {
    return S.K == Step::Cpu                         ? S.Ms * Stretch
           : S.K == Step::Wait || S.K == Step::Call ? S.Ms
                                                    : 0;
  }
  double stretch(unsigned Mem) const {
    double S = M.cpuShare(Mem);
    return M.Emulation.Enabled && S > 0 ? 1 / S : 1;
  }

  /// Builds an invocation of task `V` (in its home group) and, nested,
  /// the invocations its remote calls make. Returns its index.
  int invoke(int V, unsigned Depth) {
    int B = L.Home[size_t(V)];
    // Warm-up cold starts hit the same (first) requests of a run; idle
    // expiry hits any request.
    double Warm = F.PWarmup[size_t(V)];
    double Idle = std::max(0.0, F.PCold[size_t(V)] - Warm);
    bool Cold = RequestU < Warm || R.uniform() < Idle;
    unsigned Mem = L.Memory[size_t(B)];
    // The invocation's threads (its fused asynchronous calls run on threads
    // of their own) share the instance's CPU quota in time; the invocation
    // starts anywhere in a quota period.
    bool SavedCold = InCold;
    InCold = Cold;
    int Id = newProgram();
    Program &P = Progs[size_t(Id)];
    P.add();
    P.Block = B;
    P.Mem = Mem;
    P.ColdMs = Cold ? M.ColdStartMs : 0;
    // Decoding the payload before the task, encoding its result after.
    double Codec = M.Tasks[size_t(V)].InvokeCpuMs / 2;
    push(P[0], Step::Cpu, Codec);
    double Own = build(P, 0, V, B, Depth + 1);
    push(P[0], Step::Cpu, Codec);
    InCold = SavedCold;
    P.Phase = R.uniform();
    P.SlackMs = M.QuotaSlackMs.empty()
                    ? 0
                    : M.QuotaSlackMs[R.below(M.QuotaSlackMs.size())];
    P.NominalMs = F.InvMs[size_t(V)] > 0 ? F.InvMs[size_t(V)]
                                         : Own + 2 * Codec * stretch(Mem);
    Colds += Cold;
    ++Invocations;
    return Id;
  }

  /// Inserts `Sp` `Offset` ms (nominal) into the steps of thread `Th`
  /// from `Begin` on, before any step that starts at or after that moment,
  /// splitting the CPU or wait step that spans it (within a synchronous
  /// remote call, a thread started as the call begins runs it that far
  /// into the call; a join goes before the call).
  static void spawnAt(Program &P, int Th, size_t Begin, double Offset,
                      const Step &Sp, double Stretch) {
    Thread &X = P[size_t(Th)];
    double Acc = 0;
    size_t I = Begin;
    for (; I < X.size(); ++I) {
      double N = nominal(X[I], Stretch);
      if (Acc >= Offset)
        break;
      if (Acc + N > Offset) {
        double Part = Offset - Acc;
        if (X[I].K == Step::Call) {
          if (Sp.K == Step::Join || Part <= 0)
            break;
          // The thread is in a remote call then: a thread of its own
          // waits that far into it and goes on with the step.
          int H = P.add();
          Thread &Aside = P[size_t(H)];
          Aside.push_back({Step::Wait, Part, -1});
          Aside.push_back(Sp);
          Thread &Y = P[size_t(Th)]; // P.add() may have moved it
          Y.insert(Y.begin() + long(I), Step{Step::Spawn, 0, H});
          return;
        } else {
          Step Rest = X[I];
          double Fr = Part / N;
          X[I].Ms *= Fr;
          Rest.Ms *= 1 - Fr;
          X.insert(X.begin() + long(I) + 1, Rest);
          ++I;
        }
        break;
      }
      Acc += N;
    }
    X.insert(X.begin() + long(I), Sp);
  }

  /// Appends the activation of task `T` in block `B` to thread `Th`: its
  /// CPU and waiting spread between its synchronous calls (half the CPU of
  /// each stretch before the wait, half after: a thread that wakes up
  /// needs the CPU again), local synchronous callees inline, a remote
  /// call as a call step; each asynchronous call starts at its measured
  /// start fraction of this activation (a fused one on a thread of its
  /// own). Returns the nominal duration of what it appended to `Th`.
  double build(Program &P, int Th, int T, int B, unsigned Depth) {
    const Model::Task &Task = M.Tasks[size_t(T)];
    double Cpu = Task.CpuMs, Wait = Task.WaitMs;
    // The runs of the configuration the block runs the task as, if traced.
    const auto *Joint = &Task.Joint;
    const auto *JointPattern = &Task.JointPattern;
    if (!Task.Configs.empty())
      if (int C =
              B == L.Home[size_t(T)] ? HomeConfig[size_t(T)] : findConfig(T, B);
          C >= 0) {
        Joint = &Task.Configs[size_t(C)].Joint;
        JointPattern = &Task.Configs[size_t(C)].JointPattern;
      }
    // The calls a sampled activation made together, if known.
    const std::vector<std::pair<int, unsigned>> *Pattern = nullptr;
    const Model::Task::Order *Ord = nullptr; // and their order, if known
    if (!Joint->empty()) {
      size_t J = R.below(Joint->size());
      Cpu = (*Joint)[J].first;
      Wait = (*Joint)[J].second;
      if (!Task.JointPattern.empty() && J < JointPattern->size() &&
          (*JointPattern)[J] < Task.CallPatterns.size()) {
        size_t PI = (*JointPattern)[J];
        Pattern = &Task.CallPatterns[PI];
        if (PI < Task.PatternOrders.size() &&
            !Task.PatternOrders[PI].Async.empty())
          Ord = &Task.PatternOrders[PI];
      }
    }
    if (InCold)
      Cpu += Task.ColdExtraCpuMs;
    // The shared lock, held for part of the CPU at the activation's end.
    double Hold = 0;
    if (Task.LockHoldCpuMs > 0 && R.uniform() < Task.LockHoldShare) {
      Hold = std::min(Task.LockHoldCpuMs, Cpu);
      Cpu -= Hold;
    }
    size_t Begin = P[size_t(Th)].size();
    double Stretch = stretch(L.Memory[size_t(B)]);
    if (Depth > 64 || ++Activations > 200000) {
      Cpu += Hold;
      push(P[size_t(Th)], Step::Cpu, Cpu, Task.InterruptCpuMs);
      push(P[size_t(Th)], Step::Wait, Wait);
      return Cpu * Stretch + Wait;
    }
    // Draw the call counts first: self time is spread between the calls.
    // The draws live on a stack shared by the recursion (no allocation per
    // activation); this activation's are [Mark, End).
    size_t Mark = Scratch.size();
    unsigned SyncCalls = 0;
    for (int EI : Task.Out) {
      const Model::Edge &E = M.Edges[size_t(EI)];
      if (E.Back)
        continue;
      unsigned K = 0;
      if (Pattern) {
        for (auto [PE, PK] : *Pattern)
          if (PE == EI)
            K = PK;
      } else {
        K = count(E);
      }
      if (!K)
        continue;
      Scratch.emplace_back(EI, K);
      if (E.Kind == EdgeKind::Sync)
        SyncCalls += K;
    }
    size_t End = Scratch.size();
    double CpuGap = Cpu / double(SyncCalls + 1),
           WaitGap = Wait / double(SyncCalls + 1);
    if (Ord && Ord->Sync.size() != SyncCalls)
      Ord = nullptr; // not this activation's calls
    double Own = 0; // nominal
    // Where each synchronous call and each stretch of own time between
    // them begins (nominal), and the joins, for this activation: stacks
    // shared by the recursion, as Scratch.
    size_t CallMark = CallAt.size(), GapMark = GapAt.size(),
           InsertMark = Inserts.size(), JoinMark = Joins.size();
    auto gap = [&] {
      GapAt.push_back(Own);
      Thread &X = P[size_t(Th)];
      push(X, Step::Cpu, CpuGap / 2, Task.InterruptCpuMs);
      push(X, Step::Wait, WaitGap);
      push(X, Step::Cpu, CpuGap / 2, Task.InterruptCpuMs);
      Own += CpuGap * Stretch + WaitGap;
    };
    auto syncCall = [&](const Model::Edge &E) {
      gap();
      CallAt.push_back(Own);
      if (L.in(E.Callee, B)) {
        Own += build(P, Th, E.Callee, B, Depth + 1);
        return;
      }
      double Ovh = syncOverhead(E);
      int C = invoke(E.Callee, Depth);
      Program &Ch = Progs[size_t(C)];
      // The client's CPU, part of the overhead measured.
      double Client = std::min(E.CallCpuMs, Ovh);
      double Net = Ovh - Client;
      Ch.How = Link::Sync;
      Ch.Parent = P.Id;
      Ch.PreMs = Net / 2 + Ch.ColdMs;
      Ch.PostMs = Net / 2;
      push(P[size_t(Th)], Step::Cpu, Client);
      double Nom = Net + Ch.ColdMs + Ch.NominalMs;
      P[size_t(Th)].push_back({Step::Call, Nom, C});
      Own += Client * Stretch + Nom;
    };
    // Without an order: the drawn calls of one kind, edge by edge.
    auto eachCall = [&](EdgeKind Kind, auto &&Fn) {
      for (size_t CI = Mark; CI < End; ++CI) {
        auto [EI, K] = Scratch[CI]; // a copy: the recursion grows Scratch
        const Model::Edge &E = M.Edges[size_t(EI)];
        if (E.Kind == Kind)
          for (unsigned I = 0; I < K; ++I)
            Fn(E);
      }
    };
    if (Ord) {
      for (int EI : Ord->Sync)
        syncCall(M.Edges[size_t(EI)]);
    } else {
      eachCall(EdgeKind::Sync, syncCall);
    }
    gap();
    if (Hold > 0) {
      Thread &X = P[size_t(Th)];
      X.push_back({Step::Lock, 0, -1});
      X.push_back({Step::Cpu, Hold, -1, Task.InterruptCpuMs});
      X.push_back({Step::Unlock, 0, -1});
      Own += Hold * Stretch;
    }
    // An asynchronous call dispatched `Start` into the activation; its
    // result joined before the synchronous call JoinBefore (-1: as the
    // edge's JoinedShare draws, before the next call; SyncCalls: not).
    auto asyncCall = [&](const Model::Edge &E, double Start, int JoinBefore) {
      Step Sp{Step::Spawn, 0, -1};
      if (L.in(E.Callee, B)) {
        Sp.Ref = P.add();
        build(P, Sp.Ref, E.Callee, B, Depth + 1);
      } else {
        // A remote call needs no thread here: the invocation it starts
        // holds this one open until its acknowledgement or answer.
        Sp.K = Step::Send;
        double Ack = E.Event ? draw(M.AckMs, M.AckResidual) : 0;
        double Ovh = E.Event ? 0 : syncOverhead(E);
        int C = invoke(E.Callee, Depth);
        Program &Ch = Progs[size_t(C)];
        Ch.Parent = P.Id;
        Sp.Ref = C;
        if (E.Event) {
          Ch.How = Link::Event;
          Ch.AckMs = Ack;
          Ch.PreMs = draw(M.EventDelayMs, M.EventResidual) + Ch.ColdMs;
        } else {
          Ch.How = Link::Answer;
          Ch.PreMs = Ovh / 2 + Ch.ColdMs;
          Ch.PostMs = Ovh / 2;
          // A call whose result the caller needs before a synchronous
          // call: joined there.
          double At = -1;
          if (JoinBefore >= 0) {
            if (size_t(JoinBefore) < CallAt.size() - CallMark)
              At = CallAt[CallMark + size_t(JoinBefore)];
          } else if (E.JoinedShare > 0 && R.uniform() < E.JoinedShare) {
            At = Own; // before the next synchronous call
            for (size_t C2 = CallMark; C2 < CallAt.size(); ++C2)
              if (CallAt[C2] >= Start) {
                At = CallAt[C2];
                break;
              }
          }
          if (At >= 0) {
            Ch.Slot = P.slot();
            Joins.push_back({At, Step{Step::Join, 0, Ch.Slot}});
          }
        }
      }
      Inserts.push_back({Start, Sp});
      // The client's CPU of a remote call (a worker's, the instance's).
      if (!L.in(E.Callee, B) && E.CallCpuMs > 0)
        Inserts.push_back({Start, Step{Step::Cpu, E.CallCpuMs, -1}});
    };
    if (Ord) {
      // At its place among the synchronous calls, whatever they cost here.
      double GapMs = CpuGap * Stretch + WaitGap;
      for (const Model::Task::Place &Pl : Ord->Async)
        asyncCall(M.Edges[size_t(Pl.Edge)],
                  GapAt[GapMark + Pl.After] + Pl.Fraction * GapMs,
                  Pl.JoinBefore);
    } else {
      eachCall(EdgeKind::Async, [&](const Model::Edge &E) {
        asyncCall(E, E.StartFraction * Own, -1);
      });
    }
    // The joins after every spawn, so that the calls dispatched before a
    // join run beside it. All at their offsets in the activation as built
    // (the last first: an insertion moves only what comes after it), in
    // the order they were made where offsets tie.
    Inserts.insert(Inserts.end(), Joins.begin() + long(JoinMark), Joins.end());
    Joins.resize(JoinMark);
    for (size_t K = InsertMark + 1; K < Inserts.size(); ++K) // stable
      for (size_t J = K;
           J > InsertMark && Inserts[J - 1].first > Inserts[J].first; --J)
        std::swap(Inserts[J - 1], Inserts[J]);
    for (size_t K = Inserts.size(); K-- > InsertMark;)
      spawnAt(P, Th, Begin, Inserts[K].first, Inserts[K].second, Stretch);
    Inserts.resize(InsertMark);
    CallAt.resize(CallMark);
    GapAt.resize(GapMark);
    Scratch.resize(Mark);
    return Own;
  }

  // Running requests: every invocation of the run on the host at once.
  static constexpr double Eps = 1e-9;
  /// Host time (ms since the run's first request arrived) and CPU time per
  /// busy host CPU: while the running invocations' busy CPUs exceed the
  /// host's, every busy instance runs at HostCpus / busy of its speed, and
  /// Vt advances that much slower than Now.
  double Now = 0, Vt = 0, Demand = 0;
  enum EventKind : std::uint8_t { Arrive, Start, Wake, Resume, NewPeriod };
  struct Event {
    double T;
    std::uint64_t Seq;
    EventKind K;
    int Prog, Thread; // Arrive: the request
    unsigned Gen;
  };
  struct CpuEvent { // an instance's step ends or its quota runs out
    double V;
    int Prog;
    unsigned Stamp;
  };
  std::vector<Event> Events;
  std::vector<CpuEvent> CpuEvents;
  std::uint64_t Seq = 0;
  std::vector<std::size_t> Stack, Ended;

  static bool later(const Event &A, const Event &B) {
    return A.T != B.T ? A.T > B.T : A.Seq > B.Seq;
  }
  static bool laterCpu(const CpuEvent &A, const CpuEvent &B) {
    return A.V > B.V;
  }
  void at(double T, EventKind K, int Prog, int Thread = -1) {
    unsigned Gen = K == Arrive ? 0 : Progs[size_t(Prog)].Gen;
    Events.push_back({std::max(T, Now), Seq++, K, Prog, Thread, Gen});
    std::push_heap(Events.begin(), Events.end(), later);
  }

  /// Brings an instance's CPU progress and quota up to now.
  void advance(Program &P) {
    double Dv = Vt - P.VLast;
    P.VLast = Vt;
    if (P.Busy <= 0 || Dv <= 0)
      return;
    P.Progress += P.Busy / double(P.OnCpu.size()) * Dv;
    if (P.Quota)
      P.Left -= P.Busy * Dv;
  }
  /// The period ends at Now: a new quota, less what the first one overran
  /// (the slack is the first period's).
  void refill(Program &P) { refill(P, Now); }
  void refill(Program &P, double At) {
    double Per = M.CpuPeriodMs;
    P.Boundary += Per * (1 + std::floor((At - P.Boundary + Eps) / Per));
    P.Left = P.Q + std::min(0.0, P.Left - P.Bonus);
    P.Bonus = 0;
  }
  void touch(Program &P) {
    advance(P);
    if (P.Quota && !P.BoundaryQueued && Now >= P.Boundary - Eps)
      refill(P);
  }
  /// After a change to an instance's runnable threads or quota: its share
  /// of the host, its next CPU event, its next period while it needs CPU.
  void reschedule(Program &P) {
    size_t Run = P.OnCpu.size();
    bool Throttled = P.Quota && P.Left <= Eps;
    double Busy = Run && !Throttled ? std::min(double(Run), P.Cpus) : 0;
    Demand = std::max(0.0, Demand + Busy - P.Busy);
    P.Busy = Busy;
    ++P.Stamp;
    if (Busy > 0) {
      double Dv = (P.OnCpu.front().first - P.Progress) * double(Run) / Busy;
      if (P.Quota)
        Dv = std::min(Dv, P.Left / Busy);
      CpuEvents.push_back({Vt + std::max(Dv, 0.0), P.Id, P.Stamp});
      std::push_heap(CpuEvents.begin(), CpuEvents.end(), laterCpu);
    }
    if (P.Quota && Run && !P.BoundaryQueued) {
      P.BoundaryQueued = true;
      at(P.Boundary, NewPeriod, P.Id);
    }
  }

  /// Runs thread `Th` of `P` from its current step at Now until it needs
  /// CPU, waits or ends; the fused calls it makes start at Now. A thread
  /// alone on its instance, with no host shared, runs ahead of Now on its
  /// own clock (nothing can change its speed): step by step, a CPU step
  /// period by period, until it blocks on a remote call's answer, starts a
  /// thread (at its own time: Resume) or ends.
  void settle(Program &P, size_t Th) {
    Stack.assign(1, Th);
    while (!Stack.empty()) {
      size_t I = Stack.back();
      Stack.pop_back();
      double T = Now; // the thread's clock
      for (bool Blocked = false; !Blocked; ++P.Idx[I]) {
        if (P.Idx[I] == P[I].size()) {
          P.LastEnd = std::max(P.LastEnd, T);
          --P.Live;
          break;
        }
        const Step &St = P[I][P.Idx[I]];
        bool Solo =
            M.HostCpus <= 0 && P.Live == 1 && P.OnCpu.empty() && Stack.empty();
        switch (St.K) {
        case Step::Spawn:
          if (T > Now + Eps) {
            at(T, Resume, P.Id, int(I));
            Blocked = true;
            break;
          }
          ++P.Live;
          Stack.push_back(size_t(St.Ref));
          break;
        case Step::Send: {
          Program &C = Progs[size_t(St.Ref)];
          at(T + C.PreMs, Start, C.Id);
          if (C.How == Link::Event)
            P.HoldUntil = std::max(P.HoldUntil, T + C.AckMs);
          else
            ++P.Holds;
          break;
        }
        case Step::Call: {
          Program &C = Progs[size_t(St.Ref)];
          C.WaitingThread = int(I);
          at(T + C.PreMs, Start, C.Id);
          Blocked = true;
          break;
        }
        case Step::Join: {
          double Answer = P.SlotEnd[size_t(St.Ref)];
          if (Answer < 0) {
            P.Joining.emplace_back(St.Ref, int(I));
            P.BlockedAt = T;
            Blocked = true;
          } else if (Answer > T + Eps) {
            at(Answer, Wake, P.Id, int(I));
            Blocked = true;
          }
          break;
        }
        case Step::Cpu:
          if (St.Ms <= 0)
            break;
          if (Solo) {
            T = runAlone(P, St, T);
            break;
          }
          if (T > Now + Eps) { // the thread ran ahead; no longer alone
            at(T, Resume, P.Id, int(I));
          } else {
            P.OnCpu.emplace_back(P.Progress + St.Ms, I);
            std::push_heap(P.OnCpu.begin(), P.OnCpu.end(), std::greater<Key>());
          }
          Blocked = true;
          break;
        case Step::Wait:
          if (St.Ms <= 0)
            break;
          if (Solo) {
            T += St.Ms;
            break;
          }
          at(T + St.Ms, Wake, P.Id, int(I));
          Blocked = true;
          break;
        case Step::Lock:
          // Taken at Now only (a thread that ran ahead cannot see the
          // lock's future); free once its holder let it go, even if that
          // holder ran ahead to do so. Busy: tried again after the busy
          // handler's next sleep (Resume runs this step again).
          if (T > Now + Eps) {
            at(T, Resume, P.Id, int(I));
          } else if (!LockHeld && Now >= LockFreeAt - Eps) {
            LockHeld = true;
            P.Polls[I] = 0;
            break;
          } else {
            at(Now + lockPollMs(P.Polls[I]++), Resume, P.Id, int(I));
          }
          Blocked = true;
          break;
        case Step::Unlock:
          LockHeld = false;
          LockFreeAt = T;
          break;
        }
        if (Blocked)
          break;
      }
    }
  }

  /// CPU step `St` of the only thread of `P`, from `T` on: at full speed
  /// (the instance's share of one CPU from one vCPU on) within the quota,
  /// stopped until the next period when it is spent. Returns its end.
  double runAlone(Program &P, const Step &St, double T) {
    if (!P.Quota)
      return T + St.Ms / std::min(1.0, P.Cpus);
    for (double C = St.Ms; C > Eps;) {
      if (T >= P.Boundary - Eps)
        refill(P, T);
      if (P.Left <= Eps) { // throttled until the period ends
        T = P.Boundary;
        refill(P, T);
        C += St.Interrupt;
        continue;
      }
      double Run = std::min({C, P.Left, P.Boundary - T});
      T += Run;
      C -= Run;
      P.Left -= Run;
    }
    if (T >= P.Boundary - Eps)
      refill(P, T);
    return T;
  }

  /// An invocation whose threads ended and whose remote calls answered:
  /// billed, and its caller told.
  void finishIfDone(Program &P) {
    if (P.Finished || P.Live > 0 || P.Holds > 0)
      return;
    P.Finished = true;
    P.End = std::max(P.LastEnd, P.HoldUntil);
    double Ms = P.End - P.Start;
    const PriceModel &Pr = M.Emulation.Price;
    double Billed =
        Pr.billedMs(Ms + M.BillExtraMs + (M.BillsInit ? P.ColdMs : 0));
    double C =
        Billed / 1000.0 * (P.Mem / 1024.0) * Pr.GbSecondUsd + Pr.RequestUsd;
    Cost += C;
    GroupInvocations[size_t(P.Block)] += 1;
    GroupMs[size_t(P.Block)] += Ms;
    GroupCost[size_t(P.Block)] += C;
    Request &Q = Reqs[size_t(P.Req)];
    Q.Done = std::max(Q.Done, P.End);
    if (P.Id == Q.Root)
      Q.End = P.End;
    Free.push_back(P.Id); // nothing refers to it any more
    if (--Q.Live == 0)
      (*Results)[FirstReq + unsigned(P.Req)] = {Q.RootMs + Q.End - Q.Start,
                                                Q.RootMs + Q.Done - Q.Start};
    if (P.Parent < 0 || P.How == Link::Event)
      return;
    Program &Caller = Progs[size_t(P.Parent)];
    double Answer = P.End + P.PostMs;
    if (P.How == Link::Sync) {
      at(Answer, Wake, Caller.Id, P.WaitingThread);
    } else if (P.How == Link::Answer) {
      Caller.HoldUntil = std::max(Caller.HoldUntil, Answer);
      --Caller.Holds;
      if (P.Slot >= 0) {
        Caller.SlotEnd[size_t(P.Slot)] = Answer;
        auto &J = Caller.Joining;
        for (size_t K = 0; K < J.size();)
          if (J[K].first == P.Slot) {
            at(std::max(Answer, Caller.BlockedAt), Wake, Caller.Id,
               J[K].second);
            J[K] = J.back();
            J.pop_back();
          } else {
            ++K;
          }
      }
      finishIfDone(Caller);
    }
  }

  void start(Program &P) {
    double S = M.Emulation.Enabled ? M.cpuShare(P.Mem) : 1;
    P.Quota = S > 0 && S < 1;
    P.Q = S * M.CpuPeriodMs;
    // Below one vCPU: at most InstanceCpus at once, and a quota of share x
    // period per period for all of them; the invocation starts Phase
    // (0..1) into a period with its quota unused, and runs SlackMs past it
    // (Profile::QuotaSlackMs) before every thread waits for the next
    // period, whose quota pays the overrun back. From one vCPU on: share
    // CPUs (one without emulation).
    P.Cpus = P.Quota ? std::max(1.0, M.InstanceCpus) : std::max(S, 1e-9);
    P.Left = P.Q + P.SlackMs;
    P.Bonus = P.SlackMs;
    P.Boundary = Now + M.CpuPeriodMs * (1 - std::clamp(P.Phase, 0.0, 1.0));
    P.Start = P.LastEnd = Now;
    P.HoldUntil = P.BlockedAt = 0;
    P.Live = 1;
    P.Holds = 0;
    P.Started = true;
    P.Finished = P.BoundaryQueued = false;
    P.Progress = P.Busy = 0;
    P.VLast = Vt;
    P.Idx.assign(P.size(), 0);
    P.Polls.assign(P.size(), 0);
    P.OnCpu.clear();
    settle(P, 0);
    reschedule(P);
    finishIfDone(P);
  }

  /// An instance's CPU event: the steps that ended go on; if its quota
  /// ran out, each thread it stops needs its step's interruption cost
  /// more once it runs again, as often as it was on a CPU: with more
  /// runnable threads than the instance's CPUs, CPUs / threads of the
  /// stops. (The profile counts a run's stops alike, from its share of the
  /// quota per period, which a busy host does not change: so no host
  /// speed here either.)
  void cpuEvent(Program &P) {
    touch(P);
    bool Stopped = P.Busy > 0 && P.Quota && P.Left <= Eps;
    double OnCpu = Stopped ? std::min(1.0, P.Cpus / double(P.OnCpu.size())) : 1;
    Ended.clear();
    while (!P.OnCpu.empty() && P.OnCpu.front().first <= P.Progress + Eps) {
      Ended.push_back(P.OnCpu.front().second);
      std::pop_heap(P.OnCpu.begin(), P.OnCpu.end(), std::greater<Key>());
      P.OnCpu.pop_back();
    }
    if (Stopped) {
      bool Any = false;
      for (Key &K : P.OnCpu)
        if (double X = P[K.second][P.Idx[K.second]].Interrupt; X > 0) {
          K.first += X * OnCpu;
          Any = true;
        }
      if (Any)
        std::make_heap(P.OnCpu.begin(), P.OnCpu.end(), std::greater<Key>());
    }
    for (size_t I : Ended) {
      ++P.Idx[I];
      settle(P, I);
    }
    reschedule(P);
    finishIfDone(P);
  }

  /// Request `K` of the run arrives at Now: its invocations are built, its
  /// entry's starts after its cold start, the next request is due.
  void arrive(unsigned K) {
    Building = K;
    RequestU = R.uniform();
    PlatformU = R.uniform();
    Activations = 0;
    Request &Q = Reqs[K];
    int Root = invoke(Entry, 0);
    Program &P = Progs[size_t(Root)];
    Q.Root = Root;
    Q.RootMs = draw(M.RootOvhMs, M.RootResidual) + P.ColdMs;
    Q.Start = Q.End = Q.Done = Now + P.ColdMs;
    at(Q.Start, Start, Root);
    if (K + 1 < Reqs.size())
      at(Now + M.ArrivalGapsMs[R.below(M.ArrivalGapsMs.size())], Arrive,
         int(K + 1));
  }

  /// Runs requests First to First + Count - 1 (a stream if Count > 1)
  /// from the first's arrival until the last invocation ends: O(log) per
  /// step and period.
  void run(unsigned First, unsigned Count) {
    Now = Vt = Demand = 0;
    LockHeld = false;
    LockFreeAt = 0;
    Events.clear();
    CpuEvents.clear();
    Free.clear();
    Used = 0;
    FirstReq = First;
    Reqs.assign(Count, Request());
    at(0, Arrive, 0);
    for (unsigned long Guard = 0; Guard < 50000000; ++Guard) {
      while (!CpuEvents.empty() &&
             CpuEvents.front().Stamp !=
                 Progs[size_t(CpuEvents.front().Prog)].Stamp) {
        std::pop_heap(CpuEvents.begin(), CpuEvents.end(), laterCpu);
        CpuEvents.pop_back();
      }
      if (CpuEvents.empty() && Events.empty())
        break;
      double Speed =
          M.HostCpus > 0 && Demand > M.HostCpus + Eps ? M.HostCpus / Demand : 1;
      double TCpu =
          CpuEvents.empty() ? 1e300 : Now + (CpuEvents.front().V - Vt) / Speed;
      if (!CpuEvents.empty() && (Events.empty() || TCpu <= Events.front().T)) {
        CpuEvent E = CpuEvents.front();
        std::pop_heap(CpuEvents.begin(), CpuEvents.end(), laterCpu);
        CpuEvents.pop_back();
        Now = std::max(Now, TCpu);
        Vt = std::max(Vt, E.V);
        cpuEvent(Progs[size_t(E.Prog)]);
        continue;
      }
      Event E = Events.front();
      std::pop_heap(Events.begin(), Events.end(), later);
      Events.pop_back();
      Vt += Speed * (E.T - Now);
      Now = E.T;
      if (E.K == Arrive) {
        arrive(unsigned(E.Prog));
        continue;
      }
      Program &P = Progs[size_t(E.Prog)];
      if (E.Gen != P.Gen)
        continue; // an event of the slot's earlier invocation
      if (E.K == Start) {
        start(P);
        continue;
      }
      if (E.K == NewPeriod)
        P.BoundaryQueued = false;
      touch(P);
      if (E.K == Wake)
        ++P.Idx[size_t(E.Thread)];
      if (E.K == Wake || E.K == Resume)
        settle(P, size_t(E.Thread));
      reschedule(P);
      finishIfDone(P);
    }
    // Only if the guard stopped the run: what started ends now (callees,
    // built after their callers, first).
    for (size_t K = Used; K-- > 0;)
      if (Program &P = Progs[K]; P.Started && !P.Finished) {
        P.Live = P.Holds = 0;
        P.LastEnd = std::max(P.LastEnd, Now);
        finishIfDone(P);
      }
  }

  /// The running invocation is its instance's first: every activation in
  /// it runs its task's cold extra CPU time too.
  bool InCold = false;

  /// The lock the program's instances share (one: the examples' database
  /// write lock): held, or free from LockFreeAt on.
  bool LockHeld = false;
  double LockFreeAt = 0;
  /// How long a thread that found the lock taken sleeps before its next
  /// try: SQLite's default busy handler's schedule (1, 2, 5, ... ms, then
  /// 100 ms), which the waits in the examples' traces follow (their sums
  /// 33, 53, 78, 103, 128, 178, 228 ms).
  static double lockPollMs(unsigned Tries) {
    static constexpr double Delays[] = {1,  2,  5,  10, 15, 20,
                                        25, 25, 25, 50, 50};
    return Tries < std::size(Delays) ? Delays[Tries] : 100;
  }

  unsigned count(const Model::Edge &E) {
    if (E.CallsWhenCalled.empty()) {
      double Fl = std::floor(E.Calls);
      return unsigned(Fl) + (R.uniform() < E.Calls - Fl);
    }
    if (R.uniform() >= E.PCalled)
      return 0;
    return unsigned(std::lround(
        E.CallsWhenCalled[R.below(E.CallsWhenCalled.size())]));
  }

  double syncOverhead(const Model::Edge &E) {
    return draw(M.syncOverheadMs(E), M.SyncResidual);
  }

  /// Task `T`'s traced configuration that block `B` runs it as (its
  /// memory size, its measured tasks), or -1.
  int findConfig(int T, int B) const {
    return BlockTasks.empty()
               ? -1
               : M.configOf(T, L.Memory[size_t(B)], BlockTasks[size_t(B)]);
  }
  std::vector<std::vector<int>> BlockTasks; // measured tasks per block
  std::vector<int> HomeConfig;

  const Model &M;
  const Layout &L;
  const FastEval &F;
  Rng R;
  std::vector<std::pair<int, unsigned>> Scratch;
  std::vector<double> CallAt;                // build()'s call offsets
  std::vector<double> GapAt;                 // ... and its own time's
  /// build()'s insertions into the activation's thread (offset, step), a
  /// stack shared by the recursion, and the joins of the activation.
  std::vector<std::pair<double, Step>> Inserts, Joins;
};

} // namespace

double Prediction::latency(const EntryPrediction &E, LatencyKind K,
                           double Q) const {
  if (K == LatencyKind::Completion)
    return Q >= 0.9 ? E.CompletionP99Ms : E.CompletionP50Ms;
  return Q >= 0.9 ? E.P99Ms : E.P50Ms;
}

Prediction predict(const Model &M, const Layout &L,
                   const CostModelOptions &O) {
  FastEval F(M, O);
  FastEval::Result FR;
  F.evaluate(L, FR);
  Prediction P;
  std::vector<std::pair<double, double>> AllLat, AllDone;
  std::vector<Simulator::Outcome> Outcomes;
  size_t NB = L.blocks();
  std::vector<double> GInv(NB, 0), GMs(NB, 0), GCost(NB, 0);
  // A budget of simulated activations per prediction keeps programs of
  // thousands of tasks fast: fewer requests per entry when requests are
  // large or entries many (never fewer than 100).
  double ActsPerRequest = 0;
  for (const auto &TM : F.massOfSlots())
    for (double A : TM)
      ActsPerRequest += A;
  double PerEntry = O.MaxSimulatedActivations /
                    std::max(1.0, ActsPerRequest * double(M.Entries.size()));
  unsigned Samples = std::max(1u, O.Samples);
  if (PerEntry < Samples)
    Samples = std::max(std::min(Samples, 100u), unsigned(PerEntry));
  bool Locks =
      std::any_of(M.Tasks.begin(), M.Tasks.end(), [](const Model::Task &T) {
        return T.LockHoldShare > 0 && T.LockHoldCpuMs > 0;
      });
  for (size_t EI = 0; EI < M.Entries.size(); ++EI) {
    const Model::Entry &En = M.Entries[EI];
    Simulator S(M, L, F, O.Seed * 1000003ULL + EI);
    S.GroupInvocations.assign(NB, 0);
    S.GroupMs.assign(NB, 0);
    S.GroupCost.assign(NB, 0);
    unsigned N = Samples;
    std::vector<double> Lat, Done;
    Lat.reserve(N);
    Done.reserve(N);
    // On a shared host, or with a lock they share, requests overlap as
    // the traces' arrived.
    bool Stream = (M.HostCpus > 0 || Locks) && !M.ArrivalGapsMs.empty();
    S.requests(En.Task, N, Stream, Outcomes);
    for (const Simulator::Outcome &X : Outcomes) {
      Lat.push_back(X.LatencyMs);
      Done.push_back(X.DoneMs);
    }
    EntryPrediction E;
    E.Task = M.Tasks[size_t(En.Task)].Name;
    E.Share = En.Share;
    E.MeanMs = std::accumulate(Lat.begin(), Lat.end(), 0.0) / N;
    E.P50Ms = quantileOf(Lat, 0.5);
    E.P99Ms = quantileOf(Lat, 0.99);
    E.CompletionP50Ms = quantileOf(Done, 0.5);
    E.CompletionP99Ms = quantileOf(Done, 0.99);
    E.CostUsd = S.Cost / N;
    E.ColdStarts = S.Colds / N;
    E.Invocations = S.Invocations / N;
    double W = En.Share / N;
    for (unsigned I = 0; I < N; ++I) {
      AllLat.emplace_back(Lat[I], W);
      AllDone.emplace_back(Done[I], W);
    }
    P.MeanMs += En.Share * E.MeanMs;
    P.CostUsd += En.Share * E.CostUsd;
    P.ColdStarts += En.Share * E.ColdStarts;
    P.Invocations += En.Share * E.Invocations;
    for (size_t B = 0; B < NB; ++B) {
      GInv[B] += En.Share * S.GroupInvocations[B] / N;
      GMs[B] += En.Share * S.GroupMs[B] / N;
      GCost[B] += En.Share * S.GroupCost[B] / N;
    }
    P.Entries.push_back(std::move(E));
  }
  P.P50Ms = weightedQuantile(AllLat, 0.5);
  P.P99Ms = weightedQuantile(AllLat, 0.99);
  P.CompletionP50Ms = weightedQuantile(AllDone, 0.5);
  P.CompletionP99Ms = weightedQuantile(AllDone, 0.99);
  Plan Named = L.toPlan(M);
  Layout C = L;
  C.compact();
  std::vector<int> FirstHome(NB, -1);
  for (size_t T = 0; T < L.Home.size(); ++T)
    if (FirstHome[size_t(L.Home[T])] < 0)
      FirstHome[size_t(L.Home[T])] = int(T);
  for (size_t B = 0; B < NB; ++B) {
    if (GInv[B] <= 0)
      continue;
    GroupPrediction G;
    if (FirstHome[B] >= 0)
      G.Name = Named.Groups[size_t(C.Home[size_t(FirstHome[B])])].Name;
    G.MemoryMB = L.Memory[B];
    G.Invocations = GInv[B];
    G.MeanDurationMs = GMs[B] / GInv[B];
    G.CostUsd = GCost[B];
    P.GbSeconds += GMs[B] / 1000.0 * (L.Memory[B] / 1024.0);
    P.Groups.push_back(G);
  }
  for (size_t T = 0; T < F.Invocations.size(); ++T)
    P.Functions += F.Invocations[T] > 0;
  return P;
}

static double r3(double V) { return std::round(V * 1000.0) / 1000.0; }
static double usd(double V) { return std::round(V * 1e12) / 1e12; }

Json Prediction::toJson() const {
  Json J{{"p50_ms", r3(P50Ms)},
         {"p99_ms", r3(P99Ms)},
         {"mean_ms", r3(MeanMs)},
         {"completion_p50_ms", r3(CompletionP50Ms)},
         {"completion_p99_ms", r3(CompletionP99Ms)},
         {"cost_usd", usd(CostUsd)},
         {"cold_starts", r3(ColdStarts)},
         {"invocations", r3(Invocations)},
         {"gb_seconds", r3(GbSeconds * 1000) / 1000},
         {"functions", Functions}};
  Json E = Json::array();
  for (const EntryPrediction &X : Entries)
    E.push_back(Json{{"task", X.Task},
                     {"share", r3(X.Share)},
                     {"p50_ms", r3(X.P50Ms)},
                     {"p99_ms", r3(X.P99Ms)},
                     {"mean_ms", r3(X.MeanMs)},
                     {"completion_p50_ms", r3(X.CompletionP50Ms)},
                     {"completion_p99_ms", r3(X.CompletionP99Ms)},
                     {"cost_usd", usd(X.CostUsd)},
                     {"cold_starts", r3(X.ColdStarts)},
                     {"invocations", r3(X.Invocations)}});
  J["entries"] = E;
  Json G = Json::array();
  for (const GroupPrediction &X : Groups)
    G.push_back(Json{{"group", X.Name},
                     {"memory_mb", X.MemoryMB},
                     {"invocations", r3(X.Invocations)},
                     {"mean_duration_ms", r3(X.MeanDurationMs)},
                     {"cost_usd", usd(X.CostUsd)}});
  J["groups"] = G;
  return J;
}

} // namespace fusionize
