//===- ProfileTest.cpp - Traces to profile: aggregation and errors --------===//
#include "TestUtil.h"

#include "planner/CostModel.h"
#include "planner/Otlp.h"
#include "planner/Profile.h"
#include "planner/Synthetic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>

using namespace fusionize;
using namespace fusionize::test;
using ::testing::HasSubstr;

namespace {

EmulationProfile none() { return EmulationProfile::builtin("none"); }

std::string errorOf(const std::string &Text, const Graph &G) {
  try {
    profileOf(G, Text, none());
  } catch (const FormatError &E) {
    return E.what();
  }
  return "no error";
}

// A calls B remotely (platform + runtime spans); A's invocation is cold.
const char *const Hours = "";

std::string syncRemoteTrace() {
  return doc({
      {"1", "", "A", 2, 0, 32,
       {str("fusion.source", "platform"), str("fusion.task", "A"),
        flag("faas.coldstart", true), num("fusion.init_ms", 2),
        num("fusion.billed_ms", 32), num("fusion.memory_mb", 1024)}},
      {"2", "1", "A", 2, 2, 32,
       {str("fusion.task", "A"), num("fusion.cpu_ns", 3e6),
        num("fusion.memory_mb", 1024), str("fusion.group", "gA")}},
      {"3", "2", "invoke B", 3, 5, 30,
       {str("fusion.task", "B"), str("fusion.caller", "A"),
        flag("fusion.sync", true), num("fusion.bytes_req", 100),
        num("fusion.bytes_resp", 50)}},
      {"4", "3", "B", 2, 6, 29,
       {str("fusion.source", "platform"), str("fusion.task", "B"),
        flag("faas.coldstart", false), num("fusion.billed_ms", 20),
        num("fusion.memory_mb", 512), num("fusion.peak_memory_mb", 77)}},
      {"5", "4", "B", 2, 8, 28,
       {str("fusion.task", "B"), num("fusion.cpu_ns", 15e6),
        str("fusion.group", "gB")}},
  });
}

} // namespace

TEST(Profile, SyncRemoteCall) {
  (void)Hours;
  Graph G = graph({"A>B"});
  Profile P = profileOf(G, syncRemoteTrace(), none());
  // A ran 2..32 ms and waited 5..30 ms for B: 30 - 25 = 5 ms of its own,
  // 3 ms of it on the CPU.
  const TaskProfile *A = P.task("A");
  ASSERT_NE(A, nullptr);
  EXPECT_EQ(A->Activations, 1u);
  EXPECT_EQ(A->Remote, 1u);
  EXPECT_NEAR(A->SelfMs.mean(), 5.0, 1e-6);
  EXPECT_NEAR(A->CpuMs.mean(), 3.0, 1e-6);
  EXPECT_NEAR(A->WaitMs.mean(), 2.0, 1e-6);
  const TaskProfile *B = P.task("B");
  ASSERT_NE(B, nullptr);
  EXPECT_NEAR(B->CpuMs.mean(), 15.0, 1e-6);
  EXPECT_NEAR(B->WaitMs.mean(), 5.0, 1e-6);
  EXPECT_EQ(B->MemoryMB.count(512), 1u); // inherited from the platform span
  const EdgeProfile *E = P.edge("A", "B", EdgeKind::Sync);
  ASSERT_NE(E, nullptr);
  EXPECT_EQ(E->Calls, 1u);
  EXPECT_EQ(E->Remote, 1u);
  EXPECT_EQ(E->Local, 0u);
  EXPECT_DOUBLE_EQ(E->CallsPerRequest, 1.0);
  EXPECT_DOUBLE_EQ(E->BytesReq, 100);
  EXPECT_DOUBLE_EQ(E->BytesResp, 50);
  // Remote-call overhead: CLIENT 25 ms - B's run 20 ms.
  ASSERT_EQ(E->OverheadMs.count(), 1u);
  EXPECT_NEAR(E->OverheadMs.mean(), 5.0, 1e-6);
  ASSERT_EQ(P.Overhead.SyncSamples.size(), 1u);
  EXPECT_NEAR(P.Overhead.SyncSamples[0].second, 150, 1e-6);
  // Functions: A cold with 2 ms init; B warm, billed 20 ms, 77 MB peak.
  EXPECT_EQ(P.Functions.at("A").ColdStarts, 1u);
  EXPECT_NEAR(P.Functions.at("A").InitMs.mean(), 2, 1e-6);
  EXPECT_EQ(P.Functions.at("B").ColdStarts, 0u);
  EXPECT_NEAR(P.Functions.at("B").BilledMs.mean(), 20, 1e-6);
  EXPECT_NEAR(P.Functions.at("B").PeakMemoryMB, 77, 1e-6);
  EXPECT_NEAR(P.Overhead.BillExtraWarmMs.mean(), 0, 1e-6);
  // One request at A, 32 ms, with one cold start in two invocations.
  EXPECT_EQ(P.Requests, 1u);
  ASSERT_EQ(P.Entries.count("A"), 1u);
  EXPECT_NEAR(P.Entries.at("A").LatencyMs.mean(), 32, 1e-6);
  EXPECT_NEAR(P.Entries.at("A").ColdStartsPerRequest, 1, 1e-6);
  EXPECT_NEAR(P.Entries.at("A").InvocationsPerRequest, 2, 1e-6);
  // The plan the trace ran under.
  EXPECT_EQ(P.ObservedGroups.size(), 2u);
  EXPECT_TRUE(P.MissingTasks.empty());
}

TEST(Profile, FusedCallAndAsyncCallSubtractChildrenCpu) {
  Graph G = graph({"A>B", "A~C"});
  std::string T = doc({
      {"1", "", "A", 2, 0, 40,
       {str("fusion.task", "A"), num("fusion.cpu_ns", 30e6),
        str("fusion.group", "g")}},
      {"2", "1", "local B", 1, 5, 25,
       {str("fusion.task", "B"), str("fusion.caller", "A"),
        flag("fusion.sync", true), num("fusion.cpu_ns", 18e6),
        str("fusion.group", "g")}},
      {"3", "1", "invoke C", 3, 30, 31,
       {str("fusion.task", "C"), str("fusion.caller", "A"),
        flag("fusion.sync", false)}},
      {"4", "3", "C", 2, 45, 55,
       {str("fusion.task", "C"), num("fusion.cpu_ns", 10e6)}},
  });
  Profile P = profileOf(G, T, none());
  // A: 40 ms minus B's 20 ms and C's 1 ms acknowledgement (a remote call,
  // asynchronous or not, is not A's own time) = 19 ms own; CPU 30 - 18 (B
  // ran on A's thread) = 12 ms, so 7 ms waiting.
  EXPECT_NEAR(P.task("A")->SelfMs.mean(), 19, 1e-6);
  EXPECT_NEAR(P.task("A")->CpuMs.mean(), 12, 1e-6);
  EXPECT_NEAR(P.task("A")->WaitMs.mean(), 7, 1e-6);
  EXPECT_NEAR(P.task("B")->CpuMs.mean(), 18, 1e-6);
  EXPECT_NEAR(P.task("B")->WaitMs.mean(), 2, 1e-6);
  EXPECT_EQ(P.task("B")->Local, 1u);
  const EdgeProfile *AB = P.edge("A", "B", EdgeKind::Sync);
  ASSERT_NE(AB, nullptr);
  EXPECT_EQ(AB->Local, 1u);
  EXPECT_EQ(AB->Remote, 0u);
  const EdgeProfile *AC = P.edge("A", "C", EdgeKind::Async);
  ASSERT_NE(AC, nullptr);
  EXPECT_EQ(AC->Remote, 1u);
  EXPECT_NEAR(AC->StartFraction, 30.0 / 40.0, 1e-6);
  // Event: acknowledged after 1 ms, started 15 ms after the call.
  EXPECT_NEAR(P.Overhead.AckMs.mean(), 1, 1e-6);
  EXPECT_NEAR(P.Overhead.EventDelayMs.mean(), 15, 1e-6);
  // Completion: the request's last span ends at 55 ms.
  EXPECT_NEAR(P.Entries.at("A").CompletionMs.mean(), 55, 1e-6);
  EXPECT_NEAR(P.Entries.at("A").LatencyMs.mean(), 40, 1e-6);
}

TEST(Profile, CpuThrottlingIsUndoneByMemorySize) {
  // At 128 MB the AWS profile gives s = 128/1769 of a vCPU: a quota of
  // Q = 100 s ms per 100 ms period at full speed, then throttled until the
  // period ends. 10 ms of CPU take 100 + (10 - Q) ms of wall-clock time;
  // the rest was waiting.
  Graph G = graph({}, {"A"});
  std::string T = doc({{"1", "", "A", 2, 0, 150,
                        {str("fusion.task", "A"), num("fusion.cpu_ns", 10e6),
                         num("fusion.memory_mb", 128)}}});
  Profile P = profileOf(G, T, EmulationProfile());
  double S = 128.0 / 1769.0, Q = 100 * S;
  EXPECT_NEAR(P.task("A")->CpuMs.mean(), 10, 1e-6);
  EXPECT_NEAR(P.task("A")->WaitMs.mean(), 150 - (100 + (10 - Q)), 1e-3);
  // 3 ms of CPU fit in the quota: not slowed down at all.
  std::string Short = doc({{"1", "", "A", 2, 0, 20,
                            {str("fusion.task", "A"),
                             num("fusion.cpu_ns", 3e6),
                             num("fusion.memory_mb", 128)}}});
  Profile PS = profileOf(G, Short, EmulationProfile());
  EXPECT_NEAR(PS.task("A")->WaitMs.mean(), 17, 1e-3);
}

