//===- CostModelTest.cpp - The cost model on hand-computed cases ----------===//
#include "TestUtil.h"

#include "planner/CostModel.h"
#include "planner/Planner.h"
#include "planner/Synthetic.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include <gtest/gtest.h>

using namespace fusionize;
using namespace fusionize::test;

namespace {

/// 10 ms sync / 20 ms async overhead, 100 ms cold start, one vCPU at
/// 1024 MB (two at most), $1e-5 per GB-s and $1e-7 per request.
EmulationProfile emu() {
  EmulationProfile E;
  E.Name = "test";
  E.SyncOverheadMs = 10;
  E.AsyncOverheadMs = 20;
  E.ColdStartMs = 100;
  E.FullCpuMemoryMB = 1024;
  E.MaxVcpus = 2;
  E.IdleTimeoutS = 300;
  E.Price.GbSecondUsd = 1e-5;
  E.Price.RequestUsd = 1e-7;
  return E;
}

CostModelOptions opts() {
  CostModelOptions O;
  O.Emulation = O.TraceEmulation = emu();
  O.Samples = 200;
  O.TransportMs = 0;
  O.SerializeMsPerByte = 0;
  O.SpawnMs = 0;
  O.ClientCpuMs = O.CodecCpuMs = 0;
  O.ColdStartWindowS = 0; // steady state: cold only after 300 s idle
  return O;
}

/// A profile with exact figures: every activation the same.
Profile profile(const std::vector<std::tuple<std::string, double, double>> &T,
                const std::vector<std::tuple<std::string, std::string,
                                             EdgeKind, double>> &E,
                const std::string &Entry) {
  Profile P;
  Rng R;
  for (auto &[Name, Cpu, Wait] : T) {
    TaskProfile TP;
    TP.Name = Name;
    TP.Activations = 1;
    TP.CpuMs.add(Cpu, R);
    TP.WaitMs.add(Wait, R);
    TP.Joint.emplace_back(float(Cpu), float(Wait));
    P.Tasks[Name] = TP;
  }
  for (auto &[A, B, K, Calls] : E) {
    EdgeProfile EP;
    EP.Caller = A;
    EP.Callee = B;
    EP.Kind = K;
    EP.Calls = std::uint64_t(Calls);
    EP.CallsPerRequest = Calls;
    EP.StartFraction = 0.5;
    P.Edges.push_back(EP);
  }
  P.Entries[Entry].Task = Entry;
  P.Entries[Entry].Requests = 1;
  P.Requests = 1;
  P.RequestRate = 1;
  return P;
}

/// FastEval's result for layout `L`.
FastEval::Result fast(const Model &M, const Layout &L,
                      const CostModelOptions &O) {
  FastEval F(M, O);
  FastEval::Result R;
  F.evaluate(L, R);
  return R;
}

Plan plan(const std::vector<std::vector<std::string>> &Groups,
          unsigned Mem) {
  Plan P;
  for (auto &G : Groups)
    P.Groups.push_back(Group{G.front(), G, Mem, 30});
  return P;
}

} // namespace

TEST(CostModel, SyncCallRemoteVersusFused) {
  Graph G = graph({"A>B"});
  Profile P = profile({{"A", 10, 0}, {"B", 20, 0}},
                      {{"A", "B", EdgeKind::Sync, 1}}, "A");
  CostModelOptions O = opts();
  Model M = Model::build(G, P, O);
  EXPECT_DOUBLE_EQ(M.SyncOvhMs, 10);
  EXPECT_DOUBLE_EQ(M.RootOvhMs, 10);

  // One function each at 1024 MB (1 vCPU): A runs 10 ms and waits for B:
  // 10 ms overhead + 20 ms = 40 ms. Latency = 10 ms (root call) + 40.
  // Cost: A 40 ms and B 20 ms at 1 GB, two requests:
  //   0.040 * 1e-5 + 0.020 * 1e-5 + 2 * 1e-7 = 8e-7.
  Prediction Sep = predict(M, Layout::fromPlan(M, plan({{"A"}, {"B"}}, 1024)), O);
  EXPECT_NEAR(Sep.P50Ms, 50, 1e-9);
  EXPECT_NEAR(Sep.P99Ms, 50, 1e-9);
  EXPECT_NEAR(Sep.CostUsd, 8e-7, 1e-15);
  EXPECT_NEAR(Sep.Invocations, 2, 1e-9);
  EXPECT_EQ(Sep.Functions, 2u);

  // Fused: 10 + 20 = 30 ms, latency 40, cost 0.030 * 1e-5 + 1e-7 = 4e-7.
  Prediction One = predict(M, Layout::fromPlan(M, plan({{"A", "B"}}, 1024)), O);
  EXPECT_NEAR(One.P50Ms, 40, 1e-9);
  EXPECT_NEAR(One.CostUsd, 4e-7, 1e-15);
  EXPECT_EQ(One.Functions, 1u);

  // At 512 MB the group gets half a vCPU, a quota of 50 ms per 100 ms
  // period: the 30 ms fit in it and run at full speed (latency 40).
  Prediction Half = predict(M, Layout::fromPlan(M, plan({{"A", "B"}}, 512)), O);
  EXPECT_NEAR(Half.P50Ms, 40, 1e-9);
  // At 256 MB a quarter, Q = 25 ms, and where in the quota period the run
  // starts decides. With r ms of the period left: r >= 25 (3/4 of the
  // starts) runs 25 ms, is throttled until the period ends and runs 5 ms
  // more: r + 5, uniform over 30..105 ms; 5 <= r < 25 (1/5) never waits:
  // 30 ms; r < 5 (1/20) runs r, then 25, throttled, then 5 - r: 105 ms.
  // Median: 30 + (0.5 - 0.2) / (0.75 / 75 ms) = 60 ms, latency 70 ms;
  // mean 0.2 * 30 + 0.05 * 105 + 0.75 * 67.5 = 61.875 ms, cost about
  // 0.0624 s (1 ms billing) * 0.25 GB * 1e-5 + 1e-7.
  CostModelOptions Many = O; // a median of a spread, not of a constant
  Many.Samples = 20000;
  Prediction Quarter =
      predict(M, Layout::fromPlan(M, plan({{"A", "B"}}, 256)), Many);
  EXPECT_NEAR(Quarter.P50Ms, 70, 1.5);
  EXPECT_NEAR(Quarter.CostUsd, 0.0624 * 0.25 * 1e-5 + 1e-7,
              0.002 * 0.25 * 1e-5);
  {
    FastEval::Result R =
        fast(M, Layout::fromPlan(M, plan({{"A", "B"}}, 256)), O);
    EXPECT_NEAR(R.EntryMs[0], 10 + 61.875, 1e-9);
  }

  // The expected-value evaluator agrees (it adds half a millisecond of
  // rounding to each billed duration): 30.5 ms at 1 GB + 1e-7.
  FastEval::Result R =
      fast(M, Layout::fromPlan(M, plan({{"A", "B"}}, 1024)), O);
  EXPECT_NEAR(R.EntryMs[0], 40, 1e-9);
  EXPECT_NEAR(R.CostUsd, 0.0305 * 1e-5 + 1e-7, 1e-15);
}

