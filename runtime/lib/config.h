//===- config.h - How remote calls are made, from the environment ---------===//
#ifndef FUSIONIZE_RUNTIME_CONFIG_H
#define FUSIONIZE_RUNTIME_CONFIG_H

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace fusionize::detail {

struct runtime_config {
  /// The Invoke API: scheme://host:port. Empty when nothing is configured.
  std::string endpoint;
  /// AWS Lambda itself: requests are SigV4-signed for `region`.
  bool aws = false;
  std::string region, access_key, secret_key, session_token;

  std::string function_prefix;               // FUSIONIZE_FUNCTION_PREFIX
  std::map<std::string, std::string> routes; // FUSIONIZE_ROUTES

  int sync_retries = 0;                   // FUSIONIZE_SYNC_RETRIES
  int event_retries = 3;                  // FUSIONIZE_EVENT_RETRIES
  std::int64_t retry_base_ms = 50;        // FUSIONIZE_RETRY_BASE_MS
  std::int64_t retry_max_ms = 2000;       // FUSIONIZE_RETRY_MAX_MS
  std::int64_t connect_timeout_ms = 3000; // FUSIONIZE_CONNECT_TIMEOUT_MS
  std::int64_t timeout_ms = 900000;       // FUSIONIZE_REMOTE_TIMEOUT_MS
  std::int64_t keepalive_idle_ms = 4000;  // FUSIONIZE_KEEPALIVE_IDLE_MS

  /// What is wrong with the configuration ("" when nothing is); remote
  /// calls fail with it and serve() reports it as an init error.
  std::string problem;

  /// The function that serves `task`: FUSIONIZE_ROUTES[task], else
  /// FUSIONIZE_FUNCTION_PREFIX + task.
  std::string function_for(std::string_view task) const;

  static runtime_config from_env();
};

/// The configuration, read from the environment on first use.
std::shared_ptr<const runtime_config> config();
/// Replaces it (serve() and tests).
void set_config(runtime_config cfg);

} // namespace fusionize::detail

#endif // FUSIONIZE_RUNTIME_CONFIG_H
