//===- fusionize/errors.h - Errors that cross function boundaries ---------===//
//
// fusionize::remote_error is what a caller sees when a task it called in
// another fusion group failed: the task threw, the payload was rejected, the
// invocation timed out, or the platform could not be reached.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_ERRORS_H
#define FUSIONIZE_ERRORS_H

#include <stdexcept>
#include <string>
#include <vector>

namespace fusionize {

/// A task invoked in another function failed. `type()` is the errorType of
/// the function error (the C++ exception type for a task that threw, such as
/// "std::invalid_argument", or a platform error such as
/// "Sandbox.Timedout"), `message()` its errorMessage.
class remote_error : public std::runtime_error {
public:
  remote_error(std::string task, std::string type, std::string message,
               std::vector<std::string> stack_trace = {});

  /// The public name of the task that failed.
  const std::string &task() const noexcept { return task_; }
  const std::string &type() const noexcept { return type_; }
  const std::string &message() const noexcept { return message_; }
  const std::vector<std::string> &stack_trace() const noexcept {
    return stack_trace_;
  }

private:
  std::string task_;
  std::string type_;
  std::string message_;
  std::vector<std::string> stack_trace_;
};

} // namespace fusionize

#endif // FUSIONIZE_ERRORS_H
