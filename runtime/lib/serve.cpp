//===- serve.cpp - fusionize::serve: the group executable's main ----------===//
//
//   <exe>                          serve: Runtime API if AWS_LAMBDA_RUNTIME_API
//                                  is set, else HTTP on $PORT (8080)
//   <exe> --list-tasks             the registered tasks, one per line
//   <exe> --invoke TASK [PAYLOAD]  one invocation (PAYLOAD "-": stdin)
//   <exe> --help
//
//===----------------------------------------------------------------------===//
#include "config.h"
#include "dispatch.h"
#include "http_client.h"
#include "modes.h"
#include "registry.h"
#include "trace.h"
#include "util.h"

#include <fusionize/fusionize.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

namespace fusionize {

namespace detail {

const task_registration *resolve_handler(const std::string &handler,
                                         std::string &problem) {
  auto tasks = registered_tasks();
  if (tasks.empty()) {
    problem = "no tasks are registered in this executable (was it linked "
              "with its fusion group's objects?)";
    return nullptr;
  }
  auto list = [&] {
    std::string names;
    for (const task_registration *t : tasks)
      names += (names.empty() ? "" : ", ") + std::string(t->info->name);
    return names;
  };
  if (handler.empty()) {
    if (tasks.size() == 1)
      return tasks.front();
    problem = "_HANDLER is not set and this executable serves several tasks (" +
              list() + ")";
    return nullptr;
  }
  if (const task_registration *t = find_task(handler))
    return t;
  auto dot = handler.rfind('.');
  if (dot != std::string::npos)
    if (const task_registration *t = find_task(handler.substr(dot + 1)))
      return t;
  problem = "_HANDLER '" + handler + "' names no task of this executable (" +
            list() + ")";
  return nullptr;
}

} // namespace detail

namespace {

using namespace detail;

const char kUsage[] =
    R"(usage: %s [--list-tasks | --invoke TASK [PAYLOAD] | --help]

A Fusionize group executable: serves the tasks of one fusion group.

  (no options)         With AWS_LAMBDA_RUNTIME_API set, speaks the AWS Lambda
                       Runtime API for the task named by _HANDLER. Otherwise
                       serves HTTP on $PORT (default 8080):
                         POST /invoke/<task>  payload in, result out
                         POST /               the default task (_HANDLER)
                         GET  /healthz
  --list-tasks         Print the tasks this executable serves, one per line.
  --invoke TASK [PAYLOAD]
                       Run one invocation and print the result (or the
                       function error) on stdout; PAYLOAD "-" reads stdin.
                       Exit status 1 on a function error.
  --help               This text.

A payload is a JSON array of the task's arguments, or an object keyed by
parameter name. Remote calls go to FUSIONIZE_ENDPOINT (or AWS Lambda in
AWS_REGION); traces go to FUSIONIZE_TRACE_FILE, FUSIONIZE_TRACE=stdout or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. All variables: docs/runtime.md.
)";

int usage_error(const char *prog, const std::string &message) {
  std::fprintf(stderr, "%s: %s\n", prog, message.c_str());
  std::fprintf(stderr, "run '%s --help' for usage\n", prog);
  return 2;
}

/// Problems that make the executable unable to serve anything.
bool check_startup(const char *prog) {
  bool ok = true;
  for (const std::string &e : registration_errors()) {
    std::fprintf(stderr, "%s: %s\n", prog, e.c_str());
    ok = false;
  }
  if (std::string p = config()->problem; !p.empty()) {
    std::fprintf(stderr, "%s: %s\n", prog, p.c_str());
    ok = false;
  }
  return ok;
}

int invoke_once(const char *prog, const std::string &name,
                std::string payload) {
  if (!check_startup(prog))
    return 1;
  const task_registration *task = find_task(name);
  if (!task)
    return usage_error(prog, "no task '" + name + "'; --list-tasks shows them");
  if (payload == "-")
    payload.assign(std::istreambuf_iterator<char>(std::cin),
                   std::istreambuf_iterator<char>());
  invocation_request request;
  request.payload = payload;
  request.request_id = new_request_id();
  invocation_outcome out = run_invocation(*task, request);
  std::fwrite(out.body.data(), 1, out.body.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  flush_traces();
  return out.ok ? 0 : 1;
}

} // namespace

int serve(int argc, char **argv) {
  const char *prog = argc > 0 && argv[0] ? argv[0] : "fusionize";
  ignore_sigpipe();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf(kUsage, prog);
      return 0;
    }
    if (arg == "--list-tasks") {
      for (const task_registration *t : registered_tasks())
        std::printf("%s\n", t->info->name);
      return check_startup(prog) ? 0 : 1;
    }
    if (arg == "--invoke") {
      if (i + 1 >= argc)
        return usage_error(prog, "--invoke needs a task name");
      if (i + 3 < argc)
        return usage_error(prog, "--invoke takes a task and one payload");
      return invoke_once(prog, argv[i + 1], i + 2 < argc ? argv[i + 2] : "");
    }
    return usage_error(prog, "unknown argument '" + arg + "'");
  }

  if (auto api = env("AWS_LAMBDA_RUNTIME_API"); api && !api->empty())
    return run_lambda_runtime(*api, env_or("_HANDLER", ""));

  if (!check_startup(prog))
    return 1;
  if (registered_tasks().empty()) {
    std::fprintf(stderr, "%s: no tasks are registered in this executable\n",
                 prog);
    return 1;
  }
  std::int64_t port = env_int("PORT", 8080);
  if (port < 0 || port > 65535)
    return usage_error(prog, "PORT=" + std::to_string(port) + " is not a port");
  return run_http_server(env_or("FUSIONIZE_HOST", "0.0.0.0"), int(port));
}

} // namespace fusionize
