//===- unit/platform/BillingTest.cpp - Lambda billing and the run summary -===//
#include "platform/Summary.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <sstream>
#include <vector>

using namespace fusionize;
using namespace fusionize::platform;

TEST(Billing, RoundsUpToTheMillisecond) {
  PriceModel P;
  EXPECT_EQ(billInvocation(P, 0.2, 128).BilledMs, 1);
  EXPECT_EQ(billInvocation(P, 1.0, 128).BilledMs, 1);
  EXPECT_EQ(billInvocation(P, 1.01, 128).BilledMs, 2);
  EXPECT_EQ(billInvocation(P, 99.5, 128).BilledMs, 100);
  EXPECT_EQ(billInvocation(P, 0, 128).BilledMs, 1); // minimum
}

TEST(Billing, ChargesGbSecondsAndTheRequestFee) {
  PriceModel P; // $0.0000166667 per GB-s, $0.20 per million requests
  Bill B = billInvocation(P, 1000, 1024);
  EXPECT_DOUBLE_EQ(B.GbSeconds, 1.0);
  EXPECT_NEAR(B.CostUsd, 0.0000166667 + 0.0000002, 1e-15);
  Bill Small = billInvocation(P, 100, 128);
  EXPECT_DOUBLE_EQ(Small.GbSeconds, 0.1 * 0.125);
  EXPECT_NEAR(Small.CostUsd, 0.0125 * 0.0000166667 + 0.0000002, 1e-15);
}

TEST(Billing, CoarserGranularity) {
  PriceModel P;
  P.GranularityMs = 100; // Lambda before December 2020
  P.MinBilledMs = 100;
  EXPECT_EQ(billInvocation(P, 1, 128).BilledMs, 100);
  EXPECT_EQ(billInvocation(P, 101, 128).BilledMs, 200);
}

/// A caller that waits 50 ms on a 40 ms synchronous callee pays for both:
/// the double billing fusion removes.
TEST(Billing, SynchronousCallsAreBilledTwice) {
  PriceModel P;
  SummaryBuilder S;
  InvocationRecord Caller;
  Caller.Function = "caller";
  Caller.Group = "a";
  Caller.MemoryMB = 1024;
  Caller.Root = true;
  Caller.RequestId = "r1";
  Caller.TraceId = "t1";
  Caller.Billing = billInvocation(P, 50, 1024);
  InvocationRecord Callee = Caller;
  Callee.Function = "callee";
  Callee.Group = "b";
  Callee.Root = false;
  Callee.RequestId = "r2";
  Callee.Billing = billInvocation(P, 40, 1024);
  S.add(Caller);
  S.add(Callee);
  RunSummary R = S.build("none", 1);
  EXPECT_EQ(R.Invocations, 2u);
  EXPECT_DOUBLE_EQ(R.BilledMs, 90);
  EXPECT_EQ(R.RootRequests, 1u);
  EXPECT_NEAR(R.CostPerRequestUsd, R.CostUsd, 1e-18);
  EXPECT_NEAR(R.CostUsd, 0.09 * 0.0000166667 + 2 * 0.0000002, 1e-15);
}

TEST(Summary, PercentilesAreNearestRank) {
  std::vector<double> V;
  for (int I = 1; I <= 100; ++I)
    V.push_back(I);
  Distribution D = Distribution::of(V);
  EXPECT_EQ(D.Count, 100u);
  EXPECT_EQ(D.P50, 50);
  EXPECT_EQ(D.P90, 90);
  EXPECT_EQ(D.P99, 99);
  EXPECT_EQ(D.Max, 100);
  EXPECT_EQ(D.Min, 1);
  EXPECT_DOUBLE_EQ(D.Mean, 50.5);
  EXPECT_EQ(Distribution::of({7}).P99, 7);
  EXPECT_EQ(Distribution::of({}).Count, 0u);
}