TEST(Profile, CpuBandwidthModel) {
  // Within the quota at full speed; each used-up quota costs the rest of
  // its period; the inverse undoes it; one vCPU or more never slows a
  // thread down.
  EXPECT_DOUBLE_EQ(cpuWallMs(10, 0.25, 100), 10);
  EXPECT_DOUBLE_EQ(cpuWallMs(25, 0.25, 100), 25);
  EXPECT_DOUBLE_EQ(cpuWallMs(30, 0.25, 100), 100 + 5);
  EXPECT_DOUBLE_EQ(cpuWallMs(50, 0.25, 100), 100 + 25);
  EXPECT_DOUBLE_EQ(cpuWallMs(60, 0.25, 100), 200 + 10);
  EXPECT_DOUBLE_EQ(cpuOfWallMs(105, 0.25, 100), 30);
  EXPECT_DOUBLE_EQ(cpuOfWallMs(180, 0.25, 100), 50); // throttled at the end
  EXPECT_DOUBLE_EQ(cpuOfWallMs(cpuWallMs(77, 0.1, 100), 0.1, 100), 77);
  EXPECT_DOUBLE_EQ(cpuWallMs(30, 1, 100), 30);
  EXPECT_DOUBLE_EQ(cpuWallMs(30, 2, 100), 30);
}

TEST(Profile, CpuBandwidthByPhase) {
  // Q = 25 ms per 100 ms. Started at the period's start: cpuWallMs.
  EXPECT_DOUBLE_EQ(cpuWallAtMs(30, 0.25, 100, 0), cpuWallMs(30, 0.25, 100));
  // 40 ms into the period: 25 ms run, throttled until 100, 5 ms more.
  EXPECT_DOUBLE_EQ(cpuWallAtMs(30, 0.25, 100, 0.4), 60 + 5);
  // 90 ms in: the period ends before the quota does (10 ms run), a fresh
  // quota follows at once: 20 ms more without a pause.
  EXPECT_DOUBLE_EQ(cpuWallAtMs(30, 0.25, 100, 0.9), 30);
  // 98 ms in: 2 ms, then 25 ms, throttled 75 ms, then 3 ms.
  EXPECT_DOUBLE_EQ(cpuWallAtMs(30, 0.25, 100, 0.98), 2 + 100 + 3);
  EXPECT_DOUBLE_EQ(cpuWallAtMs(20, 0.25, 100, 0.7), 20); // fits the quota
  EXPECT_DOUBLE_EQ(cpuWallAtMs(30, 1, 100, 0.5), 30);
  // The closed-form mean is the average over the phase.
  for (double Share : {0.072, 0.125, 0.25, 0.6})
    for (double Cpu : {1.0, 7.2, 10.0, 25.0, 30.0, 50.0, 123.4}) {
      SCOPED_TRACE(testing::Message() << Share << " " << Cpu);
      double Sum = 0;
      const int N = 200000;
      for (int I = 0; I < N; ++I)
        Sum += cpuWallAtMs(Cpu, Share, 100, (I + 0.5) / N);
      EXPECT_NEAR(cpuWallMeanMs(Cpu, Share, 100), Sum / N, 1e-3);
      EXPECT_LE(cpuWallMeanMs(Cpu, Share, 100), cpuWallMs(Cpu, Share, 100));
    }
  // 30 ms at Q = 25: 0.75 of the phases give 30..105 ms uniformly, 0.2
  // give 30 ms, 0.05 give 105 ms: mean 61.875 ms.
  EXPECT_NEAR(cpuWallMeanMs(30, 0.25, 100), 61.875, 1e-9);
}

TEST(Profile, QuotaSlackShiftsTheThrottlingPoint) {
  // Q = 25 ms. Slack 2 ms: 26 ms runs through; 30 ms runs as 28 ms would,
  // plus the 2 ms. A shortfall (-5 ms: CPU the runs do not show) throttles
  // a 22 ms run as if it were 27 ms. No slack: cpuWallMeanMs.
  EXPECT_DOUBLE_EQ(cpuWallSlackMeanMs(26, 0.25, 100, {2}), 26);
  EXPECT_DOUBLE_EQ(cpuWallSlackMeanMs(30, 0.25, 100, {2}),
                   cpuWallMeanMs(28, 0.25, 100) + 2);
  EXPECT_DOUBLE_EQ(cpuWallSlackMeanMs(22, 0.25, 100, {-5}),
                   cpuWallMeanMs(27, 0.25, 100) - 5);
  EXPECT_DOUBLE_EQ(cpuWallSlackMeanMs(26, 0.25, 100, {2, -5}),
                   (26 + cpuWallMeanMs(31, 0.25, 100) - 5) / 2);
  EXPECT_DOUBLE_EQ(cpuWallSlackMeanMs(30, 0.25, 100, {}),
                   cpuWallMeanMs(30, 0.25, 100));
  EXPECT_DOUBLE_EQ(cpuWallSlackMeanMs(30, 1, 100, {2}), 30);
}

TEST(Profile, QuotaSlackFittedOnThrottledRuns) {
  // Runs 7.24 ms quota (128 MB), over -5..5 ms; the instance runs X ~
  // Normal(0.8, 0.6) ms past its quota; a period's end saves some runs, and
  // a throttled run waits uniformly 0..92.76 ms (seen from 10 ms on).
  const double Q = 7.24, Per = 100;
  std::mt19937_64 Gen(7);
  std::uniform_real_distribution<double> U(0, 1);
  std::normal_distribution<double> X(0.8, 0.6);
  std::vector<QuotaRun> Runs;
  for (int I = 0; I < 3000; ++I) {
    double Over = -5 + 10 * U(Gen);
    bool Thr = X(Gen) < Over;
    if (Thr && Over > 0 && U(Gen) < std::max(0.0, Q - Over) / Per)
      Thr = false;
    if (Thr && U(Gen) * (Per - Q) < ThrottledDelayMs)
      Thr = false;
    Runs.push_back({Over, Q, Thr});
  }
  Runs.push_back({40, Q, true}); // far from the quota: left out
  std::uint64_t Used = 0;
  std::vector<double> S = fitQuotaSlack(Runs, Per, &Used);
  EXPECT_EQ(Used, 3000u);
  ASSERT_EQ(S.size(), size_t(QuotaSlackQuantiles));
  double Mean = 0;
  for (double V : S)
    Mean += V / double(S.size());
  EXPECT_NEAR(Mean, 0.8, 0.2);
  EXPECT_NEAR(S.back() - S.front(), 0.6 * 2 * 1.5341, 0.4); // the spread
  EXPECT_TRUE(std::is_sorted(S.begin(), S.end()));
  // Too few runs that were throttled (or not): no fit, the quota is exact.
  std::vector<QuotaRun> Few;
  for (int I = 0; I < 100; ++I)
    Few.push_back({-4.0 + I * 0.01, Q, I < 5});
  EXPECT_TRUE(fitQuotaSlack(Few, Per).empty());
}

TEST(Profile, QuotaSlackFromSingleThreadedInvocations) {
  // Runtime SERVER spans at 128 MB (Q = 7.24 ms) with their CPU and run
  // delay: the profile fits the slack on them; an invocation that started
  // a fused asynchronous call (on a thread of its own: its CPU is not all
  // on the span's thread) is left out.
  Graph G = graph({"A~B"});
  EmulationProfile E;
  std::vector<S> Spans;
  for (int I = 0; I < 90; ++I) {
    double Cpu = 1 + 0.1 * I; // 1..9.9 ms
    bool Thr = Cpu > 8.24;    // 1 ms of slack
    std::string Id = std::to_string(I + 1);
    Spans.push_back({Id, "", "A", 2, I * 1000.0, I * 1000.0 + 200,
                     {str("fusion.task", "A"), num("fusion.cpu_ns", Cpu * 1e6),
                      num("fusion.memory_mb", 128),
                      num("fusion.run_delay_ns", Thr ? 50e6 : 0)}});
  }
  Profile P = profileOf(G, doc(Spans), E);
  EXPECT_EQ(P.QuotaRuns, 90u - 13u); // 1.0..2.2 ms: > 5 ms from the quota
  ASSERT_EQ(P.QuotaSlackMs.size(), size_t(QuotaSlackQuantiles));
  EXPECT_NEAR(P.QuotaSlackMs[QuotaSlackQuantiles / 2], 1, 0.3);
  // The same runs, each calling B asynchronously: nothing to fit on.
  std::vector<S> Async = Spans;
  for (int I = 0; I < 90; ++I)
    Async.push_back({std::to_string(1000 + I), std::to_string(I + 1),
                     "local B", 1, I * 1000.0 + 10, I * 1000.0 + 20,
                     {str("fusion.task", "B"), str("fusion.caller", "A"),
                      flag("fusion.sync", false), num("fusion.cpu_ns", 1e6)}});
  Profile PA = profileOf(G, doc(Async), E);
  EXPECT_EQ(PA.QuotaRuns, 0u);
  EXPECT_TRUE(PA.QuotaSlackMs.empty());
  // Calling B remotely (an Event: dispatching it costs little CPU): the
  // runs still count.
  std::vector<S> Remote = Spans;
  for (int I = 0; I < 90; ++I)
    Remote.push_back({std::to_string(1000 + I), std::to_string(I + 1),
                      "invoke B", 3, I * 1000.0 + 10, I * 1000.0 + 11,
                      {str("fusion.task", "B"), str("fusion.caller", "A"),
                       flag("fusion.sync", false)}});
  EXPECT_EQ(profileOf(G, doc(Remote), E).QuotaRuns, 90u - 13u);
  // The instance's throttled time, where recorded, decides: here its
  // threads met the quota 0.5 ms later than the span's run delay says (the
  // run delay also counts waiting for another instance's CPU).
  std::vector<S> Cgroup = Spans;
  for (int I = 0; I < 90; ++I) {
    double Cpu = 1 + 0.1 * I;
    Cgroup[size_t(I)].Attrs.push_back(
        num("fusion.throttled_ns", Cpu > 8.74 ? 50e6 : 0));
  }
  Profile PC = profileOf(G, doc(Cgroup), E);
  ASSERT_EQ(PC.QuotaSlackMs.size(), size_t(QuotaSlackQuantiles));
  EXPECT_NEAR(PC.QuotaSlackMs[QuotaSlackQuantiles / 2], 1.5, 0.2);
}

