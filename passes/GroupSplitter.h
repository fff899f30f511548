//===- GroupSplitter.h - One module per fusion group
//-----------------------===//
//
// Builds the module of one fusion group from the monolith:
//  * a task of the group keeps its body; every use of it becomes its `local`
//    glue (`local_async` where it is the task of fusionize::async), so fused
//    calls are plain calls that can be traced;
//  * a task of another group loses its body; every use becomes its `remote`
//    glue (`remote_async` for fusionize::async);
//  * entry wrappers of the group's tasks defined in this file are registered
//    with the runtime; everything else the group does not need is dropped,
//    including the program's main() (the runtime provides one).
//
// Two ways to split. At -O0 (and in opt) the pass splits the module as the
// frontend made it, and each group is compiled as the compile asks. Above
// -O0 the clang plugin splits late: at the start of the pipeline,
// prepareLateSplit() routes every use of a task outside its glue through an
// opaque declaration (the task's dispatcher) and pins the glue the groups
// need, so that the monolith is optimized once, as one module, without the
// optimizer inlining or specializing a call that a group sends elsewhere. At
// the end of the pipeline buildGroupModule() clones each group from the
// optimized module, binding each dispatcher to the task, its local glue or
// its remote stub, and a group object needs code generation only.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PASSES_GROUPSPLITTER_H
#define FUSIONIZE_PASSES_GROUPSPLITTER_H

#include "TaskModel.h"

#include "core/Plan.h"

#include "llvm/IR/PassManager.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace fusionize {

struct GroupSummary {
  std::string Name;
  std::vector<std::string> Entries; // tasks registered in this object
  std::vector<std::string> Stubs;   // tasks called remotely from here
  std::vector<std::string> Kept;    // symbols of tasks and user functions kept
  std::vector<std::string> Dropped; // ... and dropped
};

/// Clones `M` into the module of group `G`. `VMap` maps the monolith's
/// values to the clone's (entries of dropped code are null afterwards).
/// After prepareLateSplit() it binds the dispatchers instead.
std::unique_ptr<llvm::Module>
buildGroupModule(llvm::Module &M, const FrontendFacts &Facts, const Group &G,
                 llvm::ValueToValueMapTy &VMap, GroupSummary &Summary);

/// What buildGroupModule() would keep of `M` for group `G`, found without
/// cloning: the functions live in the group (those whose call sites the
/// group object contains) and the summary. The late split reports from it.
void summarizeGroup(llvm::Module &M, const FrontendFacts &Facts,
                    const Group &G, std::set<const llvm::Function *> &Live,
                    GroupSummary &Summary);

/// Routes the uses of tasks through dispatchers and pins the glue the groups
/// of `P` need (see above); the module stays the monolith to be optimized.
void prepareLateSplit(llvm::Module &M, const FrontendFacts &Facts,
                      const Plan &P, llvm::ModuleAnalysisManager *MAM);

/// True once prepareLateSplit() ran on `M` (or on the module it was cloned
/// from) and the dispatchers are not bound yet.
bool isPreparedForLateSplit(const llvm::Module &M);

/// Turns the monolith into what X.o should be: every call local and direct,
/// the entry points of its tasks registered, the rest of the glue dropped.
void finalizeMonolith(llvm::Module &M, const FrontendFacts &Facts,
                      llvm::ModuleAnalysisManager *MAM);

/// Removes fusionize's own entries from llvm.global.annotations and the glue
/// from llvm.used / llvm.compiler.used (the pass decides what stays).
void stripFrontendMarkers(llvm::Module &M, const TaskModel &Model);

/// Runs global dead code elimination on a module of our own.
void removeDeadCode(llvm::Module &M, llvm::ModuleAnalysisManager *MAM);

} // namespace fusionize

#endif // FUSIONIZE_PASSES_GROUPSPLITTER_H
