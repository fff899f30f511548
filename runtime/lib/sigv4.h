//===- sigv4.h - AWS Signature Version 4 ----------------------------------===//
//
// Signs Invoke API requests to AWS Lambda. Checked against AWS's published
// SigV4 test suite (test/unit/runtime/SigV4Test.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_RUNTIME_SIGV4_H
#define FUSIONIZE_RUNTIME_SIGV4_H

#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fusionize::detail {

struct aws_credentials {
  std::string access_key, secret_key, session_token;
};

struct sigv4_request {
  std::string method;
  std::string path;  // as sent: already URI-encoded
  std::string query; // as sent, without '?'
  /// Every header to sign, including host and x-amz-date (and
  /// x-amz-security-token with temporary credentials).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view payload;
};

struct sigv4_signature {
  std::string authorization; // the Authorization header's value
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;
};

/// `amz_date` is the request's x-amz-date (YYYYMMDD'T'HHMMSS'Z'). Services
/// other than S3 URI-encode the path a second time (`double_encode_path`).
sigv4_signature sigv4_sign(const sigv4_request &request,
                           const aws_credentials &credentials,
                           std::string_view region, std::string_view service,
                           std::string_view amz_date,
                           bool double_encode_path = true);

/// x-amz-date for a point in time (UTC).
std::string amz_date(std::time_t when);
/// Lowercase hex SHA-256.
std::string sha256_hex(std::string_view data);
/// RFC 3986 percent-encoding of everything but unreserved characters (and
/// '/' unless `encode_slash`).
std::string uri_encode(std::string_view text, bool encode_slash);

} // namespace fusionize::detail

#endif // FUSIONIZE_RUNTIME_SIGV4_H
