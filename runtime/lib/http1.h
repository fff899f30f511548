//===- http1.h - A lean HTTP/1.1 client for the runtime's hot paths -------===//
//
// Every remote call and every Runtime API exchange is one small HTTP request
// on a kept-alive loopback or VPC connection. General-purpose clients spend
// several extra system calls per request on readiness polls, separate
// header and body writes and liveness probes (cpp-httplib, libcurl and
// libevent measured at about 3x a raw round trip; docs/benchmarks.md). This
// client does what the Invoke and Runtime APIs need and no more: one
// sendmsg per request (headers and body together), poll + recv bounded by
// the request's deadline, Content-Length, chunked and close-delimited
// bodies, 1xx responses skipped, keep-alive with a liveness check before
// reuse. Plain http only: https (AWS itself) goes through cpp-httplib.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_RUNTIME_HTTP1_H
#define FUSIONIZE_RUNTIME_HTTP1_H

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fusionize::detail {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_response {
  int status = 0;
  header_list headers; // names in lower case, in the order received
  std::string body;

  /// The first header named `name` (any case), or null.
  const std::string *header(std::string_view name) const;
};

enum class http_failure {
  none,
  connect,   // no connection (refused, unreachable, name not resolved)
  send,      // the request could not be written
  receive,   // the connection broke before a whole response arrived
  timeout,   // the deadline passed
  malformed, // the peer does not speak HTTP/1.x as expected
};

class http1_client {
public:
  /// `base` is "http://host[:port]".
  explicit http1_client(std::string_view base);
  ~http1_client();
  http1_client(const http1_client &) = delete;
  http1_client &operator=(const http1_client &) = delete;

  bool valid() const noexcept { return port_ > 0; }

  /// One request. Timeouts in milliseconds; a negative `timeout_ms` waits
  /// forever (the Runtime API's /next). Connections idle for more than
  /// `idle_ms` are replaced rather than reused.
  http_failure request(std::string_view method, std::string_view path,
                       const header_list &headers, std::string_view body,
                       std::int64_t connect_timeout_ms, std::int64_t timeout_ms,
                       http_response &out, std::int64_t idle_ms = 4000);

  /// Why the last request failed, for error messages.
  const std::string &error_text() const noexcept { return error_; }
  /// Closes the connection (the next request opens a new one).
  void close();

private:
  using clock = std::chrono::steady_clock;
  bool connect(clock::time_point deadline, bool has_deadline);
  bool alive();
  http_failure send_all(const std::string &head, std::string_view body,
                        clock::time_point deadline, bool has_deadline);
  http_failure fill(clock::time_point deadline, bool has_deadline, bool &eof);
  http_failure read_response(http_response &out, clock::time_point deadline,
                             bool has_deadline, bool &keep_alive);
  http_failure fail(http_failure kind, std::string text);

  std::string host_;
  int port_ = 0;
  std::string host_header_;
  int fd_ = -1;
  std::string in_; // received and not yet consumed
  bool await_response_ = false;
  bool received_ = false; // a byte of the current response arrived
  clock::time_point last_used_{};
  std::string error_;
};

/// Parses a response head (status line and headers, without the final
/// CRLF CRLF). False when it is not HTTP/1.x. Exposed for tests.
bool parse_response_head(std::string_view head, int &status, int &minor_version,
                         header_list &headers);

} // namespace fusionize::detail

#endif // FUSIONIZE_RUNTIME_HTTP1_H