TEST(Profile, CallsAnActivationMadeTogether) {
  // A calls B or C, never both: a sample of A keeps which (its CPU tells:
  // 4 ms with B, 8 ms with C).
  Graph G = graph({"A>B", "A>C"});
  std::vector<S> Spans;
  for (int I = 0; I < 40; ++I) {
    bool WithB = I % 2 == 0;
    std::string Id = std::to_string(2 * I + 1), Child = std::to_string(2 * I + 2);
    Spans.push_back({Id, "", "A", 2, I * 100.0, I * 100.0 + 20,
                     {str("fusion.task", "A"),
                      num("fusion.cpu_ns", WithB ? 5e6 : 9e6)}});
    Spans.push_back({Child, Id, WithB ? "local B" : "local C", 1,
                     I * 100.0 + 5, I * 100.0 + 10,
                     {str("fusion.task", WithB ? "B" : "C"),
                      str("fusion.caller", "A"), flag("fusion.sync", true),
                      num("fusion.cpu_ns", 1e6)}});
  }
  Profile P = profileOf(G, doc(Spans), none());
  const TaskProfile *A = P.task("A");
  ASSERT_TRUE(A);
  ASSERT_EQ(A->CallPatterns.size(), 2u);
  ASSERT_EQ(A->JointPattern.size(), A->Joint.size());
  ASSERT_EQ(A->Joint.size(), 40u);
  for (size_t I = 0; I < A->Joint.size(); ++I) {
    ASSERT_LT(A->JointPattern[I], 2);
    const auto &Calls = A->CallPatterns[A->JointPattern[I]];
    ASSERT_EQ(Calls.size(), 1u);
    EXPECT_EQ(Calls[0].Callee, A->Joint[I].first < 6 ? "B" : "C");
    EXPECT_EQ(Calls[0].Calls, 1u);
  }
  // B made no calls: one pattern, the empty one.
  ASSERT_EQ(P.task("B")->CallPatterns.size(), 1u);
  EXPECT_TRUE(P.task("B")->CallPatterns[0].empty());
  // More different call sets than TaskProfile::MaxCallPatterns: none kept.
  std::vector<S> Many;
  int Next = 1;
  for (int I = 0; I < 260; ++I) {
    std::string Id = std::to_string(Next++);
    Many.push_back({Id, "", "A", 2, I * 100.0, I * 100.0 + 50,
                    {str("fusion.task", "A"), num("fusion.cpu_ns", 1e6)}});
    for (int K = 0; K <= I; ++K)
      Many.push_back({std::to_string(Next++), Id, "local B", 1, I * 100.0 + 1,
                      I * 100.0 + 2,
                      {str("fusion.task", "B"), str("fusion.caller", "A"),
                       flag("fusion.sync", true)}});
  }
  Profile PM = profileOf(G, doc(Many), none());
  EXPECT_TRUE(PM.task("A")->CallPatterns.empty());
  EXPECT_TRUE(PM.task("A")->JointPattern.empty());
}

/// A dispatches B asynchronously at +1 ms (remote: a CLIENT span, which
/// carries fusion.sync = true as a call with a result made from a thread
/// does; fused: B's local span) and calls C synchronously at `CStart`; B's
/// result comes at +30 ms. A negative `CStart`: no call of C.
static std::vector<S> joinSpans(bool Remote, const std::vector<double> &CStarts) {
  std::vector<S> Spans;
  int Next = 1;
  for (size_t I = 0; I < CStarts.size(); ++I) {
    double T = double(I) * 1000.0;
    std::string A = std::to_string(Next++);
    Spans.push_back({A, "", "A", 2, T, T + 100,
                     {str("fusion.task", "A"), num("fusion.cpu_ns", 1e6)}});
    if (Remote)
      Spans.push_back({std::to_string(Next++), A, "invoke B", 3, T + 1, T + 30,
                       {str("fusion.task", "B"), str("fusion.caller", "A"),
                        flag("fusion.sync", true)}});
    else
      Spans.push_back({std::to_string(Next++), A, "local B", 1, T + 1, T + 30,
                       {str("fusion.task", "B"), str("fusion.caller", "A"),
                        flag("fusion.sync", false)}});
    if (CStarts[I] < 0)
      continue;
    double C = T + CStarts[I];
    Spans.push_back({std::to_string(Next++), A, Remote ? "invoke C" : "local C",
                     Remote ? 3 : 1, C, C + 10,
                     {str("fusion.task", "C"), str("fusion.caller", "A"),
                      flag("fusion.sync", true)}});
  }
  return Spans;
}

TEST(Profile, WhetherTheCallerNeededAnAsynchronousResult) {
  // C starts as B's result comes (A waited for it: 4 times), before it (A
  // went on: 4 times), or 30 ms after it (the result was there before A
  // wanted it, which does not tell: 2 times).
  Graph G = graph({"A~B", "A>C"});
  std::vector<double> CStarts = {30.2, 30.5, 30.9, 29.98, 10,
                                 12,   20,   29,   60,    45};
  for (bool Remote : {true, false}) {
    SCOPED_TRACE(Remote ? "remote" : "fused");
    Profile P = profileOf(G, doc(joinSpans(Remote, CStarts)), none());
    const EdgeProfile *AB = P.edge("A", "B", EdgeKind::Async);
    ASSERT_TRUE(AB);
    EXPECT_EQ(AB->Calls, 10u);
    EXPECT_DOUBLE_EQ(AB->JoinedShare, 0.5);
    EXPECT_DOUBLE_EQ(P.edge("A", "C", EdgeKind::Sync)->JoinedShare, 0);
  }
  // Only results there well before the next call: nothing known, none
  // joined.
  Profile P = profileOf(G, doc(joinSpans(false, {40, 50, 70})), none());
  EXPECT_DOUBLE_EQ(P.edge("A", "B", EdgeKind::Async)->JoinedShare, 0);
  // No synchronous call after the dispatch: nothing known either.
  P = profileOf(G, doc(joinSpans(true, {-1, -1})), none());
  EXPECT_DOUBLE_EQ(P.edge("A", "B", EdgeKind::Async)->JoinedShare, 0);
}

TEST(Profile, TheOrderOfAnActivationsCalls) {
  // A calls B, dispatches C (fused: its span begins at the dispatch), calls
  // D (remote) and waits for C's result (at +50 ms) before it calls E, the
  // program's order whatever the plan. In 10 of the 40 runs D's CLIENT
  // span begins before C's (a worker took C up late) and ends after: D
  // still came after the dispatch. In 5 runs E begins well after the
  // result, in 5 the result came while A was in D: those do not tell
  // where A waited.
  Graph G = graph({"A>B", "A~C", "A>D", "A>E"});
  std::vector<S> Spans;
  int Next = 1;
  bool Legacy = false; // a runtime before fusion.queued_ns
  auto run = [&](double From) { // A's activation: its span id
    std::string Id = std::to_string(Next++);
    Spans.push_back({Id, "", "A", 2, From, From + 100,
                     {str("fusion.task", "A"), num("fusion.cpu_ns", 1e6)}});
    return Id;
  };
  auto add = [&](const std::string &Parent, const std::string &Task,
                 double From, double To, bool Sync, bool Remote) {
    std::string Id = std::to_string(Next++);
    Spans.push_back({Id,
                     Parent,
                     (Remote ? "invoke " : "local ") + Task,
                     Remote ? 3 : 1,
                     From,
                     To,
                     {str("fusion.task", Task), str("fusion.caller", "A"),
                      flag("fusion.sync", Sync)}});
    if (!Sync && !Legacy)
      Spans.back().Attrs.push_back(num("fusion.queued_ns", 2e4));
  };
  for (int I = 0; I < 40; ++I) {
    double T = I * 1000.0;
    std::string A = run(T);
    bool Late = I >= 30 && I < 35, During = I >= 35;
    add(A, "B", T + 1, T + 2, true, false);
    add(A, "C", T + 2.5, T + 50, false, false);
    add(A, "D", T + (I < 10 ? 2.4 : 3), T + (During ? 55 : 30), true, true);
    add(A, "E", T + (Late ? 80 : During ? 55.2 : 50.3), T + 90, true, false);
  }
  // A run that makes the same calls in another order (D first) adds
  // nothing; one that calls B and dispatches C only has C's result after
  // its last call.
  std::string Other = run(50000);
  add(Other, "D", 50001, 50010, true, true);
  add(Other, "B", 50011, 50012, true, false);
  add(Other, "C", 50012, 50013, false, false);
  add(Other, "E", 50030, 50031, true, false);
  std::string Short = run(60000);
  add(Short, "B", 60001, 60002, true, false);
  add(Short, "C", 60002, 60060, false, false);

  Profile P = profileOf(G, doc(Spans), none());
  const TaskProfile *TA = P.task("A");
  ASSERT_TRUE(TA);
  ASSERT_EQ(TA->CallPatterns.size(), 2u);
  ASSERT_EQ(TA->PatternOrders.size(), 2u);
  const TaskProfile::CallOrder &Full = TA->PatternOrders[0];
  EXPECT_EQ(Full.Sync, (std::vector<std::string>{"B", "D", "E"}));
  ASSERT_EQ(Full.Async.size(), 1u);
  EXPECT_EQ(Full.Async[0].Callee, "C");
  EXPECT_EQ(Full.Async[0].After, 1u);
  // Half-way between B and D, or past D's early start: (30 x 0.5 + 10) / 40.
  EXPECT_NEAR(Full.Async[0].Fraction, 0.625, 1e-6);
  EXPECT_EQ(Full.Async[0].JoinBefore, 2); // before E
  const TaskProfile::CallOrder &Brief = TA->PatternOrders[1];
  EXPECT_EQ(Brief.Sync, (std::vector<std::string>{"B"}));
  ASSERT_EQ(Brief.Async.size(), 1u);
  EXPECT_EQ(Brief.Async[0].JoinBefore, 1); // after its last call
  EXPECT_EQ(Brief.Async[0].Fraction, 0);

  // Only runs whose timing does not tell: no join known.
  Spans.clear();
  Next = 1;
  std::string A = run(0);
  add(A, "B", 1, 2, true, false);
  add(A, "C", 2.5, 50, false, false);
  add(A, "D", 3, 30, true, true);
  add(A, "E", 80, 90, true, false);
  P = profileOf(G, doc(Spans), none());
  ASSERT_EQ(P.task("A")->PatternOrders.size(), 1u);
  EXPECT_EQ(P.task("A")->PatternOrders[0].Async[0].JoinBefore,
            TaskProfile::AsyncPlace::NoJoin);

  // An older runtime began C's span when a worker took it up: B, begun
  // and ended in the millisecond before, may have come after the
  // dispatch. No order then; one that began earlier tells.
  Legacy = true;
  for (double BStart : {1.6, 1.0}) {
    Spans.clear();
    Next = 1;
    A = run(0);
    add(A, "B", BStart, BStart + 0.1, true, false);
    add(A, "C", 2.5, 50, false, false);
    add(A, "D", 3, 30, true, true);
    add(A, "E", 50.2, 90, true, false);
    P = profileOf(G, doc(Spans), none());
    ASSERT_EQ(P.task("A")->PatternOrders.size(), 1u);
    EXPECT_EQ(P.task("A")->PatternOrders[0].Async.size(),
              BStart < 1.5 ? 1u : 0u)
        << BStart;
  }
}

