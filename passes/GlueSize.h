//===- GlueSize.h - Optimize the glue for size, the user's code for speed -===//
//
// The entry wrappers and remote stubs spend their time in JSON and in the
// network, not in their own instructions; optimizing them (and the codec
// code only they reach) for size keeps the compile of every group object
// close to the plain compile. Code the user's functions reach keeps the
// compile's optimization level.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PASSES_GLUESIZE_H
#define FUSIONIZE_PASSES_GLUESIZE_H

#include "TaskModel.h"

namespace fusionize {

/// Marks minsize/optsize every function reached only from the entry and
/// remote glue. Returns how many functions were marked.
unsigned optimizeGlueForSize(llvm::Module &M, const TaskModel &Model);

} // namespace fusionize

#endif // FUSIONIZE_PASSES_GLUESIZE_H
