//===- core/Plan.h - Fusion plans (fusionize-plan/1) ----------------------===//
//
// A plan cuts the task graph into fusion groups: each group is one code
// artifact (executable) with a memory size and a timeout. A task may be
// placed in several groups (a copy for local callers); its deployed function
// lives in its *home* group: `routes[task]` if given, else the first group in
// plan order that lists it.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_CORE_PLAN_H
#define FUSIONIZE_CORE_PLAN_H

#include "core/Graph.h"
#include "core/Json.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace fusionize {

inline constexpr unsigned MinMemoryMB = 128;
inline constexpr unsigned MaxMemoryMB = 10240;

/// Parses a comma-separated list of memory sizes (MB, each in
/// MinMemoryMB..MaxMemoryMB) into `Out`, sorted and without duplicates; on
/// failure returns false with a message for `--memory-sizes` in `Err`.
bool parseMemorySizes(const std::string &Text, std::vector<unsigned> &Out,
                      std::string &Err);
inline constexpr unsigned MaxTimeoutS = 900;
inline constexpr unsigned DefaultMemoryMB = 128;
inline constexpr unsigned DefaultTimeoutS = 30;

struct Group {
  std::string Name;
  std::vector<std::string> Tasks;
  unsigned MemoryMB = DefaultMemoryMB;
  unsigned TimeoutS = DefaultTimeoutS;

  bool contains(const std::string &Task) const;
};

struct Plan {
  /// "translation-unit": the plan covers exactly the tasks of the compiled
  /// file. "program": it covers a whole program, so a file may not know
  /// every task it names (checked at link time instead).
  std::string Scope = "translation-unit";
  std::vector<Group> Groups;
  std::map<std::string, std::string> Routes; // task -> home group
  /// Anything else in the document (explanation, provenance), kept as is.
  Json Extra = Json::object();

  const Group *findGroup(const std::string &Name) const;
  Group *findGroup(const std::string &Name);
  /// The groups that hold a copy of `Task`, in plan order.
  std::vector<const Group *> groupsOf(const std::string &Task) const;
  /// The group whose executable serves `Task`'s function; null if the task
  /// is in no group.
  const Group *homeOf(const std::string &Task) const;
  std::set<std::string> tasks() const;
  bool programScope() const { return Scope == "program"; }

  /// Throws FormatError with a clear message when the plan does not fit the
  /// tasks `Known`: a task in no group, an unknown task (unless
  /// `AllowUnknown`), a route to a group without the task.
  void validate(const std::set<std::string> &Known, bool AllowUnknown,
                const std::string &Origin) const;

  /// Same groups, memory sizes and timeouts (order-insensitive).
  bool sameAs(const Plan &Other) const;

  Json toJson() const;
  static Plan fromJson(const Json &Doc, const std::string &Origin);
  static Plan load(const std::string &Path);
  void save(const std::string &Path) const;

  /// One group per task (Fusionize's starting point).
  static Plan onePerTask(const Graph &G, unsigned MemoryMB = DefaultMemoryMB);
  /// Every task in one group.
  static Plan allInOne(const Graph &G, unsigned MemoryMB = DefaultMemoryMB);
};

/// The static plan used when no plan or profile is given; see
/// docs/planning.md. A synchronously called, cheap callee joins its callers'
/// groups (copied into each); a task called asynchronously, an expensive
/// one, or one nobody calls gets its own group.
struct StaticPlanOptions {
  double ExpensiveCost = 20000; // TotalCost at or above this is "expensive"
  unsigned MemoryMB = DefaultMemoryMB;
  unsigned TimeoutS = DefaultTimeoutS;
  std::string Scope = "translation-unit";
};
Plan staticPlan(const Graph &G, const StaticPlanOptions &Opts = {});

} // namespace fusionize

#endif // FUSIONIZE_CORE_PLAN_H