TEST(Profile, RunDelaySeparatesThrottlingFromWaiting) {
  Graph G = graph({"A~B", "A~C"});
  EmulationProfile E; // the AWS emulation: 128 MB = 0.072 vCPU
  // A at 128 MB ran 0..300 ms with 10 ms of CPU; its thread was runnable
  // but not running for 200 ms of it (the quota, used up by B and C on
  // other threads of the instance): 90 ms of its own waiting. Without
  // fusion.run_delay_ns the same span reads as 10 ms of CPU (cpuWallMs:
  // 100 + 2.8 ms) and 197.2 ms of waiting.
  double Share = E.cpuShare(128);
  auto Trace = [](bool Delay) {
    std::vector<std::string> A = {str("fusion.task", "A"),
                                  num("fusion.cpu_ns", 10e6),
                           num("fusion.memory_mb", 128)};
    if (Delay)
      A.push_back(num("fusion.run_delay_ns", 200e6));
    return doc({{"1", "", "A", 2, 0, 300, A}});
  };
  Profile With = profileOf(G, Trace(true), E);
  EXPECT_NEAR(With.task("A")->CpuMs.mean(), 10, 1e-6);
  EXPECT_NEAR(With.task("A")->WaitMs.mean(), 90, 1e-6);
  Profile Without = profileOf(G, Trace(false), E);
  EXPECT_NEAR(Without.task("A")->WaitMs.mean(),
              300 - cpuWallMs(10, Share, 100), 1e-6);
  // The instance's cgroup was throttled for 250 ms of the span. Whether the
  // thread was blocked behind a throttled one or sleeping for its own
  // reasons, the cgroup cannot tell: only the run delay counts.
  std::string Blocked = doc({{"1", "", "A", 2, 0, 300,
                              {str("fusion.task", "A"),
                               num("fusion.cpu_ns", 10e6),
                               num("fusion.memory_mb", 128),
                               num("fusion.run_delay_ns", 200e6),
                               num("fusion.throttled_ns", 250e6)}}});
  EXPECT_NEAR(profileOf(G, Blocked, E).task("A")->WaitMs.mean(), 90, 1e-6);
  // A fused synchronous child's delay is its own, as its CPU time is.
  Graph G2 = graph({"A>B"});
  std::string Nested = doc({
      {"1", "", "A", 2, 0, 300,
       {str("fusion.task", "A"), num("fusion.cpu_ns", 30e6),
        num("fusion.run_delay_ns", 150e6), num("fusion.memory_mb", 128)}},
      {"2", "1", "local B", 1, 100, 250,
       {str("fusion.task", "B"), str("fusion.caller", "A"),
        flag("fusion.sync", true), num("fusion.cpu_ns", 20e6),
        num("fusion.run_delay_ns", 120e6)}},
  });
  Profile PN = profileOf(G2, Nested, E);
  // A: self 150 ms, CPU 10 ms, delay 30 ms: waiting 110 ms.
  EXPECT_NEAR(PN.task("A")->CpuMs.mean(), 10, 1e-6);
  EXPECT_NEAR(PN.task("A")->WaitMs.mean(), 110, 1e-6);
  // B: 150 ms, CPU 20, delay 120: waiting 10 ms.
  EXPECT_NEAR(PN.task("B")->WaitMs.mean(), 10, 1e-6);
}

TEST(Profile, AThreadWokenByItsAsynchronousCallMayWaitForTheCpu) {
  // A (128 MB) dispatches a fused B and waits for it: B ends at 280 ms, A
  // 20 ms later, throttled on waking up (its run delay: 90 ms before the
  // dispatch, 20 after). Those 20 ms are throttling, the rest A's wait for
  // B: A has no waiting of its own. With a run delay shorter than the gap
  // (10 ms), the span ended for some other reason than B: its time after
  // the dispatch stays waiting.
  Graph G = graph({"A~B"});
  EmulationProfile E;
  auto Trace = [](double Delay, double Dispatch) {
    return doc({{"1",
                 "",
                 "A",
                 2,
                 0,
                 300,
                 {str("fusion.task", "A"), num("fusion.cpu_ns", 10e6),
                  num("fusion.memory_mb", 128),
                  num("fusion.run_delay_ns", Delay * 1e6)}},
                {"2",
                 "1",
                 "local B",
                 1,
                 Dispatch,
                 280,
                 {str("fusion.task", "B"), str("fusion.caller", "A"),
                  flag("fusion.sync", false), num("fusion.cpu_ns", 1e6),
                  num("fusion.run_delay_ns", 0)}}});
  };
  Profile Woken = profileOf(G, Trace(110, 100), E);
  EXPECT_NEAR(Woken.task("A")->CpuMs.mean(), 10, 1e-6);
  EXPECT_NEAR(Woken.task("A")->WaitMs.mean(), 0, 1e-6);
  Profile Other = profileOf(G, Trace(10, 20), E);
  EXPECT_NEAR(Other.task("A")->WaitMs.mean(), 280, 1e-6);
}

TEST(Profile, ColdRunsAreKeptApart) {
  Graph G = graph({"A>B", "C"});
  // Three requests; the first invocation is its instance's first. A calls
  // B as a fused call in each; C runs only once, cold.
  auto Req = [](const char *Trace, bool Cold, double ACpu, double BCpu) {
    return doc({{"1", "", "A", 2, 0, 50,
                 {str("fusion.task", "A"), flag("faas.coldstart", Cold),
                  num("fusion.cpu_ns", ACpu * 1e6),
                  num("fusion.run_delay_ns", 0)}},
                {"2", "1", "local B", 1, 10, 40,
                 {str("fusion.task", "B"), str("fusion.caller", "A"),
                  flag("fusion.sync", true), num("fusion.cpu_ns", BCpu * 1e6),
                  num("fusion.run_delay_ns", 0)}}},
               Trace);
  };
  std::string T = Req("1", true, 35, 25) + "\n" + Req("2", false, 15, 5) +
                  "\n" + Req("3", false, 15, 5) + "\n" +
                  doc({{"9", "", "C", 2, 100, 130,
                        {str("fusion.task", "C"), flag("faas.coldstart", true),
                         num("fusion.cpu_ns", 20e6)}}},
                      "4");
  Profile P = profileOf(G, T, none());
  // A's own CPU: 35 - 25 = 10 cold, 15 - 5 = 10 warm: no extra. B: 25
  // cold (inherited from the invocation), 5 warm: 20 ms extra, and its
  // distributions hold the warm runs only.
  EXPECT_EQ(P.task("A")->ColdRuns, 1u);
  EXPECT_NEAR(P.task("A")->ColdExtraCpuMs, 0, 1e-9);
  EXPECT_EQ(P.task("B")->ColdRuns, 1u);
  EXPECT_NEAR(P.task("B")->ColdExtraCpuMs, 20, 1e-6);
  EXPECT_EQ(P.task("B")->CpuMs.count(), 2u);
  EXPECT_NEAR(P.task("B")->CpuMs.mean(), 5, 1e-6);
  EXPECT_EQ(P.task("B")->Activations, 3u);
  // C was never warm: its cold run is all there is.
  EXPECT_EQ(P.task("C")->CpuMs.count(), 1u);
  EXPECT_NEAR(P.task("C")->CpuMs.mean(), 20, 1e-6);
  EXPECT_NEAR(P.task("C")->ColdExtraCpuMs, 0, 1e-9);
}

TEST(Profile, AnInvocationsCodecIsNotTheTasksCpu) {
  // A's invocations used 3 ms of CPU, of which its entry glue measured
  // 2 ms for the task itself (fusion.task_cpu_ns): 1 ms decoding and
  // encoding, which fusing removes. Its fused call of B took 0.5 ms. B
  // invoked remotely without the attribute (an older runtime) keeps all.
  Graph G = graph({"A>B"});
  std::vector<S> Spans;
  for (int I = 0; I < 4; ++I) {
    double T = I * 100.0;
    std::string A = std::to_string(10 * I + 1);
    Spans.push_back({A, "", "A", 2, T, T + 20,
                     {str("fusion.task", "A"), num("fusion.cpu_ns", 3e6),
                      num("fusion.task_cpu_ns", 2e6),
                      num("fusion.run_delay_ns", 0)}});
    Spans.push_back({std::to_string(10 * I + 2), A, "local B", 1, T + 5,
                     T + 6,
                     {str("fusion.task", "B"), str("fusion.caller", "A"),
                      flag("fusion.sync", true), num("fusion.cpu_ns", 0.5e6),
                      num("fusion.run_delay_ns", 0)}});
    Spans.push_back({std::to_string(10 * I + 3), "", "B", 2, T + 50, T + 52,
                     {str("fusion.task", "B"), num("fusion.cpu_ns", 0.7e6),
                      num("fusion.run_delay_ns", 0)}});
  }
  Profile P = profileOf(G, doc(Spans), none());
  const TaskProfile *A = P.task("A");
  ASSERT_TRUE(A);
  EXPECT_NEAR(A->InvokeCpuMs, 1, 1e-6);
  EXPECT_NEAR(A->CpuMs.mean(), 2 - 0.5, 1e-6);
  // Its own time: 20 ms less the fused call's 1 ms and the codec's 1 ms.
  EXPECT_NEAR(A->SelfMs.mean(), 18, 1e-6);
  EXPECT_NEAR(A->WaitMs.mean(), 18 - 1.5, 1e-6);
  EXPECT_NEAR(P.task("B")->InvokeCpuMs, 0, 1e-9);
}

