//===- cmd_report.cpp - fusionize report: what the fusion pass did ---------===//
//
//   fusionize report a.o b.o                  text
//   fusionize report --format svg -o g.svg a.o
//   fusionize report --format dot app.fusion/manifest.json
//   fusionize report --format html -o report.html opt/report.json
//
// Inputs are objects compiled with the plugin (their X.o.fusion/report.json),
// report files, or a manifest (its plan and graph). Several objects of one
// program are merged. --format html renders the report of `fusionize
// optimize` (fusionize-optimize/1) as a self-contained page.
//
//===----------------------------------------------------------------------===//
#include "Command.h"

#include "core/CommandLine.h"
#include "core/Graph.h"
#include "core/Manifest.h"
#include "core/Plan.h"
#include "core/Render.h"
#include "optimize/Report.h"

#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace fusionize {
namespace {

struct Merged {
  std::optional<Plan> ThePlan;
  Graph G;
  std::vector<std::string> Objects;
  struct GroupInfo {
    uint64_t Size = 0;
    std::set<std::string> Entries, Stubs;
    std::vector<std::string> Objects;
  };
  std::map<std::string, GroupInfo> Groups;
  struct Site {
    std::string Group, Caller, Callee, Kind, Decision, Where;
  };
  std::vector<Site> Sites;
};

bool isFile(const std::string &P) {
  struct stat St;
  return ::stat(P.c_str(), &St) == 0 && S_ISREG(St.st_mode);
}

std::string dirOf(const std::string &Path) {
  auto Slash = Path.rfind('/');
  return Slash == std::string::npos ? "." : Path.substr(0, Slash);
}

void addEdge(Graph &G, const std::string &Caller, const std::string &Callee,
             EdgeKind K, double Calls) {
  if (!G.findEdge(Caller, Callee, K)) {
    CallSite S;
    S.Calls = Calls;
    G.addCall(Caller, Callee, K, S);
  }
}

void addTask(Graph &G, const std::string &Name) {
  if (!G.findTask(Name)) {
    TaskNode N;
    N.Name = Name;
    G.Tasks.push_back(N);
  }
}

void readReport(Merged &M, const std::string &Path, const std::string &Obj) {
  Json R = readJsonFile(Path);
  expectFormat(R, "fusionize-report/1", Path);
  Plan P = Plan::fromJson(requireField(R, "plan", Path, ""), Path + " (plan)");
  if (!M.ThePlan)
    M.ThePlan = P;
  else if (!M.ThePlan->sameAs(P))
    throw FormatError(Path + ": compiled with a different plan than " +
                      M.Objects.front());
  M.Objects.push_back(Obj);
  for (const Json &T : getArray(R, "tasks", Path, ""))
    addTask(M.G, getString(T, "name", Path, "tasks"));
  for (const Json &E : getArray(R, "edges", Path, "", false)) {
    std::string K = getString(E, "kind", Path, "edges");
    addEdge(M.G, getString(E, "caller", Path, "edges"),
            getString(E, "callee", Path, "edges"),
            K == "async" ? EdgeKind::Async : EdgeKind::Sync,
            getNumber(E, "calls", 1, Path, "edges"));
  }
  for (const Json &Gr : getArray(R, "groups", Path, "")) {
    auto &Info = M.Groups[getString(Gr, "name", Path, "groups")];
    Info.Size += static_cast<uint64_t>(
        getInteger(Gr, "object_size", 0, Path, "groups"));
    Info.Objects.push_back(Obj);
    for (const Json &T : getArray(Gr, "entries", Path, "groups", false))
      Info.Entries.insert(T.get<std::string>());
    for (const Json &T : getArray(Gr, "stubs", Path, "groups", false))
      Info.Stubs.insert(T.get<std::string>());
  }
  for (const Json &S : getArray(R, "call_sites", Path, "", false)) {
    Merged::Site Site;
    Site.Group = getString(S, "group", Path, "call_sites");
    Site.Caller = getString(S, "caller", Path, "call_sites");
    Site.Callee = getString(S, "callee", Path, "call_sites");
    Site.Kind = getString(S, "kind", Path, "call_sites");
    Site.Decision = getString(S, "decision", Path, "call_sites");
    if (S.contains("location") && S["location"].is_object())
      Site.Where = SourceLoc::fromJson(S["location"], Path, "call_sites").str();
    M.Sites.push_back(Site);
  }
}

std::string kb(uint64_t Bytes) {
  std::ostringstream S;
  S << (Bytes + 512) / 1024 << " KB";
  return S.str();
}

std::string text(const Merged &M) {
  std::ostringstream O;
  const Plan &P = *M.ThePlan;
  O << "fusion plan: " << P.Groups.size() << " group"
    << (P.Groups.size() == 1 ? "" : "s") << ", " << M.G.Tasks.size()
    << " tasks";
  if (!M.Objects.empty())
    O << ", from " << M.Objects.size() << " object"
      << (M.Objects.size() == 1 ? "" : "s");
  O << "\n\n";
  for (const Group &Gr : P.Groups) {
    O << "group " << Gr.Name << " (" << Gr.MemoryMB << " MB, " << Gr.TimeoutS
      << " s)";
    auto It = M.Groups.find(Gr.Name);
    if (It != M.Groups.end() && It->second.Size)
      O << ", objects " << kb(It->second.Size);
    O << "\n  tasks:";
    for (const std::string &T : Gr.Tasks) {
      const Group *Home = P.homeOf(T);
      O << " " << T << (Home && Home != &Gr ? " (copy; home " + Home->Name + ")"
                                             : "");
    }
    O << "\n";
    if (It != M.Groups.end()) {
      if (!It->second.Stubs.empty()) {
        O << "  calls remotely:";
        for (const std::string &S : It->second.Stubs)
          O << " " << S;
        O << "\n";
      }
    }
  }
  if (!M.Sites.empty()) {
    O << "\ncall sites:\n";
    size_t Local = 0, Remote = 0, SyncRemote = 0;
    for (const auto &S : M.Sites) {
      O << "  " << (S.Where.empty() ? "<no location>" : S.Where) << "  "
        << S.Caller << " -> " << S.Callee << "  " << S.Kind << ", in "
        << S.Group << ": " << S.Decision;
      if (S.Decision == "remote") {
        const Group *Home = P.homeOf(S.Callee);
        O << " (to " << (Home ? Home->Name : "?") << ")";
        ++Remote;
        if (S.Kind == "sync") {
          ++SyncRemote;
          O << " - the caller waits and is billed";
        }
      } else {
        ++Local;
      }
      O << "\n";
    }
    O << "\n" << M.Sites.size() << " call sites: " << Local << " local, "
      << Remote << " remote (" << SyncRemote
      << " synchronous across groups)\n";
  }
  return O.str();
}

int runReport(int Argc, char **Argv) {
  ArgParser P("fusionize report",
              "Shows what the fusion pass did: the groups, where each call "
              "goes, and a picture of the task graph colored by group.");
  auto &Format = P.option("format", "FORMAT",
                          "text, dot or svg; html for an optimize report",
                          "text", 'f');
  auto &Out = P.option("output", "FILE", "write here instead of stdout", "",
                       'o');
  auto &Title = P.option("title", "TEXT", "title of the picture");
  auto &Inputs = P.positional("INPUT",
                              "objects compiled with the plugin, their "
                              "report.json files, or a manifest.json; for "
                              "html the report.json of fusionize optimize",
                              true, true);
  if (int Rc = P.parse(Argc, Argv); Rc >= 0)
    return Rc;
  const std::string &F = Format.value();
  if (F != "text" && F != "dot" && F != "svg" && F != "html")
    return P.error("--format: expected text, dot, svg or html, got '" + F +
                   "'");
  if (F == "html") {
    if (Inputs.Values.size() != 1)
      return P.error("--format html takes one input: the report.json of "
                     "fusionize optimize");
    try {
      const std::string &In = Inputs.Values[0];
      Json Doc = readJsonFile(In);
      expectFormat(Doc, optimize::ReportFormat, In);
      std::string Html = optimize::renderHtml(Doc);
      if (Out.isSet() && !Out.value().empty() && Out.value() != "-")
        writeTextFile(Out.value(), Html);
      else
        std::cout << Html;
    } catch (const FormatError &E) {
      std::cerr << "fusionize report: " << E.what() << "\n";
      return 1;
    }
    return 0;
  }

  Merged M;
  try {
    for (const std::string &In : Inputs.Values) {
      if (isFile(In + ".fusion/report.json")) {
        readReport(M, In + ".fusion/report.json", In);
        continue;
      }
      if (!isFile(In))
        throw FormatError(In + ": no such file (nor " + In +
                          ".fusion/report.json)");
      Json Doc = readJsonFile(In);
      std::string Kind = Doc.is_object() && Doc.contains("format") &&
                                 Doc["format"].is_string()
                             ? Doc["format"].get<std::string>()
                             : "";
      if (Kind == "fusionize-report/1") {
        readReport(M, In, In);
      } else if (Kind == "fusionize-manifest/1") {
        Manifest Man = Manifest::fromJson(Doc, In);
        std::string Dir = dirOf(In);
        if (Man.PlanFile.empty())
          throw FormatError(In + ": the manifest names no plan");
        M.ThePlan = Plan::load(Dir + "/" + Man.PlanFile);
        if (!Man.GraphFile.empty())
          M.G = Graph::load(Dir + "/" + Man.GraphFile);
        for (const std::string &T : M.ThePlan->tasks())
          addTask(M.G, T);
        for (const ManifestGroup &MG : Man.Groups)
          M.Groups[MG.Name].Size = MG.SizeBytes;
      } else {
        throw FormatError(In + ": not a fusion report or manifest (format \"" +
                          Kind + "\")");
      }
    }
    if (!M.ThePlan)
      throw FormatError("nothing to report");
    std::string Result;
    if (F == "text") {
      Result = text(M);
    } else {
      DotOptions O;
      O.Title = Title.value();
      Result = planToDot(M.G, *M.ThePlan, O);
      if (F == "svg")
        Result = dotToSvg(Result);
    }
    if (Out.isSet() && !Out.value().empty() && Out.value() != "-")
      writeTextFile(Out.value(), Result);
    else
      std::cout << Result;
  } catch (const FormatError &E) {
    std::cerr << "fusionize report: " << E.what() << "\n";
    return 1;
  }
  return 0;
}

} // namespace
} // namespace fusionize

FUSIONIZE_COMMAND(report,
                  "what the fusion pass did: text, Graphviz DOT or SVG; an "
                  "optimize report as HTML",
                  fusionize::runReport, 60)
