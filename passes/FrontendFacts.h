//===- FrontendFacts.h - What the plugin found, for the fusion pass
//--------===//
//
// The clang plugin knows things the IR no longer says: which functions are
// tasks and under which name, which glue function belongs to which task, and
// the static call graph with source locations. It hands them to the fusion
// pass in memory; the pass embeds them in the module as the named metadata
// !fusionize.frontend (one JSON string), so that `opt -passes=fusionize` can
// replay the pass on IR that clang wrote with the plugin loaded.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PASSES_FRONTENDFACTS_H
#define FUSIONIZE_PASSES_FRONTENDFACTS_H

#include "core/Graph.h"

#include <optional>
#include <string>
#include <vector>

namespace llvm {
class Module;
} // namespace llvm

namespace fusionize {

/// Mangled names of the members of task_glue<&F> the plugin instantiated;
/// empty when not instantiated.
struct GlueSymbols {
  std::string Info;
  std::string Entry;
  std::string Remote;
  std::string RemoteAsync;
  std::string Local;
  std::string LocalAsync;
};

struct TaskFacts {
  TaskNode Node; // name, symbol, signature, params, location, defined
  bool NoExcept = false;
  GlueSymbols Glue;
};

struct FrontendFacts {
  std::string Source; // main file
  std::vector<TaskFacts> Tasks;
  Graph StaticGraph; // AST edges, unresolved calls, summaries (no costs)

  const TaskFacts *findTask(const std::string &Name) const;

  Json toJson() const;
  static FrontendFacts fromJson(const Json &J, const std::string &Origin);

  /// Stores the facts as !fusionize.frontend, replacing earlier ones.
  void embed(llvm::Module &M) const;
  /// Reads !fusionize.frontend; nullopt if the module has none. Throws
  /// FormatError if it is malformed.
  static std::optional<FrontendFacts> read(const llvm::Module &M);
};

} // namespace fusionize

#endif // FUSIONIZE_PASSES_FRONTENDFACTS_H
