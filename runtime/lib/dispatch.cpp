//===- dispatch.cpp - Running one invocation of a task --------------------===//
#include "dispatch.h"
#include "trace.h"
#include "util.h"

#include <nlohmann/json.hpp>

#include <atomic>

namespace fusionize::detail {

namespace {
std::atomic<bool> cold{true};
} // namespace

std::string error_body(const std::string &type, const std::string &message) {
  nlohmann::json j = {{"errorMessage", message},
                      {"errorType", type},
                      {"stackTrace", nlohmann::json::array()}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string new_request_id() {
  trace_id id = new_trace_id();
  std::string hex = to_hex(id.data(), id.size());
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
         "-" + hex.substr(16, 4) + "-" + hex.substr(20);
}

invocation_outcome run_invocation(const task_registration &task,
                                  const invocation_request &request) {
  const char *name = task.info->name;
  auto inv = std::make_shared<invocation_context>();
  inv->task = name;
  inv->request_id = request.request_id;
  inv->deadline_ms = request.deadline_ms;

  span_builder span(name, span_kind::server,
                    request.parent ? *request.parent : span_context{},
                    /*measure_cpu=*/true);
  bool coldstart = cold.exchange(false);
  span.set("faas.trigger", std::string(request.trigger));
  span.set("faas.coldstart", coldstart);
  span.set("faas.invocation_id", request.request_id);
  span.set("fusion.task", std::string(name));
  span.set("fusion.group", group_name());
  span.set("fusion.sync", request.sync);
  span.set("fusion.bytes_req", std::int64_t(request.payload.size()));
  if (std::int64_t mb = env_int("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 0); mb > 0)
    span.set("fusion.memory_mb", mb);

  invocation_outcome out;
  {
    scoped_context scope(inv, span.context(), name);
    invocation call;
    call.payload = request.payload;
    call.task = &task;
    try {
      task.entry(call);
      if (call.task_cpu_measured)
        span.set("fusion.task_cpu_ns", std::int64_t(call.task_cpu_ns));
      out.ok = true;
      out.body = std::move(call.result);
    } catch (...) {
      exception_description what = describe_exception(std::current_exception());
      out.error_type = std::move(what.type);
      out.error_message = std::move(what.message);
    }
    // Nothing asynchronous that this invocation started is left behind.
    inv->work.wait();
  }
  if (!out.ok) {
    out.body = error_body(out.error_type, out.error_message);
    span.fail(out.error_type, out.error_message);
  }
  span.set("fusion.bytes_resp", std::int64_t(out.body.size()));
  span.end();
  return out;
}

} // namespace fusionize::detail
