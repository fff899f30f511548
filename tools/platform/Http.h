//===- platform/Http.h - Answers in AWS's shapes, sockets, encodings ------===//
//
// Errors carry `x-amzn-ErrorType` and a JSON body `{"Type", "Message"}`
// (botocore reads both), like the Lambda service. The HTTP server itself is
// platform/HttpServer.h.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLATFORM_HTTP_H
#define FUSIONIZE_PLATFORM_HTTP_H

#include "platform/HttpServer.h"

#include <string>
#include <string_view>

namespace fusionize::platform {

/// An AWS service error: status, `x-amzn-ErrorType: Type`, JSON body.
void sendAwsError(HttpConnection &C, int Code, const std::string &Type,
                  const std::string &Message, const HeaderList &Extra = {},
                  const std::string &Reason = "");

/// A listening TCP socket on Host:Port (0: any free port), non-blocking,
/// close-on-exec, with TCP_NODELAY.
/// Returns -1 and sets `Error` on failure.
int listenTcp(const std::string &Host, unsigned Port, std::string &Error);
/// The local port of a bound socket.
unsigned socketPort(int Fd);

/// True when `Text` is a JSON document in the plain shapes payloads take
/// (objects, arrays, strings of printable ASCII and simple escapes, integers
/// and decimals, true/false/null), checked in one pass without building
/// anything. False means "not certain": ask nlohmann (Json::accept), which
/// also knows exponents, \u escapes, UTF-8, a BOM and number overflow.
bool isPlainJson(std::string_view Text);

/// Percent-decoding of a path segment.
std::string urlDecode(std::string_view S);
/// Standard base64 with padding.
std::string base64Encode(std::string_view Data);

} // namespace fusionize::platform

#endif // FUSIONIZE_PLATFORM_HTTP_H