TEST(Profile, ARemoteCallsClientCpuIsNotTheCallers) {
  // A (3 ms of CPU) calls B remotely and synchronously, its CLIENT span
  // 0.4 ms of that CPU (the runtime's HTTP call), and sends C an Event
  // from a worker thread, 0.2 ms of that thread's CPU.
  Graph G = graph({"A>B", "A~C"});
  std::vector<S> Spans;
  for (int I = 0; I < 4; ++I) {
    double T = I * 100.0;
    std::string A = std::to_string(10 * I + 1);
    Spans.push_back({A, "", "A", 2, T, T + 30,
                     {str("fusion.task", "A"), num("fusion.cpu_ns", 3e6),
                      num("fusion.run_delay_ns", 0)}});
    Spans.push_back({std::to_string(10 * I + 2), A, "invoke B", 3, T + 5,
                     T + 20,
                     {str("fusion.task", "B"), str("fusion.caller", "A"),
                      flag("fusion.sync", true), num("fusion.cpu_ns", 0.4e6)}});
    Spans.push_back({std::to_string(10 * I + 3), A, "invoke C", 3, T + 21,
                     T + 22,
                     {str("fusion.task", "C"), str("fusion.caller", "A"),
                      flag("fusion.sync", false),
                      num("fusion.cpu_ns", 0.2e6)}});
  }
  Profile P = profileOf(G, doc(Spans), none());
  EXPECT_NEAR(P.task("A")->CpuMs.mean(), 3 - 0.4, 1e-6);
  EXPECT_NEAR(P.edge("A", "B", EdgeKind::Sync)->CallCpuMs, 0.4, 1e-6);
  EXPECT_NEAR(P.edge("A", "C", EdgeKind::Async)->CallCpuMs, 0.2, 1e-6);
}

TEST(Profile, JsonLinesAndSeveralDocuments) {
  Graph G = graph({"A>B"});
  std::string T = syncRemoteTrace() + "\n" +
                  doc({{"9", "", "A", 2, 100, 110,
                        {str("fusion.task", "A"), num("fusion.cpu_ns", 1e6)}}},
                      "2");
  Profile P = profileOf(G, T, none());
  EXPECT_EQ(P.Requests, 2u);
  EXPECT_EQ(P.task("A")->Activations, 2u);
  EXPECT_NEAR(P.edge("A", "B", EdgeKind::Sync)->CallsPerActivation, 0.5, 1e-9);
}

TEST(Profile, SameProfileUnderEveryPlan) {
  Graph G = graph({"A>B", "B>C", "A~D"});
  SyntheticSpec S;
  S.G = &G;
  S.E = EmulationProfile();
  S.Truth["A"] = {4, 1, 0.1, 40};
  S.Truth["B"] = {8, 3, 0.1, 40};
  S.Truth["C"] = {2, 6, 0.1, 40};
  S.Truth["D"] = {20, 0, 0.1, 40};
  S.Entries = {{"A", 1}};
  S.Requests = 300;
  Profile Ps[2];
  for (int I = 0; I < 2; ++I) {
    S.P = I == 0 ? Plan::onePerTask(G, 1024) : Plan::allInOne(G, 512);
    std::ostringstream Out;
    writeSyntheticTraces(S, Out);
    Ps[I] = profileOf(G, Out.str(), S.E);
  }
  for (const char *T : {"A", "B", "C", "D"}) {
    SCOPED_TRACE(T);
    EXPECT_NEAR(Ps[0].task(T)->CpuMs.mean(), S.Truth[T].CpuMs,
                0.1 * S.Truth[T].CpuMs);
    EXPECT_NEAR(Ps[1].task(T)->CpuMs.mean(), S.Truth[T].CpuMs,
                0.1 * S.Truth[T].CpuMs);
    EXPECT_NEAR(Ps[0].task(T)->WaitMs.mean(), S.Truth[T].WaitMs,
                0.1 * S.Truth[T].WaitMs + 0.05);
    // Known limit: fused with its asynchronous callee D, A's invocation
    // span stays open until D finishes, so where A's own run ended is
    // estimated from its calls and CPU time, and its waiting is lost.
    if (std::string(T) != "A")
      EXPECT_NEAR(Ps[1].task(T)->WaitMs.mean(), S.Truth[T].WaitMs,
                  0.1 * S.Truth[T].WaitMs + 0.05);
  }
  // Remote in one plan, local in the other, the same calls per request.
  const EdgeProfile *R = Ps[0].edge("B", "C", EdgeKind::Sync);
  const EdgeProfile *L = Ps[1].edge("B", "C", EdgeKind::Sync);
  ASSERT_TRUE(R && L);
  EXPECT_EQ(R->Remote, 300u);
  EXPECT_EQ(L->Local, 300u);
  EXPECT_DOUBLE_EQ(R->CallsPerRequest, L->CallsPerRequest);
  EXPECT_EQ(Ps[0].Functions.size(), 4u); // every task invoked remotely
  EXPECT_EQ(Ps[1].Functions.size(), 1u); // only the entry
}

TEST(Profile, InterruptCostBetweenConfigurations) {
  // Two configurations, ten runs each, a task's mean CPU over its mean
  // interruptions: (8, 65) and (0, 55) give 1.25 ms per interruption.
  std::vector<InterruptSample> C = {{8, 65, 10, 7.2}, {0, 55, 10, 0}};
  unsigned Used = 9;
  EXPECT_DOUBLE_EQ(fitInterruptCpu(C, &Used), 1.25);
  EXPECT_EQ(Used, 2u);
  // Weighted by runs: a third configuration on the line moves nothing,
  // one above it pulls the slope up.
  C.push_back({6, 62.5, 20, 14.4});
  EXPECT_DOUBLE_EQ(fitInterruptCpu(C), 1.25);
  C.back().CpuMs = 64;
  EXPECT_GT(fitInterruptCpu(C), 1.25);
  // Fewer than InterruptMinRuns runs: not a configuration.
  EXPECT_DOUBLE_EQ(fitInterruptCpu({{8, 65, 4, 7.2}, {0, 55, 10, 0}}, &Used),
                   0);
  EXPECT_EQ(Used, 0u);
  // Means less than InterruptMinSpread apart: the slope is noise.
  EXPECT_DOUBLE_EQ(fitInterruptCpu({{0.8, 65, 10, 7.2}, {0, 55, 10, 0}}), 0);
  // One configuration, or none with a quota: nothing to fit.
  EXPECT_DOUBLE_EQ(fitInterruptCpu({{8, 65, 10, 7.2}}), 0);
  EXPECT_DOUBLE_EQ(fitInterruptCpu({{8, 65, 10, 0}, {0, 55, 10, 0}}), 0);
  // Less CPU with more interruptions: 0; more than half the quota per
  // interruption: half the quota.
  EXPECT_DOUBLE_EQ(fitInterruptCpu({{8, 45, 10, 7.2}, {0, 55, 10, 0}}), 0);
  EXPECT_DOUBLE_EQ(fitInterruptCpu({{8, 155, 10, 7.2}, {0, 55, 10, 0}}), 3.6);
}

namespace {

/// Ten requests of task A in group `Group` at `Mem` MB, `StartS` seconds
/// on: `Cpu` ms of CPU, `Delay` ms of run delay.
std::string runsOf(const char *Group, double Mem, double Cpu, double Delay,
                   double StartS, const std::string &TracePrefix,
                   double WaitMs = 0) {
  std::string Out;
  for (int I = 0; I < 10; ++I) {
    double T = StartS * 1000 + I * 1000;
    Out += doc({{"1",
                 "",
                 "A",
                 2,
                 T,
                 T + Cpu + Delay + WaitMs,
                 {str("fusion.task", "A"), str("fusion.group", Group),
                  num("fusion.memory_mb", Mem), num("fusion.cpu_ns", Cpu * 1e6),
                  num("fusion.run_delay_ns", Delay * 1e6)}}},
               TracePrefix + std::to_string(I + 1));
  }
  return Out;
}

Profile profileOfFiles(const Graph &G, const std::vector<std::string> &Texts,
                       const EmulationProfile &E) {
  TraceSet TS;
  for (size_t I = 0; I < Texts.size(); ++I)
    readOtlpText(Texts[I], "file" + std::to_string(I), TS);
  ProfileOptions O;
  O.TraceEmulation = E;
  return buildProfile(G, TS, O);
}

} // namespace

TEST(Profile, TracesOfTwoPlansTellWhatAnInterruptionCosts) {
  Graph G = graph({}, {"A"});
  EmulationProfile E; // 128 MB: Q = 7.2 ms, the thread waits 92.8 ms
  double Gap = 100 * (1 - E.cpuShare(128));
  // One build ran A at 128 MB: 65 ms of CPU, stopped 8 times; the next at
  // 1769 MB (a whole vCPU): 55 ms, never stopped. 1.25 ms each time.
  std::string At128 = runsOf("a", 128, 65, 8 * Gap, 0, "1");
  std::string AtFull = runsOf("b", 1769, 55, 0, 1000, "2");
  Profile P = profileOfFiles(G, {At128, AtFull}, E);
  const TaskProfile *A = P.task("A");
  EXPECT_NEAR(A->InterruptCpuMs, 1.25, 1e-6);
  EXPECT_EQ(A->InterruptConfigs, 2u);
  // Its CPU is of uninterrupted runs, whichever build ran it.
  EXPECT_NEAR(A->CpuMs.mean(), 55, 1e-6);
  EXPECT_NEAR(A->CpuMs.quantile(0), 55, 1e-6);
  EXPECT_NEAR(A->WaitMs.mean(), 0, 1e-6);
  // One build tells nothing: its CPU as measured.
  Profile One = profileOfFiles(G, {At128}, E);
  EXPECT_DOUBLE_EQ(One.task("A")->InterruptCpuMs, 0);
  EXPECT_EQ(One.task("A")->InterruptConfigs, 0u);
  EXPECT_NEAR(One.task("A")->CpuMs.mean(), 65, 1e-6);
  // A run delay short of a gap is a busy machine's, not the quota's.
  Profile Busy =
      profileOfFiles(G, {runsOf("a", 128, 65, 0.4 * Gap, 0, "1"), AtFull}, E);
  EXPECT_DOUBLE_EQ(Busy.task("A")->InterruptCpuMs, 0);
  // Among more runnable threads than the instance's two CPUs, a thread is
  // stopped on a CPU only 2 / threads of its 34 stops: 85 ms of CPU in 85
  // + 34 gaps of runnable time at share s is s (85 + 34 gap) / 85 = 2.76
  // threads' worth (Tree's three sieves in one 128 MB instance).
  double Threads = E.cpuShare(128) * (85 + 34 * Gap) / 85;
  Profile Shared =
      profileOfFiles(G, {runsOf("a", 128, 85, 34 * Gap, 0, "1"), AtFull}, E);
  EXPECT_NEAR(Shared.task("A")->InterruptCpuMs, 30 / (34 * 2 / Threads), 1e-6);
}

