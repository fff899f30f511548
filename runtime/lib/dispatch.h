//===- dispatch.h - Running one invocation of a task ----------------------===//
//
// Shared by the Runtime API loop, HTTP mode and `--invoke`: installs the
// invocation's context, records its SERVER span, calls the task's entry
// wrapper, waits for the asynchronous work it started and turns failures
// into AWS function errors.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_RUNTIME_DISPATCH_H
#define FUSIONIZE_RUNTIME_DISPATCH_H

#include "context.h"

#include <fusionize/detail/abi.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fusionize::detail {

struct invocation_request {
  std::string_view payload;
  std::string request_id;             // faas.invocation_id
  std::int64_t deadline_ms = 0;       // Unix ms; 0: none
  std::optional<span_context> parent; // from traceparent / X-Ray
  const char *trigger = "other";      // faas.trigger: "other" or "http"
  bool sync = true;                   // false for Event invocations
};

struct invocation_outcome {
  bool ok = false;
  std::string body;          // the JSON result, or the function error
  std::string error_type;    // when !ok
  std::string error_message; // when !ok
};

invocation_outcome run_invocation(const task_registration &task,
                                  const invocation_request &request);

/// {"errorMessage": ..., "errorType": ..., "stackTrace": []}
std::string error_body(const std::string &type, const std::string &message);

/// A random request id (32 hex digits, UUID-shaped) for modes without one.
std::string new_request_id();

} // namespace fusionize::detail

#endif // FUSIONIZE_RUNTIME_DISPATCH_H
