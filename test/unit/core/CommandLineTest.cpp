#include "core/CommandLine.h"

#include <gtest/gtest.h>

using namespace fusionize;

namespace {
struct Args {
  std::vector<std::string> Storage;
  std::vector<char *> Ptrs;
  explicit Args(std::initializer_list<const char *> L) {
    for (const char *S : L)
      Storage.push_back(S);
    for (std::string &S : Storage)
      Ptrs.push_back(S.data());
  }
  int argc() { return static_cast<int>(Ptrs.size()); }
  char **argv() { return Ptrs.data(); }
};
} // namespace

TEST(CommandLine, OptionsFlagsAndPositionals) {
  ArgParser P("fusionize test", "testing");
  auto &Graph = P.option("graph", "FILE", "graph");
  auto &Prof = P.multi("profile", "TRACE", "traces");
  auto &Quiet = P.flag("quiet", "quiet", 'q');
  auto &Out = P.option("output", "FILE", "out", "plan.json", 'o');
  auto &Pos = P.positional("INPUT", "inputs", true, true);
  Args A{"fusionize test",
         "--graph=g.json",
         "--profile",
         "a",
         "--profile=b",
         "-q",
         "x",
         "--",
         "--not-an-option"};
  ASSERT_EQ(P.parse(A.argc(), A.argv()), -1);
  EXPECT_EQ(Graph.value(), "g.json");
  EXPECT_EQ(Prof.Values, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(Quiet);
  EXPECT_EQ(Out.value(), "plan.json"); // the default
  EXPECT_EQ(Pos.Values, (std::vector<std::string>{"x", "--not-an-option"}));
}

TEST(CommandLine, ErrorsAndHelp) {
  {
    ArgParser P("fusionize test", "testing");
    P.option("objective", "SPEC", "objective");
    Args A{"fusionize test", "--objectiv", "cost"};
    testing::internal::CaptureStderr();
    EXPECT_EQ(P.parse(A.argc(), A.argv()), 2);
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "fusionize test: unknown option '--objectiv' (did you mean "
              "--objective?); see fusionize test --help\n");
  }
  {
    ArgParser P("fusionize test", "testing");
    P.option("graph", "FILE", "graph");
    Args A{"fusionize test", "--graph"};
    testing::internal::CaptureStderr();
    EXPECT_EQ(P.parse(A.argc(), A.argv()), 2);
    EXPECT_NE(testing::internal::GetCapturedStderr().find("needs a value"),
              std::string::npos);
  }
  {
    ArgParser P("fusionize test", "testing");
    P.positional("MANIFEST", "m");
    Args A{"fusionize test"};
    testing::internal::CaptureStderr();
    EXPECT_EQ(P.parse(A.argc(), A.argv()), 2);
    EXPECT_NE(testing::internal::GetCapturedStderr().find("missing MANIFEST"),
              std::string::npos);
  }
  {
    ArgParser P("fusionize test", "Does testing.");
    P.option("graph", "FILE", "the graph", "g.json");
    Args A{"fusionize test", "--help"};
    testing::internal::CaptureStdout();
    EXPECT_EQ(P.parse(A.argc(), A.argv()), 0);
    std::string Out = testing::internal::GetCapturedStdout();
    EXPECT_NE(Out.find("usage: fusionize test [options]"), std::string::npos);
    EXPECT_NE(Out.find("--graph FILE"), std::string::npos);
    EXPECT_NE(Out.find("(default: g.json)"), std::string::npos);
  }
}

TEST(CommandLine, Numbers) {
  ArgParser P("t", "t");
  auto &N = P.option("n", "N", "n", "12");
  auto &D = P.option("d", "D", "d", "x");
  unsigned long long U = 0;
  double F = 0;
  EXPECT_TRUE(P.getUnsigned(N, U));
  EXPECT_EQ(U, 12u);
  testing::internal::CaptureStderr();
  EXPECT_FALSE(P.getDouble(D, F));
  EXPECT_NE(testing::internal::GetCapturedStderr().find("expected a number"),
            std::string::npos);
}
