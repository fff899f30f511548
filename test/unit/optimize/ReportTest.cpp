//===- ReportTest.cpp - Table, charts and HTML of an optimize report ------===//
#include "optimize/Report.h"

#include "core/Graph.h"
#include "core/Plan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <sys/stat.h>

using namespace fusionize;
using namespace fusionize::optimize;

namespace {

size_t count(const std::string &Text, const std::string &What) {
  size_t N = 0;
  for (size_t P = Text.find(What); P != std::string::npos;
       P = Text.find(What, P + 1))
    ++N;
  return N;
}

Json figures(double P50, double P99, double CostUsd, unsigned Functions) {
  return Json{{"requests", 10},    {"errors", 0},
              {"p50_ms", P50},     {"p99_ms", P99},
              {"cost_usd", CostUsd}, {"billed_ms", P50 * 2},
              {"functions", Functions}, {"cold_starts_total", Functions}};
}

/// A report of two iterations of a three-task program A > B, A ~ C.
Json sampleReport() {
  Graph G;
  for (const char *T : {"A", "B", "C"}) {
    TaskNode N;
    N.Name = T;
    G.Tasks.push_back(N);
  }
  G.addCall("A", "B", EdgeKind::Sync, CallSite());
  G.addCall("A", "C", EdgeKind::Async, CallSite());
  Plan Split = Plan::onePerTask(G), Fused;
  Fused.Groups = {{"A", {"A", "B"}, 1769, 30}, {"C", {"C"}, 128, 30}};
  Json It1{{"iteration", 1},
           {"setup", "one function per task"},
           {"groups", 3},
           {"plan", Split.toJson()},
           {"measured", figures(300, 600, 10e-6, 3)},
           {"planning",
            Json{{"explanation",
                  Json::array({"planner: auto; objective: x",
                               "fuse B into group A (from B); local now: "
                               "A -> B (sync): latency -12 ms"})},
                 {"decision", "rebuild with the new plan (2 groups)"}}}};
  Json It2{{"iteration", 2},
           {"setup", "auto plan of iteration 1's traces"},
           {"groups", 2},
           {"plan", Fused.toJson()},
           {"measured", figures(100, 250, 6e-6, 2)},
           {"predicted", figures(95, 240, 5.8e-6, 2)},
           {"planning",
            Json{{"explanation", Json::array({"no change <kept>"})},
                 {"decision", "converged: the planner keeps this plan"}}}};
  return Json{{"format", "fusionize-optimize/1"},
              {"application", "demo"},
              {"workload", Json{{"description", "smoke: 10 requests"},
                                {"requests", 10}}},
              {"emulation", "aws-lambda-x86"},
              {"planner", "auto"},
              {"objective", Json{{"description", "weighted"}}},
              {"start", "one-per-task"},
              {"graph", G.toJson()},
              {"iterations", Json::array({It1, It2})},
              {"outcome", Json{{"converged", true},
                               {"reason", "converged: the planner keeps "
                                          "this plan"},
                               {"chosen_iteration", 2},
                               {"chosen_because", "the plan the loop "
                                                  "converged to"}}}};
}

} // namespace

TEST(Report, TableHasARowPerIterationWithThePrediction) {
  std::ostringstream S;
  printTable(S, sampleReport());
  std::string T = S.str();
  EXPECT_NE(T.find("one function per task"), std::string::npos);
  EXPECT_NE(T.find("300.0"), std::string::npos);
  EXPECT_NE(T.find("10.000"), std::string::npos); // cost in micro-dollars
  EXPECT_NE(T.find("95.0 ms / 5.800 u$"), std::string::npos) << T;
}

TEST(Report, ChangeFromFirstToChosen) {
  std::ostringstream S;
  printChange(S, sampleReport());
  std::string T = S.str();
  EXPECT_NE(T.find("median latency    300.0 -> 100.0 ms  (-66.7 %)"),
            std::string::npos)
      << T;
  EXPECT_NE(T.find("(-40.0 %)"), std::string::npos) << T; // cost
  EXPECT_NE(T.find("functions         3 -> 2; groups 3 -> 2"),
            std::string::npos)
      << T;
  EXPECT_EQ(percentChange(304, 197), "-35.2 %");
  EXPECT_EQ(percentChange(0, 1), "");
}

TEST(Report, LineChartSkipsMissingPoints) {
  double NaN = std::numeric_limits<double>::quiet_NaN();
  std::string Svg =
      lineChartSvg("t", "ms", {"1", "2", "3"},
                   {{"a", "#000", {1, 2, 3}, false},
                    {"b", "#111", {NaN, 5, 4}, true}});
  EXPECT_EQ(Svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(count(Svg, "<circle"), 5u);
  EXPECT_EQ(count(Svg, "<polyline"), 2u);
  EXPECT_NE(Svg.find("stroke-dasharray"), std::string::npos);
  std::string Bars = barChartSvg("c", "u$", {"1", "2"},
                                 {{"m", "#000", {3, 1}, false}});
  EXPECT_EQ(count(Bars, "<rect"), 3u); // background + 2 bars
}

TEST(Report, HtmlWithoutGraphviz) {
  HtmlOptions O;
  O.Graphs = false;
  std::string H = renderHtml(sampleReport(), O);
  EXPECT_EQ(H.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(H, "<svg"), 2u); // the two charts
  EXPECT_NE(H.find("id=\"iteration-1\""), std::string::npos);
  EXPECT_NE(H.find("id=\"iteration-2\""), std::string::npos);
  EXPECT_NE(H.find("no change &lt;kept&gt;"), std::string::npos);
  EXPECT_NE(H.find("A -&gt; B (sync)"), std::string::npos);
  EXPECT_NE(H.find("<tr class=\"chosen\"><td>2</td>"), std::string::npos);
  EXPECT_NE(H.find("-66.7 %"), std::string::npos);
  // Self-contained: no scripts, nothing fetched.
  EXPECT_EQ(H.find("<script"), std::string::npos);
  EXPECT_EQ(H.find("http://") == std::string::npos ||
                H.find("http://www.w3.org/2000/svg") != std::string::npos,
            true);
  EXPECT_EQ(H.find("https://"), std::string::npos);
}

TEST(Report, HtmlWithGraphviz) {
  struct stat St;
  if (::stat("/usr/bin/dot", &St) != 0)
    GTEST_SKIP() << "Graphviz is not installed";
  std::string H = renderHtml(sampleReport());
  // Two charts and one task graph per iteration.
  EXPECT_EQ(count(H, "<svg"), 4u);
  EXPECT_EQ(H.find("<?xml"), std::string::npos);
  EXPECT_NE(H.find("cluster_A"), std::string::npos);
}

TEST(Report, HtmlRejectsOtherDocuments) {
  EXPECT_THROW(renderHtml(Json{{"format", "fusionize-plan/1"}}), FormatError);
}
