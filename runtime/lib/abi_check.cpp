//===- abi_check.cpp - The layouts the fusion pass emits, checked ---------===//
//
// passes/RuntimeABI.h emits task_info and task_registration constants in
// LLVM IR with these offsets (x86-64 and AArch64, LP64). A change here
// without the pass is a silent mismatch, so the build stops instead.
//
//===----------------------------------------------------------------------===//
#include <fusionize/detail/abi.h>

#include <cstddef>
#include <type_traits>

namespace fusionize::detail {

static_assert(kAbiVersion == 1, "update passes/RuntimeABI.h with the ABI");
static_assert(std::is_standard_layout_v<task_info> &&
                  std::is_trivially_copyable_v<task_info>,
              "task_info is emitted as an IR constant");
static_assert(std::is_standard_layout_v<task_registration> &&
                  std::is_trivially_copyable_v<task_registration>,
              "task_registration is emitted as an IR constant");

#if defined(__LP64__)
static_assert(offsetof(task_info, name) == 0);
static_assert(offsetof(task_info, flags) == 8);
static_assert(offsetof(task_info, abi) == 12);
static_assert(sizeof(task_info) == 16);

static_assert(offsetof(task_registration, info) == 0);
static_assert(offsetof(task_registration, entry) == 8);
static_assert(offsetof(task_registration, params) == 16);
static_assert(offsetof(task_registration, nparams) == 24);
static_assert(offsetof(task_registration, abi) == 28);
static_assert(sizeof(task_registration) == 32);
#endif

} // namespace fusionize::detail
