//===- modes.h - The ways a group executable serves its tasks -------------===//
#ifndef FUSIONIZE_RUNTIME_MODES_H
#define FUSIONIZE_RUNTIME_MODES_H

#include <fusionize/detail/abi.h>

#include <string>

namespace fusionize::detail {

/// The AWS Lambda Runtime API loop against `api` (host:port) for the task
/// `handler` names. Returns only when the API cannot be reached any more
/// or initialization failed (after reporting it to /init/error).
int run_lambda_runtime(const std::string &api, const std::string &handler);

/// HTTP mode: POST /invoke/<task>, POST / (the default task), GET /healthz
/// on host:port (port 0: any free port, printed on stderr). Returns after
/// SIGINT or SIGTERM, once in-flight requests are answered.
int run_http_server(const std::string &host, int port);

/// The task a handler string names: the task itself, or the part after the
/// last '.' ("bootstrap.resize"); an empty handler names the only task.
/// Sets `problem` when there is none.
const task_registration *resolve_handler(const std::string &handler,
                                         std::string &problem);

} // namespace fusionize::detail

#endif // FUSIONIZE_RUNTIME_MODES_H
