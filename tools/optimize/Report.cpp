//===- optimize/Report.cpp - The optimize report: table, change, HTML -----===//
#include "optimize/Report.h"

#include "core/Graph.h"
#include "core/Plan.h"
#include "core/Render.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace fusionize::optimize {

namespace {

double num(const Json &J, const char *Key, double Default = 0) {
  return J.is_object() && J.contains(Key) && J[Key].is_number()
             ? J[Key].get<double>()
             : Default;
}

std::string str(const Json &J, const char *Key, const std::string &Def = "") {
  return J.is_object() && J.contains(Key) && J[Key].is_string()
             ? J[Key].get<std::string>()
             : Def;
}

std::string fixed(double V, int Digits) {
  std::ostringstream S;
  S.setf(std::ios::fixed);
  S.precision(Digits);
  S << V;
  return S.str();
}

/// Milliseconds with a sensible number of digits.
std::string ms(double V) { return fixed(V, V < 10 ? 2 : 1); }
/// Micro-dollars per request.
std::string micro(double Usd) { return fixed(Usd * 1e6, 3); }

/// Cuts `S` to `N` display characters (bytes here: setups are ASCII).
std::string cut(const std::string &S, size_t N) {
  return S.size() <= N ? S : S.substr(0, N - 3) + "...";
}

std::string pad(const std::string &S, size_t N, bool Right = true) {
  if (S.size() >= N)
    return S;
  return Right ? std::string(N - S.size(), ' ') + S
               : S + std::string(N - S.size(), ' ');
}

} // namespace

std::string percentChange(double Before, double After) {
  if (!(Before > 0))
    return "";
  double P = (After - Before) / Before * 100;
  return (P >= 0 ? "+" : "") + fixed(P, 1) + " %";
}

std::string htmlEscape(const std::string &Text) {
  std::string Out;
  Out.reserve(Text.size());
  for (char C : Text) {
    switch (C) {
    case '&':
      Out += "&amp;";
      break;
    case '<':
      Out += "&lt;";
      break;
    case '>':
      Out += "&gt;";
      break;
    case '"':
      Out += "&quot;";
      break;
    default:
      Out += C;
    }
  }
  return Out;
}

//===-- The table ----------------------------------------------------------===//

void printTableHeader(std::ostream &OS) {
  OS << "  it  " << pad("setup", 40, false) << pad("groups", 7)
     << pad("fns", 5) << pad("median ms", 11) << pad("p99 ms", 10)
     << pad("cost u$/req", 13) << pad("billed ms", 11) << pad("colds", 7)
     << "   predicted median / cost\n";
  OS << "  " << std::string(40 + 4 + 7 + 5 + 11 + 10 + 13 + 11 + 7 + 28, '-')
     << "\n";
}

void printTableRow(std::ostream &OS, const Json &It) {
  const Json &M = It.contains("measured") ? It["measured"] : Json::object();
  OS << pad(std::to_string(int(num(It, "iteration"))), 4) << "  "
     << pad(cut(str(It, "setup"), 39), 40, false)
     << pad(std::to_string(int(num(It, "groups"))), 7)
     << pad(std::to_string(int(num(M, "functions"))), 5)
     << pad(ms(num(M, "p50_ms")), 11) << pad(ms(num(M, "p99_ms")), 10)
     << pad(micro(num(M, "cost_usd")), 13) << pad(ms(num(M, "billed_ms")), 11)
     << pad(std::to_string(int(num(M, "cold_starts_total"))), 7);
  if (It.contains("predicted")) {
    const Json &P = It["predicted"];
    OS << "   " << ms(num(P, "p50_ms")) << " ms / " << micro(num(P, "cost_usd"))
       << " u$";
  }
  OS << "\n";
}

