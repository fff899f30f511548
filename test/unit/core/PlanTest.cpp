#include "core/Plan.h"

#include <gtest/gtest.h>

using namespace fusionize;

namespace {

Graph shop() {
  // checkout -> price (sync, cheap), checkout -> audit (async),
  // checkout -> sieve (sync, expensive), refund -> price (sync).
  Graph G;
  for (const char *N : {"checkout", "price", "audit", "sieve", "refund"}) {
    TaskNode T;
    T.Name = N;
    T.SelfCost = 10;
    G.Tasks.push_back(T);
  }
  G.findTask("sieve")->SelfCost = 1e6;
  G.addCall("checkout", "price", EdgeKind::Sync, CallSite{{}, {}, 3});
  G.addCall("checkout", "audit", EdgeKind::Async, CallSite{});
  G.addCall("checkout", "sieve", EdgeKind::Sync, CallSite{});
  G.addCall("refund", "price", EdgeKind::Sync, CallSite{});
  G.computeTotalCosts();
  return G;
}

std::string errorOf(const std::string &Text, const std::set<std::string> &Known,
                    bool AllowUnknown = false) {
  try {
    Plan P = Plan::fromJson(parseJson(Text, "p.json"), "p.json");
    P.validate(Known, AllowUnknown, "p.json");
  } catch (const FormatError &E) {
    return E.what();
  }
  return "";
}

} // namespace

TEST(StaticPlan, FusesCheapSyncCalleesIntoEachCaller) {
  Graph G = shop();
  Plan P = staticPlan(G);
  ASSERT_NE(P.findGroup("checkout"), nullptr);
  EXPECT_EQ(P.findGroup("checkout")->Tasks,
            (std::vector<std::string>{"checkout", "price"}));
  // Async and expensive callees lead their own groups; so does every root.
  EXPECT_EQ(P.findGroup("audit")->Tasks, std::vector<std::string>{"audit"});
  EXPECT_EQ(P.findGroup("sieve")->Tasks, std::vector<std::string>{"sieve"});
  EXPECT_EQ(P.findGroup("refund")->Tasks,
            (std::vector<std::string>{"refund", "price"}));
  EXPECT_EQ(P.findGroup("price"), nullptr);
  // price is copied; its function lives in the first group that holds it.
  EXPECT_EQ(P.groupsOf("price").size(), 2u);
  EXPECT_EQ(P.homeOf("price")->Name, "checkout");
  EXPECT_NO_THROW(P.validate({"checkout", "price", "audit", "sieve", "refund"},
                             false, "static"));
  EXPECT_EQ(P.Extra["planner"], "static");
}

TEST(StaticPlan, ThresholdDecidesExpensive) {
  Graph G = shop();
  StaticPlanOptions O;
  O.ExpensiveCost = 2e6; // sieve becomes cheap
  Plan P = staticPlan(G, O);
  EXPECT_EQ(P.findGroup("sieve"), nullptr);
  EXPECT_TRUE(P.findGroup("checkout")->contains("sieve"));
}

TEST(StaticPlan, OnlyTasksDefinedHere) {
  Graph G = shop();
  G.findTask("audit")->Defined = false; // another file places it
  Plan P = staticPlan(G);
  EXPECT_TRUE(P.groupsOf("audit").empty());
}

TEST(StaticPlan, CycleOnlyReachableFromItself) {
  Graph G;
  for (const char *N : {"a", "b"}) {
    TaskNode T;
    T.Name = N;
    G.Tasks.push_back(T);
  }
  G.addCall("a", "b", EdgeKind::Sync, CallSite{});
  G.addCall("b", "a", EdgeKind::Sync, CallSite{});
  Plan P = staticPlan(G);
  // Nobody outside the cycle calls either: both still get a group.
  EXPECT_FALSE(P.groupsOf("a").empty());
  EXPECT_FALSE(P.groupsOf("b").empty());
}

TEST(Plan, RoundTripKeepsExtraKeys) {
  Plan P = Plan::fromJson(
      parseJson(R"({"format": "fusionize-plan/1", "scope": "program",
        "groups": [{"name": "g", "tasks": ["a", "b"], "memory_mb": 512, "timeout_s": 5},
                   {"name": "h", "tasks": ["b"]}],
        "routes": {"b": "h"}, "explanation": ["x"]})",
                "p.json"),
      "p.json");
  EXPECT_TRUE(P.programScope());
  EXPECT_EQ(P.findGroup("g")->MemoryMB, 512u);
  EXPECT_EQ(P.findGroup("h")->MemoryMB, DefaultMemoryMB);
  EXPECT_EQ(P.homeOf("b")->Name, "h");
  Plan Q = Plan::fromJson(P.toJson(), "again");
  EXPECT_TRUE(P.sameAs(Q));
  EXPECT_EQ(Q.Extra["explanation"][0], "x");
}

