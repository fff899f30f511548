//===- hash.h - Deterministic ids and choices for the web shop ------------===//
//
// Where BeFaaS draws random numbers (transaction and tracking ids, which ads
// to show, which products to recommend), the C++ shop hashes its inputs, so
// that every run of a payload gives the same responses under every plan.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_EXAMPLES_WEBSHOP_HASH_H
#define FUSIONIZE_EXAMPLES_WEBSHOP_HASH_H

#include <cstdint>
#include <cstdio>
#include <string>

namespace webshop {

/// 64-bit FNV-1a of `text`.
inline std::uint64_t fnv1a(const std::string &text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

/// `prefix` followed by 12 hex digits of the hash of `text`.
inline std::string hashId(const std::string &prefix, const std::string &text) {
  char digits[17];
  std::snprintf(digits, sizeof digits, "%016llx",
                static_cast<unsigned long long>(fnv1a(text)));
  return prefix + std::string(digits, 12);
}

} // namespace webshop

#endif // FUSIONIZE_EXAMPLES_WEBSHOP_HASH_H