void printTable(std::ostream &OS, const Json &Report) {
  printTableHeader(OS);
  if (Report.contains("iterations"))
    for (const Json &It : Report["iterations"])
      printTableRow(OS, It);
  OS << "  (latency: end to end over "
     << int(num(Report["workload"], "requests"))
     << " requests of the workload, as the platform measured it; cost and "
        "billed duration per request; predicted: what the cost model "
        "forecast for the plan from the traces the previous iteration "
        "planned from)\n";
}

void printChange(std::ostream &OS, const Json &Report) {
  if (!Report.contains("outcome") || !Report.contains("iterations") ||
      Report["iterations"].empty())
    return;
  const Json &Out = Report["outcome"];
  size_t Chosen = size_t(num(Out, "chosen_iteration", 1)) - 1;
  const Json &Its = Report["iterations"];
  if (Chosen >= Its.size())
    Chosen = Its.size() - 1;
  const Json &A = Its[0], &B = Its[Chosen];
  const Json &MA = A["measured"], &MB = B["measured"];
  OS << "change from iteration 1 (" << str(A, "setup") << ") to iteration "
     << Chosen + 1 << " (" << str(B, "setup") << "):\n";
  auto Line = [&](const char *What, const char *Key, const char *Unit,
                  bool Usd) {
    double X = num(MA, Key), Y = num(MB, Key);
    OS << "  " << pad(What, 18, false)
       << (Usd ? micro(X) : ms(X)) << " -> " << (Usd ? micro(Y) : ms(Y)) << " "
       << Unit << "  (" << percentChange(X, Y) << ")\n";
  };
  Line("median latency", "p50_ms", "ms", false);
  Line("p99 latency", "p99_ms", "ms", false);
  Line("cost", "cost_usd", "u$ per request", true);
  Line("billed duration", "billed_ms", "ms per request", false);
  OS << "  " << pad("functions", 18, false) << int(num(MA, "functions"))
     << " -> " << int(num(MB, "functions")) << "; groups "
     << int(num(A, "groups")) << " -> " << int(num(B, "groups")) << "\n";
  OS << "  " << str(Out, "reason") << " after " << Its.size()
     << " iteration" << (Its.size() == 1 ? "" : "s") << "\n";
}

//===-- Charts -------------------------------------------------------------===//

