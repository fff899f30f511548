//===- TestUtil.h - Small graphs and traces for the planner tests ---------===//
#ifndef FUSIONIZE_TEST_PLANNER_TESTUTIL_H
#define FUSIONIZE_TEST_PLANNER_TESTUTIL_H

#include "core/Graph.h"
#include "planner/Otlp.h"
#include "planner/Profile.h"

#include <string>
#include <vector>

namespace fusionize::test {

/// A graph from "A>B" (sync) and "A~B" (async) edges; tasks in order of
/// appearance; tasks called asynchronously return void.
Graph graph(const std::vector<std::string> &Edges,
            const std::vector<std::string> &Extra = {});

/// One span as OTLP/JSON.
struct S {
  std::string Id, Parent, Name;
  int Kind = 2;
  double StartMs = 0, EndMs = 0;
  std::vector<std::string> Attrs; // already JSON: {"key":..,"value":..}
};
std::string str(const char *K, const std::string &V);
std::string num(const char *K, double V);
std::string flag(const char *K, bool V);
std::string doc(const std::vector<S> &Spans, const std::string &Trace = "1");

Profile profileOf(const Graph &G, const std::string &Text,
                  const EmulationProfile &TraceEmu);

/// A scratch file that is removed at the end of the test.
struct TempFile {
  explicit TempFile(const std::string &Text);
  ~TempFile();
  std::string Path;
};

} // namespace fusionize::test

#endif
