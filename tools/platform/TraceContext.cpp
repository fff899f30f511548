//===- platform/TraceContext.cpp - W3C and AWS X-Ray trace context --------===//
#include "platform/TraceContext.h"

#include "core/Xoshiro.h"

#include <cctype>
#include <cstdint>
#include <cstring>
#include <random>

namespace fusionize::platform {

bool isLowerHex(std::string_view S) {
  for (char C : S)
    if (!((C >= '0' && C <= '9') || (C >= 'a' && C <= 'f')))
      return false;
  return true;
}

static bool allZero(std::string_view S) {
  return S.find_first_not_of('0') == std::string_view::npos;
}

static std::string lower(std::string_view S) {
  std::string R(S);
  for (char &C : R)
    C = static_cast<char>(std::tolower(static_cast<unsigned char>(C)));
  return R;
}

static std::string_view trim(std::string_view S) {
  while (!S.empty() && (S.front() == ' ' || S.front() == '\t'))
    S.remove_prefix(1);
  while (!S.empty() && (S.back() == ' ' || S.back() == '\t'))
    S.remove_suffix(1);
  return S;
}

std::optional<TraceContext> parseTraceparent(std::string_view Header) {
  Header = trim(Header);
  // version "-" trace-id "-" parent-id "-" flags, 55 characters for 00.
  if (Header.size() < 55 || Header[2] != '-' || Header[35] != '-' ||
      Header[52] != '-')
    return std::nullopt;
  std::string Version = lower(Header.substr(0, 2));
  if (!isLowerHex(Version) || Version == "ff")
    return std::nullopt;
  if (Version == "00" && Header.size() != 55)
    return std::nullopt;
  if (Header.size() > 55 && Header[55] != '-')
    return std::nullopt;
  TraceContext C;
  C.TraceId = lower(Header.substr(3, 32));
  C.SpanId = lower(Header.substr(36, 16));
  std::string Flags = lower(Header.substr(53, 2));
  if (!isLowerHex(C.TraceId) || !isLowerHex(C.SpanId) || !isLowerHex(Flags) ||
      allZero(C.TraceId) || allZero(C.SpanId))
    return std::nullopt;
  C.Sampled = (std::stoi(Flags, nullptr, 16) & 1) != 0;
  return C;
}

std::string formatTraceparent(const TraceContext &C) {
  return "00-" + C.TraceId + "-" + C.SpanId + (C.Sampled ? "-01" : "-00");
}

std::optional<TraceContext> parseXRay(std::string_view Header) {
  TraceContext C;
  bool HaveRoot = false;
  while (!Header.empty()) {
    size_t Semi = Header.find(';');
    std::string_view Field = trim(Header.substr(0, Semi));
    Header = Semi == std::string_view::npos ? std::string_view()
                                            : Header.substr(Semi + 1);
    size_t Eq = Field.find('=');
    if (Eq == std::string_view::npos)
      continue;
    std::string Key = lower(trim(Field.substr(0, Eq)));
    std::string_view Value = trim(Field.substr(Eq + 1));
    if (Key == "root") {
      // 1-<8 hex epoch>-<24 hex random>
      if (Value.size() != 35 || Value.substr(0, 2) != "1-" || Value[10] != '-')
        return std::nullopt;
      std::string Id = lower(Value.substr(2, 8)) + lower(Value.substr(11, 24));
      if (!isLowerHex(Id) || allZero(Id))
        return std::nullopt;
      C.TraceId = Id;
      HaveRoot = true;
    } else if (Key == "parent") {
      std::string Id = lower(Value);
      if (Id.size() != 16 || !isLowerHex(Id) || allZero(Id))
        return std::nullopt;
      C.SpanId = Id;
    } else if (Key == "sampled") {
      if (Value == "0")
        C.Sampled = false;
      else if (Value == "1" || Value == "?")
        C.Sampled = true;
      else
        return std::nullopt;
    }
  }
  if (!HaveRoot)
    return std::nullopt;
  return C;
}

void appendAll(std::string &Out,
               std::initializer_list<std::string_view> Parts) {
  size_t Add = 0;
  for (std::string_view P : Parts)
    Add += P.size();
  size_t Old = Out.size();
  Out.resize(Old + Add);
  char *D = Out.data() + Old;
  for (std::string_view P : Parts) {
    std::memcpy(D, P.data(), P.size());
    D += P.size();
  }
}

void appendXRay(std::string &Out, std::string_view TraceId,
                std::string_view SpanId, bool Sampled) {
  std::string_view Trace8 = TraceId.substr(0, 8), Rest = TraceId.substr(8);
  std::string_view Flag = Sampled ? ";Sampled=1" : ";Sampled=0";
  if (SpanId.empty())
    appendAll(Out, {"Root=1-", Trace8, "-", Rest, Flag});
  else
    appendAll(Out, {"Root=1-", Trace8, "-", Rest, ";Parent=", SpanId, Flag});
}

std::string formatXRay(const TraceContext &C) {
  std::string S;
  S.reserve(80);
  appendXRay(S, C.TraceId, C.SpanId, C.Sampled);
  return S;
}

namespace {
/// One generator per thread: ids are made on hot paths. xoshiro256++
/// (Blackman and Vigna), seeded from std::random_device: ids must not
/// collide, they need not be unpredictable.
struct IdSource {
  std::uint64_t S[4];

  IdSource() {
    std::random_device Rd;
    for (std::uint64_t &W : S)
      W = (static_cast<std::uint64_t>(Rd()) << 32) ^ Rd();
    if (!(S[0] | S[1] | S[2] | S[3]))
      S[0] = 0x9e3779b97f4a7c15ULL;
  }
  std::uint64_t next() { // xoshiro256++
    std::uint64_t R = rotl64(S[0] + S[3], 23) + S[0];
    xoshiro256Advance(S);
    return R;
  }
};
IdSource &ids() {
  thread_local IdSource S;
  return S;
}

/// 16 lowercase hex digits of V into Out.
void hex64(char *Out, std::uint64_t V) {
  static const char Digits[] = "0123456789abcdef";
  for (int I = 15; I >= 0; --I, V >>= 4)
    Out[I] = Digits[V & 15];
}

/// `Words` random non-zero 64-bit words (not all zero) as hex.
std::string randomHex(int Words) {
  IdSource &G = ids();
  std::uint64_t W[2] = {0, 0};
  while (!(W[0] | W[1]))
    for (int I = 0; I < Words; ++I)
      W[I] = G.next();
  std::string S(static_cast<size_t>(16 * Words), '0');
  for (int I = 0; I < Words; ++I)
    hex64(S.data() + 16 * I, W[I]);
  return S;
}
} // namespace

std::string newTraceId() { return randomHex(2); }
std::string newSpanId() { return randomHex(1); }

std::string newRequestId() {
  // 8-4-4-4-12 hex digits, version 4, variant 10xx.
  IdSource &G = ids();
  std::uint64_t Hi = G.next(), Lo = G.next();
  Hi = (Hi & ~0xf000ULL) | 0x4000ULL;       // version 4
  Lo = (Lo & ~(3ULL << 62)) | (2ULL << 62); // variant 10xx
  char H[32];
  hex64(H, Hi);
  hex64(H + 16, Lo);
  std::string Id(36, '-');
  std::memcpy(&Id[0], H, 8);
  std::memcpy(&Id[9], H + 8, 4);
  std::memcpy(&Id[14], H + 12, 4);
  std::memcpy(&Id[19], H + 16, 4);
  std::memcpy(&Id[24], H + 20, 12);
  return Id;
}

} // namespace fusionize::platform