TEST(Summary, AggregatesPerFunctionAndEndToEnd) {
  PriceModel P;
  SummaryBuilder S;
  S.declare("idle", "g", 128);
  for (int I = 0; I < 4; ++I) {
    InvocationRecord R;
    R.Function = "f";
    R.Group = "g";
    R.MemoryMB = 256;
    R.RequestId = "req" + std::to_string(I);
    R.TraceId = "trace" + std::to_string(I);
    R.Root = true;
    R.ColdStart = I == 0;
    R.InitMs = I == 0 ? 12 : 0;
    R.LatencyMs = 10 + I;
    R.Error = I == 3;
    R.ErrorType = I == 3 ? "Sandbox.Timedout" : "";
    R.Billing = billInvocation(P, 5, 256);
    R.ReceivedNs = 1000000000LL * I;
    R.EndNs = R.ReceivedNs + 10000000LL;
    S.add(R);
  }
  // An async callee of trace0 ends 50 ms after the root request began.
  InvocationRecord A;
  A.Function = "g2";
  A.Group = "g";
  A.MemoryMB = 128;
  A.Sync = false;
  A.TraceId = "trace0";
  A.RequestId = "async";
  A.ReceivedNs = 1000;
  A.EndNs = 50000000LL;
  A.Billing = billInvocation(P, 30, 128);
  S.add(A);
  S.throttled("f");
  RunSummary R = S.build("aws-lambda-x86", 2.5);
  ASSERT_EQ(R.Functions.size(), 3u);
  EXPECT_EQ(R.Functions[0].Name, "idle");
  EXPECT_EQ(R.Functions[0].Invocations, 0u);
  const FunctionSummary &F = R.Functions[1];
  EXPECT_EQ(F.Name, "f");
  EXPECT_EQ(F.Invocations, 4u);
  EXPECT_EQ(F.ColdStarts, 1u);
  EXPECT_EQ(F.Errors, 1u);
  EXPECT_EQ(F.ErrorsByType.at("Sandbox.Timedout"), 1u);
  EXPECT_EQ(F.Throttles, 1u);
  EXPECT_EQ(F.Init.Count, 1u);
  EXPECT_EQ(F.Latency.P50, 11);
  EXPECT_EQ(R.RootRequests, 4u);
  EXPECT_EQ(R.RootErrors, 1u);
  EXPECT_EQ(R.Invocations, 5u);
  EXPECT_EQ(R.Throttles, 1u);
  EXPECT_DOUBLE_EQ(R.Completion.Max, 50); // the async callee of trace0
  Json J = R.toJson();
  EXPECT_EQ(J["format"], "fusionize-run-summary/1");
  EXPECT_EQ(J["totals"]["invocations"], 5);
  EXPECT_EQ(J["functions"][1]["errors_by_type"]["Sandbox.Timedout"], 1);
  std::ostringstream OS;
  R.print(OS);
  EXPECT_NE(OS.str().find("end to end: 4 root requests"), std::string::npos);
}

TEST(Summary, EventRootsCountTheirLastAttempt) {
  SummaryBuilder S;
  for (unsigned Attempt = 1; Attempt <= 3; ++Attempt) {
    InvocationRecord R;
    R.Function = "f";
    R.Sync = false;
    R.Root = true;
    R.RequestId = "ev";
    R.TraceId = "t";
    R.Attempt = Attempt;
    R.Error = Attempt < 3;
    R.ReceivedNs = 0;
    R.EndNs = Attempt * 1000000000LL;
    S.add(R);
  }
  RunSummary R = S.build("none", 1);
  EXPECT_EQ(R.RootRequests, 1u);
  EXPECT_EQ(R.RootErrors, 0u);
  EXPECT_DOUBLE_EQ(R.EndToEnd.P50, 3000);
  EXPECT_EQ(R.Functions[0].Errors, 2u);
}

TEST(Billing, ReportNumbersPrintLikePrintf) {
  // The REPORT line's %.2f and %.0f, including ties (0.125 is exact in
  // binary and goes to even), negative zero and values past the fast path.
  std::vector<double> Values = {0,      -0.0,   0.125,  0.375,   0.005,
                                1.005,  2.675,  0.5,    1.5,     2.5,
                                99.995, 1e-9,   123456.785, 1e15, 3.7e18,
                                -1.25,  1769,   6291456.0};
  std::uint64_t X = 88172645463325252ULL; // xorshift: reproducible values
  for (int I = 0; I < 20000; ++I) {
    X ^= X << 13;
    X ^= X >> 7;
    X ^= X << 17;
    double Scale[] = {1e-3, 1, 1e3, 1e6};
    Values.push_back(static_cast<double>(X % 100000000) / 1e4 * Scale[I % 4]);
  }
  for (double V : Values)
    for (int Digits : {0, 1, 2}) {
      std::string Got;
      appendFixed(Got, V, Digits);
      char Want[512];
      std::snprintf(Want, sizeof Want, "%.*f", Digits, V);
      ASSERT_EQ(Got, Want) << V << " with " << Digits << " digits";
    }
}
