//===- trace_config.cpp - Tracing configured from the environment ---------===//
//
// FUSIONIZE_TRACE_FILE, FUSIONIZE_TRACE, OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT,
// OTEL_TRACES_SAMPLER(_ARG), OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_SDK_DISABLED, FUSIONIZE_TRACE_CPU_THRESHOLD_US,
// FUSIONIZE_TRACE_THROTTLED, FUSIONIZE_TRACE_MAX_SPANS (docs/runtime.md), and
// the resource that describes this process.
//
//===----------------------------------------------------------------------===//
#include "trace.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

namespace fusionize::detail {

namespace {

std::string executable_name() {
  char path[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0)
    return "fusionize";
  std::string p(path, std::size_t(n));
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// Tracing is configured from the environment when the runtime is loaded,
// before main() and before any invocation.

} // namespace

trace_config trace_config::from_env() {
  trace_config c;
  c.file = env_or("FUSIONIZE_TRACE_FILE", "");
  std::string mode = env_or("FUSIONIZE_TRACE", "");
  if (mode == "stdout")
    c.to_stdout = true;
  else if (!mode.empty() && mode != "off" && mode != "file")
    log_line("FUSIONIZE_TRACE='" + mode +
             "' is not known (use stdout, or FUSIONIZE_TRACE_FILE=path)");
  c.otlp_endpoint = env_or("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "");
  if (c.otlp_endpoint.empty()) {
    std::string base = env_or("OTEL_EXPORTER_OTLP_ENDPOINT", "");
    if (!base.empty())
      c.otlp_endpoint =
          (base.back() == '/' ? base.substr(0, base.size() - 1) : base) +
          "/v1/traces";
  }
  if (mode == "off" || env_or("OTEL_SDK_DISABLED", "") == "true") {
    c.file.clear();
    c.to_stdout = false;
    c.otlp_endpoint.clear();
  }

  std::string sampler = env_or("OTEL_TRACES_SAMPLER", "parentbased_always_on");
  if (sampler.rfind("parentbased_", 0) == 0)
    sampler = sampler.substr(12); // every sampler here is parent-based
  if (sampler == "always_on")
    c.sampler = sampler_kind::always_on;
  else if (sampler == "always_off")
    c.sampler = sampler_kind::always_off;
  else if (sampler == "traceidratio")
    c.sampler = sampler_kind::ratio;
  else
    log_line("OTEL_TRACES_SAMPLER='" + sampler +
             "' is not supported; using parentbased_always_on");
  if (c.sampler == sampler_kind::ratio) {
    std::string arg = env_or("OTEL_TRACES_SAMPLER_ARG", "1");
    char *end = nullptr;
    double r = std::strtod(arg.c_str(), &end);
    if (end == arg.c_str() || *end || !(r >= 0.0 && r <= 1.0)) {
      log_line("OTEL_TRACES_SAMPLER_ARG='" + arg +
               "' is not a ratio in [0, 1]; using 1");
      r = 1.0;
    }
    c.ratio = r;
  }
  c.cpu_threshold_ns =
      std::uint64_t(std::max<std::int64_t>(
          0, env_int("FUSIONIZE_TRACE_CPU_THRESHOLD_US", 50))) *
      1000u;
  std::string throttled = env_or("FUSIONIZE_TRACE_THROTTLED", "0");
  c.cgroup_throttled = throttled == "1" || throttled == "true";
  if (!c.cgroup_throttled && throttled != "0" && throttled != "false")
    log_line("FUSIONIZE_TRACE_THROTTLED='" + throttled +
             "' is not 1 or 0; not recording fusion.throttled_ns");
  c.max_buffered = std::size_t(
      std::max<std::int64_t>(1, env_int("FUSIONIZE_TRACE_MAX_SPANS", 65536)));
  c.batch =
      std::min<std::size_t>(4096, std::max<std::size_t>(1, c.max_buffered / 2));

  // The resource: who emitted these spans.
  std::string group = group_name();
  std::string function = env_or("AWS_LAMBDA_FUNCTION_NAME", "");
  std::string service =
      env_or("OTEL_SERVICE_NAME",
             !function.empty() ? function : env_or("_HANDLER", group));
  std::string instance = env_or("AWS_LAMBDA_LOG_STREAM_NAME", "");
  if (instance.empty())
    instance = span_hex(new_span_id());
  bool on_aws = !env("FUSIONIZE_ENDPOINT") && env("AWS_LAMBDA_RUNTIME_API");
  auto &r = c.resource;
  r.push_back({"service.name", service});
  r.push_back({"faas.name", function.empty() ? service : function});
  r.push_back({"faas.instance", instance});
  if (std::int64_t mb = env_int("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 0); mb > 0)
    r.push_back({"faas.max_memory", mb * 1024 * 1024});
  r.push_back({"fusion.group", group});
  r.push_back({"cloud.provider", env_or("FUSIONIZE_CLOUD_PROVIDER",
                                        on_aws ? "aws" : "fusionize")});
  r.push_back({"process.pid", std::int64_t(::getpid())});
  r.push_back({"telemetry.sdk.name", std::string("fusionize")});
  r.push_back({"telemetry.sdk.language", std::string("cpp")});
  // OTEL_RESOURCE_ATTRIBUTES=k=v,k=v adds or overrides (values as strings).
  std::string extra = env_or("OTEL_RESOURCE_ATTRIBUTES", "");
  std::size_t pos = 0;
  while (pos < extra.size()) {
    std::size_t comma = extra.find(',', pos);
    std::string item = extra.substr(
        pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? extra.size() : comma + 1;
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      continue;
    std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    bool replaced = false;
    for (auto &a : r)
      if (a.key == key) {
        a.value = value;
        replaced = true;
      }
    if (!replaced)
      r.push_back({key, value});
  }
  return c;
}

const std::string &group_name() {
  static const std::string *name =
      new std::string(env_or("FUSIONIZE_GROUP", executable_name()));
  return *name;
}

} // namespace fusionize::detail
