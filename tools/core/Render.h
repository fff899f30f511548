//===- core/Render.h - Pictures and text of a plan over a task graph
//-------===//
//
// The task graph with its tasks colored by fusion group (Graphviz DOT, and
// SVG through Graphviz's `dot`), synchronous edges solid, asynchronous ones
// dashed, calls across groups (remote) drawn heavier than fused ones. Used
// by `fusionize report` and by the optimize loop's HTML report.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_CORE_RENDER_H
#define FUSIONIZE_CORE_RENDER_H

#include "core/Graph.h"
#include "core/Plan.h"

#include <string>

namespace fusionize {

struct DotOptions {
  std::string Title;
  bool ShowCosts = true;
  bool ShowMemory = true;
};

/// One cluster per group; a task copied into several groups appears in each
/// (copies outlined dashed, the home solid). An edge starts at the caller in
/// every group that holds it and ends at the callee's copy in the same group
/// (fused) or at its home (remote).
std::string planToDot(const Graph &G, const Plan &P, const DotOptions &O = {});

/// Runs Graphviz (`dot -Tsvg`); throws FormatError when it is missing or
/// fails, with the reason.
std::string dotToSvg(const std::string &Dot);

/// A readable color for group number `I` (a fixed palette, cycled).
std::string groupColor(size_t I);

} // namespace fusionize

#endif // FUSIONIZE_CORE_RENDER_H
