//===- http_mode.cpp - Serving tasks over plain HTTP ----------------------===//
//
// For Knative, Cloud Run, OpenFaaS and local use:
//
//   POST /invoke/<task>   body = payload; 200 + result, or 200 +
//                         X-Amz-Function-Error: Unhandled + error body (as
//                         the Invoke API answers); 404 for an unknown task;
//                         X-Amz-Invocation-Type: Event answers 202 at once
//   POST /                the default task (_HANDLER, or the only task)
//   GET  /healthz         200 {"status":"ok","group":...,"tasks":[...]}
//
// Requests are served concurrently (FUSIONIZE_HTTP_THREADS workers); each
// one waits for the asynchronous work it started before it answers.
//
//===----------------------------------------------------------------------===//
#include "async.h"
#include "dispatch.h"
#include "modes.h"
#include "registry.h"
#include "trace.h"
#include "util.h"

#include <fusionize/detail/runtime_api.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <thread>

namespace fusionize::detail {

namespace {

void not_found(httplib::Response &res, const std::string &task) {
  res.status = 404;
  res.set_header("x-amzn-ErrorType", "ResourceNotFoundException");
  res.set_content(
      nlohmann::json(
          {{"errorType", "ResourceNotFoundException"},
           {"errorMessage", "no task '" + task + "' in this executable"},
           {"message", "no task '" + task + "' in this executable"}})
          .dump(),
      "application/json");
}

void invoke(const task_registration &task, const httplib::Request &req,
            httplib::Response &res) {
  std::string id = req.get_header_value("X-Amz-Request-Id");
  if (id.empty())
    id = new_request_id();
  std::optional<span_context> parent;
  if (req.has_header("traceparent"))
    parent = parse_traceparent(req.get_header_value("traceparent"));
  res.set_header("X-Amz-Request-Id", id);

  if (iequals(req.get_header_value("X-Amz-Invocation-Type"), "Event")) {
    // Accepted now, run in the background; drained before the process exits.
    spawn_async([&task, id, parent, payload = req.body] {
      invocation_request request;
      request.payload = payload;
      request.request_id = id;
      request.parent = parent;
      request.trigger = "http";
      request.sync = false;
      invocation_outcome out = run_invocation(task, request);
      if (!out.ok)
        log_line("event " + id + " for task '" + task.info->name +
                 "' failed: " + out.error_type + ": " + out.error_message);
      request_flush();
    });
    res.status = 202;
    return;
  }

  invocation_request request;
  request.payload = req.body;
  request.request_id = id;
  request.parent = parent;
  request.trigger = "http";
  invocation_outcome out = run_invocation(task, request);
  res.status = 200;
  if (!out.ok)
    res.set_header("X-Amz-Function-Error", "Unhandled");
  res.set_content(out.body, "application/json");
  request_flush();
}

} // namespace

int run_http_server(const std::string &host, int port) {
  // Shared with the signal thread, which may outlive this function.
  auto server_ptr = std::make_shared<httplib::Server>();
  httplib::Server &server = *server_ptr;
  server.set_tcp_nodelay(true);
  // A worker serves one connection at a time, kept-alive ones included, so
  // there are more workers than cores.
  std::size_t threads = std::size_t(std::max<std::int64_t>(
      1, env_int("FUSIONIZE_HTTP_THREADS",
                 std::max(32u, 4 * std::thread::hardware_concurrency()))));
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };

  std::string problem;
  const task_registration *default_task =
      resolve_handler(env_or("_HANDLER", ""), problem);

  server.Post(R"(/invoke/([^/]+))",
              [](const httplib::Request &req, httplib::Response &res) {
                std::string name = req.matches[1];
                const task_registration *task = find_task(name);
                if (!task)
                  return not_found(res, name);
                invoke(*task, req, res);
              });
  server.Post("/", [default_task, problem](const httplib::Request &req,
                                           httplib::Response &res) {
    if (!default_task) {
      res.status = 404;
      res.set_content(error_body("ResourceNotFoundException",
                                 "no default task: " + problem +
                                     "; POST /invoke/<task> instead"),
                      "application/json");
      return;
    }
    invoke(*default_task, req, res);
  });
  server.Get("/healthz", [](const httplib::Request &, httplib::Response &res) {
    nlohmann::json tasks = nlohmann::json::array();
    for (const task_registration *t : registered_tasks())
      tasks.push_back(t->info->name);
    res.set_content(
        nlohmann::json(
            {{"status", "ok"}, {"group", group_name()}, {"tasks", tasks}})
            .dump(),
        "application/json");
  });

  int bound = port == 0 ? server.bind_to_any_port(host)
                        : (server.bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    log_line("cannot listen on " + host + ":" + std::to_string(port));
    return 1;
  }

  // SIGINT/SIGTERM stop the server gracefully: every thread started from
  // here on inherits the blocked mask, and one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::thread([server_ptr, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    log_line(std::string("stopping on ") +
             (sig == SIGINT ? "SIGINT" : "SIGTERM"));
    // httplib's stop() does nothing until the server runs.
    while (!server_ptr->is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    server_ptr->stop();
  }).detach();

  std::string names;
  for (const task_registration *t : registered_tasks())
    names += (names.empty() ? "" : ", ") + std::string(t->info->name);
  log_line("listening on http://" + host + ":" + std::to_string(bound) +
           " (tasks: " + names + ")");
  bool ok = server.listen_after_bind();
  // Let asynchronous work of finished requests (Event invocations) end
  // before serve() returns; exit drains whatever starts later.
  wait_for_all_async_work();
  flush_traces();
  return ok ? 0 : 1;
}

} // namespace fusionize::detail