namespace {

/// Ten invocations of `Task`, the only task of group `Group`, at `Mem` MB:
/// the platform's span (the instance's peak memory; the first one cold,
/// with the memory at its first /next when `InitMB` > 0) around the
/// runtime's (`Cpu` ms of CPU, `Delay` ms of run delay).
std::string invocationsOf(const char *Task, const char *Group, double Mem,
                          double Cpu, double Delay, double PeakMB,
                          double InitMB, const std::string &TracePrefix) {
  std::string Out;
  for (int I = 0; I < 10; ++I) {
    double T = I * 1000, End = T + 1 + Cpu + Delay;
    std::vector<std::string> Platform = {
        str("fusion.source", "platform"),     str("fusion.task", Task),
        str("fusion.group", Group),           num("fusion.memory_mb", Mem),
        num("fusion.peak_memory_mb", PeakMB), flag("faas.coldstart", I == 0)};
    if (I == 0 && InitMB > 0)
      Platform.push_back(num("fusion.init_memory_mb", InitMB));
    Out += doc({{"1", "", Task, 2, T, End, Platform},
                {"2",
                 "1",
                 Task,
                 2,
                 T + 1,
                 End,
                 {str("fusion.task", Task), str("fusion.group", Group),
                  num("fusion.memory_mb", Mem), num("fusion.cpu_ns", Cpu * 1e6),
                  num("fusion.run_delay_ns", Delay * 1e6)}}},
               TracePrefix + std::to_string(I + 1));
  }
  return Out;
}

/// The profile of trace files `Files` with a stop priced at `PerMB` ms
/// per MB.
Profile profileAtPrice(const Graph &G, const std::vector<std::string> &Files,
                       const EmulationProfile &E, double PerMB) {
  TraceSet TS;
  for (size_t I = 0; I < Files.size(); ++I)
    readOtlpText(Files[I], "file" + std::to_string(I), TS);
  ProfileOptions O;
  O.TraceEmulation = E;
  O.StopCpuMsPerMB = PerMB;
  return buildProfile(G, TS, O);
}

} // namespace

TEST(Profile, OneConfigurationPricesAStopByTheFunctionsMemory) {
  Graph G = graph({}, {"A", "B"});
  EmulationProfile E; // 128 MB: Q = 7.2 ms, the thread waits 92.8 ms
  double Gap = 100 * (1 - E.cpuShare(128));
  // A at 128 MB: 65 ms of CPU, stopped 8 times, in a function of its own
  // that used 18.5 MB, 8.5 of them before its first task (the runtime's):
  // its data, 10 MB, come back after each stop at 0.12 ms per MB.
  std::string A = invocationsOf("A", "a", 128, 65, 8 * Gap, 18.5, 8.5, "1");
  std::string B = invocationsOf("B", "b", 128, 2, 0, 8.5, 0, "2");
  auto Build = [&](const std::vector<std::string> &Files, double PerMB) {
    return profileAtPrice(G, Files, E, PerMB);
  };
  Profile P = Build({A + B}, DefaultStopCpuMsPerMB);
  const TaskProfile *TA = P.task("A");
  EXPECT_EQ(TA->InterruptConfigs, 0u);
  EXPECT_NEAR(TA->InterruptMemoryMB, 10, 1e-4);
  EXPECT_NEAR(TA->InterruptCpuMs, 1.2, 1e-5);
  // Its runs are kept as uninterrupted ones, as with a fitted cost.
  EXPECT_NEAR(TA->CpuMs.mean(), 65 - 8 * 1.2, 1e-4);
  // B used no memory of its own: nothing to price.
  EXPECT_DOUBLE_EQ(P.task("B")->InterruptCpuMs, 0);
  // The model's notes say which costs are estimated, most first; for a
  // platform without a quota, none.
  CostModelOptions CO;
  CO.Emulation = CO.TraceEmulation = E;
  Model M = Model::build(G, P, CO);
  EXPECT_THAT(::testing::PrintToString(M.Notes),
              HasSubstr("1 task(s) need more CPU each time the quota stops "
                        "them (estimated from the memory they work on"));
  EXPECT_THAT(::testing::PrintToString(M.Notes),
              HasSubstr("A 1.20 ms (10.0 MB)"));
  CO.Emulation = none();
  EXPECT_THAT(::testing::PrintToString(Model::build(G, P, CO).Notes),
              ::testing::Not(HasSubstr("quota stops")));
  // Without the memory at the first /next: above the least any function
  // of the traces used (here B's 9 MB).
  std::string NoInit = invocationsOf("A", "a", 128, 65, 8 * Gap, 18.5, 0, "1") +
                       invocationsOf("B", "b", 128, 2, 0, 9, 0, "2");
  EXPECT_NEAR(Build({NoInit}, 0.12).task("A")->InterruptCpuMs, 9.5 * 0.12,
              1e-5);
  // Priced at 0 per MB: stops cost nothing, the CPU as measured.
  Profile Zero = Build({A + B}, 0);
  EXPECT_DOUBLE_EQ(Zero.task("A")->InterruptCpuMs, 0);
  EXPECT_DOUBLE_EQ(Zero.task("A")->InterruptMemoryMB, 0);
  EXPECT_NEAR(Zero.task("A")->CpuMs.mean(), 65, 1e-4);
  // A shares its function with B: whose memory it is, is unknown.
  std::string Shared =
      invocationsOf("A", "ab", 128, 65, 8 * Gap, 18.5, 8.5, "1") +
      invocationsOf("B", "ab", 128, 2, 0, 18.5, 0, "2");
  EXPECT_DOUBLE_EQ(Build({Shared}, 0.12).task("A")->InterruptCpuMs, 0);
  // At most half the quota a stop (more would never finish).
  std::string Big =
      invocationsOf("A", "a", 128, 65, 8 * Gap, 108.5, 8.5, "1") + B;
  EXPECT_NEAR(Build({Big}, 0.12).task("A")->InterruptCpuMs,
              E.cpuShare(128) * 100 / 2, 1e-6);
  // A task the quota never stopped gets the estimate too: a plan may put
  // it where the quota does.
  std::string AtFull = invocationsOf("A", "c", 1769, 55, 0, 18.5, 8.5, "3");
  EXPECT_NEAR(Build({AtFull}, 0.12).task("A")->InterruptCpuMs, 1.2, 1e-5);
  // Two configurations: the fit, not the estimate.
  Profile Fit = Build({A + B, AtFull}, 0.12);
  EXPECT_NEAR(Fit.task("A")->InterruptCpuMs, 1.25, 1e-6);
  EXPECT_EQ(Fit.task("A")->InterruptConfigs, 2u);
  EXPECT_DOUBLE_EQ(Fit.task("A")->InterruptMemoryMB, 0);
}

// A run's touched memory (fusion.fault_bytes) prices a stop wherever the
// task ran: in a shared function too, and rather than a fit.
TEST(Profile, TouchedMemoryPricesAStopInAnyFunction) {
  Graph G = graph({"A>B"});
  EmulationProfile E;
  double Gap = 100 * (1 - E.cpuShare(128));
  // A and B share a function at 128 MB that used 30 MB. A's runs: 65 ms of
  // CPU, stopped 8 times, calling B fused; the first run faulted 14 MB in
  // on A's thread, 4 of them B's (later runs reuse what the allocator
  // kept: 0.5 MB).
  auto Runs = [&](const char *Group, double Mem, double Delay) {
    std::string Out;
    for (int I = 0; I < 10; ++I) {
      double T = I * 1000, End = T + 1 + 66 + Delay;
      double AFault = I == 0 ? 14 : 0.5, BFault = I == 0 ? 4 : 0.25;
      Out += doc(
          {{"1",
            "",
            "A",
            2,
            T,
            End,
            {str("fusion.source", "platform"), str("fusion.task", "A"),
             str("fusion.group", Group), num("fusion.memory_mb", Mem),
             num("fusion.peak_memory_mb", 30), flag("faas.coldstart", I == 0)}},
           {"2",
            "1",
            "A",
            2,
            T + 1,
            End,
            {str("fusion.task", "A"), str("fusion.group", Group),
             num("fusion.memory_mb", Mem), num("fusion.cpu_ns", 66e6),
             num("fusion.run_delay_ns", Delay * 1e6),
             num("fusion.fault_bytes", AFault * 1048576)}},
           {"3",
            "2",
            "local B",
            1,
            T + 2,
            T + 3,
            {str("fusion.task", "B"), str("fusion.caller", "A"),
             flag("fusion.sync", true), num("fusion.cpu_ns", 1e6),
             num("fusion.fault_bytes", BFault * 1048576)}}},
          std::string(Group) + std::to_string(I + 1));
    }
    return Out;
  };
  auto Build = [&](const std::vector<std::string> &Files, double PerMB) {
    return profileAtPrice(G, Files, E, PerMB);
  };
  Profile P = Build({Runs("ab", 128, 8 * Gap)}, 0.12);
  const TaskProfile *TA = P.task("A"), *TB = P.task("B");
  ASSERT_TRUE(TA && TB);
  // Each its own: A's 10 MB, B's 4 (the most of any run).
  EXPECT_NEAR(TA->TouchedMemoryMB, 10, 1e-4);
  EXPECT_NEAR(TB->TouchedMemoryMB, 4, 1e-4);
  EXPECT_NEAR(TA->InterruptMemoryMB, 10, 1e-4);
  EXPECT_NEAR(TA->InterruptCpuMs, 1.2, 1e-5);
  EXPECT_NEAR(TA->CpuMs.mean(), 65 - 8 * 1.2, 1e-3);
  EXPECT_NEAR(TB->InterruptCpuMs, 0.48, 1e-5);
  EXPECT_EQ(P.toJson()["tasks"][0]["touched_memory_mb"], 10);
  // The same task at full speed in another run: two configurations, whose
  // CPU differs by more than their stops (here 3 ms); the touched memory
  // still prices a stop.
  std::string Fast;
  for (int I = 0; I < 10; ++I) {
    double T0 = 20000 + I * 1000.0;
    Fast += doc(
        {{"1",
          "",
          "A",
          2,
          T0,
          T0 + 60,
          {str("fusion.source", "platform"), str("fusion.task", "A"),
           str("fusion.group", "c"), num("fusion.memory_mb", 1769),
           num("fusion.peak_memory_mb", 30), flag("faas.coldstart", I == 0)}},
         {"2",
          "1",
          "A",
          2,
          T0 + 1,
          T0 + 60,
          {str("fusion.task", "A"), str("fusion.group", "c"),
           num("fusion.memory_mb", 1769), num("fusion.cpu_ns", 53e6),
           num("fusion.run_delay_ns", 0)}}},
        "c" + std::to_string(I + 1));
  }
  Profile Two = Build({Runs("ab", 128, 8 * Gap), Fast}, 0.12);
  EXPECT_EQ(Two.task("A")->InterruptConfigs, 0u);
  EXPECT_NEAR(Two.task("A")->InterruptCpuMs, 1.2, 1e-5);
  // Without a price per MB, the fit as before.
  Profile NoPrice = Build({Runs("ab", 128, 8 * Gap), Fast}, 0);
  EXPECT_EQ(NoPrice.task("A")->InterruptConfigs, 2u);
  EXPECT_GT(NoPrice.task("A")->InterruptCpuMs, 1.2);
}

