//===- RegistryTest.cpp - __fusionize_register_tasks ----------------------===//
#include "TestTasks.h"

#include "registry.h"

#include <gtest/gtest.h>

using namespace fusionize::detail;

namespace {
void entry_a(invocation &inv) { inv.result = "\"a\""; }
void entry_b(invocation &inv) { inv.result = "\"b\""; }
} // namespace

TEST(Registry, StaticConstructorsRegistered) {
  // TestTasks.cpp registers from a constructor, before main().
  const task_registration *add = find_task("add");
  ASSERT_NE(add, nullptr);
  EXPECT_STREQ(add->info->name, "add");
  EXPECT_EQ(add->nparams, 2u);
  EXPECT_STREQ(add->params[1], "b");
  EXPECT_EQ(find_task("no_such_task"), nullptr);
  EXPECT_GE(registered_tasks().size(), 12u);
  EXPECT_TRUE(registration_errors().empty());
}

TEST(Registry, DuplicatesKeepTheFirst) {
  static const task_info info = {"dup_task", 0, kAbiVersion};
  static const task_registration first[] = {
      {&info, entry_a, nullptr, 0, kAbiVersion}};
  static const task_registration second[] = {
      {&info, entry_b, nullptr, 0, kAbiVersion}};
  std::size_t before = registered_tasks().size();
  __fusionize_register_tasks(first, 1);
  __fusionize_register_tasks(first, 1); // the same table again: silent
  __fusionize_register_tasks(second, 1);
  EXPECT_EQ(registered_tasks().size(), before + 1);
  invocation inv;
  find_task("dup_task")->entry(inv);
  EXPECT_EQ(inv.result, "\"a\"");
}

TEST(Registry, RejectsBrokenRegistrations) {
  static const task_info old_abi = {"old_abi_task", 0, kAbiVersion + 1};
  static const task_registration regs[] = {
      {&old_abi, entry_a, nullptr, 0, kAbiVersion + 1},
      {nullptr, entry_a, nullptr, 0, kAbiVersion},
  };
  std::size_t errors = registration_errors().size();
  __fusionize_register_tasks(regs, 2);
  __fusionize_register_tasks(nullptr, 3); // tolerated
  EXPECT_EQ(find_task("old_abi_task"), nullptr);
  auto all = registration_errors();
  ASSERT_EQ(all.size(), errors + 2);
  EXPECT_NE(all[errors].find("compiled for runtime ABI 2"), std::string::npos)
      << all[errors];
}