namespace {

struct Axis {
  double Max = 1, Step = 1;
};

Axis niceAxis(double Max) {
  Axis A;
  if (!(Max > 0))
    Max = 1;
  double Raw = Max / 5;
  double P = std::pow(10, std::floor(std::log10(Raw)));
  double F = Raw / P;
  A.Step = (F <= 1 ? 1 : F <= 2 ? 2 : F <= 5 ? 5 : 10) * P;
  A.Max = std::ceil(Max * 1.05 / A.Step) * A.Step;
  return A;
}

std::string fmtAxis(double V, double Step) {
  int Digits = Step >= 1 ? 0 : int(std::ceil(-std::log10(Step)));
  return fixed(V, std::min(Digits, 4));
}

std::string fmtValue(double V) {
  double A = std::abs(V);
  return fixed(V, A >= 100 ? 0 : A >= 10 ? 1 : A >= 1 ? 2 : 3);
}

struct Frame {
  double W = 570, H = 320, L = 64, R = 16, T = 60, B = 42;
  double plotW() const { return W - L - R; }
  double plotH() const { return H - T - B; }
};

std::string chartFrame(const Frame &F, const std::string &Title,
                       const std::string &Unit,
                       const std::vector<std::string> &XLabels,
                       const std::vector<ChartSeries> &Series, const Axis &A,
                       double Slot) {
  std::ostringstream S;
  S << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 "
    << F.W << " " << F.H << "\" width=\"" << F.W << "\" height=\"" << F.H
    << "\" role=\"img\" aria-label=\"" << htmlEscape(Title) << "\">\n";
  S << "<title>" << htmlEscape(Title) << "</title>\n";
  S << "<rect x=\"0\" y=\"0\" width=\"" << F.W << "\" height=\"" << F.H
    << "\" fill=\"#ffffff\"/>\n";
  S << "<text x=\"" << F.L << "\" y=\"18\" font-size=\"14\" "
       "font-weight=\"bold\" fill=\"#222\">"
    << htmlEscape(Title) << "</text>\n";
  // Legend, on the right of the title, in as many rows as it needs.
  double LX = F.L, LY = 32;
  for (const ChartSeries &Se : Series) {
    double W = 30 + 6 * double(Se.Name.size());
    if (LX + W > F.W - F.R && LX > F.L) {
      LX = F.L;
      LY += 14;
    }
    S << "<line x1=\"" << LX << "\" y1=\"" << LY << "\" x2=\"" << LX + 18
      << "\" y2=\"" << LY << "\" stroke=\"" << Se.Color
      << "\" stroke-width=\"3\""
      << (Se.Dashed ? " stroke-dasharray=\"5,3\"" : "") << "/>";
    S << "<text x=\"" << LX + 22 << "\" y=\"" << LY + 4
      << "\" font-size=\"11\" fill=\"#333\">" << htmlEscape(Se.Name)
      << "</text>\n";
    LX += W;
  }
  // Grid and y axis.
  for (double V = 0; V <= A.Max + A.Step / 2; V += A.Step) {
    double Y = F.T + F.plotH() * (1 - V / A.Max);
    S << "<line x1=\"" << F.L << "\" y1=\"" << Y << "\" x2=\"" << F.W - F.R
      << "\" y2=\"" << Y << "\" stroke=\"#e4e4e4\"/>";
    S << "<text x=\"" << F.L - 6 << "\" y=\"" << Y + 4
      << "\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">"
      << fmtAxis(V, A.Step) << "</text>\n";
  }
  S << "<text x=\"14\" y=\"" << F.T + F.plotH() / 2
    << "\" font-size=\"11\" fill=\"#555\" text-anchor=\"middle\" "
       "transform=\"rotate(-90 14 "
    << F.T + F.plotH() / 2 << ")\">" << htmlEscape(Unit) << "</text>\n";
  S << "<line x1=\"" << F.L << "\" y1=\"" << F.T + F.plotH() << "\" x2=\""
    << F.W - F.R << "\" y2=\"" << F.T + F.plotH()
    << "\" stroke=\"#888\"/>\n";
  for (size_t I = 0; I < XLabels.size(); ++I) {
    double X = F.L + Slot * (double(I) + 0.5);
    S << "<text x=\"" << X << "\" y=\"" << F.T + F.plotH() + 16
      << "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#333\">"
      << htmlEscape(XLabels[I]) << "</text>\n";
  }
  S << "<text x=\"" << F.L + F.plotW() / 2 << "\" y=\"" << F.H - 6
    << "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">"
       "iteration</text>\n";
  return S.str();
}

double seriesMax(const std::vector<ChartSeries> &Series) {
  double Max = 0;
  for (const ChartSeries &Se : Series)
    for (double V : Se.Values)
      if (std::isfinite(V))
        Max = std::max(Max, V);
  return Max;
}

} // namespace

