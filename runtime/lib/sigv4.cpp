//===- sigv4.cpp - AWS Signature Version 4 --------------------------------===//
#include "sigv4.h"
#include "util.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <map>

namespace fusionize::detail {

namespace {

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()),
       reinterpret_cast<const unsigned char *>(data.data()), data.size(), out,
       &len);
  return std::string(reinterpret_cast<char *>(out), len);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char &c : out)
    if (c >= 'A' && c <= 'Z')
      c = char(c - 'A' + 'a');
  return out;
}

/// Trims and collapses runs of spaces, as the canonical form requires.
std::string canonical_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty())
      out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string uri_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::uint8_t byte;
    if (s[i] == '%' && i + 2 < s.size() &&
        from_hex(s.substr(i + 1, 2), &byte, 1)) {
      out.push_back(char(byte));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string canonical_uri(std::string_view path, bool double_encode) {
  if (path.empty())
    return "/";
  if (!double_encode)
    return std::string(path);
  return uri_encode(path, /*encode_slash=*/false);
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view()
                                          : query.substr(amp + 1);
    if (item.empty())
      continue;
    auto eq = item.find('=');
    std::string key = uri_decode(item.substr(0, eq));
    std::string value = eq == std::string_view::npos
                            ? std::string()
                            : uri_decode(item.substr(eq + 1));
    params.emplace_back(uri_encode(key, true), uri_encode(value, true));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto &[k, v] : params) {
    if (!out.empty())
      out.push_back('&');
    out += k + "=" + v;
  }
  return out;
}

} // namespace

std::string uri_encode(std::string_view text, bool encode_slash) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
        c == '~' || (c == '/' && !encode_slash)) {
      out.push_back(char(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char *>(data.data()), data.size(),
         digest);
  return to_hex(digest, sizeof digest);
}

std::string amz_date(std::time_t when) {
  std::tm tm{};
  gmtime_r(&when, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

sigv4_signature sigv4_sign(const sigv4_request &request,
                           const aws_credentials &credentials,
                           std::string_view region, std::string_view service,
                           std::string_view date, bool double_encode_path) {
  // Header names lowercase and sorted; repeated names join with ','.
  std::map<std::string, std::string> headers;
  for (const auto &[name, value] : request.headers) {
    std::string key = lower(name);
    std::string v = canonical_value(value);
    auto it = headers.find(key);
    if (it == headers.end())
      headers.emplace(key, v);
    else
      it->second += "," + v;
  }
  std::string canonical_headers, signed_headers;
  for (const auto &[name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!signed_headers.empty())
      signed_headers.push_back(';');
    signed_headers += name;
  }

  sigv4_signature sig;
  sig.signed_headers = signed_headers;
  sig.canonical_request =
      request.method + "\n" + canonical_uri(request.path, double_encode_path) +
      "\n" + canonical_query(request.query) + "\n" + canonical_headers + "\n" +
      signed_headers + "\n" + sha256_hex(request.payload);

  std::string day(date.substr(0, 8));
  std::string scope = day + "/" + std::string(region) + "/" +
                      std::string(service) + "/aws4_request";
  sig.string_to_sign = "AWS4-HMAC-SHA256\n" + std::string(date) + "\n" + scope +
                       "\n" + sha256_hex(sig.canonical_request);

  std::string key = hmac("AWS4" + credentials.secret_key, day);
  key = hmac(key, region);
  key = hmac(key, service);
  key = hmac(key, "aws4_request");
  std::string raw = hmac(key, sig.string_to_sign);
  std::string signature =
      to_hex(reinterpret_cast<const std::uint8_t *>(raw.data()), raw.size());

  sig.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key +
                      "/" + scope + ", SignedHeaders=" + signed_headers +
                      ", Signature=" + signature;
  return sig;
}

} // namespace fusionize::detail
