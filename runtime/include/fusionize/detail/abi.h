//===- fusionize/detail/abi.h - Layouts shared with the fusion pass -------===//
//
// The fusion pass (passes/) emits constants of these types directly in LLVM
// IR: one task_info per task and one task_registration table per group
// object. Their layout is part of the contract between the pass and the
// runtime; passes/RuntimeABI.h mirrors it, and runtime/lib/abi_check.cpp
// checks the offsets. Change both together and bump kAbiVersion.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_DETAIL_ABI_H
#define FUSIONIZE_DETAIL_ABI_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fusionize::detail {

inline constexpr std::uint32_t kAbiVersion = 1;

enum task_flags : std::uint32_t {
  task_returns_void = 1u << 0,
  task_noexcept = 1u << 1,
};

/// What a remote stub needs to know about its callee. Defined by the fusion
/// pass (linkonce_odr, one per task and module) as the static data member
/// task_glue<&F>::info that the glue template only declares.
struct task_info {
  const char *name;       // public task name, also its function name
  std::uint32_t flags;    // task_flags
  std::uint32_t abi;      // kAbiVersion
};

struct invocation;

/// One entry point of a group executable. The fusion pass emits an array of
/// these per object and a constructor that hands it to
/// __fusionize_register_tasks.
struct task_registration {
  const task_info *info;
  void (*entry)(invocation &);
  const char *const *params; // parameter names, for payloads keyed by name
  std::uint32_t nparams;
  std::uint32_t abi;         // kAbiVersion
};

/// One invocation as the entry wrapper sees it: the request payload (a JSON
/// array of arguments or an object keyed by parameter name) in, the JSON
/// result out. Failures are reported by throwing.
struct invocation {
  std::string_view payload;
  const task_registration *task = nullptr;
  std::string result;
  /// The CPU time the task itself took on this thread (decoding its
  /// arguments and encoding its result left out), measured by the entry
  /// glue while tracing. Appended: the layout before it is unchanged.
  std::uint64_t task_cpu_ns = 0;
  bool task_cpu_measured = false;
};

} // namespace fusionize::detail

extern "C" void
__fusionize_register_tasks(const fusionize::detail::task_registration *regs,
                           std::size_t count);

#endif // FUSIONIZE_DETAIL_ABI_H