// Waits for the lock the program's instances share are not the task's own
// waiting (the model simulates the lock); its holds are kept with it.
TEST(Profile, SharedLockWaitsAreKeptApart) {
  Graph G = graph({"A>B"});
  std::string Text;
  for (int I = 0; I < 10; ++I) {
    // A: 60 ms of its own (20 of CPU), 30 of them waiting for the lock
    // and, every other run, holding it for 5 ms of its CPU; a fused call
    // to B inside (10 ms: 1 of CPU, 4 waiting for the lock, 1 of CPU
    // holding it).
    double T = I * 1000;
    std::vector<std::string> AAttrs = {
        str("fusion.task", "A"),       str("fusion.group", "g"),
        num("fusion.memory_mb", 1769), num("fusion.cpu_ns", 21e6),
        num("fusion.run_delay_ns", 0), num("fusion.lock_wait_ns", 34e6)};
    AAttrs.push_back(num("fusion.lock_hold_cpu_ns", I % 2 ? 6e6 : 1e6));
    Text +=
        doc({{"1", "", "A", 2, T, T + 70, AAttrs},
             {"2",
              "1",
              "local B",
              1,
              T + 2,
              T + 12,
              {str("fusion.task", "B"), str("fusion.caller", "A"),
               flag("fusion.sync", true), num("fusion.cpu_ns", 1e6),
               num("fusion.run_delay_ns", 0), num("fusion.lock_wait_ns", 4e6),
               num("fusion.lock_hold_cpu_ns", 1e6)}}},
            "t" + std::to_string(I));
  }
  EmulationProfile E;
  Profile P = profileOf(G, Text, E);
  const TaskProfile *A = P.task("A"), *B = P.task("B");
  ASSERT_TRUE(A && B);
  EXPECT_NEAR(A->CpuMs.mean(), 20, 1e-3);
  EXPECT_NEAR(A->WaitMs.mean(), 10, 1e-3); // 70 - 10 (B's) - 20 - 30
  EXPECT_NEAR(A->LockWaitMs, 30, 1e-3);
  EXPECT_NEAR(A->LockHoldShare, 0.5, 1e-9);
  EXPECT_NEAR(A->LockHoldCpuMs, 5, 1e-3);
  EXPECT_NEAR(B->WaitMs.mean(), 5, 1e-3);
  EXPECT_NEAR(B->LockWaitMs, 4, 1e-3);
  EXPECT_NEAR(B->LockHoldShare, 1, 1e-9);
  EXPECT_NEAR(B->LockHoldCpuMs, 1, 1e-3);
  Json J = P.toJson();
  EXPECT_EQ(J["tasks"][0]["lock_wait_ms"], 30);
  EXPECT_EQ(J["tasks"][0]["lock_hold_share"], 0.5);
  // The model holds the lock in Monte Carlo only; its notes say who held
  // it and who waited.
  Model M = Model::build(G, P, CostModelOptions());
  EXPECT_NEAR(M.Tasks[size_t(M.taskIndex("A"))].LockHoldCpuMs, 5, 1e-3);
  EXPECT_THAT(::testing::PrintToString(M.Notes),
              HasSubstr("2 task(s) hold the lock the instances share (CPU "
                        "held): A 5.00 ms, B 1.00 ms; Monte Carlo runs the "
                        "lock in every plan; the traces' waits for it: A "
                        "30.0 ms, B 4.0 ms"));
}

TEST(Profile, TracesOfTwoRunsAreTwoWindowsAndTwoPlans) {
  Graph G = graph({}, {"A"});
  EmulationProfile E;
  // Two runs of ten requests, one a second, 1000 s apart: 18 s of
  // requests, not 1009 s.
  std::string First = runsOf("a", 128, 5, 0, 0, "1");
  Profile P = profileOfFiles(G, {First, runsOf("b", 512, 5, 0, 1000, "2")}, E);
  EXPECT_NEAR(P.WindowS, 18, 1e-6);
  EXPECT_NEAR(P.RequestRate, 1, 1e-6);
  // How requests arrive: 9 gaps of a second in each run, none across.
  EXPECT_EQ(P.ArrivalGapMs.count(), 18u);
  EXPECT_NEAR(P.ArrivalGapMs.min(), 1000, 1e-6);
  EXPECT_NEAR(P.ArrivalGapMs.max(), 1000, 1e-6);
  EXPECT_EQ(P.toJson()["arrival_gap_ms"]["count"], 18);
  // The runs' plans differ (A in group a at 128 MB, then b at 512): the
  // plan the traces ran is the last one's.
  EXPECT_EQ(P.ObservedPlans, 2u);
  ASSERT_EQ(P.ObservedGroups.size(), 1u);
  EXPECT_EQ(P.ObservedGroups.begin()->first, "b");
  EXPECT_EQ(P.ObservedGroups.begin()->second.MemoryMB, 512u);
  // Two files of one run (shards): their windows overlap, one plan.
  std::string Second = runsOf("a", 128, 5, 0, 0.5, "2");
  Profile Shards = profileOfFiles(G, {First, Second}, E);
  EXPECT_NEAR(Shards.WindowS, 9.5, 1e-6);
  EXPECT_NEAR(Shards.RequestRate, 19 / 9.5, 1e-6);
  EXPECT_EQ(Shards.ArrivalGapMs.count(), 19u); // the shards interleave
  EXPECT_NEAR(Shards.ArrivalGapMs.mean(), 500, 1e-6);
  EXPECT_EQ(Shards.ObservedPlans, 1u);
}

// Runs of two configurations stay apart as well (a plan that runs the task
// as one of them gets its runs); runs of one configuration do not.
TEST(Profile, RunsOfEachConfigurationKeptApart) {
  Graph G = graph({}, {"A"});
  EmulationProfile E;
  // At 512 MB A waited 40 ms (say, for a lock); at 1024 MB not at all.
  Profile P = profileOfFiles(G,
                             {runsOf("a", 512, 10, 0, 0, "1", 40),
                              runsOf("b", 1024, 10, 0, 1000, "2")},
                             E);
  const TaskProfile *A = P.task("A");
  ASSERT_TRUE(A);
  EXPECT_NEAR(A->WaitMs.mean(), 20, 0.5); // pooled
  ASSERT_EQ(A->Configs.size(), 2u);
  for (const TaskProfile::ConfigRuns &C : A->Configs) {
    EXPECT_EQ(C.Group, std::vector<std::string>{"A"});
    EXPECT_EQ(C.Runs, 10u);
    ASSERT_EQ(C.Joint.size(), 10u);
    EXPECT_NEAR(C.Joint[0].first, 10, 0.01);
    EXPECT_NEAR(C.Joint[0].second, C.MemoryMB == 512 ? 40 : 0, 0.5)
        << C.MemoryMB;
  }
  EXPECT_EQ(P.toJson()["tasks"][0]["configurations"].size(), 2u);
  // Two files of one plan: one configuration, nothing kept apart.
  Profile One = profileOfFiles(G,
                               {runsOf("a", 512, 10, 0, 0, "1", 40),
                                runsOf("a", 512, 10, 0, 0.5, "2", 40)},
                               E);
  EXPECT_TRUE(One.task("A")->Configs.empty());
}

TEST(Profile, EmptyTraceIsAnError) {
  Graph G = graph({"A>B"});
  EXPECT_THAT(errorOf("", G), HasSubstr("test.json: file is empty"));
  EXPECT_THAT(errorOf("  \n\n ", G), HasSubstr("file is empty"));
  EXPECT_THAT(errorOf("{\"resourceSpans\": []}", G),
              HasSubstr("the trace has no spans"));
  TempFile F("");
  try {
    buildProfile(G, std::vector<std::string>{F.Path});
    FAIL() << "no error";
  } catch (const FormatError &E) {
    EXPECT_THAT(E.what(), HasSubstr(F.Path + ": file is empty"));
  }
}

