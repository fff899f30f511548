//===- errors.cpp - fusionize::remote_error -------------------------------===//
#include <fusionize/errors.h>

#include <utility>

namespace fusionize {

remote_error::remote_error(std::string task, std::string type,
                           std::string message,
                           std::vector<std::string> stack_trace)
    : std::runtime_error("task '" + task + "' failed: " + type + ": " +
                         message),
      task_(std::move(task)), type_(std::move(type)),
      message_(std::move(message)), stack_trace_(std::move(stack_trace)) {}

} // namespace fusionize