std::string lineChartSvg(const std::string &Title, const std::string &Unit,
                         const std::vector<std::string> &XLabels,
                         const std::vector<ChartSeries> &Series) {
  Frame F;
  Axis A = niceAxis(seriesMax(Series));
  double Slot = F.plotW() / double(std::max<size_t>(1, XLabels.size()));
  std::ostringstream S;
  S << chartFrame(F, Title, Unit, XLabels, Series, A, Slot);
  for (const ChartSeries &Se : Series) {
    std::ostringstream Pts;
    std::vector<std::pair<double, double>> Points;
    for (size_t I = 0; I < Se.Values.size() && I < XLabels.size(); ++I) {
      if (!std::isfinite(Se.Values[I]))
        continue;
      double X = F.L + Slot * (double(I) + 0.5);
      double Y = F.T + F.plotH() * (1 - Se.Values[I] / A.Max);
      Points.emplace_back(X, Y);
      Pts << (Points.size() > 1 ? " " : "") << X << "," << Y;
    }
    S << "<g class=\"series\" data-series=\"" << htmlEscape(Se.Name) << "\">";
    if (Points.size() > 1)
      S << "<polyline fill=\"none\" stroke=\"" << Se.Color
        << "\" stroke-width=\"2.5\""
        << (Se.Dashed ? " stroke-dasharray=\"6,4\"" : "") << " points=\""
        << Pts.str() << "\"/>";
    size_t K = 0;
    for (size_t I = 0; I < Se.Values.size() && I < XLabels.size(); ++I) {
      if (!std::isfinite(Se.Values[I]))
        continue;
      auto [X, Y] = Points[K++];
      S << "<circle cx=\"" << X << "\" cy=\"" << Y << "\" r=\"4\" fill=\""
        << (Se.Dashed ? "#ffffff" : Se.Color) << "\" stroke=\"" << Se.Color
        << "\" stroke-width=\"2\"><title>" << htmlEscape(Se.Name) << ", "
        << htmlEscape(XLabels[I]) << ": " << fmtValue(Se.Values[I]) << " "
        << htmlEscape(Unit) << "</title></circle>";
      if (!Se.Dashed)
        S << "<text x=\"" << X + 6 << "\" y=\"" << Y - 6
          << "\" font-size=\"10\" fill=\"" << Se.Color << "\">"
          << fmtValue(Se.Values[I]) << "</text>";
    }
    S << "</g>\n";
  }
  S << "</svg>\n";
  return S.str();
}

std::string barChartSvg(const std::string &Title, const std::string &Unit,
                        const std::vector<std::string> &XLabels,
                        const std::vector<ChartSeries> &Series) {
  Frame F;
  Axis A = niceAxis(seriesMax(Series));
  double Slot = F.plotW() / double(std::max<size_t>(1, XLabels.size()));
  double BarW = std::min(40.0, Slot * 0.7 / double(std::max<size_t>(
                                              1, Series.size())));
  std::ostringstream S;
  S << chartFrame(F, Title, Unit, XLabels, Series, A, Slot);
  for (size_t SI = 0; SI < Series.size(); ++SI) {
    const ChartSeries &Se = Series[SI];
    S << "<g class=\"series\" data-series=\"" << htmlEscape(Se.Name) << "\">";
    for (size_t I = 0; I < Se.Values.size() && I < XLabels.size(); ++I) {
      double V = Se.Values[I];
      if (!std::isfinite(V))
        continue;
      double X = F.L + Slot * (double(I) + 0.5) -
                 BarW * double(Series.size()) / 2 + BarW * double(SI);
      double H = F.plotH() * V / A.Max;
      double Y = F.T + F.plotH() - H;
      S << "<rect x=\"" << X + 1 << "\" y=\"" << Y << "\" width=\""
        << BarW - 2 << "\" height=\"" << H << "\" fill=\""
        << (Se.Dashed ? "#ffffff" : Se.Color) << "\" stroke=\"" << Se.Color
        << "\" stroke-width=\"2\""
        << (Se.Dashed ? " stroke-dasharray=\"4,3\"" : "") << "><title>"
        << htmlEscape(Se.Name) << ", " << htmlEscape(XLabels[I]) << ": "
        << fmtValue(V) << " " << htmlEscape(Unit) << "</title></rect>";
      S << "<text x=\"" << X + BarW / 2 << "\" y=\"" << Y - 4
        << "\" font-size=\"10\" text-anchor=\"middle\" fill=\"#333\">"
        << fmtValue(V) << "</text>";
    }
    S << "</g>\n";
  }
  S << "</svg>\n";
  return S.str();
}

//===-- The page -----------------------------------------------------------===//

