//===- unit/platform/WorkloadTest.cpp - Workloads, templates, schedules ---===//
#include "platform/Workload.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <unistd.h>

using namespace fusionize;
using namespace fusionize::platform;

static Workload parse(const char *Text) {
  return Workload::fromJson(Json::parse(Text), "w.json");
}

TEST(Workload, ParsesThePapersWorkloads) {
  Workload W = parse(R"({"format": "fusionize-workload/1", "name": "iot",
    "function": "AnalyzeSensor", "invocation_type": "RequestResponse",
    "arrivals": "uniform", "seed": 7,
    "phases": [{"rate": 1, "requests": 1000},
               {"rate": 10, "duration_s": 100},
               {"ramp": {"from": 5, "to": 40}, "duration_s": 60}],
    "payload": {"file": "readings.jsonl"}})");
  EXPECT_EQ(W.Function, "AnalyzeSensor");
  EXPECT_EQ(W.Seed, 7u);
  ASSERT_EQ(W.Phases.size(), 3u);
  EXPECT_EQ(*W.Phases[0].Requests, 1000u);
  EXPECT_DOUBLE_EQ(W.Phases[0].length(), 1000);
  EXPECT_DOUBLE_EQ(W.Phases[1].DurationS, 100);
  EXPECT_TRUE(W.Phases[2].Ramp);
  EXPECT_EQ(W.Payload, Workload::PayloadKind::File);
  // Round trip.
  Workload Back = Workload::fromJson(W.toJson(), "back");
  EXPECT_EQ(Back.toJson(), W.toJson());
}

TEST(Workload, RejectsWhatCannotRun) {
  auto Bad = [](const char *Text) {
    EXPECT_THROW(parse(Text), FormatError) << Text;
  };
  Bad(R"({"format": "fusionize-plan/1", "phases": []})");
  Bad(R"({"format": "fusionize-workload/1"})");
  Bad(R"({"format": "fusionize-workload/1", "phases": [{"rate": 0, "requests": 1}]})");
  Bad(R"({"format": "fusionize-workload/1", "phases": [{"rate": 1}]})");
  Bad(R"({"format": "fusionize-workload/1", "phases": [{"rate": 1, "requests": 2, "duration_s": 1}]})");
  Bad(R"({"format": "fusionize-workload/1", "phases": [{"ramp": {"from": 1, "to": 2}, "requests": 5}]})");
  Bad(R"({"format": "fusionize-workload/1", "phases": [{"ramp": {"from": 0, "to": 0}, "duration_s": 5}]})");
  Bad(R"({"format": "fusionize-workload/1", "invocation_type": "Sync", "phases": []})");
  Bad(R"({"format": "fusionize-workload/1", "arrivals": "bursty", "phases": []})");
  Bad(R"({"format": "fusionize-workload/1", "function": "no spaces", "phases": []})");
  Bad(R"({"format": "fusionize-workload/1", "phases": [], "payload": {"yaml": 1}})");
}

TEST(Schedule, ConstantRateForNRequests) {
  Workload W = parse(R"({"format": "fusionize-workload/1",
    "phases": [{"rate": 4, "requests": 10}]})");
  auto S = arrivalSchedule(W);
  ASSERT_EQ(S.size(), 10u);
  for (size_t I = 0; I < S.size(); ++I)
    EXPECT_DOUBLE_EQ(S[I], I * 0.25);
}

TEST(Schedule, ConstantRateForADuration) {
  Workload W = parse(R"({"format": "fusionize-workload/1",
    "phases": [{"rate": 10, "duration_s": 100}]})");
  auto S = arrivalSchedule(W);
  EXPECT_EQ(S.size(), 1000u);
  EXPECT_NEAR(S.back(), 99.9, 1e-9);
}

TEST(Schedule, LinearRamp) {
  Workload W = parse(R"({"format": "fusionize-workload/1",
    "phases": [{"ramp": {"from": 5, "to": 40}, "duration_s": 60}]})");
  auto S = arrivalSchedule(W);
  // (5 + 40) / 2 * 60 arrivals.
  EXPECT_EQ(S.size(), 1350u);
  EXPECT_DOUBLE_EQ(S[0], 0);
  for (size_t I = 1; I < S.size(); ++I)
    ASSERT_GT(S[I], S[I - 1]);
  EXPECT_LT(S.back(), 60);
  // The rate grows: gaps shrink from 1/5 s towards 1/40 s.
  EXPECT_NEAR(S[1] - S[0], 0.2, 0.01);
  EXPECT_NEAR(S.back() - S[S.size() - 2], 1.0 / 40, 0.002);
  // Half the time has passed after the arrivals of the first half-ramp:
  // 5*30 + (35/60)*30^2/2 = 412.5.
  size_t Half = std::lower_bound(S.begin(), S.end(), 30.0) - S.begin();
  EXPECT_NEAR(static_cast<double>(Half), 413, 1);
}

