//===- registry.h - The tasks this executable serves ----------------------===//
//
// Filled by __fusionize_register_tasks, which the fusion pass calls from a
// constructor in every group object (so possibly before any other static
// object of the runtime is constructed).
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_RUNTIME_REGISTRY_H
#define FUSIONIZE_RUNTIME_REGISTRY_H

#include <fusionize/detail/abi.h>

#include <string>
#include <string_view>
#include <vector>

namespace fusionize::detail {

/// The registration of the task named `name`, or null.
const task_registration *find_task(std::string_view name);
/// Every registered task, in registration order.
std::vector<const task_registration *> registered_tasks();
/// Registrations that were rejected (ABI mismatch, missing fields), as
/// messages; serve() reports them as an initialization error.
std::vector<std::string> registration_errors();

} // namespace fusionize::detail

#endif // FUSIONIZE_RUNTIME_REGISTRY_H