TEST(Plan, SameAsIgnoresOrderButNotHomesOrMemory) {
  auto Parse = [](const char *T) {
    return Plan::fromJson(parseJson(T, "p"), "p");
  };
  Plan A = Parse(R"({"format": "fusionize-plan/1", "groups": [
      {"name": "g", "tasks": ["a", "b"]}, {"name": "h", "tasks": ["c"]}]})");
  Plan B = Parse(R"({"format": "fusionize-plan/1", "groups": [
      {"name": "h", "tasks": ["c"]}, {"name": "g", "tasks": ["b", "a"]}]})");
  Plan C = Parse(R"({"format": "fusionize-plan/1", "groups": [
      {"name": "g", "tasks": ["a", "b"], "memory_mb": 256}, {"name": "h", "tasks": ["c"]}]})");
  EXPECT_TRUE(A.sameAs(B));
  EXPECT_FALSE(A.sameAs(C));
}

TEST(Plan, ClearErrors) {
  std::set<std::string> Known = {"a", "b"};
  EXPECT_EQ(
      errorOf(
          R"({"format": "fusionize-plan/1", "groups": [{"name": "g", "tasks": ["a"]}]})",
          Known),
      "p.json: task b is in no group of the plan; every task needs a group");
  EXPECT_EQ(
      errorOf(
          R"({"format": "fusionize-plan/1", "groups": [{"name": "g", "tasks": ["a", "b", "zz"]}]})",
          Known),
      "p.json: group \"g\" names unknown task \"zz\" (tasks are: a, b); a "
      "plan for several files needs \"scope\": \"program\"");
  EXPECT_EQ(
      errorOf(
          R"({"format": "fusionize-plan/1", "groups": [{"name": "g", "tasks": ["a", "b", "zz"]}]})",
          Known, /*AllowUnknown=*/true),
      "");
  EXPECT_EQ(errorOf(R"({"format": "fusionize-plan/1", "groups": []})", Known),
            "p.json: groups: a plan needs at least one group");
  EXPECT_EQ(
      errorOf(
          R"({"format": "fusionize-plan/1", "groups": [{"name": "bad name", "tasks": ["a"]}]})",
          Known),
      "p.json: groups[0].name: \"bad name\" is not a valid group name "
      "([A-Za-z0-9_-]{1,64})");
  EXPECT_EQ(
      errorOf(
          R"({"format": "fusionize-plan/1", "groups": [{"name": "g", "tasks": ["a", "b"], "timeout_s": 1000}]})",
          Known),
      "p.json: groups[0].timeout_s: 1000 is outside 1..900");
  EXPECT_EQ(
      errorOf(
          R"({"format": "fusionize-plan/1", "groups": [{"name": "g", "tasks": ["a", "a"]}]})",
          Known),
      "p.json: groups[0].tasks: task \"a\" listed twice");
  EXPECT_EQ(
      errorOf(
          R"({"format": "fusionize-plan/1", "groups": [{"name": "g", "tasks": ["a", "b"]}], "routes": {"a": "h"}})",
          Known),
      "p.json: routes.a: group \"h\" does not exist");
  EXPECT_EQ(
      errorOf(
          R"({"format": "fusionize-plan/1", "groups": [{"name": "g", "tasks": ["a", "b"]}, {"name": "g", "tasks": ["a"]}]})",
          Known),
      "p.json: groups[1]: duplicate group \"g\"");
}

TEST(Plan, Layouts) {
  Graph G = shop();
  EXPECT_EQ(Plan::onePerTask(G).Groups.size(), 5u);
  EXPECT_EQ(Plan::allInOne(G).Groups.size(), 1u);
  EXPECT_EQ(Plan::allInOne(G).Groups[0].Tasks.size(), 5u);
}

namespace {

TEST(MemorySizes, ParsesSortsAndDeduplicates) {
  std::vector<unsigned> Sizes;
  std::string Err;
  ASSERT_TRUE(parseMemorySizes("1024,128,1769,128", Sizes, Err)) << Err;
  EXPECT_EQ(Sizes, (std::vector<unsigned>{128, 1024, 1769}));
}

TEST(MemorySizes, RejectsWhatIsNotASize) {
  std::vector<unsigned> Sizes;
  std::string Err;
  for (const char *Bad : {"64", "128,20480", "128,,256", "1g", ""}) {
    EXPECT_FALSE(parseMemorySizes(Bad, Sizes, Err)) << Bad;
    EXPECT_NE(Err.find("--memory-sizes"), std::string::npos) << Err;
  }
  parseMemorySizes("64", Sizes, Err);
  EXPECT_EQ(Err, "--memory-sizes: \"64\" is not a memory size in 128..10240 MB");
}

} // namespace