TEST(Profile, MalformedTraceNamesLineOffsetAndExpectation) {
  Graph G = graph({"A>B"});
  std::string Good = syncRemoteTrace();
  // Line 2 is cut off in the middle of a span.
  std::string Bad = Good + "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":"
                           "[{\"traceId\":\"01\",, }]}]}]}\n";
  std::string Msg = errorOf(Bad, G);
  EXPECT_THAT(Msg, HasSubstr("test.json:2:"));
  EXPECT_THAT(Msg, HasSubstr("byte offset " + std::to_string(Bad.find(",,") + 1)));
  EXPECT_THAT(Msg, HasSubstr("resourceSpans[0].scopeSpans[0].spans[0]"));
  EXPECT_THAT(Msg, HasSubstr("expected an object key"));

  EXPECT_THAT(errorOf("{\"format\": \"fusionize-graph/1\", \"tasks\": []}", G),
              HasSubstr("this is a fusionize-graph/1 document, not an "
                        "OTLP/JSON trace export"));
  EXPECT_THAT(errorOf("[1, 2]", G),
              HasSubstr("expected an OTLP/JSON document"));
  EXPECT_THAT(errorOf("{\"data\": 1}", G),
              HasSubstr("expected \"resourceSpans\""));
  EXPECT_THAT(
      errorOf("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":"
              "\"01\",\"startTimeUnixNano\":true}]}]}]}",
              G),
      HasSubstr("spans[0]: startTimeUnixNano: expected nanoseconds as a "
                "string or number, got a boolean"));
  EXPECT_THAT(errorOf("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{"
                      "\"name\":\"unterminated}]}]}]}",
                      G),
              HasSubstr("unterminated string"));
}

TEST(Profile, UnknownFieldsAreIgnored) {
  Graph G = graph({}, {"A"});
  std::string T =
      "{\"resourceSpans\":[{\"schemaUrl\":\"x\",\"resource\":{\"attributes\":"
      "[],\"droppedAttributesCount\":0},\"scopeSpans\":[{\"scope\":{\"name\":"
      "\"s\",\"version\":\"1\"},\"spans\":[{\"traceId\":"
      "\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0102030405060708\","
      "\"name\":\"A\",\"kind\":\"SPAN_KIND_SERVER\",\"startTimeUnixNano\":"
      "1000000,\"endTimeUnixNano\":\"3000000\",\"events\":[{\"name\":\"e\"}],"
      "\"links\":[],\"status\":{\"code\":0},\"attributes\":[{\"key\":\"x\","
      "\"value\":{\"arrayValue\":{\"values\":[{\"intValue\":\"1\"}]}}},"
      "{\"key\":\"fusion.cpu_ns\",\"value\":{\"intValue\":\"2000000\"}}]}]}]}]}";
  Profile P = profileOf(G, T, none());
  EXPECT_EQ(P.Requests, 1u);
  EXPECT_NEAR(P.task("A")->CpuMs.mean(), 2, 1e-9);
}

TEST(Profile, TraceOfAnotherProgramIsAnError) {
  Graph G = graph({"A>B"});
  std::string T = doc({{"1", "", "X", 2, 0, 5, {str("fusion.task", "X")}},
                       {"2", "1", "Y", 1, 1, 2, {str("fusion.task", "Y")}}});
  std::string Msg = errorOf(T, G);
  EXPECT_THAT(Msg, HasSubstr("none of the 2 tasks of the graph appear in the "
                             "trace (it shows X, Y); is it a trace of another "
                             "program?"));
}

TEST(Profile, MissingTasksAreWarnings) {
  Graph G = graph({"A>B", "A>C"});
  std::string T = doc({{"1", "", "A", 2, 0, 10,
                        {str("fusion.task", "A"), num("fusion.cpu_ns", 2e6)}},
                       {"2", "1", "local B", 1, 2, 6,
                        {str("fusion.task", "B"), flag("fusion.sync", true),
                         num("fusion.cpu_ns", 4e6)}}});
  Profile P = profileOf(G, T, none());
  ASSERT_EQ(P.MissingTasks, std::vector<std::string>{"C"});
  ASSERT_FALSE(P.Warnings.empty());
  EXPECT_THAT(P.Warnings[0], HasSubstr("1 of 3 tasks never ran in the trace "
                                       "(C)"));
}

TEST(Profile, AnotherProgramsRequestsAreNotCounted) {
  // Traces of two programs in one file: A's request calls B once; X's
  // request is another program's. Per request, A calls B once, not half a
  // time, and the window is A's.
  Graph G = graph({"A>B"});
  std::string T = doc({{"1",
                        "",
                        "A",
                        2,
                        0,
                        10,
                        {str("fusion.task", "A"), num("fusion.cpu_ns", 2e6)}},
                       {"2",
                        "1",
                        "local B",
                        1,
                        2,
                        6,
                        {str("fusion.task", "B"), flag("fusion.sync", true),
                         num("fusion.cpu_ns", 4e6)}}}) +
                  doc({{"1",
                        "",
                        "A",
                        2,
                        1000,
                        1010,
                        {str("fusion.task", "A"), num("fusion.cpu_ns", 2e6)}},
                       {"2",
                        "1",
                        "local B",
                        1,
                        1002,
                        1006,
                        {str("fusion.task", "B"), flag("fusion.sync", true),
                         num("fusion.cpu_ns", 4e6)}}},
                      "2") +
                  doc({{"1",
                        "",
                        "X",
                        2,
                        5000,
                        5010,
                        {str("fusion.task", "X"), num("fusion.cpu_ns", 2e6)}}},
                      "3");
  Profile P = profileOf(G, T, none());
  EXPECT_EQ(P.Requests, 2u);
  EXPECT_NEAR(P.WindowS, 1, 1e-9);
  EXPECT_DOUBLE_EQ(P.edge("A", "B", EdgeKind::Sync)->CallsPerRequest, 1);
  EXPECT_EQ(P.Entries.count("X"), 0u);
  ASSERT_EQ(P.UnknownTasks, std::vector<std::string>{"X"});
  EXPECT_THAT(P.Warnings.back(),
              HasSubstr("(X); they are ignored, as are the 1 request(s) "
                        "that entered through one"));
}

TEST(Profile, JsonDump) {
  Graph G = graph({"A>B"});
  Profile P = profileOf(G, syncRemoteTrace(), none());
  Json J = P.toJson();
  EXPECT_EQ(J["format"], "fusionize-profile/1");
  EXPECT_EQ(J["tasks"].size(), 2u);
  EXPECT_EQ(J["edges"][0]["caller"], "A");
  EXPECT_EQ(J["requests"], 1);
}

TEST(Profile, LargeFilesAreReadInPiecesWithTheSameResult) {
  Graph G = graph({"A>B", "B>C", "A~D"});
  SyntheticSpec S;
  S.G = &G;
  S.Entries = {{"A", 1}};
  S.P = Plan::onePerTask(G, 512);
  S.Requests = 400;
  std::ostringstream Out;
  size_t Spans = writeSyntheticTraces(S, Out);
  TempFile F(Out.str());
  TraceSet Whole, Pieces;
  readOtlpFile(F.Path, Whole, ~0ULL);
  readOtlpFile(F.Path, Pieces, 1); // split whatever the size
  EXPECT_EQ(Whole.Spans.size(), Spans);
  EXPECT_EQ(Pieces.Spans.size(), Spans);
  EXPECT_EQ(Pieces.Documents, 400u);
  Profile A = buildProfile(G, Whole), B = buildProfile(G, Pieces);
  EXPECT_EQ(A.toJson().dump(), B.toJson().dump());
  // An error in a later piece still names its line and byte offset.
  std::string Bad = Out.str() + "{\"resourceSpans\": [}\n";
  TempFile FB(Bad);
  TraceSet T;
  try {
    readOtlpFile(FB.Path, T, 1);
    FAIL() << "no error";
  } catch (const FormatError &E) {
    EXPECT_THAT(E.what(), HasSubstr(":401:20: invalid OTLP/JSON (byte offset " +
                                    std::to_string(Out.str().size() + 19)));
  }
}

namespace {

/// `Doc` (from doc()) with the platform's resource attribute
/// fusion.host_cpus, an intValue string as the platform writes it.
std::string onHost(std::string Doc, int Cpus) {
  const std::string Empty = "\"resource\":{\"attributes\":[]}";
  Doc.replace(Doc.find(Empty), Empty.size(),
              "\"resource\":{\"attributes\":[{\"key\":\"fusion.host_cpus\","
              "\"value\":{\"intValue\":\"" +
                  std::to_string(Cpus) + "\"}}]}");
  return Doc;
}

/// Request `Trace` of task A alone, `AtMs` on.
std::string requestOfA(int Trace, double AtMs) {
  S A{"1", "", "A", 2, AtMs, AtMs + 5, {str("fusion.task", "A")}};
  return doc({A}, std::to_string(Trace));
}

} // namespace

TEST(Profile, TheTracesHostCpusAreTheLargestRecorded) {
  Graph G = graph({"A>B"});
  // Not recorded: 0.
  EXPECT_DOUBLE_EQ(profileOf(G, syncRemoteTrace(), none()).HostCpus, 0);
  Profile P = profileOf(G, onHost(syncRemoteTrace(), 8), none());
  EXPECT_DOUBLE_EQ(P.HostCpus, 8);
  EXPECT_EQ(P.toJson()["host_cpus"], 8.0);
  // Documents (or files) from different hosts: the largest; one without
  // the attribute changes nothing.
  std::string Other = requestOfA(2, 100);
  std::string Text = onHost(syncRemoteTrace(), 16) + onHost(Other, 4) + Other;
  EXPECT_DOUBLE_EQ(profileOf(G, Text, none()).HostCpus, 16);
  Profile Files =
      profileOfFiles(G, {onHost(Other, 2), onHost(Other, 6)}, none());
  EXPECT_DOUBLE_EQ(Files.HostCpus, 6);
}

TEST(Profile, TheHostCpusOfAFileReadInPieces) {
  // Only the last document says it: the piece that read it passes it on.
  std::string Text;
  for (int I = 1; I <= 40; ++I)
    Text +=
        I == 40 ? onHost(requestOfA(I, I * 100), 12) : requestOfA(I, I * 100);
  TempFile F(Text);
  TraceSet Whole, Pieces;
  readOtlpFile(F.Path, Whole, ~0ULL);
  readOtlpFile(F.Path, Pieces, 1); // split whatever the size
  EXPECT_DOUBLE_EQ(Whole.HostCpus, 12);
  EXPECT_DOUBLE_EQ(Pieces.HostCpus, 12);
  EXPECT_EQ(Pieces.Documents, 40u);
}
