//===- core/Graph.h - The task graph (fusionize-graph/1) ------------------===//
//
// Tasks and the calls between them, as the plugin finds them statically in
// one translation unit or `fusionize analyze` across a program. Costs are
// static estimates in abstract units (docs/graph.md explains them); calls
// are static estimates of calls per invocation of the caller.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_CORE_GRAPH_H
#define FUSIONIZE_CORE_GRAPH_H

#include "core/Json.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fusionize {

struct SourceLoc {
  std::string File;
  unsigned Line = 0;
  unsigned Column = 0;

  bool valid() const { return !File.empty(); }
  std::string str() const;
  Json toJson() const;
  static SourceLoc fromJson(const Json &J, const std::string &Origin,
                            const std::string &Path);
};

struct TaskParam {
  std::string Name;
  std::string Type;
};

struct TaskNode {
  std::string Name;      // public name (function name)
  std::string Symbol;    // mangled name of the C++ function
  std::string Signature; // e.g. "int (const std::string &)"
  std::string Returns;
  std::vector<TaskParam> Params;
  SourceLoc Loc;
  bool Defined = true; // the body is in this graph's sources
  bool ReturnsVoid = false;
  double SelfCost = 0;  // the task and the non-task code it runs
  double TotalCost = 0; // plus its synchronous task callees, transitively
};

enum class EdgeKind { Sync, Async };
const char *edgeKindName(EdgeKind K);

struct CallSite {
  SourceLoc Loc;
  std::vector<std::string> Via; // non-task functions between caller and call
  double Calls = 1;             // estimated calls per caller invocation
};

struct Edge {
  std::string Caller;
  std::string Callee;
  EdgeKind Kind = EdgeKind::Sync;
  double Calls = 0; // sum over sites
  std::vector<CallSite> Sites;
};

/// A call the static analysis could not resolve (a task reached through a
/// function pointer): the edge is unknown until a profile shows it.
struct UnresolvedCall {
  std::string Caller; // task, or empty outside any task
  std::string Task;   // the task whose address escapes, if known
  SourceLoc Loc;
  std::string Reason;
};

/// For whole-program merging: what a non-task function with external linkage
/// calls (tasks and other external functions), so `fusionize analyze` can
/// follow task -> helper (other file) -> task.
struct FunctionSummary {
  struct Call {
    std::string Callee; // mangled symbol
    EdgeKind Kind = EdgeKind::Sync;
    double Calls = 1;
    SourceLoc Loc;
  };
  std::string Symbol;
  std::string Name; // readable
  std::vector<Call> Calls;
  double Cost = 0;
};

class Graph {
public:
  std::string Program; // optional: application name
  std::vector<std::string> Sources;
  std::vector<TaskNode> Tasks;
  std::vector<Edge> Edges;
  std::vector<UnresolvedCall> Unresolved;
  /// Calls from each task to external non-task functions (by symbol), kept
  /// for whole-program merging.
  std::map<std::string, std::vector<FunctionSummary::Call>> ExternalCalls;
  std::vector<FunctionSummary> Functions;

  const TaskNode *findTask(const std::string &Name) const;
  TaskNode *findTask(const std::string &Name);
  const TaskNode *findTaskBySymbol(const std::string &Symbol) const;
  const Edge *findEdge(const std::string &Caller, const std::string &Callee,
                       EdgeKind Kind) const;
  /// Adds the call to the edge (Caller, Callee, Kind), creating it.
  Edge &addCall(const std::string &Caller, const std::string &Callee,
                EdgeKind Kind, const CallSite &Site);

  std::vector<const Edge *> outgoing(const std::string &Task) const;
  std::vector<const Edge *> incoming(const std::string &Task) const;
  /// Tasks nobody calls: the entry points of the application.
  std::vector<std::string> roots() const;
  std::vector<std::string> taskNames() const;

  /// Recomputes TotalCost from SelfCost along synchronous edges.
  void computeTotalCosts();

  Json toJson() const;
  static Graph fromJson(const Json &Doc, const std::string &Origin);
  static Graph load(const std::string &Path);
  void save(const std::string &Path) const;
};

} // namespace fusionize

#endif // FUSIONIZE_CORE_GRAPH_H
