//===- registry.cpp - The tasks this executable serves --------------------===//
#include "registry.h"
#include "util.h"

#include <cstring>
#include <mutex>

namespace fusionize::detail {

namespace {

struct registry {
  std::mutex mu;
  std::vector<const task_registration *> tasks;
  std::vector<std::string> errors;
};

// Constructed on first use and never destroyed: registration runs from
// static constructors in any order, and lookups may happen during exit.
registry &the_registry() {
  static registry *r = new registry;
  return *r;
}

} // namespace

const task_registration *find_task(std::string_view name) {
  registry &r = the_registry();
  std::lock_guard<std::mutex> lock(r.mu);
  for (const task_registration *t : r.tasks)
    if (name == t->info->name)
      return t;
  return nullptr;
}

std::vector<const task_registration *> registered_tasks() {
  registry &r = the_registry();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.tasks;
}

std::vector<std::string> registration_errors() {
  registry &r = the_registry();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.errors;
}

} // namespace fusionize::detail

using namespace fusionize::detail;

extern "C" void __fusionize_register_tasks(const task_registration *regs,
                                           std::size_t count) {
  if (!regs)
    return;
  registry &r = the_registry();
  std::lock_guard<std::mutex> lock(r.mu);
  for (std::size_t i = 0; i < count; ++i) {
    const task_registration &reg = regs[i];
    if (!reg.info || !reg.info->name || !*reg.info->name || !reg.entry) {
      r.errors.push_back("registration " + std::to_string(i) +
                         " has no task name or entry point");
      continue;
    }
    std::string name = reg.info->name;
    if (reg.abi != kAbiVersion || reg.info->abi != kAbiVersion) {
      r.errors.push_back("task '" + name + "' was compiled for runtime ABI " +
                         std::to_string(reg.abi) + ", this runtime has ABI " +
                         std::to_string(kAbiVersion) +
                         "; rebuild it with the matching fusionize");
      continue;
    }
    bool duplicate = false;
    for (const task_registration *t : r.tasks) {
      if (name != t->info->name)
        continue;
      duplicate = true;
      // The same table registered twice is harmless; two different
      // definitions are the linker's business, the first one serves.
      if (t->entry != reg.entry)
        log_line("task '" + name +
                 "' is registered twice with different entry points; "
                 "serving the first");
      break;
    }
    if (!duplicate)
      r.tasks.push_back(&reg);
  }
}
