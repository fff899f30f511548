#include "core/Graph.h"

#include <gtest/gtest.h>

using namespace fusionize;

TEST(Graph, RoundTrip) {
  Graph G;
  TaskNode A;
  A.Name = "a";
  A.Symbol = "_Z1av";
  A.Params = {{"x", "int"}};
  A.Loc = {"a.cpp", 3, 5};
  A.SelfCost = 12.5;
  G.Tasks.push_back(A);
  TaskNode B = A;
  B.Name = "b";
  B.Symbol = "_Z1bv";
  B.Defined = false;
  G.Tasks.push_back(B);
  G.addCall("a", "b", EdgeKind::Async,
            CallSite{{"a.cpp", 4, 7}, {"helper"}, 10});
  G.addCall("a", "b", EdgeKind::Async, CallSite{{"a.cpp", 9, 7}, {}, 1});
  G.ExternalCalls["a"].push_back({"_Z6helperv", EdgeKind::Sync, 2, {}});
  G.Unresolved.push_back({"a", "b", {"a.cpp", 10, 1}, "address taken"});
  Graph H = Graph::fromJson(G.toJson(), "g");
  ASSERT_EQ(H.Tasks.size(), 2u);
  EXPECT_EQ(H.findTask("a")->Params[0].Type, "int");
  EXPECT_FALSE(H.findTask("b")->Defined);
  ASSERT_EQ(H.Edges.size(), 1u);
  EXPECT_DOUBLE_EQ(H.Edges[0].Calls, 11);
  EXPECT_EQ(H.Edges[0].Sites[0].Via, std::vector<std::string>{"helper"});
  EXPECT_EQ(H.ExternalCalls["a"][0].Callee, "_Z6helperv");
  EXPECT_EQ(H.Unresolved[0].Reason, "address taken");
  EXPECT_EQ(H.findTaskBySymbol("_Z1bv")->Name, "b");
}

TEST(Graph, RootsAndTotalCostsWithRecursion) {
  Graph G;
  for (const char *N : {"a", "b", "c"}) {
    TaskNode T;
    T.Name = N;
    T.SelfCost = 1;
    G.Tasks.push_back(T);
  }
  G.addCall("a", "b", EdgeKind::Sync, CallSite{{}, {}, 2});
  G.addCall("b", "c", EdgeKind::Sync, CallSite{{}, {}, 3});
  G.addCall("c", "b", EdgeKind::Sync, CallSite{});  // recursion is cut
  G.addCall("a", "c", EdgeKind::Async, CallSite{}); // async: not in total
  G.computeTotalCosts();
  EXPECT_EQ(G.roots(), std::vector<std::string>{"a"});
  // c = 1 (+ b cut on the path); b = 1 + 3*c; a = 1 + 2*b.
  EXPECT_DOUBLE_EQ(G.findTask("b")->TotalCost, 1 + 3 * (1 + 0));
  EXPECT_DOUBLE_EQ(G.findTask("a")->TotalCost, 1 + 2 * 4);
}

TEST(Graph, RejectsBadDocuments) {
  auto Error = [](const char *Text) {
    try {
      Graph::fromJson(parseJson(Text, "g.json"), "g.json");
    } catch (const FormatError &E) {
      return std::string(E.what());
    }
    return std::string();
  };
  EXPECT_EQ(Error(R"({"format": "fusionize-graph/1", "tasks": [{"name": "a"}],
      "edges": [{"caller": "a", "callee": "x", "kind": "sync"}]})"),
            "g.json: edges[0]: unknown task \"x\" (not in \"tasks\")");
  EXPECT_EQ(
      Error(R"({"format": "fusionize-graph/1", "tasks": [{"name": "a"}],
      "edges": [{"caller": "a", "callee": "a", "kind": "maybe"}]})"),
      "g.json: edges[0].kind: expected \"sync\" or \"async\", got \"maybe\"");
  EXPECT_EQ(
      Error(
          R"({"format": "fusionize-graph/1", "tasks": [{"name": "a"}, {"name": "a"}], "edges": []})"),
      "g.json: tasks[1]: duplicate task \"a\"");
}
