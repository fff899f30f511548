//===- StaticGraph.h - The task graph as the source shows it
//---------------===//
//
// Walks the AST from every task and finds the tasks it reaches: direct calls,
// calls through non-task helpers, member functions, constructors and lambdas
// (a lambda counts as called by the function that creates it), and
// fusionize::async(task, ...) as an asynchronous edge. Each edge carries its
// call sites and a static estimate of calls per invocation of the caller
// (loops multiply by their constant trip count, or by 10). Misuses found on
// the way are diagnosed: fusionize::async on a non-task, a task whose
// address escapes.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_CLANGPLUGIN_STATICGRAPH_H
#define FUSIONIZE_CLANGPLUGIN_STATICGRAPH_H

#include "FrontendState.h"

#include "core/Graph.h"

#include "llvm/ADT/DenseSet.h"

namespace clang {
class ASTContext;
class Sema;
} // namespace clang

namespace fusionize {

struct StaticGraphResult {
  Graph G; // tasks (names and locations only), edges, unresolved, summaries
  llvm::DenseSet<const clang::FunctionDecl *> Referenced;   // canonical
  llvm::DenseSet<const clang::FunctionDecl *> AsyncTargets; // canonical
};

/// Builds the static graph of the translation unit; `Valid` are the tasks
/// that passed their checks (others are skipped).
StaticGraphResult buildStaticGraph(clang::Sema &S, FrontendState &State);

/// Source location as the graph stores it (file as given to the compiler).
SourceLoc toSourceLoc(const clang::SourceManager &SM, clang::SourceLocation L);

} // namespace fusionize

#endif // FUSIONIZE_CLANGPLUGIN_STATICGRAPH_H
