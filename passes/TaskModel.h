//===- TaskModel.h - Tasks and their glue in one LLVM module
//---------------===//
//
// Binds the frontend facts to the functions and globals of a module (the
// monolith or one of its clones): the task function, the glue members the
// plugin instantiated, and the task_info declaration.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PASSES_TASKMODEL_H
#define FUSIONIZE_PASSES_TASKMODEL_H

#include "FrontendFacts.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringRef.h"

#include <vector>

namespace llvm {
class CallBase;
class Function;
class GlobalVariable;
class Module;
class Use;
} // namespace llvm

namespace fusionize {

struct TaskIR {
  const TaskFacts *Facts = nullptr;
  llvm::Function *Fn = nullptr; // null if the module never mentions it
  llvm::Function *Entry = nullptr;
  llvm::Function *Remote = nullptr;
  llvm::Function *RemoteAsync = nullptr;
  llvm::Function *Local = nullptr;
  llvm::Function *LocalAsync = nullptr;
  llvm::GlobalVariable *Info = nullptr;

  const std::string &name() const { return Facts->Node.Name; }
  bool defined() const;
  /// The glue functions that exist, in a fixed order.
  std::vector<llvm::Function *> glue() const;
};

class TaskModel {
public:
  TaskModel(llvm::Module &M, const FrontendFacts &Facts);

  std::vector<TaskIR> Tasks;

  const TaskIR *byFunction(const llvm::Function *F) const;
  const TaskIR *byName(llvm::StringRef Name) const;
  /// The task whose glue `F` is, or null.
  const TaskIR *glueOwner(const llvm::Function *F) const;
  bool isGlue(const llvm::Function *F) const { return glueOwner(F); }

private:
  llvm::DenseMap<const llvm::Function *, unsigned> ByFn;
  llvm::DenseMap<const llvm::Function *, unsigned> ByGlue;
};

/// True for an instantiation of fusionize::async(task, args...).
bool isAsyncLauncher(const llvm::Function *F);

/// If `U` is the task argument of a fusionize::async call, that call.
llvm::CallBase *asyncCallOf(const llvm::Use &U);
/// If `U` is the callee of a direct call, that call.
llvm::CallBase *directCallOf(const llvm::Use &U);

} // namespace fusionize

#endif // FUSIONIZE_PASSES_TASKMODEL_H
