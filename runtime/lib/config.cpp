//===- config.cpp - How remote calls are made, from the environment -------===//
#include "config.h"
#include "util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <mutex>

namespace fusionize::detail {

std::string runtime_config::function_for(std::string_view task) const {
  auto it = routes.find(std::string(task));
  if (it != routes.end())
    return it->second;
  return function_prefix + std::string(task);
}

runtime_config runtime_config::from_env() {
  runtime_config c;
  c.endpoint = env_or("FUSIONIZE_ENDPOINT", "");
  while (!c.endpoint.empty() && c.endpoint.back() == '/')
    c.endpoint.pop_back();
  if (!c.endpoint.empty() && c.endpoint.find("://") == std::string::npos)
    c.endpoint = "http://" + c.endpoint;
  if (!c.endpoint.empty() && c.endpoint.rfind("http://", 0) != 0 &&
      c.endpoint.rfind("https://", 0) != 0)
    c.problem = "FUSIONIZE_ENDPOINT='" + c.endpoint +
                "' is not an http:// or https:// URL";
  c.region = env_or("AWS_REGION", env_or("AWS_DEFAULT_REGION", ""));
  if (c.endpoint.empty() && !c.region.empty()) {
    c.aws = true;
    c.endpoint = "https://lambda." + c.region + ".amazonaws.com";
    c.access_key = env_or("AWS_ACCESS_KEY_ID", "");
    c.secret_key = env_or("AWS_SECRET_ACCESS_KEY", "");
    c.session_token = env_or("AWS_SESSION_TOKEN", "");
    if (c.access_key.empty() || c.secret_key.empty())
      c.problem = "AWS_REGION is set but AWS_ACCESS_KEY_ID or "
                  "AWS_SECRET_ACCESS_KEY is not: remote calls to AWS Lambda "
                  "cannot be signed";
  }
  c.function_prefix = env_or("FUSIONIZE_FUNCTION_PREFIX", "");
  std::string routes = env_or("FUSIONIZE_ROUTES", "");
  if (!routes.empty()) {
    auto j = nlohmann::json::parse(routes, nullptr, false);
    bool ok = j.is_object();
    if (ok) {
      for (const auto &item : j.items()) {
        if (item.value().is_string())
          c.routes[item.key()] = item.value().get<std::string>();
        else
          ok = false;
      }
    }
    if (!ok)
      c.problem = "FUSIONIZE_ROUTES must be a JSON object mapping task names "
                  "to function names, e.g. {\"resize\":\"img-resize\"}";
  }
  auto clamp = [](std::int64_t v, std::int64_t lo, std::int64_t hi) {
    return std::min(std::max(v, lo), hi);
  };
  c.sync_retries = int(clamp(env_int("FUSIONIZE_SYNC_RETRIES", 0), 0, 10));
  c.event_retries = int(clamp(env_int("FUSIONIZE_EVENT_RETRIES", 3), 0, 10));
  c.retry_base_ms = clamp(env_int("FUSIONIZE_RETRY_BASE_MS", 50), 1, 60000);
  c.retry_max_ms = clamp(env_int("FUSIONIZE_RETRY_MAX_MS", 2000), 1, 600000);
  c.connect_timeout_ms =
      clamp(env_int("FUSIONIZE_CONNECT_TIMEOUT_MS", 3000), 1, 600000);
  c.timeout_ms = clamp(env_int("FUSIONIZE_REMOTE_TIMEOUT_MS", 900000), 1,
                       24 * 3600 * 1000);
  c.keepalive_idle_ms =
      clamp(env_int("FUSIONIZE_KEEPALIVE_IDLE_MS", 4000), 0, 3600 * 1000);
  return c;
}

namespace {
std::mutex config_mu;
std::shared_ptr<const runtime_config> &config_slot() {
  static auto *slot = new std::shared_ptr<const runtime_config>;
  return *slot;
}
} // namespace

std::shared_ptr<const runtime_config> config() {
  std::lock_guard<std::mutex> lock(config_mu);
  auto &slot = config_slot();
  if (!slot)
    slot = std::make_shared<const runtime_config>(runtime_config::from_env());
  return slot;
}

void set_config(runtime_config cfg) {
  std::lock_guard<std::mutex> lock(config_mu);
  config_slot() = std::make_shared<const runtime_config>(std::move(cfg));
}

} // namespace fusionize::detail