TEST(CostModel, HostCpusFromTheOptionsElseTheTraces) {
  Graph G = graph({"A>B"});
  Profile P = profile({{"A", 10, 0}, {"B", 20, 0}},
                      {{"A", "B", EdgeKind::Sync, 1}}, "A");
  auto Noted = [](const Model &M) {
    return std::count_if(
        M.Notes.begin(), M.Notes.end(), [](const std::string &N) {
          return N.find("share the host's") != std::string::npos;
        });
  };
  CostModelOptions O = opts();
  ASSERT_DOUBLE_EQ(O.HostCpus, -1); // the traces' host by default
  // Nothing recorded, nothing asked: no limit, no note.
  Model None = Model::build(G, P, O);
  EXPECT_DOUBLE_EQ(None.HostCpus, 0);
  EXPECT_EQ(Noted(None), 0);
  // The traces' host.
  P.HostCpus = 8;
  Model Traced = Model::build(G, P, O);
  EXPECT_DOUBLE_EQ(Traced.HostCpus, 8);
  EXPECT_EQ(Noted(Traced), 1);
  // The option wins over the profile.
  O.HostCpus = 3;
  Model Asked = Model::build(G, P, O);
  EXPECT_DOUBLE_EQ(Asked.HostCpus, 3);
  EXPECT_EQ(Noted(Asked), 1);
  // 0: no limit, even though the traces' host had 8.
  O.HostCpus = 0;
  Model Off = Model::build(G, P, O);
  EXPECT_DOUBLE_EQ(Off.HostCpus, 0);
  EXPECT_EQ(Noted(Off), 0);
}

TEST(CostModel, WaitingDoesNotScaleWithMemory) {
  Graph G = graph({}, {"A"});
  Profile P = profile({{"A", 20, 30}}, {}, "A");
  CostModelOptions O = opts();
  Model M = Model::build(G, P, O);
  // 128 MB = 1/8 vCPU, a quota of 12.5 ms per 100 ms. Monte Carlo runs A
  // as 10 ms of CPU, the 30 ms wait, 10 ms of CPU, starting with r ms of
  // the period left (uniform over 0..100) and the quota unused. r < 7.5
  // (3/40): the quota runs out in the second half: 107.5 ms. 7.5 <= r <=
  // 40 (13/40): the period ends during the wait, which refills the quota:
  // 10 + 30 + 10 = 50 ms. r > 40 (3/5): 2.5 ms of quota are left after
  // the wait, then throttled until r, then 7.5 ms: r + 7.5, uniform over
  // 47.5..107.5. Median: P(<= 50) = 0.35, then 1 % per ms: 65 ms, latency
  // 75 ms; mean 0.075 * 107.5 + 0.325 * 50 + 0.6 * 77.5 = 70.8 ms, cost
  // about 0.0713 s (1 ms billing) * 0.125 GB * 1e-5 + 1e-7. The waiting
  // is not scaled, and lets the quota refill.
  CostModelOptions Many = O;
  Many.Samples = 20000;
  Prediction Small =
      predict(M, Layout::fromPlan(M, plan({{"A"}}, 128)), Many);
  EXPECT_NEAR(Small.P50Ms, 75, 1.5);
  EXPECT_NEAR(Small.CostUsd, 0.0713 * 0.125 * 1e-5 + 1e-7,
              0.002 * 0.125 * 1e-5);
  // 2048 MB: capped at one thread's worth: 20 + 30 = 50 ms.
  Prediction Big = predict(M, Layout::fromPlan(M, plan({{"A"}}, 2048)), O);
  EXPECT_NEAR(Big.P50Ms, 60, 1e-9);
}

TEST(CostModel, QuotaSlackLetsARunJustPastItsQuotaThrough) {
  Graph G = graph({}, {"A"});
  Profile P = profile({{"A", 13, 0}}, {}, "A");
  CostModelOptions O = opts();
  // 128 MB: a quota of 12.5 ms. 13 ms of CPU is throttled unless a period
  // ends within it (the last 12 ms of a period: 12 %), then runs out the
  // period: the median request waits tens of ms.
  Model Exact = Model::build(G, P, O);
  Layout L = Layout::fromPlan(Exact, plan({{"A"}}, 128));
  EXPECT_GT(predict(Exact, L, O).P50Ms, 40);
  // Instances that run 1 ms past their quota: 13 ms, never throttled (plus
  // the 10 ms of root overhead), and FastEval agrees.
  P.QuotaSlackMs.assign(QuotaSlackQuantiles, 1.0);
  Model Slack = Model::build(G, P, O);
  EXPECT_NEAR(predict(Slack, L, O).P50Ms, 23, 1e-9);
  EXPECT_DOUBLE_EQ(Slack.cpuWallMs(13, 128), 13);
  // 30 ms: the slack delays the first throttling by 1 ms, the next period
  // pays it back: as 29 ms would take, plus 1 ms.
  EXPECT_DOUBLE_EQ(Slack.cpuWallMs(30, 128),
                   cpuWallMeanMs(29, 0.125, 100) + 1);
}

TEST(CostModel, CallsAnActivationMadeTogetherStayTogether) {
  // A calls B or C (each waits 100 ms), never both: half of its samples
  // call B, half C. Drawn edge by edge, a quarter of the requests would
  // call both (p99 1 + 200 ms + 10 ms of root overhead) and a quarter
  // neither.
  Graph G = graph({"A>B", "A>C"});
  Profile P = profile({{"A", 1, 0}, {"B", 0, 100}, {"C", 0, 100}},
                      {{"A", "B", EdgeKind::Sync, 1},
                       {"A", "C", EdgeKind::Sync, 1}},
                      "A");
  TaskProfile &A = P.Tasks["A"];
  A.Activations = 2;
  A.Joint = {{1, 0}, {1, 0}};
  A.JointPattern = {0, 1};
  A.CallPatterns = {{{"B", EdgeKind::Sync, 1}}, {{"C", EdgeKind::Sync, 1}}};
  for (EdgeProfile &E : P.Edges) {
    E.ActivationsWithCalls = 1;
    Rng R;
    E.CallsWhenCalled.add(1, R);
  }
  CostModelOptions O = opts();
  O.Samples = 4000;
  Model M = Model::build(G, P, O);
  Layout L = Layout::fromPlan(M, plan({{"A", "B", "C"}}, 2048));
  Prediction Together = predict(M, L, O);
  EXPECT_NEAR(Together.P99Ms, 111, 1e-6);
  EXPECT_NEAR(Together.P50Ms, 111, 1e-6);
  A.JointPattern.clear(); // not known: edge by edge
  Model Apart = Model::build(G, P, O);
  Prediction Independent = predict(Apart, L, O);
  EXPECT_NEAR(Independent.P99Ms, 211, 1e-6);
  // The means agree: only which calls go together differs.
  EXPECT_NEAR(Together.MeanMs, Independent.MeanMs, 5);
}

