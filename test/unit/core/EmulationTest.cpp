#include "core/Emulation.h"

#include <gtest/gtest.h>

using namespace fusionize;

TEST(Price, BilledDurationRoundsUpToTheGranularity) {
  PriceModel P;
  EXPECT_DOUBLE_EQ(P.billedMs(0.2), 1);
  EXPECT_DOUBLE_EQ(P.billedMs(10.0), 10);
  EXPECT_DOUBLE_EQ(P.billedMs(10.01), 11);
  P.GranularityMs = 100; // the old Lambda price model
  EXPECT_DOUBLE_EQ(P.billedMs(101), 200);
}

TEST(Price, InvocationCost) {
  PriceModel P;
  // 1000 ms at 1024 MB = 1 GB-s.
  EXPECT_NEAR(P.invocationUsd(1000, 1024), 0.0000166667 + 0.0000002, 1e-12);
  // Half the memory, half the duration cost; the request fee stays.
  EXPECT_NEAR(P.invocationUsd(1000, 512), 0.0000166667 / 2 + 0.0000002, 1e-12);
}

TEST(Emulation, CpuShareByMemory) {
  EmulationProfile E;
  EXPECT_NEAR(E.cpuShare(1769), 1.0, 1e-9);
  EXPECT_NEAR(E.cpuShare(128), 128.0 / 1769, 1e-9);
  EXPECT_DOUBLE_EQ(E.cpuShare(10240), 10240.0 / 1769);
  E.MaxVcpus = 2;
  EXPECT_DOUBLE_EQ(E.cpuShare(10240), 2);
}

TEST(Emulation, FilesAndBuiltins) {
  EmulationProfile None = EmulationProfile::load("none");
  EXPECT_FALSE(None.Enabled);
  EXPECT_DOUBLE_EQ(None.ColdStartMs, 0);
  EmulationProfile A = EmulationProfile::load("aws-lambda-x86");
  EmulationProfile B = EmulationProfile::fromJson(A.toJson(), "x");
  EXPECT_DOUBLE_EQ(B.SyncOverheadMs, A.SyncOverheadMs);
  EXPECT_EQ(B.IdleTimeoutS, A.IdleTimeoutS);
  EXPECT_THROW(EmulationProfile::load("gcp"), FormatError);
  Json Bad = A.toJson();
  Bad["cold_start_ms"] = -1;
  EXPECT_THROW(EmulationProfile::fromJson(Bad, "x"), FormatError);
}
