//===- invoke.cpp - Remote calls through the Lambda Invoke API ------------===//
//
// POST /2015-03-31/functions/<function>/invocations with
// X-Amz-Invocation-Type RequestResponse (wait for the result) or Event
// (202 once the platform has queued it). The request timeout is what is
// left of the current invocation's deadline (capped by
// FUSIONIZE_REMOTE_TIMEOUT_MS). Transport failures and throttling of
// events are retried with exponential backoff; synchronous calls are not
// retried unless FUSIONIZE_SYNC_RETRIES says so, since the callee may have
// run. Function errors are never retried: the caller gets them as
// remote_error.
//
//===----------------------------------------------------------------------===//
#include "config.h"
#include "context.h"
#include "http_client.h"
#include "sigv4.h"
#include "trace.h"
#include "util.h"

#include <fusionize/detail/runtime_api.h>
#include <fusionize/errors.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>

namespace fusionize::detail {

namespace {

using json = nlohmann::json;

struct call_failure {
  std::string type, message;
  std::vector<std::string> stack;
};

/// The function error in a 200 response with X-Amz-Function-Error.
call_failure function_error(const http_response &res) {
  call_failure f;
  f.type = *res.header("x-amz-function-error");
  json body = json::parse(res.body, nullptr, false);
  if (body.is_object()) {
    if (body.contains("errorType") && body["errorType"].is_string())
      f.type = body["errorType"].get<std::string>();
    if (body.contains("errorMessage") && body["errorMessage"].is_string())
      f.message = body["errorMessage"].get<std::string>();
    if (body.contains("stackTrace") && body["stackTrace"].is_array())
      for (const auto &line : body["stackTrace"])
        f.stack.push_back(line.is_string() ? line.get<std::string>()
                                           : line.dump());
  } else {
    f.message = res.body;
  }
  if (f.type.empty())
    f.type = "Unhandled";
  return f;
}

/// An error of the Invoke API itself (unknown function, throttling, ...):
/// AWS names it in x-amzn-ErrorType and says why in the body's message.
call_failure api_error(const http_response &res, const std::string &where) {
  call_failure f;
  if (const std::string *type = res.header("x-amzn-errortype"))
    f.type = type->substr(0, type->find(':'));
  json body = json::parse(res.body, nullptr, false);
  if (body.is_object()) {
    for (const char *key : {"message", "Message", "errorMessage"})
      if (body.contains(key) && body[key].is_string()) {
        f.message = body[key].get<std::string>();
        break;
      }
    for (const char *key : {"__type", "Type", "errorType"})
      if (f.type.empty() && body.contains(key) && body[key].is_string())
        f.type = body[key].get<std::string>();
  }
  if (f.message.empty())
    f.message = res.body.empty() ? "no details" : res.body;
  f.message = "HTTP " + std::to_string(res.status) + " from " + where + ": " +
              f.message;
  if (f.type.empty())
    f.type = "fusionize.HttpError";
  return f;
}

std::int64_t backoff_ms(const runtime_config &cfg, int attempt) {
  std::int64_t delay = cfg.retry_base_ms;
  for (int i = 0; i < attempt && delay < cfg.retry_max_ms; ++i)
    delay *= 2;
  delay = std::min(delay, cfg.retry_max_ms);
  // Jitter in [delay/2, delay]: retries of many callers do not align.
  std::uint64_t r = new_span_id();
  return delay / 2 + std::int64_t(r % std::uint64_t(delay / 2 + 1));
}

} // namespace

std::string invoke_remote(const task_info &callee, std::string payload,
                          invoke_kind kind) {
  std::string task = callee.name ? callee.name : "?";
  const bool event = kind == invoke_kind::event;
  std::shared_ptr<const runtime_config> cfg = config();
  if (!cfg->problem.empty())
    throw remote_error(task, "fusionize.ConfigError", cfg->problem);
  if (cfg->endpoint.empty())
    throw remote_error(task, "fusionize.NoEndpoint",
                       "no Invoke API to call: set FUSIONIZE_ENDPOINT "
                       "(http://host:port) or AWS_REGION");
  std::string function = cfg->function_for(task);
  std::string path =
      "/2015-03-31/functions/" + uri_encode(function, true) + "/invocations";
  std::string where = "function '" + function + "' at " + cfg->endpoint;

  // Its CPU is the client's work (HTTP, the runtime's), which fusing
  // removes: the planner charges it to remote calls only.
  span_builder span("invoke " + function, span_kind::client, t_hot.trace,
                    /*measure_cpu=*/true);
  span.set("faas.invoked_name", function);
  span.set("faas.invoked_provider",
           std::string(cfg->aws ? "aws" : "fusionize"));
  span.set("fusion.task", task);
  if (t_hot.task)
    span.set("fusion.caller", std::string(t_hot.task));
  span.set("fusion.sync", !event);
  span.set("fusion.bytes_req", std::int64_t(payload.size()));

  std::shared_ptr<invocation_context> inv = current_invocation();
  const std::int64_t deadline = inv ? inv->deadline_ms : 0;
  const int attempts = 1 + (event ? cfg->event_retries : cfg->sync_retries);
  call_failure failure;
  int attempt = 0;
  for (;; ++attempt) {
    std::int64_t timeout = cfg->timeout_ms;
    if (deadline) {
      std::int64_t left = deadline - now_unix_ms();
      if (left <= 0) {
        failure = {"fusionize.Timeout",
                   "the invocation's deadline passed before " + where +
                       " answered",
                   {}};
        break;
      }
      timeout = std::min(timeout, left);
    }
    header_list headers = {
        {"Content-Type", "application/json"},
        {"X-Amz-Invocation-Type", event ? "Event" : "RequestResponse"},
        {"traceparent", format_traceparent(span.context())}};
    if (cfg->aws) {
      std::string host = cfg->endpoint.substr(cfg->endpoint.find("://") + 3);
      sigv4_request req{"POST", path, "", {}, payload};
      std::string date = amz_date(std::time(nullptr));
      req.headers = {{"host", host}, {"x-amz-date", date}};
      if (!cfg->session_token.empty())
        req.headers.push_back({"x-amz-security-token", cfg->session_token});
      sigv4_signature sig = sigv4_sign(
          req, {cfg->access_key, cfg->secret_key, cfg->session_token},
          cfg->region, "lambda", date);
      headers.emplace_back("X-Amz-Date", date);
      if (!cfg->session_token.empty())
        headers.emplace_back("X-Amz-Security-Token", cfg->session_token);
      headers.emplace_back("Authorization", sig.authorization);
    }

    http_result res = thread_post(cfg->endpoint, path, headers, payload,
                                  std::min(cfg->connect_timeout_ms, timeout),
                                  timeout, cfg->keepalive_idle_ms);
    bool retryable = false;
    if (res.failure != http_failure::none) {
      bool timed_out = res.failure == http_failure::timeout;
      failure.type =
          timed_out ? "fusionize.Timeout" : "fusionize.TransportError";
      failure.message = timed_out ? where + " did not answer within " +
                                        std::to_string(timeout) + " ms"
                                  : "cannot invoke " + where + ": " + res.error;
      failure.stack.clear();
      // A sync call that timed out may still be running: not retried.
      retryable = event || !timed_out;
    } else if (res.response.status >= 200 && res.response.status < 300) {
      span.set("fusion.bytes_resp", std::int64_t(res.response.body.size()));
      if (res.response.header("x-amz-function-error")) {
        failure = function_error(res.response);
        break; // the function ran and failed: never retried
      }
      if (attempt > 0)
        span.set("fusion.retries", std::int64_t(attempt));
      span.end();
      return event ? std::string() : std::move(res.response.body);
    } else {
      failure = api_error(res.response, where);
      retryable = res.response.status == 429 || res.response.status >= 500;
    }
    if (!retryable || attempt + 1 >= attempts)
      break;
    std::int64_t delay = backoff_ms(*cfg, attempt);
    if (deadline && now_unix_ms() + delay >= deadline)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  }
  if (attempt > 0) {
    failure.message += " (" + std::to_string(attempt + 1) + " attempts)";
    span.set("fusion.retries", std::int64_t(attempt));
  }
  span.fail(failure.type, failure.message);
  span.end();
  throw remote_error(task, failure.type, failure.message, failure.stack);
}

} // namespace fusionize::detail
