//===- platform/Http.h - Small helpers around libevent's evhttp -----------===//
//
// Reading requests and answering them in the shapes AWS clients expect:
// errors carry `x-amzn-ErrorType` and a JSON body `{"Type", "Message"}`
// (botocore reads both), like the Lambda service.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLATFORM_HTTP_H
#define FUSIONIZE_PLATFORM_HTTP_H

#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct evhttp_request;

namespace fusionize::platform {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// The request body as a string.
std::string requestBody(evhttp_request *Req);
/// The decoded path of the request URI, without the query.
std::string requestPath(evhttp_request *Req);
/// A request header, or "" when absent.
std::string requestHeader(evhttp_request *Req, const char *Name);

/// Sends `Body` with `Code` and headers.
void sendReply(evhttp_request *Req, int Code, std::string_view Body,
               const HeaderList &Headers = {},
               const char *ContentType = "application/json");

/// An AWS service error: status, `x-amzn-ErrorType: Type`, JSON body.
void sendAwsError(evhttp_request *Req, int Code, const std::string &Type,
                  const std::string &Message, const HeaderList &Extra = {},
                  const std::string &Reason = "");

/// A listening TCP socket on Host:Port (0: any free port), non-blocking,
/// close-on-exec, with TCP_NODELAY (inherited by accepted sockets).
/// Returns -1 and sets `Error` on failure.
int listenTcp(const std::string &Host, unsigned Port, std::string &Error);
/// The local port of a bound socket.
unsigned socketPort(int Fd);

/// Percent-decoding of a path segment.
std::string urlDecode(std::string_view S);
/// Standard base64 with padding.
std::string base64Encode(std::string_view Data);

} // namespace fusionize::platform

#endif // FUSIONIZE_PLATFORM_HTTP_H
