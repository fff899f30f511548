//===- WholeProgram.h - One task graph for a program of many files
//---------===//
//
// Each translation unit's graph knows its own tasks, the tasks it calls
// (declared in headers) and, for calls it cannot follow, the symbols of the
// functions it calls in other files. mergeGraphs() joins them: tasks by
// name, edges by (caller, callee, kind), and task -> helper (another file)
// -> task paths through the helpers' summaries, with their costs added to
// the calling task.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_ANALYZE_WHOLEPROGRAM_H
#define FUSIONIZE_ANALYZE_WHOLEPROGRAM_H

#include "core/Graph.h"

#include <string>
#include <vector>

namespace fusionize {

/// Joins per-file graphs into the program's graph. Throws FormatError when
/// two files define the same task or disagree about a task's symbol.
Graph mergeGraphs(const std::vector<Graph> &Parts);

struct AnalyzeOptions {
  std::string BuildDir;             // where compile_commands.json is
  std::vector<std::string> Sources; // empty: every file of the database
  std::string ResourceDir;          // clang's, for builtin headers
  bool Verbose = false;
};

/// Runs the plugin's analysis over every source (LibTooling) and returns
/// the merged graph; diagnostics go to stderr. Throws FormatError on setup
/// errors (no compilation database, a file that does not compile).
Graph analyzeProgram(const AnalyzeOptions &O);

} // namespace fusionize

#endif // FUSIONIZE_ANALYZE_WHOLEPROGRAM_H
