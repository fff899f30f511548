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

double Model::interruptedCpuMs(const Task &T, unsigned MemoryMB) const {
  double S = cpuShare(MemoryMB);
  if (T.InterruptCpuMs <= 0 || !Emulation.Enabled || S <= 0 || S >= 1)
    return T.CpuMs;
  double Q = S * CpuPeriodMs;
  if (T.CpuMs <= Q)
    return T.CpuMs;
  // c' = c + k n with n = c' / Q - 1: n = (c / Q - 1) / (1 - k / Q).
  double K = std::min(T.InterruptCpuMs, Q / 2);
  return T.CpuMs + K * (T.CpuMs / Q - 1) / (1 - K / Q);
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

  {
    std::string List;
    unsigned N = 0;
    for (const Task &T : M.Tasks)
      if (T.InterruptCpuMs > 0 && N++ < 8) {
        char Ms[32];
        std::snprintf(Ms, sizeof Ms, "%.2f", T.InterruptCpuMs);
        List += (List.empty() ? "" : ", ") + T.Name + " " + Ms + " ms";
      }
    if (N)
      M.Notes.push_back(std::to_string(N) +
                        " task(s) need more CPU each time the quota stops "
                        "them (fitted across the traces' configurations): " +
                        List + (N > 8 ? ", ..." : ""));
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
  // Monte Carlo runs half the CPU before the waiting and half after; a
  // quota period that ends before the second half refills the quota (the
  // more likely the longer the first half and the wait): between one
  // throttled run and two.
  double Cpu = M.interruptedCpuMs(Task, Mem);
  double CpuWall = M.cpuWallMs(Cpu, Mem);
  if (Task.WaitMs > 0 && CpuWall > Cpu) {
    double Half = M.cpuWallMs(Cpu / 2, Mem);
    double Refill = std::min(1.0, (Task.WaitMs + Half) / M.CpuPeriodMs);
    CpuWall = (1 - Refill) * CpuWall + Refill * 2 * Half;
  }
  double Self = CpuWall + Task.WaitMs;
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
      : M(M), L(L), F(F), R(Seed) {}

  struct Inv {
    double Ms = 0, Done = 0, ColdMs = 0;
  };

  double Cost = 0, Colds = 0, Invocations = 0;
  double RequestU = 1; // drawn per request
  /// The platform's noise of a request: its overheads are drawn at one
  /// quantile per request (a slow moment of the platform slows every hop
  /// of the request), around the request's own jitter.
  double PlatformU = 0.5;
  std::vector<double> GroupInvocations, GroupMs, GroupCost;
  void startRequest() {
    RequestU = R.uniform();
    PlatformU = R.uniform();
  }

  Inv invoke(int V, unsigned Depth) {
    int B = L.Home[size_t(V)];
    // Warm-up cold starts hit the same (first) requests of a run; idle
    // expiry hits any request.
    double Warm = F.PWarmup[size_t(V)];
    double Idle = std::max(0.0, F.PCold[size_t(V)] - Warm);
    bool Cold = RequestU < Warm || R.uniform() < Idle;
    unsigned Mem = L.Memory[size_t(B)];
    // The invocation's threads (its fused asynchronous calls run on threads
    // of their own) share the instance's CPU quota in time; the invocation
    // starts anywhere in a quota period. A remote callee runs on an
    // instance of its own (simulated while this one is built).
    bool SavedCold = InCold;
    InCold = Cold;
    // Programs are reused (an invocation's build invokes its remote
    // callees, which build theirs: one program per nesting level).
    if (Nesting == Programs.size())
      Programs.emplace_back();
    Program &P = Programs[Nesting++];
    P.N = 0;
    P.SlotEnd.clear();
    P.add();
    // Decoding the payload before the task, encoding its result after.
    double Codec = M.Tasks[size_t(V)].InvokeCpuMs / 2;
    push(P[0], Step::Cpu, Codec);
    build(P, 0, V, B, Depth + 1);
    push(P[0], Step::Cpu, Codec);
    InCold = SavedCold;
    double Phase = R.uniform();
    double Slack = M.QuotaSlackMs.empty()
                       ? 0
                       : M.QuotaSlackMs[R.below(M.QuotaSlackMs.size())];
    Timing Tm = simulate(P, Mem, Phase, Slack);
    --Nesting;
    Inv I;
    I.Ms = Tm.End;
    I.Done = std::max(Tm.Done, I.Ms);
    I.ColdMs = Cold ? M.ColdStartMs : 0;
    const PriceModel &Pr = M.Emulation.Price;
    double Billed = Pr.billedMs(I.Ms + M.BillExtraMs +
                                (M.BillsInit ? I.ColdMs : 0));
    double C = Billed / 1000.0 * (Mem / 1024.0) * Pr.GbSecondUsd +
               Pr.RequestUsd;
    Cost += C;
    Colds += Cold;
    ++Invocations;
    GroupInvocations[size_t(B)] += 1;
    GroupMs[size_t(B)] += I.Ms;
    GroupCost[size_t(B)] += C;
    return I;
  }

private:
  /// One step of a thread of an invocation: CPU to run (ms at full speed),
  /// a wait (sleep, I/O, a remote call: no CPU), or an asynchronous call:
  /// a fused one starts another thread, a remote one holds the invocation
  /// open for Ms more (its acknowledgement or answer). A wait for a remote
  /// call, and a remote asynchronous call, also tell where the work they
  /// started ends: the invocation's completion is at least their end +
  /// DoneExtra. A remote asynchronous call the caller waits for has a slot
  /// (Thread = -2 - slot) where it records its end, and a Join step of the
  /// caller waits until then.
  struct Step {
    enum Kind : std::uint8_t { Cpu, Wait, Spawn, Join } K;
    double Ms;
    double DoneExtra;
    int Thread;
    double Interrupt = 0; // CPU: more each time the quota stops it
  };
  using Thread = std::vector<Step>;
  static constexpr double NoDone = -1e300;
  /// The threads of one invocation: T[0, N), their storage kept.
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
    const Thread &operator[](size_t I) const { return T[I]; }
    size_t size() const { return N; }
    std::vector<double> SlotEnd; // joined remote calls' ends
    int slot() {
      SlotEnd.push_back(0);
      return int(SlotEnd.size() - 1);
    }
  };
  static int slotOfStep(const Step &S) { return -2 - S.Thread; }
  std::deque<Program> Programs; // stable: a nested invoke() may add one
  size_t Nesting = 0;
  /// simulate()'s scratch: each thread's step, threads to settle, the
  /// runnable and the waiting threads.
  std::vector<std::size_t> StepOf, Stack;
  std::vector<std::pair<double, std::size_t>> CpuHeap, WaitHeap;

  static void push(Thread &X, Step::Kind K, double Ms,
                   double DoneExtra = NoDone, double Interrupt = 0) {
    if (Ms > 0 || DoneExtra > NoDone)
      X.push_back({K, std::max(0.0, Ms), DoneExtra, -1, Interrupt});
  }

  /// A step's duration when the instance is not shared: CPU at the
  /// memory size's speed (1/share of full speed), waits as they are.
  static double nominal(const Step &S, double Stretch) {
    return S.K == Step::Cpu ? S.Ms * Stretch : S.K == Step::Wait ? S.Ms : 0;
  }
  double stretch(unsigned Mem) const {
    double S = M.cpuShare(Mem);
    return M.Emulation.Enabled && S > 0 ? 1 / S : 1;
  }

  /// Starts thread `NT` `Offset` ms (nominal) into the steps of thread
  /// `Th` from `Begin` on, splitting the step that spans that moment.
  static void spawnAt(Program &P, int Th, size_t Begin,
                      double Offset, const Step &Sp, double Stretch) {
    Thread &X = P[size_t(Th)];
    double Acc = 0;
    size_t I = Begin;
    for (; I < X.size(); ++I) {
      double N = nominal(X[I], Stretch);
      if (Acc + N > Offset) {
        double Part = Offset - Acc;
        if (Part > 0 && N > 0) {
          Step Rest = X[I];
          double Fr = Part / N;
          X[I].Ms *= Fr;
          X[I].DoneExtra = NoDone; // the end of the step is Rest's
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
  /// call as a wait; each asynchronous call starts a thread of its own at
  /// its measured start fraction of this activation.
  /// Returns the nominal duration of what it appended to `Th`.
  double build(Program &P, int Th, int T, int B, unsigned Depth) {
    const Model::Task &Task = M.Tasks[size_t(T)];
    double Cpu = Task.CpuMs, Wait = Task.WaitMs;
    // The calls a sampled activation made together, if known.
    const std::vector<std::pair<int, unsigned>> *Pattern = nullptr;
    if (!Task.Joint.empty()) {
      size_t J = R.below(Task.Joint.size());
      Cpu = Task.Joint[J].first;
      Wait = Task.Joint[J].second;
      if (!Task.JointPattern.empty() &&
          Task.JointPattern[J] < Task.CallPatterns.size())
        Pattern = &Task.CallPatterns[Task.JointPattern[J]];
    }
    if (InCold)
      Cpu += Task.ColdExtraCpuMs;
    size_t Begin = P[size_t(Th)].size();
    double Stretch = stretch(L.Memory[size_t(B)]);
    if (Depth > 64 || ++Activations > 200000) {
      push(P[size_t(Th)], Step::Cpu, Cpu, NoDone, Task.InterruptCpuMs);
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
    double Own = 0; // nominal
    // Where each synchronous call begins (nominal), and the joins, for
    // this activation: stacks shared by the recursion, as Scratch.
    size_t CallMark = CallAt.size(), JoinMark = Joins.size();
    auto gap = [&] {
      Thread &X = P[size_t(Th)];
      push(X, Step::Cpu, CpuGap / 2, NoDone, Task.InterruptCpuMs);
      push(X, Step::Wait, WaitGap);
      push(X, Step::Cpu, CpuGap / 2, NoDone, Task.InterruptCpuMs);
      Own += CpuGap * Stretch + WaitGap;
    };
    for (size_t CI = Mark; CI < End; ++CI) {
      auto [EI, K] = Scratch[CI];
      const Model::Edge &E = M.Edges[size_t(EI)];
      if (E.Kind != EdgeKind::Sync)
        continue;
      for (unsigned I = 0; I < K; ++I) {
        gap();
        CallAt.push_back(Own);
        if (L.in(E.Callee, B)) {
          Own += build(P, Th, E.Callee, B, Depth + 1);
        } else {
          double Ovh = syncOverhead(E);
          Inv V = invoke(E.Callee, Depth);
          // The client's CPU, part of the overhead measured.
          double Client = std::min(E.CallCpuMs, Ovh);
          push(P[size_t(Th)], Step::Cpu, Client);
          push(P[size_t(Th)], Step::Wait, Ovh - Client + V.ColdMs + V.Ms,
               V.Done - V.Ms);
          Own += Client * Stretch + Ovh - Client + V.ColdMs + V.Ms;
        }
      }
    }
    gap();
    for (size_t CI = Mark; CI < End; ++CI) {
      auto [EI, K] = Scratch[CI];
      const Model::Edge &E = M.Edges[size_t(EI)];
      if (E.Kind != EdgeKind::Async)
        continue;
      double Start = E.StartFraction * Own;
      for (unsigned I = 0; I < K; ++I) {
        // A remote call needs no CPU here: no thread, only the times it
        // ends (its acknowledgement or answer) and completes.
        Step Sp{Step::Spawn, 0, NoDone, -1};
        if (L.in(E.Callee, B)) {
          Sp.Thread = P.add();
          build(P, Sp.Thread, E.Callee, B, Depth + 1);
        } else if (E.Event) {
          Sp.Ms = draw(M.AckMs, M.AckResidual);
          Inv V = invoke(E.Callee, Depth);
          Sp.DoneExtra = draw(M.EventDelayMs, M.EventResidual) + V.ColdMs +
                         V.Done - Sp.Ms;
        } else {
          double Ovh = syncOverhead(E);
          Inv V = invoke(E.Callee, Depth);
          Sp.Ms = Ovh + V.ColdMs + V.Ms;
          Sp.DoneExtra = V.Done - V.Ms;
          // A call whose result the caller needs before its next
          // synchronous call (the profile's joined share): joined there.
          if (E.JoinedShare > 0 && R.uniform() < E.JoinedShare) {
            int Slot = P.slot();
            Sp.Thread = -2 - Slot;
            double At = Own;
            for (size_t C = CallMark; C < CallAt.size(); ++C)
              if (CallAt[C] >= Start) {
                At = CallAt[C];
                break;
              }
            Joins.emplace_back(At, Slot);
          }
        }
        spawnAt(P, Th, Begin, Start, Sp, Stretch);
        // The client's CPU of a remote call (a worker's, the instance's).
        if (!L.in(E.Callee, B) && E.CallCpuMs > 0)
          spawnAt(P, Th, Begin, Start,
                  Step{Step::Cpu, E.CallCpuMs, NoDone, -1}, Stretch);
      }
    }
    // After every spawn, so that the calls dispatched before a join run
    // beside it.
    for (size_t J = JoinMark; J < Joins.size(); ++J)
      spawnAt(P, Th, Begin, Joins[J].first,
              Step{Step::Join, 0, NoDone, -2 - Joins[J].second}, Stretch);
    Joins.resize(JoinMark);
    CallAt.resize(CallMark);
    Scratch.resize(Mark);
    return Own;
  }

  struct Timing {
    double End = 0;  // every thread of the invocation finished
    double Done = 0; // and the work it started elsewhere
  };

  /// Runs the threads of one invocation against the instance's CPU, a
  /// fluid model (runnable threads share the CPUs evenly, none faster than
  /// full speed). Below one vCPU: at most InstanceCpus at once, and a
  /// quota of share x period per period for all of them; the invocation
  /// starts `Phase` (0..1) into a period with its quota unused, and runs
  /// `SlackMs` past it (Profile::QuotaSlackMs) before every thread waits
  /// for the next period, whose quota pays the overrun back. From one vCPU
  /// on: `share` CPUs (one without emulation).
  Timing simulate(Program &P, unsigned Mem, double Phase,
                  double SlackMs) {
    double S = M.Emulation.Enabled ? M.cpuShare(Mem) : 1;
    bool Quota = S > 0 && S < 1;
    double Per = M.CpuPeriodMs, Q = S * Per;
    double Cpus = Quota ? std::max(1.0, M.InstanceCpus) : std::max(S, 1e-9);
    double Left = Q + SlackMs,
           Boundary = Per * (1 - std::clamp(Phase, 0.0, 1.0));
    Timing Out;
    double Now = 0;
    constexpr double Eps = 1e-9;
    // The period ends at Now: a new quota, less what the first one
    // overran (the slack is the first period's).
    double Bonus = SlackMs;
    auto Refill = [&] {
      Boundary += Per * (1 + std::floor((Now - Boundary + Eps) / Per));
      Left = Q + std::min(0.0, Left - Bonus);
      Bonus = 0;
    };
    if (P.size() == 1) {
      // One thread: step by step, a CPU step period by period.
      double Speed = std::min(1.0, Cpus);
      for (const Step &St : P[0]) {
        if (St.K == Step::Wait) {
          Now += St.Ms;
          Out.Done = std::max(Out.Done, Now + St.DoneExtra);
          if (Quota && Now >= Boundary - Eps)
            Refill();
          continue;
        }
        if (St.K == Step::Spawn) { // a remote asynchronous call
          Out.End = std::max(Out.End, Now + St.Ms);
          Out.Done = std::max(Out.Done, Now + St.Ms + St.DoneExtra);
          if (St.Thread <= -2)
            P.SlotEnd[size_t(slotOfStep(St))] = Now + St.Ms;
          continue;
        }
        if (St.K == Step::Join) { // waits for a remote call's answer
          Now = std::max(Now, P.SlotEnd[size_t(slotOfStep(St))]);
          if (Quota && Now >= Boundary - Eps)
            Refill();
          continue;
        }
        if (!Quota) {
          Now += St.Ms / Speed;
          continue;
        }
        for (double C = St.Ms; C > Eps;) {
          if (Left <= Eps) { // throttled until the period ends
            Now = Boundary;
            Refill();
            C += St.Interrupt;
            continue;
          }
          double Run = std::min({C, Left, Boundary - Now});
          Now += Run;
          C -= Run;
          Left -= Run;
          if (Now >= Boundary - Eps)
            Refill();
        }
      }
      Out.End = std::max(Out.End, Now);
      Out.Done = std::max(Out.Done, Out.End);
      return Out;
    }
    // Runnable threads by the CPU progress at which their step ends (all
    // runnable threads progress alike: Progress is what each has got so
    // far), waiting ones by the time they wake up; O(log threads) a step.
    using Key = std::pair<double, size_t>;
    auto Push = [](std::vector<Key> &H, Key K) {
      H.push_back(K);
      std::push_heap(H.begin(), H.end(), std::greater<Key>());
    };
    auto Pop = [](std::vector<Key> &H) {
      std::pop_heap(H.begin(), H.end(), std::greater<Key>());
      H.pop_back();
    };
    std::vector<size_t> &Idx = StepOf, &Todo = Stack;
    std::vector<Key> &OnCpu = CpuHeap, &Asleep = WaitHeap;
    Idx.assign(P.size(), 0);
    OnCpu.clear();
    Asleep.clear();
    double Progress = 0;
    // Moves the threads on Todo past their zero-length steps at Now (a
    // Spawn puts the new thread on Todo) into a heap, or to their end.
    auto Settle = [&] {
      while (!Todo.empty()) {
        size_t I = Todo.back();
        Todo.pop_back();
        for (;; ++Idx[I]) {
          if (Idx[I] == P[I].size()) {
            Out.End = std::max(Out.End, Now);
            break;
          }
          const Step &St = P[I][Idx[I]];
          if (St.K == Step::Spawn) {
            if (St.Thread >= 0) {
              Todo.push_back(size_t(St.Thread));
            } else { // a remote asynchronous call
              Out.End = std::max(Out.End, Now + St.Ms);
              Out.Done = std::max(Out.Done, Now + St.Ms + St.DoneExtra);
              if (St.Thread <= -2)
                P.SlotEnd[size_t(slotOfStep(St))] = Now + St.Ms;
            }
            continue;
          }
          if (St.K == Step::Join) {
            double Until = P.SlotEnd[size_t(slotOfStep(St))];
            if (Until > Now + Eps) {
              Push(Asleep, {Until, I});
              break;
            }
            continue;
          }
          if (St.Ms > 0) {
            if (St.K == Step::Cpu)
              Push(OnCpu, {Progress + St.Ms, I});
            else
              Push(Asleep, {Now + St.Ms, I});
            break;
          }
          if (St.K == Step::Wait)
            Out.Done = std::max(Out.Done, Now + St.DoneExtra);
        }
      }
    };
    Todo.assign(1, 0);
    Settle();
    for (unsigned Guard = 0; Guard < 10000000; ++Guard) {
      size_t Run = OnCpu.size();
      if (!Run && Asleep.empty())
        break;
      double Busy = std::min(double(Run), Cpus); // CPUs in use
      double Each = Run ? Busy / double(Run) : 0;
      bool Throttled = Quota && Left <= Eps;
      double Dt = Asleep.empty() ? 1e300 : Asleep.front().first - Now;
      if (Run && !Throttled) {
        Dt = std::min(Dt, (OnCpu.front().first - Progress) / Each);
        if (Quota)
          Dt = std::min(Dt, Left / Busy);
      }
      if (Quota)
        Dt = std::min(Dt, Boundary - Now);
      Dt = std::max(Dt, 0.0);
      if (Run && !Throttled) {
        Progress += Each * Dt;
        if (Quota)
          Left -= Busy * Dt;
      }
      Now += Dt;
      if (Quota && Now >= Boundary - Eps)
        Refill();
      // The quota ran out: each thread it stops needs its step's
      // interruption cost more once it runs again.
      bool Stopped = Run && !Throttled && Quota && Left <= Eps;
      // The steps that ended: their threads go on.
      while (!OnCpu.empty() && OnCpu.front().first <= Progress + Eps) {
        size_t I = OnCpu.front().second;
        Pop(OnCpu);
        ++Idx[I];
        Todo.push_back(I);
      }
      while (!Asleep.empty() && Asleep.front().first <= Now + Eps) {
        size_t I = Asleep.front().second;
        Pop(Asleep);
        Out.Done = std::max(Out.Done, Now + P[I][Idx[I]].DoneExtra);
        ++Idx[I];
        Todo.push_back(I);
      }
      if (Stopped) {
        bool Any = false;
        for (Key &K : OnCpu)
          if (double X = P[K.second][Idx[K.second]].Interrupt; X > 0) {
            K.first += X;
            Any = true;
          }
        if (Any)
          std::make_heap(OnCpu.begin(), OnCpu.end(), std::greater<Key>());
      }
      Settle();
    }
    Out.Done = std::max(Out.Done, Out.End);
    return Out;
  }

  /// The running invocation is its instance's first: every activation in
  /// it runs its task's cold extra CPU time too.
  bool InCold = false;

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

public:
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
  double syncOverhead(const Model::Edge &E) {
    return draw(M.syncOverheadMs(E), M.SyncResidual);
  }

  const Model &M;
  const Layout &L;
  const FastEval &F;
  Rng R;
  std::vector<std::pair<int, unsigned>> Scratch;
  std::vector<double> CallAt;                // build()'s call offsets
  std::vector<std::pair<double, int>> Joins; // build()'s joins (offset, slot)

public:
  unsigned long Activations = 0;
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
    for (unsigned I = 0; I < N; ++I) {
      S.Activations = 0;
      S.startRequest();
      Simulator::Inv V = S.invoke(En.Task, 0);
      double Root = S.draw(M.RootOvhMs, M.RootResidual) + V.ColdMs;
      Lat.push_back(Root + V.Ms);
      Done.push_back(Root + V.Done);
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