TEST(Schedule, DownwardRampAndPhasesInSequence) {
  Workload W = parse(R"({"format": "fusionize-workload/1",
    "phases": [{"rate": 2, "requests": 3},
               {"ramp": {"from": 4, "to": 0}, "duration_s": 2}]})");
  auto S = arrivalSchedule(W);
  ASSERT_EQ(S.size(), 3u + 4u);
  EXPECT_DOUBLE_EQ(S[2], 1.0);
  EXPECT_DOUBLE_EQ(S[3], 1.5); // the second phase starts after 3/2 s
  for (size_t I = 1; I < S.size(); ++I)
    EXPECT_GT(S[I], S[I - 1]);
  EXPECT_LT(S.back(), 3.5);
}

TEST(Schedule, PoissonIsSeededAndHasTheRightMean) {
  const char *Text =
      R"({"format": "fusionize-workload/1", "arrivals": "poisson",
    "seed": 42, "phases": [{"rate": 100, "duration_s": 100}]})";
  auto A = arrivalSchedule(parse(Text));
  auto B = arrivalSchedule(parse(Text));
  EXPECT_EQ(A, B);
  EXPECT_NEAR(static_cast<double>(A.size()), 10000, 400); // ~4 sigma
  for (size_t I = 1; I < A.size(); ++I)
    ASSERT_GE(A[I], A[I - 1]);
}

TEST(Template, ExpandsPlaceholders) {
  std::mt19937_64 Rng(1);
  auto T = PayloadTemplate::parse(
      R"({"id": {{seq}}, "n": {{rand_int:3:5}}, "x": {{rand_float:0:1}}, )"
      R"("c": "{{choice:a|b}}", "s": "{{rand_string:8}}", "u": "{{uuid}}", )"
      R"("t": {{timestamp_ms}}, "lit": "{{{{"})");
  for (std::uint64_t Seq = 0; Seq < 50; ++Seq) {
    Json J = Json::parse(T.expand(Seq, Rng));
    EXPECT_EQ(J["id"], Seq);
    EXPECT_GE(J["n"].get<int>(), 3);
    EXPECT_LE(J["n"].get<int>(), 5);
    EXPECT_GE(J["x"].get<double>(), 0);
    EXPECT_LT(J["x"].get<double>(), 1);
    EXPECT_TRUE(J["c"] == "a" || J["c"] == "b");
    EXPECT_EQ(J["s"].get<std::string>().size(), 8u);
    EXPECT_EQ(J["u"].get<std::string>().size(), 36u);
    EXPECT_GT(J["t"].get<std::int64_t>(), 1600000000000);
    EXPECT_EQ(J["lit"], "{{");
  }
}

TEST(Template, RejectsUnknownPlaceholders) {
  EXPECT_THROW(PayloadTemplate::parse("{{nope}}"), FormatError);
  EXPECT_THROW(PayloadTemplate::parse("{{seq"), FormatError);
  EXPECT_THROW(PayloadTemplate::parse("{{rand_int:5}}"), FormatError);
  EXPECT_THROW(PayloadTemplate::parse("{{rand_int:5:1}}"), FormatError);
  EXPECT_THROW(PayloadTemplate::parse("{{rand_int:a:b}}"), FormatError);
  EXPECT_THROW(PayloadTemplate::parse("{{choice:}}"), FormatError);
}

TEST(PayloadSource, CyclesJsonLines) {
  char Tmpl[] = "/tmp/fz-payloads-XXXXXX";
  int Fd = mkstemp(Tmpl);
  ASSERT_GE(Fd, 0);
  close(Fd);
  {
    std::ofstream Out(Tmpl);
    Out << "[1]\n\n{\"a\": 2}\n\"three\"\n";
  }
  Workload W;
  W.Payload = Workload::PayloadKind::File;
  W.PayloadFile = Tmpl;
  PayloadSource S = PayloadSource::fromWorkload(W);
  EXPECT_EQ(S.size(), 3u);
  EXPECT_EQ(S.next(0), "[1]");
  EXPECT_EQ(S.next(1), "{\"a\": 2}");
  EXPECT_EQ(S.next(2), "\"three\"");
  EXPECT_EQ(S.next(3), "[1]");
  {
    std::ofstream Out(Tmpl);
    Out << "[1]\nnot json\n";
  }
  EXPECT_THROW(PayloadSource::fromWorkload(W), FormatError);
  unlink(Tmpl);
}

TEST(PayloadSource, ChecksTheTemplateExpansion) {
  Workload W;
  W.Payload = Workload::PayloadKind::Template;
  W.Template = R"({"a": {{choice:x|y}}})"; // unquoted strings: not JSON
  EXPECT_THROW(PayloadSource::fromWorkload(W), FormatError);
  W.Template = R"({"a": "{{choice:x|y}}"})";
  EXPECT_NO_THROW(PayloadSource::fromWorkload(W));
}