TEST(CostModel, AnAsynchronousCallTheCallerWaitsFor) {
  // A dispatches B (50 ms, a result to collect) and calls C (20 ms), each
  // remote call 10 ms of overhead. If A collects B's result only at its
  // end, A takes max(60, 30) ms; if it waits for it before calling C (the
  // profile saw its next call start as the result came), 60 + 30 ms.
  Graph G = graph({"A~B", "A>C"});
  for (TaskNode &T : G.Tasks)
    T.ReturnsVoid = false;
  Profile P = profile({{"A", 0, 0}, {"B", 0, 50}, {"C", 0, 20}},
                      {{"A", "B", EdgeKind::Async, 1},
                       {"A", "C", EdgeKind::Sync, 1}},
                      "A");
  for (EdgeProfile &E : P.Edges)
    if (E.Callee == "B") {
      E.StartFraction = 0;
      E.Remote = 1;
    }
  CostModelOptions O = opts();
  Layout L;
  Model Apart = Model::build(G, P, O);
  L = Layout::fromPlan(Apart, plan({{"A"}, {"B"}, {"C"}}, 2048));
  ASSERT_FALSE(Apart.Edges[0].Event);
  double Beside = predict(Apart, L, O).P50Ms;
  for (EdgeProfile &E : P.Edges)
    if (E.Callee == "B")
      E.JoinedShare = 1;
  Model Joined = Model::build(G, P, O);
  double Waited = predict(Joined, L, O).P50Ms;
  EXPECT_NEAR(Waited - Beside, 30, 1e-6);
  // FastEval agrees on the difference.
  EXPECT_NEAR(fast(Joined, L, O).EntryMs[0] - fast(Apart, L, O).EntryMs[0], 30,
              1);
}

TEST(CostModel, JoinedCallsOfOneActivationRunSideBySide) {
  // A dispatches B (50 ms) and D (30 ms) and waits for both before it
  // calls C (20 ms), every remote call 10 ms of overhead: 60 + 30 ms, as
  // with B alone. FastEval, which works on means, knows from the call set
  // that B and D run together and waits for the longer; without the call
  // set it can only add both waits.
  Graph G = graph({"A~B", "A~D", "A>C"});
  for (TaskNode &T : G.Tasks)
    T.ReturnsVoid = false;
  Profile P = profile({{"A", 0, 0}, {"B", 0, 50}, {"C", 0, 20}, {"D", 0, 30}},
                      {{"A", "B", EdgeKind::Async, 1},
                       {"A", "C", EdgeKind::Sync, 1},
                       {"A", "D", EdgeKind::Async, 1}},
                      "A");
  for (EdgeProfile &E : P.Edges)
    if (E.Kind == EdgeKind::Async) {
      E.StartFraction = 0;
      E.Remote = 1;
      E.JoinedShare = 1;
    }
  TaskProfile &A = P.Tasks["A"];
  A.JointPattern = {0};
  A.CallPatterns = {{{"B", EdgeKind::Async, 1},
                     {"C", EdgeKind::Sync, 1},
                     {"D", EdgeKind::Async, 1}}};
  CostModelOptions O = opts();
  Model M = Model::build(G, P, O);
  ASSERT_EQ(M.Tasks[size_t(M.taskIndex("A"))].JoinSets.size(), 1u);
  EXPECT_EQ(M.Tasks[size_t(M.taskIndex("A"))].JoinSets[0].second.size(), 2u);
  Layout L = Layout::fromPlan(M, plan({{"A"}, {"B"}, {"C"}, {"D"}}, 2048));
  // 10 ms of root overhead, max(60, 40) ms for B and D, 30 ms for C.
  EXPECT_NEAR(predict(M, L, O).P50Ms, 100, 1e-6);
  double Fast = fast(M, L, O).EntryMs[0];
  EXPECT_NEAR(Fast, 100, 1);
  A.CallPatterns.clear();
  A.JointPattern.clear();
  Model Apart = Model::build(G, P, O);
  EXPECT_TRUE(Apart.Tasks[size_t(Apart.taskIndex("A"))].JoinSets.empty());
  EXPECT_NEAR(fast(Apart, L, O).EntryMs[0] - Fast, 40, 1); // D's wait added
}

TEST(CostModel, TheCallOrderPlacesADispatchAndItsJoinInAnyPlan) {
  // A calls B, dispatches C (50 ms), calls D (20 ms) and waits for C's
  // result before it calls E, every remote call 10 ms of overhead. One
  // function per task: 10 (root) + 10 (B), then C's 60 beside D's 30,
  // then 10 (E): 90 ms. B, D and E fused into A: C's 60 beside D's 20:
  // 70 ms. The order is the program's: the same profile predicts both.
  Graph G = graph({"A>B", "A~C", "A>D", "A>E"});
  for (TaskNode &T : G.Tasks)
    T.ReturnsVoid = false;
  Profile P = profile(
      {{"A", 0, 0}, {"B", 0, 0}, {"C", 0, 50}, {"D", 0, 20}, {"E", 0, 0}},
      {{"A", "B", EdgeKind::Sync, 1},
       {"A", "C", EdgeKind::Async, 1},
       {"A", "D", EdgeKind::Sync, 1},
       {"A", "E", EdgeKind::Sync, 1}},
      "A");
  for (EdgeProfile &E : P.Edges)
    if (E.Callee == "C") {
      E.Remote = 1;
      E.StartFraction = 0;
      E.JoinedShare = 1;
    }
  TaskProfile &A = P.Tasks["A"];
  A.JointPattern = {0};
  A.CallPatterns = {{{"B", EdgeKind::Sync, 1},
                     {"C", EdgeKind::Async, 1},
                     {"D", EdgeKind::Sync, 1},
                     {"E", EdgeKind::Sync, 1}}};
  TaskProfile::AsyncPlace C;
  C.Callee = "C";
  C.After = 1;
  C.JoinBefore = 2;
  A.PatternOrders = {{{"B", "D", "E"}, {C}}};
  CostModelOptions O = opts();
  Model M = Model::build(G, P, O);
  Layout Split =
      Layout::fromPlan(M, plan({{"A"}, {"B"}, {"C"}, {"D"}, {"E"}}, 2048));
  Layout Fused = Layout::fromPlan(M, plan({{"A", "B", "D", "E"}, {"C"}}, 2048));
  EXPECT_NEAR(predict(M, Split, O).P50Ms, 90, 1e-6);
  EXPECT_NEAR(predict(M, Fused, O).P50Ms, 70, 1e-6);
  // The result needed only at A's end: D and E beside C, the invocation
  // open until C answers: 20 + 60 ms.
  A.PatternOrders[0].Async[0].JoinBefore = 3;
  EXPECT_NEAR(predict(Model::build(G, P, O), Split, O).P50Ms, 80, 1e-6);
  // Where the timing never told, the edge's joined share decides: before
  // the next call after the dispatch (D), 10 + 10 + 60 + 30 + 10.
  A.PatternOrders[0].Async[0].JoinBefore = TaskProfile::AsyncPlace::NoJoin;
  EXPECT_NEAR(predict(Model::build(G, P, O), Split, O).P50Ms, 120, 1e-6);
  // Without the order, C goes at its start fraction of A's run (0:
  // before B) and is joined before B: 10 + 60, then B, D and E.
  A.PatternOrders.clear();
  EXPECT_NEAR(predict(Model::build(G, P, O), Split, O).P50Ms, 120, 1e-6);
}

