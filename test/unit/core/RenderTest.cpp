#include "core/Render.h"

#include <gtest/gtest.h>

using namespace fusionize;

TEST(Render, ClustersCopiesAndEdgeStyles) {
  Graph G;
  for (const char *N : {"a", "b", "c"}) {
    TaskNode T;
    T.Name = N;
    G.Tasks.push_back(T);
  }
  G.addCall("a", "b", EdgeKind::Sync, CallSite{});
  G.addCall("a", "c", EdgeKind::Async, CallSite{});
  Plan P =
      Plan::fromJson(parseJson(R"({"format": "fusionize-plan/1", "groups": [
        {"name": "front", "tasks": ["a", "b"]},
        {"name": "back", "tasks": ["b", "c"]}], "routes": {"b": "back"}})",
                               "p"),
                     "p");
  std::string D = planToDot(G, P);
  EXPECT_NE(D.find("subgraph \"cluster_front\""), std::string::npos);
  EXPECT_NE(D.find("subgraph \"cluster_back\""), std::string::npos);
  // b is a copy in front (dashed), its home is back.
  EXPECT_NE(D.find("\"front/b\" [label=\"b\\n0\", fillcolor=white, "
                   "style=\"rounded,filled,dashed\""),
            std::string::npos);
  // a -> b is local in front (grey, solid); a -> c remote to back, dashed.
  EXPECT_NE(
      D.find("\"front/a\" -> \"front/b\" [style=solid, color=\"#555555\"]"),
      std::string::npos);
  EXPECT_NE(
      D.find("\"front/a\" -> \"back/c\" [style=dashed, color=\"#c0392b\", "
             "penwidth=2]"),
      std::string::npos);
}
