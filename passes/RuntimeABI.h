//===- RuntimeABI.h - The constants the runtime reads ---------------------===//
//
// Mirrors runtime/include/fusionize/detail/abi.h: defines each task's
// task_info (the glue only declares it) and emits the table of entry points
// of a module with the constructor that registers it.
//
//   task_info         { ptr name, i32 flags, i32 abi }
//   task_registration { ptr info, ptr entry, ptr params, i32 nparams, i32 abi }
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PASSES_RUNTIMEABI_H
#define FUSIONIZE_PASSES_RUNTIMEABI_H

#include "TaskModel.h"

namespace fusionize {

inline constexpr unsigned RuntimeAbiVersion = 1;
enum : unsigned { TaskReturnsVoid = 1u << 0, TaskNoExcept = 1u << 1 };

/// Declares task_glue<&F>::info for `T` if the module does not mention it yet
/// (the registration table needs it even where no glue refers to it).
void declareTaskInfo(llvm::Module &M, TaskIR &T);

/// Gives every declared task_glue<&F>::info of the module its definition
/// (linkonce_odr in a comdat: every object that needs it has the same one).
void defineTaskInfos(llvm::Module &M, const TaskModel &Model);

/// Registers the entry points of `Tasks` with the runtime at start-up.
void emitRegistration(llvm::Module &M,
                      const std::vector<const TaskIR *> &Tasks);

} // namespace fusionize

#endif // FUSIONIZE_PASSES_RUNTIMEABI_H