TEST(CostModel, ARemoteInvocationRunsItsCodec) {
  // B spends 2 ms of CPU around its task when invoked (decoding, encoding):
  // a remote call of B takes 2 ms longer and bills them; fused, it does
  // not run at all.
  Graph G = graph({"A>B"});
  Profile P = profile({{"A", 1, 0}, {"B", 10, 0}},
                      {{"A", "B", EdgeKind::Sync, 1}}, "A");
  CostModelOptions O = opts();
  Model Plain = Model::build(G, P, O);
  P.Tasks["B"].InvokeCpuMs = 2;
  Model Codec = Model::build(G, P, O);
  for (const Plan &Pl : {plan({{"A"}, {"B"}}, 2048), plan({{"A", "B"}}, 2048)}) {
    bool Split = Pl.Groups.size() == 2;
    Layout L = Layout::fromPlan(Plain, Pl);
    double D = predict(Codec, L, O).P50Ms - predict(Plain, L, O).P50Ms;
    EXPECT_NEAR(D, Split ? 2 : 0, 1e-9) << Pl.Groups.size();
    FastEval::Result RP = fast(Plain, L, O), RC = fast(Codec, L, O);
    EXPECT_NEAR(RC.EntryMs[0] - RP.EntryMs[0], Split ? 2 : 0, 1e-9);
    EXPECT_EQ(RC.CostUsd > RP.CostUsd, Split);
  }
}

TEST(CostModel, ARemoteCallsClientCpuIsTheCallers) {
  // A calls B remotely; the client's work costs A 3 ms of CPU, within the
  // call's measured overhead (10 ms here). At 2048 MB (more than a vCPU)
  // that changes no latency; at 128 MB (this emulation: Q = 12.5 ms per
  // 100 ms) A's 10 ms of its own CPU and the client's 3 ms no longer fit
  // one quota.
  Graph G = graph({"A>B"});
  Profile P = profile({{"A", 10, 0}, {"B", 1, 0}},
                      {{"A", "B", EdgeKind::Sync, 1}}, "A");
  CostModelOptions O = opts();
  Model Plain = Model::build(G, P, O);
  for (EdgeProfile &E : P.Edges)
    E.CallCpuMs = 3;
  Model Client = Model::build(G, P, O);
  Layout Big = Layout::fromPlan(Plain, plan({{"A"}, {"B"}}, 2048));
  EXPECT_NEAR(predict(Client, Big, O).P50Ms, predict(Plain, Big, O).P50Ms,
              1e-9);
  Layout Small = Layout::fromPlan(Plain, plan({{"A"}, {"B"}}, 128));
  EXPECT_GT(predict(Client, Small, O).MeanMs,
            predict(Plain, Small, O).MeanMs + 5);
  // Fused, there is no client.
  Layout One = Layout::fromPlan(Plain, plan({{"A", "B"}}, 128));
  EXPECT_NEAR(predict(Client, One, O).P50Ms, predict(Plain, One, O).P50Ms,
              1e-9);
}

TEST(CostModel, ClientAndCodecCpuNeverMeasuredAreTheMeasuredOnesMean) {
  // A calls B and C. Without any measured client or codec CPU in the
  // traces, the defaults apply.
  Graph G = graph({"A>B", "A>C"});
  Profile P = profile(
      {{"A", 1, 0}, {"B", 10, 0}, {"C", 10, 0}},
      {{"A", "B", EdgeKind::Sync, 1}, {"A", "C", EdgeKind::Sync, 1}}, "A");
  CostModelOptions O = opts();
  O.ClientCpuMs = 0.25;
  O.CodecCpuMs = 0.125;
  Model None = Model::build(G, P, O);
  for (const Model::Edge &E : None.Edges)
    EXPECT_DOUBLE_EQ(E.CallCpuMs, 0.25);
  for (const Model::Task &T : None.Tasks)
    EXPECT_DOUBLE_EQ(T.InvokeCpuMs, 0.125);

  // Traces of everything fused: only the entry's invocation ran remotely
  // (1 ms of codec), no remote call. B and C get A's codec.
  P.Tasks["A"].Remote = 1;
  P.Tasks["A"].InvokeCpuMs = 1;
  Model Fused = Model::build(G, P, O);
  for (const Model::Edge &E : Fused.Edges)
    EXPECT_DOUBLE_EQ(E.CallCpuMs, 0.25);
  for (const Model::Task &T : Fused.Tasks)
    EXPECT_DOUBLE_EQ(T.InvokeCpuMs, 1);

  // Traces where B ran remotely: 1.5 ms of client CPU per call over 4
  // calls, 2 ms of codec over 4 invocations. C's call costs what B's did,
  // C's invocation the measured tasks' mean, (1 + 4 x 2) / 5 = 1.8 ms.
  Profile Q = P;
  Q.Edges[0].Remote = 4;
  Q.Edges[0].CallCpuMs = 1.5;
  Q.Tasks["B"].Remote = 4;
  Q.Tasks["B"].InvokeCpuMs = 2;
  Model Split = Model::build(G, Q, O);
  ASSERT_EQ(Split.Edges.size(), 2u);
  for (const Model::Edge &E : Split.Edges)
    EXPECT_DOUBLE_EQ(E.CallCpuMs, 1.5); // measured for B, the mean for C
  EXPECT_DOUBLE_EQ(Split.Tasks[size_t(Split.taskIndex("A"))].InvokeCpuMs, 1);
  EXPECT_DOUBLE_EQ(Split.Tasks[size_t(Split.taskIndex("B"))].InvokeCpuMs, 2);
  EXPECT_DOUBLE_EQ(Split.Tasks[size_t(Split.taskIndex("C"))].InvokeCpuMs, 1.8);

  // Splitting C out: its codec is on the critical path at 2048 MB (the
  // client's CPU runs within the call's overhead), 1.8 ms against 1.
  Layout L = Layout::fromPlan(Split, plan({{"A", "B"}, {"C"}}, 2048));
  EXPECT_NEAR(predict(Split, L, O).P50Ms - predict(Fused, L, O).P50Ms, 0.8,
              1e-9);
  EXPECT_NEAR(fast(Split, L, O).EntryMs[0] - fast(Fused, L, O).EntryMs[0], 0.8,
              1e-9);
}

