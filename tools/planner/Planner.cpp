//===- planner/Planner.cpp - Traces in, plan out: the planner's API -------===//
#include "planner/Planner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

namespace fusionize {

Plan observedPlan(const Graph &G, const Profile &P) {
  Plan Out;
  Out.Scope = "program";
  std::set<std::string> Placed, Known, Names, Copied;
  for (const TaskNode &T : G.Tasks)
    Known.insert(T.Name);
  std::map<std::string, std::set<std::string>> Members;
  for (auto &[Name, OG] : P.ObservedGroups) {
    if (!isValidName(Name))
      continue;
    Group Gr;
    Gr.Name = Name;
    std::set<std::string> &In = Members[Name];
    for (const std::string &T : OG.Tasks)
      if (Known.count(T) && In.insert(T).second)
        Gr.Tasks.push_back(T);
    if (Gr.Tasks.empty())
      continue;
    if (OG.MemoryMB >= MinMemoryMB && OG.MemoryMB <= MaxMemoryMB)
      Gr.MemoryMB = OG.MemoryMB;
    for (const std::string &T : Gr.Tasks)
      if (!Placed.insert(T).second)
        Copied.insert(T);
    Names.insert(Gr.Name);
    Out.Groups.push_back(std::move(Gr));
  }
  // Homes: the group whose executable served the task's function.
  for (auto &[Name, F] : P.Functions)
    if (Copied.count(Name) && Members.count(F.Group) &&
        Members[F.Group].count(Name))
      Out.Routes[Name] = F.Group;
  for (const TaskNode &T : G.Tasks)
    if (!Placed.count(T.Name)) {
      std::string N = T.Name;
      while (!Names.insert(N).second)
        N += "_";
      Out.Groups.push_back(Group{N, {T.Name}, DefaultMemoryMB, DefaultTimeoutS});
    }
  return Out;
}

namespace {

std::string fmtMs(double V) {
  std::ostringstream S;
  S.setf(std::ios::fixed);
  S.precision(std::abs(V) < 10 ? 2 : 1);
  S << V << " ms";
  return S.str();
}

std::string fmtUsd(double V) {
  // Micro-dollars per request read better than 0.0000021.
  std::ostringstream S;
  S.setf(std::ios::fixed);
  S.precision(3);
  S << V * 1e6 << " µ$";
  return S.str();
}

std::string signedPct(double Now, double Before) {
  if (Before == 0)
    return "";
  std::ostringstream S;
  S.setf(std::ios::fixed);
  S.precision(1);
  double P = (Now - Before) / Before * 100;
  S << (P >= 0 ? "+" : "") << P << " %";
  return S.str();
}

std::string signedMs(double D) {
  return (D >= 0 ? "+" : "") + fmtMs(D);
}
std::string signedUsd(double D) { return (D >= 0 ? "+" : "-") + fmtUsd(std::abs(D)); }

/// The aggregate latency (objective's percentile) and cost of a layout,
/// by expected values.
struct Quick {
  double Lat = 0, Cost = 0;
};

Quick quick(const Model &M, const CostModelOptions &CO, const Scorer &S,
            const Layout &L) {
  FastEval F(M, CO);
  FastEval::Result R;
  F.evaluate(L, R);
  Quick Q;
  for (size_t I = 0; I < M.Entries.size(); ++I)
    Q.Lat += M.Entries[I].Share * S.latency(R, I);
  Q.Cost = R.CostUsd;
  return Q;
}

/// Every change from `Cur` to `New`, applied one at a time, with the
/// predicted effect of each.
std::vector<std::string> explainChanges(const Model &M,
                                        const CostModelOptions &CO,
                                        const Scorer &S, const Layout &Cur,
                                        const Plan &CurPlan, const Layout &New,
                                        const Plan &NewPlan) {
  std::vector<std::string> Lines;
  Layout W = Cur;
  // Names: current blocks keep theirs; new blocks map to the current block
  // they share the most home tasks with.
  std::vector<std::string> WName;
  for (size_t B = 0; B < W.blocks(); ++B)
    WName.push_back(B < CurPlan.Groups.size() ? CurPlan.Groups[B].Name
                                              : "group" + std::to_string(B));
  Layout NC = New;
  NC.compact();
  std::vector<int> Map(NC.blocks(), -1);
  {
    std::map<std::pair<int, int>, int> Overlap;
    for (size_t T = 0; T < M.Tasks.size(); ++T)
      ++Overlap[{NC.Home[T], W.Home[T]}];
    std::vector<std::tuple<int, int, int>> Pairs;
    for (auto &[K, N] : Overlap)
      Pairs.emplace_back(-N, K.first, K.second);
    std::sort(Pairs.begin(), Pairs.end());
    std::set<int> UsedCur;
    for (auto &[N, NB, CB] : Pairs)
      if (Map[size_t(NB)] < 0 && !UsedCur.count(CB)) {
        Map[size_t(NB)] = CB;
        UsedCur.insert(CB);
      }
  }
  auto Target = [&](int NB) {
    if (Map[size_t(NB)] < 0) {
      W.Memory.push_back(NC.Memory[size_t(NB)]);
      W.Timeout.push_back(DefaultTimeoutS);
      if (!W.Names.empty())
        W.Names.push_back("");
      Map[size_t(NB)] = int(W.blocks() - 1);
      WName.push_back(size_t(NB) < NewPlan.Groups.size()
                          ? NewPlan.Groups[size_t(NB)].Name
                          : "new");
    }
    return Map[size_t(NB)];
  };
  Quick Before = quick(M, CO, S, W);
  unsigned Steps = 0;
  const unsigned MaxSteps = 100;
  Quick SummaryStart;
  unsigned Summarized = 0;
  auto Step = [&](const std::string &What) {
    ++Steps;
    if (Steps == MaxSteps + 1)
      SummaryStart = Before;
    if (Steps > MaxSteps) {
      ++Summarized;
      return;
    }
    Quick After = quick(M, CO, S, W);
    Lines.push_back(What + ": latency " + signedMs(After.Lat - Before.Lat) +
                    ", cost " + signedUsd(After.Cost - Before.Cost) +
                    " per request");
    Before = After;
  };
  auto Local = [&](int T, int B) {
    std::string R;
    for (int EI : M.Tasks[size_t(T)].In) {
      const Model::Edge &E = M.Edges[size_t(EI)];
      if (E.Calls > 0 && E.Caller != T && W.in(E.Caller, B))
        R += std::string(R.empty() ? "" : ", ") + M.Tasks[size_t(E.Caller)].Name +
             " -> " + M.Tasks[size_t(T)].Name + " (" + edgeKindName(E.Kind) +
             ")";
    }
    for (int EI : M.Tasks[size_t(T)].Out) {
      const Model::Edge &E = M.Edges[size_t(EI)];
      if (E.Calls > 0 && E.Callee != T && W.in(E.Callee, B))
        R += std::string(R.empty() ? "" : ", ") + M.Tasks[size_t(T)].Name +
             " -> " + M.Tasks[size_t(E.Callee)].Name + " (" +
             edgeKindName(E.Kind) + ")";
    }
    return R.empty() ? std::string() : "; local now: " + R;
  };
  std::map<int, size_t> HomeCount;
  for (int H : W.Home)
    ++HomeCount[H];
  for (int T : M.Topo) {
    int To = Target(NC.Home[size_t(T)]);
    int From = W.Home[size_t(T)];
    if (To != From) {
      bool Others = HomeCount[To] > 0;
      --HomeCount[From];
      ++HomeCount[To];
      auto &Cp = W.Copies[size_t(T)];
      Cp.erase(std::remove(Cp.begin(), Cp.end(), To), Cp.end());
      W.Home[size_t(T)] = To;
      std::string Name = M.Tasks[size_t(T)].Name;
      Step(Others ? "fuse " + Name + " into group " + WName[size_t(To)] +
                        " (from " + WName[size_t(From)] + ")" + Local(T, To)
                  : "split " + Name + " out of group " + WName[size_t(From)] +
                        " into group " + WName[size_t(To)]);
    }
  }
  for (int T : M.Topo) {
    std::set<int> Want;
    for (int B : NC.Copies[size_t(T)])
      Want.insert(Target(B));
    std::set<int> Have(W.Copies[size_t(T)].begin(), W.Copies[size_t(T)].end());
    for (int B : Have)
      if (!Want.count(B)) {
        auto &Cp = W.Copies[size_t(T)];
        Cp.erase(std::remove(Cp.begin(), Cp.end(), B), Cp.end());
        Step("drop the copy of " + M.Tasks[size_t(T)].Name + " in group " +
             WName[size_t(B)]);
      }
    for (int B : Want)
      if (!Have.count(B) && B != W.Home[size_t(T)]) {
        W.Copies[size_t(T)].push_back(B);
        Step("copy " + M.Tasks[size_t(T)].Name + " into group " +
             WName[size_t(B)] + Local(T, B));
      }
  }
  for (size_t NB = 0; NB < NC.blocks(); ++NB) {
    int B = Target(int(NB));
    if (W.Memory[size_t(B)] == NC.Memory[NB])
      continue;
    unsigned Old = W.Memory[size_t(B)];
    W.Memory[size_t(B)] = NC.Memory[NB];
    std::ostringstream Sh;
    Sh.precision(2);
    Sh << M.cpuShare(Old) << " -> " << M.cpuShare(NC.Memory[NB]) << " vCPU";
    Step("memory of group " + WName[size_t(B)] + ": " + std::to_string(Old) +
         " -> " + std::to_string(NC.Memory[NB]) + " MB (" + Sh.str() + ")");
  }
  if (Summarized) {
    Quick After = quick(M, CO, S, W);
    Lines.push_back("... and " + std::to_string(Summarized) +
                    " more changes: latency " +
                    signedMs(After.Lat - SummaryStart.Lat) + ", cost " +
                    signedUsd(After.Cost - SummaryStart.Cost) +
                    " per request");
  }
  return Lines;
}

/// Plan::sameAs for plans of thousands of tasks: groups as (sorted tasks,
/// memory, timeout, home tasks), compared as sorted lists.
bool samePlans(const Plan &A, const Plan &B) {
  auto Norm = [](const Plan &P) {
    std::map<std::string, std::string> Home; // task -> group
    for (const Group &G : P.Groups)
      for (const std::string &T : G.Tasks)
        Home.emplace(T, G.Name); // first group listing it
    for (auto &[T, G] : P.Routes)
      Home[T] = G;
    std::vector<std::tuple<std::vector<std::string>, unsigned, unsigned,
                           std::vector<std::string>>>
        R;
    for (const Group &G : P.Groups) {
      std::vector<std::string> T = G.Tasks, H;
      std::sort(T.begin(), T.end());
      for (const std::string &X : T)
        if (Home[X] == G.Name)
          H.push_back(X);
      R.emplace_back(std::move(T), G.MemoryMB, G.TimeoutS, std::move(H));
    }
    std::sort(R.begin(), R.end());
    return R;
  };
  return Norm(A) == Norm(B);
}

} // namespace

void calibrateColdStarts(Model &M, const Profile &P, const Layout &Traced,
                         bool IsTraced, const CostModelOptions &O) {
  if (!IsTraced || P.Requests < 20 || M.WindowS <= 0)
    return;
  if (P.ObservedPlans > 1) { // the cold starts measured are of several
    M.Notes.push_back("cold starts not calibrated: the traces ran " +
                      std::to_string(P.ObservedPlans) + " different plans");
    return;
  }
  double Measured = 0;
  for (auto &[Name, E] : P.Entries)
    Measured += E.ColdStartsPerRequest * double(E.Requests);
  Measured /= double(P.Requests);
  FastEval F(M, O);
  FastEval::Result R;
  F.evaluate(Traced, R);
  double Predicted = 0;
  for (size_t T = 0; T < M.Tasks.size(); ++T)
    Predicted += F.Invocations[T] * F.PCold[T];
  if (Measured <= 0 || Predicted <= 0 || Measured * P.Requests < 5)
    return;
  M.ColdFactor = std::clamp(Measured / Predicted, 0.2, 20.0);
  std::ostringstream S;
  S.precision(3);
  S << "cold starts calibrated on the traced plan: " << Measured
    << " measured vs " << Predicted << " predicted per request (factor "
    << M.ColdFactor << ")";
  M.Notes.push_back(S.str());
}

namespace {

/// Tasks that `L` runs at a memory size their traces never showed, where
/// their instance's quota stops a run a different number of times: what a
/// stop costs in CPU (TaskProfile::InterruptCpuMs) is fitted only across
/// configurations, so from one memory size it is taken as none and their
/// predicted CPU may be off.
void noteUntracedStops(const Model &M, const Profile &P, const Layout &L,
                       std::vector<std::string> &Notes) {
  if (!M.Emulation.Enabled)
    return;
  auto Stops = [&](double CpuMs, unsigned MemoryMB) {
    double S = M.cpuShare(MemoryMB);
    return S <= 0 || S >= 1 ? 0.0
                            : std::max(0.0, CpuMs / (S * M.CpuPeriodMs) - 1);
  };
  // Tasks alike (traced size, planned size, stops at each) share an item.
  std::map<std::tuple<unsigned, unsigned, long, long>, std::string> Items;
  unsigned N = 0;
  for (size_t T = 0; T < M.Tasks.size(); ++T) {
    const Model::Task &Task = M.Tasks[T];
    const TaskProfile *TP = Task.Measured ? P.task(Task.Name) : nullptr;
    if (!TP || TP->InterruptConfigs >= 2 || TP->InterruptCpuMs > 0 ||
        TP->MemoryMB.empty())
      continue;
    unsigned New = L.Memory[size_t(L.Home[T])];
    if (TP->MemoryMB.count(New))
      continue;
    auto Traced = std::max_element(
        TP->MemoryMB.begin(), TP->MemoryMB.end(),
        [](const auto &A, const auto &B) { return A.second < B.second; });
    double Was = Stops(Task.CpuMs, Traced->first), Now = Stops(Task.CpuMs, New);
    if (std::abs(Now - Was) < 1 || N++ >= 8)
      continue;
    std::string &Names =
        Items[{Traced->first, New, std::lround(Was), std::lround(Now)}];
    Names += (Names.empty() ? "" : ", ") + Task.Name;
  }
  if (!N)
    return;
  std::string List;
  for (const auto &[Key, Names] : Items) {
    auto [Traced, New, Was, Now] = Key;
    char Item[96];
    std::snprintf(Item, sizeof Item, " (%u -> %u MB, %ld -> %ld stops a run)",
                  Traced, New, Was, Now);
    List += (List.empty() ? "" : "; ") + Names + Item;
  }
  if (N > 8)
    List += "; ...";
  Notes.push_back(
      std::to_string(N) +
      " task(s) planned at a memory size their traces do not show, where "
      "the quota stops them a different number of times: " +
      List +
      ". What a stop costs in CPU is fitted only across traced memory "
      "sizes and taken as none here: their CPU may be predicted too high "
      "where stopped less, too low where stopped more, until traces of "
      "the plan tell");
}

} // namespace

Prediction evaluatePlan(const Graph &G, const Profile &P, const Plan &Pl,
                        const CostModelOptions &O) {
  std::set<std::string> Known;
  for (const TaskNode &T : G.Tasks)
    Known.insert(T.Name);
  Pl.validate(Known, Pl.programScope(), "plan");
  Model M = Model::build(G, P, O);
  Plan Traced = observedPlan(G, P);
  calibrateColdStarts(M, P, Layout::fromPlan(M, Traced), true, O);
  return predict(M, Layout::fromPlan(M, Pl), O);
}

PlanResult planFromProfile(const Graph &G, const Profile &P,
                           const PlanOptions &O) {
  PlanResult Res;
  Res.Warnings = P.Warnings;
  if (G.Tasks.empty())
    throw FormatError("the task graph has no tasks: nothing to plan");
  for (unsigned Mem : O.Settings.MemorySizes)
    if (Mem < MinMemoryMB || Mem > MaxMemoryMB)
      throw FormatError("memory size " + std::to_string(Mem) +
                        " MB is outside 128..10240");
  std::set<std::string> Known;
  for (const TaskNode &T : G.Tasks)
    Known.insert(T.Name);
  Res.CurrentPlan = O.Current ? *O.Current : observedPlan(G, P);
  Res.CurrentPlan.validate(Known, Res.CurrentPlan.programScope(),
                           "current plan");
  Model M = Model::build(G, P, O.Cost);
  Res.HostCpus = M.HostCpus;
  Layout Cur = Layout::fromPlan(M, Res.CurrentPlan);
  calibrateColdStarts(M, P, Cur, samePlans(Res.CurrentPlan, observedPlan(G, P)),
                      O.Cost);
  for (const std::string &N : M.Notes)
    Res.Warnings.push_back(N);
  Scorer S(O.Obj, M);
  {
    FastEval F(M, O.Cost);
    FastEval::Result R;
    F.evaluate(Cur, R);
    Res.CurrentPredicted = predict(M, Cur, O.Cost);
    S.calibrate(Res.CurrentPredicted, R);
  }
  PlannerContext C{M, O.Cost, S, O.Settings, Cur, {}, 0};
  Layout New;
  std::string Which = O.Planner;
  if (Which == "fusionize" || Which == "heuristic")
    New = planHeuristic(C);
  else if (Which == "exhaustive")
    New = planExhaustive(C);
  else if (Which == "search")
    New = planSearch(C);
  else if (Which == "auto")
    New = planAuto(C);
  else
    throw FormatError("unknown planner \"" + Which +
                      "\" (expected fusionize, exhaustive, search or auto)");
  // The model's final word: Monte Carlo. A searching planner never returns
  // a plan predicted worse than the current one.
  Res.Predicted = predict(M, New, O.Cost);
  bool Heuristic = Which == "fusionize" || Which == "heuristic";
  if (!Heuristic && S.score(Res.CurrentPredicted).better(S.score(Res.Predicted))) {
    C.Notes.push_back("the current plan is predicted better than the one "
                      "found: keeping it");
    New = Cur;
    Res.Predicted = Res.CurrentPredicted;
  }
  noteUntracedStops(M, P, New, C.Notes);
  Plan NewPlan = New.toPlan(M);
  NewPlan.Scope = O.Scope;
  // A group whose invocations are predicted to run long gets the time:
  // three times its mean invocation, up to Lambda's 900 s.
  std::vector<std::string> Timeouts;
  for (Group &Gr : NewPlan.Groups)
    for (const GroupPrediction &GP : Res.Predicted.Groups)
      if (GP.Name == Gr.Name) {
        double Need = std::ceil(3 * GP.MeanDurationMs / 1000.0);
        if (Need > Gr.TimeoutS) {
          unsigned T = unsigned(std::min<double>(MaxTimeoutS, Need));
          Timeouts.push_back("timeout of group " + Gr.Name + ": " +
                             std::to_string(Gr.TimeoutS) + " -> " +
                             std::to_string(T) + " s (mean invocation " +
                             fmtMs(GP.MeanDurationMs) + ")");
          Gr.TimeoutS = T;
        }
      }
  // Keep the current plan's group names and timeouts where a group
  // carries over.
  Res.Changed = !samePlans(NewPlan, Res.CurrentPlan);
  Res.Explanation = explainChanges(M, O.Cost, S, Cur, Res.CurrentPlan, New,
                                   NewPlan);
  Res.Explanation.insert(Res.Explanation.end(), Timeouts.begin(),
                         Timeouts.end());
  std::vector<std::string> Head;
  Head.push_back("planner: " + Which + "; objective: " + O.Obj.str());
  auto Summary = [&](const char *What, const Prediction &Pr) {
    std::ostringstream Os;
    Os << What << ": median " << fmtMs(Pr.P50Ms) << ", p99 "
       << fmtMs(Pr.P99Ms) << ", cost " << fmtUsd(Pr.CostUsd)
       << " per request, " << Pr.Functions << " functions invoked, "
       << std::fixed;
    Os.precision(3);
    Os << Pr.ColdStarts << " cold starts per request";
    return Os.str();
  };
  Head.push_back(Summary("current", Res.CurrentPredicted));
  Head.push_back(Summary("planned", Res.Predicted));
  Head.push_back("change: median " +
                 signedPct(Res.Predicted.P50Ms, Res.CurrentPredicted.P50Ms) +
                 ", p99 " +
                 signedPct(Res.Predicted.P99Ms, Res.CurrentPredicted.P99Ms) +
                 ", cost " +
                 signedPct(Res.Predicted.CostUsd, Res.CurrentPredicted.CostUsd));
  if (!Res.Changed)
    Head.push_back("no change against the current plan");
  for (const std::string &N : C.Notes)
    Head.push_back(N);
  Res.Explanation.insert(Res.Explanation.begin(), Head.begin(), Head.end());
  Json Expl = Json::array();
  for (const std::string &L : Res.Explanation)
    Expl.push_back(L);
  NewPlan.Extra["planner"] = Which;
  NewPlan.Extra["objective"] = O.Obj.toJson();
  Json Pred = Res.Predicted.toJson();
  Pred["current"] = Res.CurrentPredicted.toJson();
  NewPlan.Extra["predicted"] = Pred;
  NewPlan.Extra["explanation"] = Expl;
  if (!Res.Warnings.empty())
    NewPlan.Extra["warnings"] = Res.Warnings;
  NewPlan.validate(Known, false, "planned");
  Res.NewPlan = std::move(NewPlan);
  return Res;
}

PlanResult planFromTraces(const Graph &G,
                          const std::vector<std::string> &TraceFiles,
                          const PlanOptions &O) {
  ProfileOptions PO;
  PO.TraceEmulation = O.Cost.TraceEmulation;
  PO.StopCpuMsPerMB = O.Cost.StopCpuMsPerMB;
  Profile P = buildProfile(G, TraceFiles, PO);
  return planFromProfile(G, P, O);
}

} // namespace fusionize
