//===- lambda_runtime.cpp - The AWS Lambda Runtime API loop ---------------===//
//
//   GET  /2018-06-01/runtime/invocation/next        (no timeout: it parks)
//   POST /2018-06-01/runtime/invocation/<id>/response
//   POST /2018-06-01/runtime/invocation/<id>/error  (+
//   Lambda-Runtime-Function-Error-Type) POST /2018-06-01/runtime/init/error
//
// One invocation at a time. Spans are exported after the response is
// posted and before the next /next, so export never delays a response and
// nothing is left buffered when the platform freezes or stops the
// instance between invocations.
//
//===----------------------------------------------------------------------===//
#include "config.h"
#include "dispatch.h"
#include "http1.h"
#include "modes.h"
#include "registry.h"
#include "trace.h"
#include "util.h"

#include <chrono>
#include <cstdlib>
#include <thread>

namespace fusionize::detail {

namespace {

constexpr const char *kApi = "/2018-06-01/runtime";
constexpr std::int64_t kConnectMs = 5000;
constexpr std::int64_t kPostMs = 30000;
// The Runtime API is local to the instance; its connection stays open.
constexpr std::int64_t kIdleMs = 24 * 3600 * 1000;

std::string describe(http_failure failure, const http1_client &client,
                     const http_response &res) {
  if (failure != http_failure::none)
    return client.error_text();
  return "HTTP " + std::to_string(res.status) +
         (res.body.empty() ? "" : ": " + res.body);
}

bool post(http1_client &client, const std::string &path,
          const header_list &headers, const std::string &body,
          std::string &problem) {
  header_list h = headers;
  h.emplace_back("Content-Type", "application/json");
  http_response res;
  http_failure f =
      client.request("POST", path, h, body, kConnectMs, kPostMs, res, kIdleMs);
  if (f == http_failure::none && res.status >= 200 && res.status < 300)
    return true;
  problem = describe(f, client, res);
  return false;
}

void post_error(http1_client &client, const std::string &path,
                const std::string &type, const std::string &message) {
  std::string problem;
  if (!post(client, path, {{"Lambda-Runtime-Function-Error-Type", type}},
            error_body(type, message), problem))
    log_line("cannot post " + path + ": " + problem);
}

std::string header_or_empty(const http_response &res, std::string_view name) {
  const std::string *v = res.header(name);
  return v ? *v : std::string();
}

} // namespace

int run_lambda_runtime(const std::string &api, const std::string &handler) {
  http1_client client("http://" + api);
  if (!client.valid()) {
    log_line("AWS_LAMBDA_RUNTIME_API='" + api + "' is not host:port");
    return 1;
  }

  auto init_error = [&](const std::string &type, const std::string &message) {
    log_line("initialization failed: " + type + ": " + message);
    post_error(client, std::string(kApi) + "/init/error", type, message);
    return 1;
  };
  if (auto errors = registration_errors(); !errors.empty())
    return init_error("Runtime.AbiMismatch", errors.front());
  std::string problem;
  const task_registration *task = resolve_handler(handler, problem);
  if (!task)
    return init_error("Runtime.HandlerNotFound", problem);
  if (std::string p = config()->problem; !p.empty())
    return init_error("Runtime.ConfigError", p);

  int failures = 0;
  for (;;) {
    http_response next;
    // No timeout: /next parks until there is an invocation.
    auto asked = std::chrono::steady_clock::now();
    http_failure f =
        client.request("GET", std::string(kApi) + "/invocation/next", {}, {},
                       kConnectMs, -1, next, kIdleMs);
    if (f != http_failure::none || next.status != 200) {
      // A parked /next that the platform dropped after a while is not a
      // failure: ask again.
      if (f == http_failure::receive &&
          std::chrono::steady_clock::now() - asked > std::chrono::seconds(1))
        continue;
      // The API is gone (the platform stopped) or confused: retry a few
      // times, then give up as AWS's own runtimes do.
      if (++failures > 5) {
        log_line("the Runtime API at " + api + " is not answering (" +
                 describe(f, client, next) + "); exiting");
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50 << failures));
      continue;
    }
    failures = 0;
    // Header names are matched case-insensitively.
    std::string id = header_or_empty(next, "Lambda-Runtime-Aws-Request-Id");
    if (id.empty()) {
      log_line("/next answered without Lambda-Runtime-Aws-Request-Id; skipped");
      continue;
    }
    invocation_request request;
    request.payload = next.body;
    request.request_id = id;
    std::string deadline = header_or_empty(next, "Lambda-Runtime-Deadline-Ms");
    if (!deadline.empty())
      request.deadline_ms = std::strtoll(deadline.c_str(), nullptr, 10);
    std::string xray = header_or_empty(next, "Lambda-Runtime-Trace-Id");
    if (!xray.empty())
      request.parent = parse_xray(xray);
    if (!request.parent) {
      std::string w3c = header_or_empty(next, "traceparent");
      if (!w3c.empty())
        request.parent = parse_traceparent(w3c);
    }
    request.sync =
        !iequals(header_or_empty(next, "Fusionize-Invocation-Type"), "Event");

    invocation_outcome out = run_invocation(*task, request);
    std::string base = std::string(kApi) + "/invocation/" + id;
    if (out.ok) {
      std::string why;
      if (!post(client, base + "/response", {}, out.body, why)) {
        log_line("the Runtime API rejected the response to " + id + ": " + why);
        post_error(client, base + "/error", "Runtime.ResponseRejected",
                   "the response was rejected: " + why);
      }
    } else {
      post_error(client, base + "/error", out.error_type, out.error_message);
    }
    flush_traces();
  }
}

} // namespace fusionize::detail