TEST(CostModel, AsyncEventOffTheCriticalPathButBilled) {
  Graph G = graph({"A~C"});
  Profile P = profile({{"A", 10, 0}, {"C", 50, 0}},
                      {{"A", "C", EdgeKind::Async, 1}}, "A");
  CostModelOptions O = opts();
  Model M = Model::build(G, P, O);
  ASSERT_TRUE(M.Edges[0].Event); // C returns void: a Lambda Event
  // Split, 1024 MB: A runs 10 ms, dispatches C at 5 ms, the platform
  // acknowledges at once (no transport measured): A's invocation 10 ms,
  // latency 20 ms. C starts 20 ms (event overhead) after dispatch and
  // runs 50 ms: completion 10 + 5 + 20 + 50 = 85 ms.
  // Cost: A 0.010 * 1e-5 + 1e-7, C 0.050 * 1e-5 + 1e-7 = 8e-7.
  Prediction Sep = predict(M, Layout::fromPlan(M, plan({{"A"}, {"C"}}, 1024)), O);
  EXPECT_NEAR(Sep.P50Ms, 20, 1e-9);
  EXPECT_NEAR(Sep.CompletionP50Ms, 85, 1e-9);
  EXPECT_NEAR(Sep.CostUsd, 8e-7, 1e-15);

  // Fused: C runs on A's instance from 5 ms to 55 ms, and the invocation
  // completes only after it; both threads share one vCPU, so 60 ms of CPU
  // take 60 ms: the invocation lasts max(55, 60/1) = 60 ms. Latency 70,
  // cost 0.060 * 1e-5 + 1e-7 = 7e-7.
  Prediction One = predict(M, Layout::fromPlan(M, plan({{"A", "C"}}, 1024)), O);
  EXPECT_NEAR(One.P50Ms, 70, 1e-9);
  EXPECT_NEAR(One.CostUsd, 7e-7, 1e-15);

  // At 2048 MB (2 vCPUs) the threads run in parallel: max(55, 60/2) = 55,
  // latency 65, cost 0.055 * 2 * 1e-5 + 1e-7 = 1.2e-6.
  Prediction Two = predict(M, Layout::fromPlan(M, plan({{"A", "C"}}, 2048)), O);
  EXPECT_NEAR(Two.P50Ms, 65, 1e-9);
  EXPECT_NEAR(Two.CostUsd, 1.2e-6, 1e-15);
}

// A request's instances run on one host: when their busy CPUs exceed the
// host's, each runs that much slower (the local platform's machine; AWS
// Lambda gives every instance its share: HostCpus 0).
TEST(CostModel, ARequestsInstancesShareTheHostsCpus) {
  Graph G = graph({"A~B", "A~C"});
  Profile P = profile(
      {{"A", 10, 0}, {"B", 40, 0}, {"C", 40, 0}},
      {{"A", "B", EdgeKind::Async, 1}, {"A", "C", EdgeKind::Async, 1}}, "A");
  CostModelOptions O = opts();
  Model M = Model::build(G, P, O);
  Layout Split = Layout::fromPlan(M, plan({{"A"}, {"B"}, {"C"}}, 1024));
  // One vCPU each: A runs 10 ms and dispatches B and C at 5 ms; they start
  // 20 ms later, at 25, and run 40 ms side by side: completion 10 (the
  // root's overhead) + 65 = 75 ms. Cost 0.090 * 1e-5 + 3e-7 = 1.2e-6.
  for (double Host : {0.0, 2.0}) {
    M.HostCpus = Host;
    Prediction Own = predict(M, Split, O);
    EXPECT_NEAR(Own.P50Ms, 20, 1e-9) << Host;
    EXPECT_NEAR(Own.CompletionP50Ms, 75, 1e-9) << Host;
    EXPECT_NEAR(Own.CostUsd, 1.2e-6, 1e-15) << Host;
  }
  // On one host CPU, B and C get half of it each: both end at 25 + 80,
  // completion 115 ms, and they bill 80 ms each: 0.170 * 1e-5 + 3e-7. A
  // ran alone: its latency is what it was.
  M.HostCpus = 1;
  Prediction Shared = predict(M, Split, O);
  EXPECT_NEAR(Shared.P50Ms, 20, 1e-9);
  EXPECT_NEAR(Shared.CompletionP50Ms, 115, 1e-9);
  EXPECT_NEAR(Shared.CostUsd, 2.0e-6, 1e-15);

  // Fused at 2048 MB (two vCPUs): B and C start at 5 on threads of A's
  // instance. Without a host limit, three threads on two CPUs until A's
  // last 5 ms are done (at 5 + 7.5), then B and C, 35 ms left each, at
  // full speed: 47.5 ms, latency 57.5. On one host CPU the instance's 85
  // ms after 5 take 85 ms: 90 ms, latency 100.
  Layout One = Layout::fromPlan(M, plan({{"A", "B", "C"}}, 2048));
  M.HostCpus = 0;
  EXPECT_NEAR(predict(M, One, O).P50Ms, 57.5, 1e-9);
  M.HostCpus = 1;
  EXPECT_NEAR(predict(M, One, O).P50Ms, 100, 1e-9);
}

// On a shared host, requests arrive as the traces' did and overlapping
// ones share the host's CPUs too.
TEST(CostModel, OverlappingRequestsShareTheHost) {
  Graph G = graph({"A"});
  Profile P = profile({{"A", 30, 0}}, {}, "A");
  CostModelOptions O = opts();
  O.Samples = 2;
  Model M = Model::build(G, P, O);
  Layout L = Layout::fromPlan(M, plan({{"A"}}, 1024));
  // Alone: 30 ms of CPU on one vCPU, latency 10 (the root's overhead) +
  // 30, cost 0.030 * 1e-5 + 1e-7.
  Prediction Alone = predict(M, L, O);
  EXPECT_NEAR(Alone.MeanMs, 40, 1e-9);
  EXPECT_NEAR(Alone.CostUsd, 4e-7, 1e-15);
  // Requests 20 ms apart on one host CPU: the first runs alone until the
  // second arrives (20 ms done), then both at half speed, so the first
  // ends at 40 and the second, 10 ms done by then, at 60. Both last 40
  // ms: latency 50, cost 0.040 * 1e-5 + 1e-7 each.
  M.HostCpus = 1;
  M.ArrivalGapsMs = {20};
  Prediction Shared = predict(M, L, O);
  EXPECT_NEAR(Shared.MeanMs, 50, 1e-9);
  EXPECT_NEAR(Shared.CostUsd, 5e-7, 1e-15);
  // 100 ms apart they never overlap; without a host they never share it.
  M.ArrivalGapsMs = {100};
  EXPECT_NEAR(predict(M, L, O).MeanMs, 40, 1e-9);
  M.ArrivalGapsMs = {20};
  M.HostCpus = 0;
  EXPECT_NEAR(predict(M, L, O).MeanMs, 40, 1e-9);
}

