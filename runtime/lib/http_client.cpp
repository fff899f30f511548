//===- http_client.cpp - Outgoing requests over kept-alive connections ----===//
#include "http_client.h"
#include "util.h"

#include <httplib.h>

#include <signal.h>

#include <chrono>
#include <memory>
#include <unordered_map>

namespace fusionize::detail {

namespace {

struct https_client {
  std::unique_ptr<httplib::Client> client;
  std::chrono::steady_clock::time_point last_used;
};

thread_local std::unordered_map<std::string, std::unique_ptr<http1_client>>
    t_http;
thread_local std::unordered_map<std::string, https_client> t_https;

// Before main(): a remote call may come from any code, not only serve().
const bool sigpipe_ignored = (ignore_sigpipe(), true);

std::pair<time_t, time_t> split_ms(std::int64_t ms) {
  if (ms < 1)
    ms = 1;
  return {time_t(ms / 1000), time_t(ms % 1000 * 1000)};
}

http_result post_https(const std::string &base, const std::string &path,
                       const header_list &headers, std::string_view body,
                       std::int64_t connect_ms, std::int64_t timeout_ms,
                       std::int64_t idle_ms) {
  http_result out;
  auto now = std::chrono::steady_clock::now();
  https_client &c = t_https[base];
  if (!c.client || now - c.last_used > std::chrono::milliseconds(idle_ms)) {
    c.client = std::make_unique<httplib::Client>(base);
    c.client->set_keep_alive(true);
    c.client->set_tcp_nodelay(true);
  }
  c.last_used = now;
  auto [cs, cus] = split_ms(connect_ms);
  auto [s, us] = split_ms(timeout_ms);
  c.client->set_connection_timeout(cs, cus);
  c.client->set_read_timeout(s, us);
  c.client->set_write_timeout(s, us);
  httplib::Headers h;
  std::string content_type = "application/json";
  for (const auto &[k, v] : headers) {
    if (iequals(k, "content-type"))
      content_type = v;
    else
      h.emplace(k, v);
  }
  auto res = c.client->Post(path, h, body.data(), body.size(), content_type);
  if (!res) {
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - now)
                       .count();
    bool timed_out = res.error() == httplib::Error::ConnectionTimeout ||
                     elapsed + 5 >= timeout_ms;
    out.failure = timed_out ? http_failure::timeout
                  : res.error() == httplib::Error::Connection ||
                          res.error() == httplib::Error::SSLConnection
                      ? http_failure::connect
                      : http_failure::receive;
    out.error = httplib::to_string(res.error());
    c.client.reset();
    return out;
  }
  out.response.status = res->status;
  for (const auto &[k, v] : res->headers) {
    std::string name = k;
    for (char &ch : name)
      if (ch >= 'A' && ch <= 'Z')
        ch = char(ch - 'A' + 'a');
    out.response.headers.emplace_back(std::move(name), v);
  }
  out.response.body = std::move(res->body);
  return out;
}

} // namespace

http_result thread_post(const std::string &base, const std::string &path,
                        const header_list &headers, std::string_view body,
                        std::int64_t connect_ms, std::int64_t timeout_ms,
                        std::int64_t idle_ms) {
  if (base.rfind("https://", 0) == 0)
    return post_https(base, path, headers, body, connect_ms, timeout_ms,
                      idle_ms);
  std::unique_ptr<http1_client> &client = t_http[base];
  if (!client)
    client = std::make_unique<http1_client>(base);
  http_result out;
  out.failure = client->request("POST", path, headers, body, connect_ms,
                                timeout_ms, out.response, idle_ms);
  if (out.failure != http_failure::none)
    out.error = client->error_text();
  return out;
}

void close_thread_clients() {
  t_http.clear();
  t_https.clear();
}

void ignore_sigpipe() {
  struct sigaction current;
  if (sigaction(SIGPIPE, nullptr, &current) == 0 &&
      current.sa_handler == SIG_DFL && !(current.sa_flags & SA_SIGINFO))
    signal(SIGPIPE, SIG_IGN);
}

} // namespace fusionize::detail
