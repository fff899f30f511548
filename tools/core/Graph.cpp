//===- core/Graph.cpp - The task graph (fusionize-graph/1) ----------------===//
#include "core/Graph.h"

#include <algorithm>
#include <functional>
#include <set>

namespace fusionize {

static const char *const GraphFormat = "fusionize-graph/1";

std::string SourceLoc::str() const {
  if (File.empty())
    return "<unknown>";
  return File + ":" + std::to_string(Line) + ":" + std::to_string(Column);
}

Json SourceLoc::toJson() const {
  return Json{{"file", File}, {"line", Line}, {"column", Column}};
}

SourceLoc SourceLoc::fromJson(const Json &J, const std::string &Origin,
                              const std::string &Path) {
  SourceLoc L;
  if (J.is_null())
    return L;
  L.File = getString(J, "file", "", Origin, Path);
  L.Line = static_cast<unsigned>(getInteger(J, "line", 0, Origin, Path));
  L.Column = static_cast<unsigned>(getInteger(J, "column", 0, Origin, Path));
  return L;
}

const char *edgeKindName(EdgeKind K) {
  return K == EdgeKind::Sync ? "sync" : "async";
}

static EdgeKind parseKind(const Json &Obj, const std::string &Origin,
                          const std::string &Path) {
  std::string K = getString(Obj, "kind", Origin, Path);
  if (K == "sync")
    return EdgeKind::Sync;
  if (K == "async")
    return EdgeKind::Async;
  throw FormatError(Origin + ": " + Path +
                    ".kind: expected \"sync\" or \"async\", got \"" + K + "\"");
}

const TaskNode *Graph::findTask(const std::string &Name) const {
  for (const TaskNode &T : Tasks)
    if (T.Name == Name)
      return &T;
  return nullptr;
}

TaskNode *Graph::findTask(const std::string &Name) {
  for (TaskNode &T : Tasks)
    if (T.Name == Name)
      return &T;
  return nullptr;
}

const TaskNode *Graph::findTaskBySymbol(const std::string &Symbol) const {
  for (const TaskNode &T : Tasks)
    if (T.Symbol == Symbol)
      return &T;
  return nullptr;
}

const Edge *Graph::findEdge(const std::string &Caller,
                            const std::string &Callee, EdgeKind Kind) const {
  for (const Edge &E : Edges)
    if (E.Caller == Caller && E.Callee == Callee && E.Kind == Kind)
      return &E;
  return nullptr;
}

Edge &Graph::addCall(const std::string &Caller, const std::string &Callee,
                     EdgeKind Kind, const CallSite &Site) {
  Edge *Found = nullptr;
  for (Edge &E : Edges)
    if (E.Caller == Caller && E.Callee == Callee && E.Kind == Kind)
      Found = &E;
  if (!Found) {
    Edges.push_back(Edge{Caller, Callee, Kind, 0, {}});
    Found = &Edges.back();
  }
  Found->Calls += Site.Calls;
  Found->Sites.push_back(Site);
  return *Found;
}

std::vector<const Edge *> Graph::outgoing(const std::string &Task) const {
  std::vector<const Edge *> R;
  for (const Edge &E : Edges)
    if (E.Caller == Task)
      R.push_back(&E);
  return R;
}

std::vector<const Edge *> Graph::incoming(const std::string &Task) const {
  std::vector<const Edge *> R;
  for (const Edge &E : Edges)
    if (E.Callee == Task)
      R.push_back(&E);
  return R;
}

std::vector<std::string> Graph::roots() const {
  std::set<std::string> Called;
  for (const Edge &E : Edges)
    if (E.Caller != E.Callee)
      Called.insert(E.Callee);
  std::vector<std::string> R;
  for (const TaskNode &T : Tasks)
    if (!Called.count(T.Name))
      R.push_back(T.Name);
  return R;
}

std::vector<std::string> Graph::taskNames() const {
  std::vector<std::string> R;
  for (const TaskNode &T : Tasks)
    R.push_back(T.Name);
  return R;
}

void Graph::computeTotalCosts() {
  // Total = self + sum over sync callees (calls * total). Recursion is cut:
  // a task already on the current path contributes nothing more.
  std::map<std::string, double> Memo;
  std::set<std::string> OnPath;
  std::function<double(const std::string &)> Total =
      [&](const std::string &Name) -> double {
    if (auto It = Memo.find(Name); It != Memo.end())
      return It->second;
    const TaskNode *T = findTask(Name);
    if (!T || OnPath.count(Name))
      return 0;
    OnPath.insert(Name);
    double Sum = T->SelfCost;
    for (const Edge *E : outgoing(Name))
      if (E->Kind == EdgeKind::Sync)
        Sum += E->Calls * Total(E->Callee);
    OnPath.erase(Name);
    Memo[Name] = Sum;
    return Sum;
  };
  for (TaskNode &T : Tasks)
    T.TotalCost = Total(T.Name);
}

static Json callToJson(const FunctionSummary::Call &C) {
  Json J{
      {"callee", C.Callee}, {"kind", edgeKindName(C.Kind)}, {"calls", C.Calls}};
  if (C.Loc.valid())
    J["location"] = C.Loc.toJson();
  return J;
}

static FunctionSummary::Call callFromJson(const Json &J,
                                          const std::string &Origin,
                                          const std::string &Path) {
  FunctionSummary::Call C;
  C.Callee = getString(J, "callee", Origin, Path);
  C.Kind = parseKind(J, Origin, Path);
  C.Calls = getNumber(J, "calls", 1, Origin, Path);
  if (J.contains("location"))
    C.Loc = SourceLoc::fromJson(J["location"], Origin, Path + ".location");
  return C;
}

Json Graph::toJson() const {
  Json Doc;
  Doc["format"] = GraphFormat;
  if (!Program.empty())
    Doc["program"] = Program;
  if (!Sources.empty())
    Doc["sources"] = Sources;
  Json &JT = Doc["tasks"] = Json::array();
  for (const TaskNode &T : Tasks) {
    Json Params = Json::array();
    for (const TaskParam &P : T.Params)
      Params.push_back(Json{{"name", P.Name}, {"type", P.Type}});
    Json J{{"name", T.Name},
           {"symbol", T.Symbol},
           {"signature", T.Signature},
           {"returns", T.Returns},
           {"params", Params},
           {"location", T.Loc.toJson()},
           {"defined", T.Defined},
           {"cost", Json{{"self", T.SelfCost},
                         {"total", T.TotalCost},
                         {"unit", "weighted-ir-instructions"}}}};
    auto Ext = ExternalCalls.find(T.Name);
    if (Ext != ExternalCalls.end() && !Ext->second.empty()) {
      Json Calls = Json::array();
      for (const auto &C : Ext->second)
        Calls.push_back(callToJson(C));
      J["external_calls"] = Calls;
    }
    JT.push_back(J);
  }
  Json &JE = Doc["edges"] = Json::array();
  for (const Edge &E : Edges) {
    Json Sites = Json::array();
    for (const CallSite &S : E.Sites) {
      Json JS = S.Loc.toJson();
      JS["calls"] = S.Calls;
      if (!S.Via.empty())
        JS["via"] = S.Via;
      Sites.push_back(JS);
    }
    JE.push_back(Json{{"caller", E.Caller},
                      {"callee", E.Callee},
                      {"kind", edgeKindName(E.Kind)},
                      {"calls", E.Calls},
                      {"sites", Sites}});
  }
  if (!Unresolved.empty()) {
    Json &JU = Doc["unresolved"] = Json::array();
    for (const UnresolvedCall &U : Unresolved) {
      Json J{{"caller", U.Caller},
             {"location", U.Loc.toJson()},
             {"reason", U.Reason}};
      if (!U.Task.empty())
        J["task"] = U.Task;
      JU.push_back(J);
    }
  }
  if (!Functions.empty()) {
    Json &JF = Doc["functions"] = Json::array();
    for (const FunctionSummary &F : Functions) {
      Json Calls = Json::array();
      for (const auto &C : F.Calls)
        Calls.push_back(callToJson(C));
      JF.push_back(Json{{"symbol", F.Symbol},
                        {"name", F.Name},
                        {"cost", F.Cost},
                        {"calls", Calls}});
    }
  }
  return Doc;
}

Graph Graph::fromJson(const Json &Doc, const std::string &Origin) {
  expectFormat(Doc, GraphFormat, Origin);
  Graph G;
  G.Program = getString(Doc, "program", "", Origin, "");
  for (const Json &S : getArray(Doc, "sources", Origin, "", false))
    G.Sources.push_back(S.is_string() ? S.get<std::string>() : S.dump());
  const Json &Tasks = getArray(Doc, "tasks", Origin, "");
  std::set<std::string> Names; // graphs of thousands of tasks: no linear scans
  for (size_t I = 0; I < Tasks.size(); ++I) {
    std::string P = "tasks[" + std::to_string(I) + "]";
    const Json &J = Tasks[I];
    TaskNode T;
    T.Name = getString(J, "name", Origin, P);
    if (!isValidName(T.Name))
      throw FormatError(Origin + ": " + P + ".name: \"" + T.Name +
                        "\" is not a valid task name ([A-Za-z0-9_-]{1,64})");
    if (!Names.insert(T.Name).second)
      throw FormatError(Origin + ": " + P + ": duplicate task \"" + T.Name +
                        "\"");
    T.Symbol = getString(J, "symbol", "", Origin, P);
    T.Signature = getString(J, "signature", "", Origin, P);
    T.Returns = getString(J, "returns", "", Origin, P);
    T.ReturnsVoid = T.Returns == "void";
    const Json &Params = getArray(J, "params", Origin, P, false);
    for (size_t K = 0; K < Params.size(); ++K) {
      std::string PP = P + ".params[" + std::to_string(K) + "]";
      T.Params.push_back({getString(Params[K], "name", "", Origin, PP),
                          getString(Params[K], "type", "", Origin, PP)});
    }
    if (J.contains("location"))
      T.Loc = SourceLoc::fromJson(J["location"], Origin, P + ".location");
    T.Defined = getBool(J, "defined", true, Origin, P);
    if (J.contains("cost")) {
      T.SelfCost = getNumber(J["cost"], "self", 0, Origin, P + ".cost");
      T.TotalCost = getNumber(J["cost"], "total", 0, Origin, P + ".cost");
    }
    const Json &Ext = getArray(J, "external_calls", Origin, P, false);
    for (size_t K = 0; K < Ext.size(); ++K)
      G.ExternalCalls[T.Name].push_back(callFromJson(
          Ext[K], Origin, P + ".external_calls[" + std::to_string(K) + "]"));
    G.Tasks.push_back(std::move(T));
  }
  const Json &Edges = getArray(Doc, "edges", Origin, "");
  for (size_t I = 0; I < Edges.size(); ++I) {
    std::string P = "edges[" + std::to_string(I) + "]";
    const Json &J = Edges[I];
    Edge E;
    E.Caller = getString(J, "caller", Origin, P);
    E.Callee = getString(J, "callee", Origin, P);
    E.Kind = parseKind(J, Origin, P);
    for (const std::string *N : {&E.Caller, &E.Callee})
      if (!Names.count(*N))
        throw FormatError(Origin + ": " + P + ": unknown task \"" + *N +
                          "\" (not in \"tasks\")");
    const Json &Sites = getArray(J, "sites", Origin, P, false);
    for (size_t K = 0; K < Sites.size(); ++K) {
      std::string SP = P + ".sites[" + std::to_string(K) + "]";
      CallSite S;
      S.Loc = SourceLoc::fromJson(Sites[K], Origin, SP);
      S.Calls = getNumber(Sites[K], "calls", 1, Origin, SP);
      for (const Json &V : getArray(Sites[K], "via", Origin, SP, false))
        S.Via.push_back(V.get<std::string>());
      E.Sites.push_back(S);
    }
    E.Calls = getNumber(J, "calls", 0, Origin, P);
    if (E.Calls == 0)
      for (const CallSite &S : E.Sites)
        E.Calls += S.Calls;
    if (E.Calls < 0)
      throw FormatError(Origin + ": " + P + ".calls: must not be negative");
    G.Edges.push_back(std::move(E));
  }
  const Json &Unres = getArray(Doc, "unresolved", Origin, "", false);
  for (size_t I = 0; I < Unres.size(); ++I) {
    std::string P = "unresolved[" + std::to_string(I) + "]";
    UnresolvedCall U;
    U.Caller = getString(Unres[I], "caller", "", Origin, P);
    U.Task = getString(Unres[I], "task", "", Origin, P);
    U.Reason = getString(Unres[I], "reason", "", Origin, P);
    if (Unres[I].contains("location"))
      U.Loc =
          SourceLoc::fromJson(Unres[I]["location"], Origin, P + ".location");
    G.Unresolved.push_back(U);
  }
  const Json &Funcs = getArray(Doc, "functions", Origin, "", false);
  for (size_t I = 0; I < Funcs.size(); ++I) {
    std::string P = "functions[" + std::to_string(I) + "]";
    FunctionSummary F;
    F.Symbol = getString(Funcs[I], "symbol", Origin, P);
    F.Name = getString(Funcs[I], "name", "", Origin, P);
    F.Cost = getNumber(Funcs[I], "cost", 0, Origin, P);
    const Json &Calls = getArray(Funcs[I], "calls", Origin, P, false);
    for (size_t K = 0; K < Calls.size(); ++K)
      F.Calls.push_back(callFromJson(Calls[K], Origin,
                                     P + ".calls[" + std::to_string(K) + "]"));
    G.Functions.push_back(std::move(F));
  }
  return G;
}

Graph Graph::load(const std::string &Path) {
  return fromJson(readJsonFile(Path), Path);
}

void Graph::save(const std::string &Path) const {
  writeJsonFile(Path, toJson());
}

} // namespace fusionize