// The lock the program's instances share: a run that finds it taken tries
// again after SQLite's busy handler's sleeps (1, 2, 5, 10 ms, ...).
TEST(CostModel, ASharedLockIsPolledUntilItsHolderLetsGo) {
  Graph G = graph({"A"});
  Profile P = profile({{"A", 30, 0}}, {}, "A");
  CostModelOptions O = opts();
  O.Samples = 2;
  Model M = Model::build(G, P, O);
  Layout L = Layout::fromPlan(M, plan({{"A"}}, 1024));
  M.ArrivalGapsMs = {20};
  EXPECT_NEAR(predict(M, L, O).MeanMs, 40, 1e-9); // no lock: 10 + 30 each
  // All of A's CPU holds the lock. The first request holds it from 0 to
  // 30; the second, from 20 on, finds it taken at 20, 21, 23 and 28, and
  // takes it at 38: 10 + 48 ms.
  M.Tasks[0].LockHoldShare = 1;
  M.Tasks[0].LockHoldCpuMs = 30;
  Prediction Locked = predict(M, L, O);
  EXPECT_NEAR(Locked.MeanMs, (40 + 58) / 2.0, 1e-9);
  EXPECT_NEAR(Locked.CostUsd, (0.030 + 0.048) / 2 * 1e-5 + 1e-7, 1e-15);
  // Arriving at 29, it takes the lock at 30, as its holder lets go.
  M.ArrivalGapsMs = {29};
  EXPECT_NEAR(predict(M, L, O).MeanMs, (40 + 41) / 2.0, 1e-9);
  // Held for 5 ms of its 30, at its end: the first holds it from 25 to 30,
  // the second from 45 on, untroubled.
  M.ArrivalGapsMs = {20};
  M.Tasks[0].LockHoldCpuMs = 5;
  EXPECT_NEAR(predict(M, L, O).MeanMs, 40, 1e-9);
}

// A plan that runs a task as a traced configuration did (memory size, the
// tasks of its group) draws that configuration's runs; any other plan the
// runs of every configuration.
TEST(CostModel, AConfigurationTracedGetsItsOwnRuns) {
  Graph G = graph({"A>B"});
  Profile P = profile({{"A", 10, 0}, {"B", 10, 45}},
                      {{"A", "B", EdgeKind::Sync, 1}}, "A");
  // B waited 90 ms in A's group at 1024 MB, nothing alone at 1024 MB.
  TaskProfile &B = P.Tasks["B"];
  B.Configs.push_back({1024, {"A", "B"}, 10, {{10, 90}}, {}});
  B.Configs.push_back({1024, {"B"}, 10, {{10, 0}}, {}});
  CostModelOptions O = opts();
  Model M = Model::build(G, P, O);
  // Fused at 1024 MB: 10 (root) + 10 + 10 + 90; split: 10 + 10 + 10
  // (sync overhead) + 10 and no wait; fused at 2048 MB, not traced: the
  // pooled 45.
  EXPECT_NEAR(
      predict(M, Layout::fromPlan(M, plan({{"A", "B"}}, 1024)), O).P50Ms, 120,
      1e-9);
  EXPECT_NEAR(
      predict(M, Layout::fromPlan(M, plan({{"A"}, {"B"}}, 1024)), O).P50Ms, 40,
      1e-9);
  EXPECT_NEAR(
      predict(M, Layout::fromPlan(M, plan({{"A", "B"}}, 2048)), O).P50Ms,
      10 + 10 + 10 + 45, 1e-9);
  // FastEval (the planners' ranking) takes the same runs' means.
  EXPECT_NEAR(
      fast(M, Layout::fromPlan(M, plan({{"A", "B"}}, 1024)), O).EntryMs[0], 120,
      1e-9);
  EXPECT_NEAR(
      fast(M, Layout::fromPlan(M, plan({{"A"}, {"B"}}, 1024)), O).EntryMs[0],
      40, 1e-9);
  EXPECT_NEAR(
      fast(M, Layout::fromPlan(M, plan({{"A", "B"}}, 2048)), O).EntryMs[0],
      10 + 10 + 10 + 45, 1e-9);
}

// Monte Carlo runs an invocation's threads against the instance's CPU in
// time: two CPUs at once, one quota per period for all of them.
TEST(CostModel, ThreadsShareTheQuotaInTime) {
  Graph G = graph({"A~C"});
  // 512 MB: Q = 50 ms per period, never spent here. A runs 10 ms and
  // starts C (20 ms) halfway: A alone 0..5, A and C on two CPUs 5..10, C
  // alone 10..25. The invocation ends at 25 (latency 35) whatever the
  // phase; FastEval's bound, which runs all 30 ms one after another, says
  // 30.
  Profile P = profile({{"A", 10, 0}, {"C", 20, 0}},
                      {{"A", "C", EdgeKind::Async, 1}}, "A");
  CostModelOptions O = opts();
  Model M = Model::build(G, P, O);
  Prediction Half =
      predict(M, Layout::fromPlan(M, plan({{"A", "C"}}, 512)), O);
  EXPECT_NEAR(Half.P50Ms, 35, 1e-9);
  EXPECT_NEAR(Half.P99Ms, 35, 1e-9);
  {
    FastEval::Result R =
        fast(M, Layout::fromPlan(M, plan({{"A", "C"}}, 512)), O);
    EXPECT_NEAR(R.EntryMs[0], 40, 1e-9);
  }

  // 256 MB: Q = 25. A (20 ms) starts C (20 ms) at once, r ms of the
  // period left. r >= 12.5 (7/8): both run until the quota is spent at
  // 12.5, wait until r, and end at r + 7.5 (uniform over 20..107.5);
  // 7.5 <= r < 12.5 (1/20): the period ends first, the next quota covers
  // the rest: 20; r < 7.5 (3/40): the next quota runs out too: 107.5.
  // Median 20 + (0.5 - 0.05) / 0.01 = 65, latency 75; mean 64.84.
  Profile P2 = profile({{"A", 20, 0}, {"C", 20, 0}},
                       {{"A", "C", EdgeKind::Async, 1}}, "A");
  P2.Edges[0].StartFraction = 0;
  Model M2 = Model::build(G, P2, O);
  CostModelOptions Many = O;
  Many.Samples = 20000;
  Prediction Quarter =
      predict(M2, Layout::fromPlan(M2, plan({{"A", "C"}}, 256)), Many);
  EXPECT_NEAR(Quarter.P50Ms, 75, 1.5);
  EXPECT_NEAR(Quarter.MeanMs, 10 + 64.84, 1.5);
}

