//===- http_client.h - Outgoing requests over kept-alive connections ------===//
//
// Every thread keeps one connection per endpoint, so connections stay open
// between calls without a shared pool's locking: the lean HTTP/1.1 client
// (http1.h) for http:// endpoints, cpp-httplib for https:// (AWS Lambda
// itself). A connection idle longer than `idle_ms` is replaced before use,
// so a server's keep-alive timeout does not race a new request.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_RUNTIME_HTTP_CLIENT_H
#define FUSIONIZE_RUNTIME_HTTP_CLIENT_H

#include "http1.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace fusionize::detail {

struct http_result {
  http_failure failure = http_failure::none;
  std::string error; // why it failed, when it did
  http_response response;
};

/// POSTs `body` to base + path on the calling thread's connection.
http_result thread_post(const std::string &base, const std::string &path,
                        const header_list &headers, std::string_view body,
                        std::int64_t connect_ms, std::int64_t timeout_ms,
                        std::int64_t idle_ms);

/// Closes the calling thread's kept-alive connections.
void close_thread_clients();

/// Neither HTTP library the runtime uses may kill the process with SIGPIPE
/// when a peer has closed its end (cpp-httplib writes without
/// MSG_NOSIGNAL), so the runtime ignores SIGPIPE when it still has its
/// default disposition; a handler the program installed is left alone.
void ignore_sigpipe();

} // namespace fusionize::detail

#endif // FUSIONIZE_RUNTIME_HTTP_CLIENT_H