namespace {

const char *Css = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       margin: 0; color: #1d1d1f; background: #f6f7f9; }
header { background: #1f3b57; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 6px 0; font-size: 24px; }
header p { margin: 2px 0; color: #d7e3ee; font-size: 14px; }
main { padding: 16px 32px 40px 32px; max-width: 1280px; }
h2 { font-size: 19px; margin: 28px 0 10px 0; border-bottom: 1px solid #d0d4da;
     padding-bottom: 4px; }
h3 { font-size: 16px; margin: 0 0 8px 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 16px; }
.card { background: #fff; border-radius: 8px; padding: 12px 18px;
        box-shadow: 0 1px 3px rgba(0,0,0,.12); min-width: 170px; }
.card .label { font-size: 12px; color: #666; text-transform: uppercase;
               letter-spacing: .04em; }
.card .value { font-size: 20px; font-weight: 600; margin-top: 4px; }
.card .delta { font-size: 14px; margin-top: 2px; }
.better { color: #137333; } .worse { color: #b3261e; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.charts svg { background: #fff; border-radius: 8px;
              box-shadow: 0 1px 3px rgba(0,0,0,.12); max-width: 100%;
              height: auto; }
table { border-collapse: collapse; background: #fff; font-size: 13px;
        box-shadow: 0 1px 3px rgba(0,0,0,.12); }
th, td { padding: 6px 10px; border-bottom: 1px solid #e6e8eb;
         text-align: right; }
th { background: #eef1f5; font-weight: 600; }
td.setup, th.setup { text-align: left; max-width: 360px; }
tr.chosen td { background: #eaf5ea; }
.iteration { background: #fff; border-radius: 8px; padding: 16px 20px;
             margin: 14px 0; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
.iteration .cols { display: flex; flex-wrap: wrap; gap: 20px; }
.graph { flex: 1 1 520px; overflow-x: auto; }
.graph svg { max-width: 100%; height: auto; }
.facts { flex: 1 1 360px; font-size: 13px; }
.facts ul { padding-left: 18px; margin: 6px 0; }
.facts li { margin: 2px 0; }
.explain { font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
           font-size: 12px; background: #f4f5f7; border-radius: 6px;
           padding: 8px 10px; white-space: pre-wrap; }
.decision { font-weight: 600; margin-top: 8px; }
.swatch { display: inline-block; width: 12px; height: 12px;
          border-radius: 3px; margin-right: 6px; vertical-align: middle;
          border: 1px solid rgba(0,0,0,.25); }
.note { color: #555; font-size: 13px; }
footer { color: #666; font-size: 12px; padding: 0 32px 24px 32px; }
)";

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

std::string deltaCard(const std::string &Label, double A, double B,
                      const std::string &Unit, bool Usd) {
  std::ostringstream S;
  std::string Pct = percentChange(A, B);
  bool Better = B < A;
  S << "<div class=\"card\"><div class=\"label\">" << htmlEscape(Label)
    << "</div><div class=\"value\">" << (Usd ? micro(A) : ms(A)) << " &rarr; "
    << (Usd ? micro(B) : ms(B)) << " " << htmlEscape(Unit)
    << "</div><div class=\"delta " << (Better ? "better" : "worse") << "\">"
    << htmlEscape(Pct) << "</div></div>\n";
  return S.str();
}

/// Graphviz's SVG without its XML prolog, ready to inline.
std::string inlineSvg(const std::string &Svg) {
  auto P = Svg.find("<svg");
  return P == std::string::npos ? Svg : Svg.substr(P);
}

} // namespace

std::string renderHtml(const Json &Report, const HtmlOptions &O) {
  expectFormat(Report, ReportFormat, "optimize report");
  const Json &Its = Report.contains("iterations") ? Report["iterations"]
                                                  : Json::array();
  Graph G;
  if (Report.contains("graph") && Report["graph"].is_object())
    G = Graph::fromJson(Report["graph"], "optimize report (graph)");
  std::string App = str(Report, "application", "application");
  const Json &Outcome =
      Report.contains("outcome") ? Report["outcome"] : Json::object();
  size_t Chosen = size_t(num(Outcome, "chosen_iteration", double(Its.size())));
  if (Chosen == 0 || Chosen > Its.size())
    Chosen = Its.size();

  std::ostringstream H;
  H << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, "
       "initial-scale=1\">\n<title>Fusionize optimize: "
    << htmlEscape(App) << "</title>\n<style>" << Css << "</style>\n</head>\n<body>\n";
  H << "<header><h1>Fusionize optimize: " << htmlEscape(App) << "</h1>\n";
  const Json &W = Report.contains("workload") ? Report["workload"]
                                              : Json::object();
  H << "<p>workload " << htmlEscape(str(W, "description")) << "</p>\n";
  H << "<p>local platform, emulation " << htmlEscape(str(Report, "emulation"))
    << "; planner " << htmlEscape(str(Report, "planner")) << "; objective "
    << htmlEscape(Report.contains("objective")
                      ? str(Report["objective"], "description")
                      : "")
    << "; start: " << htmlEscape(str(Report, "start")) << "</p>\n";
  H << "<p>" << Its.size() << " iteration" << (Its.size() == 1 ? "" : "s");
  if (Outcome.is_object() && Outcome.contains("reason"))
    H << "; " << htmlEscape(str(Outcome, "reason"));
  if (Report.contains("duration_s"))
    H << "; " << fixed(num(Report, "duration_s") / 60, 1) << " min";
  H << "; " << htmlEscape(str(Report, "started")) << "</p>\n</header>\n<main>\n";

  if (!Its.empty()) {
    const Json &A = Its[0]["measured"], &B = Its[Chosen - 1]["measured"];
    H << "<section id=\"summary\"><h2>From iteration 1 ("
      << htmlEscape(str(Its[0], "setup")) << ") to iteration " << Chosen
      << " (" << htmlEscape(str(Its[Chosen - 1], "setup")) << ")</h2>\n";
    H << "<div class=\"cards\">\n";
    H << deltaCard("median latency", num(A, "p50_ms"), num(B, "p50_ms"), "ms",
                   false);
    H << deltaCard("p99 latency", num(A, "p99_ms"), num(B, "p99_ms"), "ms",
                   false);
    H << deltaCard("cost per request", num(A, "cost_usd"), num(B, "cost_usd"),
                   "µ$", true);
    H << deltaCard("billed duration per request", num(A, "billed_ms"),
                   num(B, "billed_ms"), "ms", false);
    H << "<div class=\"card\"><div class=\"label\">functions</div>"
         "<div class=\"value\">"
      << int(num(A, "functions")) << " &rarr; " << int(num(B, "functions"))
      << "</div><div class=\"delta\">groups " << int(num(Its[0], "groups"))
      << " &rarr; " << int(num(Its[Chosen - 1], "groups"))
      << "</div></div>\n</div>\n";
    H << "<p class=\"note\">" << htmlEscape(str(Outcome, "chosen_because"))
      << ".</p></section>\n";

    // Charts.
    std::vector<std::string> X;
    ChartSeries P50{"median (measured)", "#1f77b4", {}, false};
    ChartSeries P99{"p99 (measured)", "#d62728", {}, false};
    ChartSeries PP50{"median (predicted)", "#1f77b4", {}, true};
    ChartSeries PP99{"p99 (predicted)", "#d62728", {}, true};
    ChartSeries Cost{"cost (measured)", "#2ca02c", {}, false};
    ChartSeries PCost{"cost (predicted)", "#2ca02c", {}, true};
    bool AnyPred = false;
    for (const Json &It : Its) {
      X.push_back(std::to_string(int(num(It, "iteration"))));
      const Json &M = It["measured"];
      P50.Values.push_back(num(M, "p50_ms"));
      P99.Values.push_back(num(M, "p99_ms"));
      Cost.Values.push_back(num(M, "cost_usd") * 1e6);
      if (It.contains("predicted")) {
        AnyPred = true;
        PP50.Values.push_back(num(It["predicted"], "p50_ms"));
        PP99.Values.push_back(num(It["predicted"], "p99_ms"));
        PCost.Values.push_back(num(It["predicted"], "cost_usd") * 1e6);
      } else {
        PP50.Values.push_back(nan());
        PP99.Values.push_back(nan());
        PCost.Values.push_back(nan());
      }
    }
    std::vector<ChartSeries> LatS{P50, P99}, CostS{Cost};
    if (AnyPred) {
      LatS.push_back(PP50);
      LatS.push_back(PP99);
      CostS.push_back(PCost);
    }
    H << "<section id=\"charts\"><h2>Latency and cost per iteration</h2>\n"
         "<div class=\"charts\">\n"
      << lineChartSvg("End-to-end latency", "ms", X, LatS)
      << barChartSvg("Cost per request", "µ$ per request", X, CostS)
      << "</div>\n<p class=\"note\">Measured on the local platform under the "
         "emulation profile; predicted: the cost model's forecast for the "
         "iteration's plan, made from the traces the previous iteration "
         "planned from (dashed).</p></section>\n";

    // The table.
    H << "<section id=\"table\"><h2>Iterations</h2>\n<table>\n<tr><th>#</th>"
         "<th class=\"setup\">setup</th><th>groups</th><th>functions</th>"
         "<th>median ms</th><th>p99 ms</th><th>cost µ$/req</th>"
         "<th>billed ms/req</th><th>cold starts</th><th>errors</th>"
         "<th>predicted median ms</th><th>predicted cost µ$/req</th></tr>\n";
    for (size_t I = 0; I < Its.size(); ++I) {
      const Json &It = Its[I];
      const Json &M = It["measured"];
      H << "<tr" << (I + 1 == Chosen ? " class=\"chosen\"" : "") << "><td>"
        << int(num(It, "iteration")) << "</td><td class=\"setup\">"
        << htmlEscape(str(It, "setup")) << "</td><td>"
        << int(num(It, "groups")) << "</td><td>" << int(num(M, "functions"))
        << "</td><td>" << ms(num(M, "p50_ms")) << "</td><td>"
        << ms(num(M, "p99_ms")) << "</td><td>" << micro(num(M, "cost_usd"))
        << "</td><td>" << ms(num(M, "billed_ms")) << "</td><td>"
        << int(num(M, "cold_starts_total")) << "</td><td>"
        << int(num(M, "errors")) << "</td>";
      if (It.contains("predicted"))
        H << "<td>" << ms(num(It["predicted"], "p50_ms")) << "</td><td>"
          << micro(num(It["predicted"], "cost_usd")) << "</td>";
      else
        H << "<td>&ndash;</td><td>&ndash;</td>";
      H << "</tr>\n";
    }
    H << "</table>\n</section>\n";
  }

  // Per iteration: the graph, the groups, the explanation.
  H << "<section id=\"iterations\"><h2>The plans</h2>\n";
  bool GraphsOk = O.Graphs && !G.Tasks.empty();
  std::string GraphError;
  for (const Json &It : Its) {
    int N = int(num(It, "iteration"));
    H << "<div class=\"iteration\" id=\"iteration-" << N << "\"><h3>Iteration "
      << N << ": " << htmlEscape(str(It, "setup")) << "</h3>\n<div class=\"cols\">\n";
    Plan P;
    bool HavePlan = false;
    try {
      P = Plan::fromJson(It["plan"], "iteration " + std::to_string(N));
      HavePlan = true;
    } catch (const FormatError &) {
    }
    H << "<div class=\"graph\">";
    if (HavePlan && GraphsOk) {
      try {
        DotOptions DO;
        DO.Title = "iteration " + std::to_string(N);
        H << inlineSvg(dotToSvg(planToDot(G, P, DO)));
      } catch (const FormatError &E) {
        GraphsOk = false;
        GraphError = E.what();
      }
    }
    if (!GraphsOk)
      H << "<p class=\"note\">(no picture of the task graph: "
        << htmlEscape(GraphError.empty() ? "Graphviz not used" : GraphError)
        << ")</p>";
    H << "</div>\n<div class=\"facts\">";
    if (HavePlan) {
      H << "<b>groups</b><ul>";
      for (size_t GI = 0; GI < P.Groups.size(); ++GI) {
        const Group &Gr = P.Groups[GI];
        H << "<li><span class=\"swatch\" style=\"background:"
          << htmlEscape(groupColor(GI)) << "\"></span><b>"
          << htmlEscape(Gr.Name) << "</b> (" << Gr.MemoryMB << " MB): ";
        for (size_t T = 0; T < Gr.Tasks.size(); ++T) {
          const Group *Home = P.homeOf(Gr.Tasks[T]);
          H << (T ? ", " : "") << htmlEscape(Gr.Tasks[T])
            << (Home && Home != &Gr ? " (copy)" : "");
        }
        H << "</li>";
      }
      H << "</ul>";
    }
    if (It.contains("measured")) {
      const Json &M = It["measured"];
      H << "<b>measured</b>: median " << ms(num(M, "p50_ms")) << " ms, p99 "
        << ms(num(M, "p99_ms")) << " ms, cost " << micro(num(M, "cost_usd"))
        << " µ$ per request, " << int(num(M, "functions"))
        << " functions invoked, " << int(num(M, "cold_starts_total"))
        << " cold starts, " << int(num(M, "requests")) << " requests ("
        << int(num(M, "errors")) << " errors)<br>\n";
    }
    if (It.contains("predicted")) {
      const Json &Pr = It["predicted"];
      H << "<b>predicted</b> (from iteration " << N - 1 << "'s traces): median "
        << ms(num(Pr, "p50_ms")) << " ms, p99 " << ms(num(Pr, "p99_ms"))
        << " ms, cost " << micro(num(Pr, "cost_usd")) << " µ$ per request<br>\n";
    }
    if (It.contains("build_s"))
      H << "<span class=\"note\">build " << fixed(num(It, "build_s"), 1)
        << " s, run " << fixed(num(It, "run_s"), 1) << " s, planning "
        << fixed(num(It, "plan_s"), 1) << " s</span>\n";
    if (It.contains("planning")) {
      const Json &Pl = It["planning"];
      H << "<p><b>the planner on this iteration's traces</b>";
      if (double Host = num(Pl, "host_cpus"); Host > 0)
        H << " <span class=\"note\">(a request's instances sharing the "
          << fixed(Host, 0) << " CPUs of the host)</span>";
      H << "</p><div class=\"explain\">";
      if (Pl.contains("explanation"))
        for (const Json &L : Pl["explanation"])
          if (L.is_string())
            H << htmlEscape(L.get<std::string>()) << "\n";
      H << "</div>\n<div class=\"decision\">"
        << htmlEscape(str(Pl, "decision")) << "</div>";
    }
    H << "</div>\n</div>\n</div>\n";
  }
  H << "</section>\n";
  H << "<section id=\"legend\"><h2>How to read the graphs</h2><p class=\"note\">"
       "Each colored box is a fusion group: one function's code artifact (an "
       "executable) with its memory size. A task copied into a second group "
       "is outlined dashed. Solid arrows are synchronous calls, dashed "
       "arrows asynchronous ones; red heavy arrows cross groups (remote "
       "invocations through the platform), grey ones stay inside a group "
       "(plain C++ calls). The numbers under the task names are the static "
       "cost estimates of the compiler.</p>"
       "</section>\n";
  H << "</main>\n<footer>Written by fusionize optimize ("
    << htmlEscape(str(Report, "format")) << "); report.json holds every "
       "figure.</footer>\n</body>\n</html>\n";
  return H.str();
}

} // namespace fusionize::optimize