TEST(CostModel, EachQuotaInterruptionCostsCpu) {
  // 128 MB: Q = 12.5 ms. A needs 20 ms of CPU and 5 ms more each time the
  // quota stops it, starting r ms before its period ends. r >= 12.5 (7/8):
  // stopped at 12.5, 12.5 left, done at r + 12.5; 7.5 <= r < 12.5 (1/20):
  // the next quota covers the rest, 20; r < 7.5 (3/40): stopped at r +
  // 12.5, 12.5 - r left after the next period's start: 112.5. Mean 69.59,
  // median 70 (latency: + 10). Without the interruptions' cost: 64.84.
  Graph G = graph({}, {"A"});
  Profile P = profile({{"A", 20, 0}}, {}, "A");
  P.Tasks["A"].InterruptCpuMs = 5;
  CostModelOptions O = opts();
  O.Samples = 20000;
  Model M = Model::build(G, P, O);
  Layout L = Layout::fromPlan(M, plan({{"A"}}, 128));
  // The model says which tasks have an interruption cost.
  EXPECT_TRUE(std::any_of(M.Notes.begin(), M.Notes.end(), [](auto &N) {
    return N.find("quota stops them") != std::string::npos &&
           N.find("A 5.00 ms") != std::string::npos;
  }));
  Prediction With = predict(M, L, O);
  EXPECT_NEAR(With.MeanMs, 10 + 69.59, 1.5);
  EXPECT_NEAR(With.P50Ms, 80, 1.5);
  P.Tasks["A"].InterruptCpuMs = 0;
  Model M0 = Model::build(G, P, O);
  EXPECT_NEAR(predict(M0, Layout::fromPlan(M0, plan({{"A"}}, 128)), O).MeanMs,
              10 + 64.84, 1.5);
  // FastEval: c' = c + k (c' / Q - 1): 25 ms; a whole vCPU: never stopped.
  EXPECT_DOUBLE_EQ(M.interruptedCpuMs(M.Tasks[0], 128), 25);
  EXPECT_DOUBLE_EQ(M.interruptedCpuMs(M.Tasks[0], 1024), 20);

  // Two threads sharing the quota (A starts C at once, 20 ms each, 256 MB:
  // Q = 25), each stopped with the instance: the same times as above.
  Graph G2 = graph({"A~C"});
  Profile P2 = profile({{"A", 20, 0}, {"C", 20, 0}},
                       {{"A", "C", EdgeKind::Async, 1}}, "A");
  P2.Edges[0].StartFraction = 0;
  P2.Tasks["A"].InterruptCpuMs = P2.Tasks["C"].InterruptCpuMs = 5;
  Model M2 = Model::build(G2, P2, O);
  Prediction Two =
      predict(M2, Layout::fromPlan(M2, plan({{"A", "C"}}, 256)), O);
  EXPECT_NEAR(Two.MeanMs, 10 + 69.59, 1.5);
  EXPECT_NEAR(Two.P50Ms, 80, 1.5);

  // Three threads on the instance's two CPUs (A starts C and D at once,
  // 20 ms each, 256 MB): a stop finds each on a CPU 2/3 of the time, so
  // each needs 2/3 of 5 ms more. r >= 12.5 (7/8): the quota (25 ms, 2 ms
  // a ms) is spent at 12.5, r + 12.5 and r + 112.5, each thread 15, 10 and
  // 5 ms short after them, done at r + 207.5 (with 5 ms a stop: r + 410);
  // 10 <= r < 12.5: done at 122.5; 2.5 <= r < 10: 215; r < 2.5: 307.5.
  // Mean 257.7, median 260 (latency: + 10).
  Graph G3 = graph({"A~C", "A~D"});
  Profile P3 = profile(
      {{"A", 20, 0}, {"C", 20, 0}, {"D", 20, 0}},
      {{"A", "C", EdgeKind::Async, 1}, {"A", "D", EdgeKind::Async, 1}}, "A");
  P3.Edges[0].StartFraction = P3.Edges[1].StartFraction = 0;
  for (const char *T : {"A", "C", "D"})
    P3.Tasks[T].InterruptCpuMs = 5;
  Model M3 = Model::build(G3, P3, O);
  Prediction Three =
      predict(M3, Layout::fromPlan(M3, plan({{"A", "C", "D"}}, 256)), O);
  EXPECT_NEAR(Three.MeanMs, 10 + 257.7, 1.5);
  EXPECT_NEAR(Three.P50Ms, 10 + 260, 1.5);
}

TEST(CostModel, ColdStartsSpreadOverTheRun) {
  Graph G = graph({"A>B"});
  Profile P = profile({{"A", 10, 0}, {"B", 20, 0}},
                      {{"A", "B", EdgeKind::Sync, 1}}, "A");
  CostModelOptions O = opts();
  O.ColdStartWindowS = 10; // a 10 s run at 1 request/s
  Model M = Model::build(G, P, O);
  // Fused: one function, invoked once per second, 30 ms: one instance for
  // the whole run, started once in 10 requests: P(cold) = 1/10 (+ e^-300
  // for expiry). Expected latency 10 + 0.1 * 100 + 30 = 50 ms.
  FastEval F(M, O);
  FastEval::Result R;
  F.evaluate(Layout::fromPlan(M, plan({{"A", "B"}}, 1024)), R);
  EXPECT_NEAR(F.PCold[0], 0.1, 1e-9);
  EXPECT_NEAR(R.EntryMs[0], 50, 1e-9);
  // Split: two functions, each started once: twice the cold starts per
  // request (0.2).
  Prediction Sep = predict(M, Layout::fromPlan(M, plan({{"A"}, {"B"}}, 1024)), O);
  Prediction One = predict(M, Layout::fromPlan(M, plan({{"A", "B"}}, 1024)), O);
  EXPECT_NEAR(Sep.ColdStarts, 0.2, 0.06);
  EXPECT_NEAR(One.ColdStarts, 0.1, 0.05);
  EXPECT_GT(Sep.P99Ms, One.P99Ms);
}

