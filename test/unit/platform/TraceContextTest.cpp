//===- unit/platform/TraceContextTest.cpp - W3C <-> X-Ray conversion ------===//
#include "platform/TraceContext.h"

#include <gtest/gtest.h>

using namespace fusionize::platform;

TEST(TraceContext, ParsesW3C) {
  auto C = parseTraceparent(
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(C);
  EXPECT_EQ(C->TraceId, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(C->SpanId, "b7ad6b7169203331");
  EXPECT_TRUE(C->Sampled);
  auto N = parseTraceparent(
      "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-00");
  ASSERT_TRUE(N);
  EXPECT_EQ(N->TraceId, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_FALSE(N->Sampled);
}

TEST(TraceContext, RejectsBadW3C) {
  EXPECT_FALSE(parseTraceparent(""));
  EXPECT_FALSE(parseTraceparent("00-xyz"));
  EXPECT_FALSE(parseTraceparent(
      "00-00000000000000000000000000000000-b7ad6b7169203331-01"));
  EXPECT_FALSE(parseTraceparent(
      "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"));
  EXPECT_FALSE(parseTraceparent(
      "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
  EXPECT_FALSE(parseTraceparent(
      "00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01"));
  EXPECT_FALSE(parseTraceparent(
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra"));
  // A future version may carry more fields.
  EXPECT_TRUE(parseTraceparent(
      "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra"));
}

TEST(TraceContext, FormatsXRayFromW3C) {
  TraceContext C{"0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", true};
  EXPECT_EQ(formatXRay(C), "Root=1-0af76519-16cd43dd8448eb211c80319c;Parent="
                           "b7ad6b7169203331;Sampled=1");
  C.Sampled = false;
  EXPECT_EQ(formatXRay(C), "Root=1-0af76519-16cd43dd8448eb211c80319c;Parent="
                           "b7ad6b7169203331;Sampled=0");
  EXPECT_EQ(formatTraceparent(C),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
}

TEST(TraceContext, RoundTripsThroughXRay) {
  for (int I = 0; I < 50; ++I) {
    TraceContext C{newTraceId(), newSpanId(), I % 2 == 0};
    auto Back = parseXRay(formatXRay(C));
    ASSERT_TRUE(Back);
    EXPECT_EQ(*Back, C);
    auto W3C = parseTraceparent(formatTraceparent(C));
    ASSERT_TRUE(W3C);
    EXPECT_EQ(*W3C, C);
  }
}

TEST(TraceContext, ParsesXRayInAnyOrder) {
  auto C = parseXRay(
      "Sampled=0;Self=1-67891234-abcdef012345678912345678;"
      "Parent=53995c3f42cd8ad8;Root=1-5759e988-bd862e3fe1be46a994272793");
  ASSERT_TRUE(C);
  EXPECT_EQ(C->TraceId, "5759e988bd862e3fe1be46a994272793");
  EXPECT_EQ(C->SpanId, "53995c3f42cd8ad8");
  EXPECT_FALSE(C->Sampled);
  auto NoParent = parseXRay("Root=1-5759e988-bd862e3fe1be46a994272793");
  ASSERT_TRUE(NoParent);
  EXPECT_EQ(NoParent->SpanId, "");
  EXPECT_TRUE(NoParent->Sampled);
  EXPECT_EQ(formatXRay(*NoParent),
            "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
}

TEST(TraceContext, RejectsBadXRay) {
  EXPECT_FALSE(parseXRay(""));
  EXPECT_FALSE(parseXRay("Parent=53995c3f42cd8ad8"));
  EXPECT_FALSE(parseXRay("Root=2-5759e988-bd862e3fe1be46a994272793"));
  EXPECT_FALSE(parseXRay("Root=1-5759e988bd862e3fe1be46a994272793"));
  EXPECT_FALSE(
      parseXRay("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=xyz"));
  EXPECT_FALSE(parseXRay("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=2"));
}

TEST(TraceContext, NewIdsAreWellFormed) {
  std::string T = newTraceId(), S = newSpanId(), R = newRequestId();
  EXPECT_EQ(T.size(), 32u);
  EXPECT_EQ(S.size(), 16u);
  EXPECT_TRUE(isLowerHex(T));
  EXPECT_TRUE(isLowerHex(S));
  ASSERT_EQ(R.size(), 36u);
  EXPECT_EQ(R[8], '-');
  EXPECT_EQ(R[14], '4');
  EXPECT_NE(std::string("89ab").find(R[19]), std::string::npos);
  EXPECT_NE(newTraceId(), T);
}
