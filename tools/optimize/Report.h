//===- optimize/Report.h - The optimize report: table, change, HTML -------===//
//
// `fusionize optimize` writes its iterations as one JSON document
// (fusionize-optimize/1, docs/schemas/fusionize-optimize.schema.json); these
// functions print it as the papers' table and render it as a self-contained
// HTML page (`fusionize report --format html report.json`):
//
//   - the table: per iteration the setup, median and p99 latency, cost per
//     request, billed duration, functions, cold starts, and what the model
//     had predicted for it;
//   - the change from the first setup to the chosen one;
//   - the page: the table, latency (p50, p99) and cost per iteration as
//     inline SVG charts, and per iteration the task graph colored by group
//     (Graphviz, core/Render.h) with the planner's explanation.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_OPTIMIZE_REPORT_H
#define FUSIONIZE_OPTIMIZE_REPORT_H

#include "core/Json.h"

#include <ostream>
#include <string>

namespace fusionize::optimize {

inline constexpr const char *ReportFormat = "fusionize-optimize/1";

/// The table's header (two lines) and one row per iteration.
void printTableHeader(std::ostream &OS);
void printTableRow(std::ostream &OS, const Json &Iteration);
void printTable(std::ostream &OS, const Json &Report);

/// "first -> chosen: median 318.2 -> 72.1 ms (-77.3 %), ..." lines.
void printChange(std::ostream &OS, const Json &Report);

/// Relative change in percent, signed ("-35.2 %"); "" when undefined.
std::string percentChange(double Before, double After);

struct HtmlOptions {
  /// Run Graphviz for the task graphs; without it (or when `dot` is
  /// missing) the page lists the groups instead.
  bool Graphs = true;
};

/// The self-contained page (no scripts, no network). Throws FormatError
/// when `Report` is not a fusionize-optimize/1 document.
std::string renderHtml(const Json &Report, const HtmlOptions &O = {});

/// Inline SVG line chart: one polyline per series over x = 1..N. Exposed for
/// the tests.
struct ChartSeries {
  std::string Name, Color;
  std::vector<double> Values; // NaN: no point
  bool Dashed = false;
};
std::string lineChartSvg(const std::string &Title, const std::string &Unit,
                         const std::vector<std::string> &XLabels,
                         const std::vector<ChartSeries> &Series);
/// Inline SVG bar chart (grouped bars per x).
std::string barChartSvg(const std::string &Title, const std::string &Unit,
                        const std::vector<std::string> &XLabels,
                        const std::vector<ChartSeries> &Series);

/// Escapes &, <, >, " for HTML text and attributes.
std::string htmlEscape(const std::string &Text);

} // namespace fusionize::optimize

#endif // FUSIONIZE_OPTIMIZE_REPORT_H