TEST(CostModel, ColdInvocationsRunTheColdExtraCpu) {
  Graph G = graph({"A>B"});
  Profile P = profile({{"A", 10, 0}, {"B", 20, 0}},
                      {{"A", "B", EdgeKind::Sync, 1}}, "A");
  P.Tasks["B"].ColdExtraCpuMs = 40; // a cold B runs 60 ms of CPU
  CostModelOptions O = opts();
  O.ColdStartWindowS = 10; // one cold start per function in 10 requests
  O.Samples = 4000;
  Model M = Model::build(G, P, O);
  Profile Warm = P;
  Warm.Tasks["B"].ColdExtraCpuMs = 0;
  Model MW = Model::build(G, Warm, O);
  // Fused at 1 GB: a tenth of the invocations are cold and then run B's
  // extra 40 ms: +4 ms of mean latency, the median unchanged.
  auto L = [&](const Model &X) {
    return predict(X, Layout::fromPlan(X, plan({{"A", "B"}}, 1024)), O);
  };
  Prediction Cold = L(M), NoExtra = L(MW);
  EXPECT_NEAR(Cold.MeanMs - NoExtra.MeanMs, 4, 1.5);
  EXPECT_NEAR(Cold.P50Ms, NoExtra.P50Ms, 1e-9);
  EXPECT_GT(Cold.P99Ms, NoExtra.P99Ms + 30);
}

TEST(CostModel, CopiesMakeCallsLocalForEachCaller) {
  Graph G = graph({"A>B", "A>C", "B>D", "C>D"});
  Profile P = profile({{"A", 1, 0}, {"B", 1, 0}, {"C", 1, 0}, {"D", 5, 0}},
                      {{"A", "B", EdgeKind::Sync, 1},
                       {"A", "C", EdgeKind::Sync, 1},
                       {"B", "D", EdgeKind::Sync, 1},
                       {"C", "D", EdgeKind::Sync, 1}},
                      "A");
  CostModelOptions O = opts();
  Model M = Model::build(G, P, O);
  // A | B+D | C+D (D copied, home in the first group listing it):
  // A 1 + (10 + B:1+5) + (10 + C:1+5) = 33 ms, latency 43.
  Plan Pl = plan({{"A"}, {"B", "D"}, {"C", "D"}}, 1024);
  Layout L = Layout::fromPlan(M, Pl);
  EXPECT_EQ(L.Copies[size_t(M.taskIndex("D"))].size(), 1u);
  Prediction Pr = predict(M, L, O);
  EXPECT_NEAR(Pr.P50Ms, 43, 1e-9);
  EXPECT_NEAR(Pr.Invocations, 3, 1e-9); // A, B, C; D never remote
}

TEST(CostModel, MonteCarloIsDeterministic) {
  Graph G = graph({"A>B"});
  Profile P = profile({{"A", 10, 0}, {"B", 20, 0}},
                      {{"A", "B", EdgeKind::Sync, 1}}, "A");
  Rng R(3);
  for (int I = 0; I < 50; ++I) { // spread the samples
    P.Tasks["A"].Joint.emplace_back(float(5 + 10 * R.uniform()), 0.f);
    P.Tasks["B"].Joint.emplace_back(float(10 + 30 * R.uniform()), 0.f);
  }
  CostModelOptions O = opts();
  Model M = Model::build(G, P, O);
  Layout L = Layout::fromPlan(M, plan({{"A"}, {"B"}}, 512));
  Prediction X = predict(M, L, O), Y = predict(M, L, O);
  EXPECT_EQ(X.P50Ms, Y.P50Ms);
  EXPECT_EQ(X.P99Ms, Y.P99Ms);
  EXPECT_EQ(X.CostUsd, Y.CostUsd);
  EXPECT_LT(X.P50Ms, X.P99Ms);
}

TEST(CostModel, LayoutRoundTrip) {
  Graph G = graph({"A>B", "A>C"});
  Profile P = profile({{"A", 1, 0}, {"B", 1, 0}, {"C", 1, 0}}, {}, "A");
  CostModelOptions O = opts();
  Model M = Model::build(G, P, O);
  Plan Pl = plan({{"A", "B"}, {"C", "B"}}, 256);
  Pl.Routes["B"] = "C";
  Layout L = Layout::fromPlan(M, Pl);
  EXPECT_EQ(L.Home[size_t(M.taskIndex("B"))], 1);
  Plan Back = L.toPlan(M);
  EXPECT_TRUE(Back.sameAs(Pl));
}

// The model against the trace generator, which simulates the same platform
// semantics request by request (instances, cold starts, throttling): traces
// of one plan must predict what traces of another plan measure.
TEST(CostModel, PredictsAnotherPlansMeasurement) {
  Graph G = graph({"I>CW", "I>SE", "I~CT", "I~CS", "CS>CSL", "CS>CSA",
                   "CT~AS"});
  SyntheticSpec S;
  S.G = &G;
  for (const TaskNode &T : G.Tasks)
    S.Truth[T.Name] = {12, 3, 0.25, 60};
  S.Truth["SE"] = {1, 20, 0.25, 60};
  S.Entries = {{"I", 1}};
  S.Requests = 600;
  S.RatePerS = 2;
  auto Trace = [&](const Plan &P) {
    S.P = P;
    std::ostringstream Out;
    writeSyntheticTraces(S, Out);
    return profileOf(G, Out.str(), S.E);
  };
  Plan Split = Plan::onePerTask(G, 256);
  Plan Fused;
  Fused.Scope = "program";
  Fused.Groups = {Group{"I", {"I", "CW", "SE"}, 512, 30},
                  Group{"CS", {"CS", "CSL", "CSA"}, 1024, 30},
                  Group{"CT", {"CT"}, 256, 30}, Group{"AS", {"AS"}, 256, 30}};
  Profile FromSplit = Trace(Split);
  Profile FromFused = Trace(Fused);
  CostModelOptions O;
  O.Samples = 1000;
  for (auto [Measured, Pl] : {std::make_pair(&FromSplit, &Split),
                              std::make_pair(&FromFused, &Fused)}) {
    Prediction P = evaluatePlan(G, FromSplit, *Pl, O);
    SCOPED_TRACE(Pl == &Split ? "one function per task" : "fused");
    if (std::getenv("PLANNER_TEST_VERBOSE"))
      std::printf("predicted %.2f ms %.4f uUSD, measured %.2f ms %.4f uUSD\n",
                  P.P50Ms, P.CostUsd * 1e6, Measured->LatencyMs.quantile(0.5),
                  Measured->CostUsd.mean() * 1e6);
    EXPECT_NEAR(P.P50Ms, Measured->LatencyMs.quantile(0.5),
                0.10 * Measured->LatencyMs.quantile(0.5));
    EXPECT_NEAR(P.CostUsd, Measured->CostUsd.mean(),
                0.10 * Measured->CostUsd.mean());
  }
}

