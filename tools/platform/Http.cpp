//===- platform/Http.cpp - Answers in AWS's shapes, sockets, encodings ----===//
#include "platform/Http.h"

#include "core/Json.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fusionize::platform {

void sendAwsError(HttpConnection &C, int Code, const std::string &Type,
                  const std::string &Message, const HeaderList &Extra,
                  const std::string &Reason) {
  Json Body = Json::object();
  if (!Reason.empty())
    Body["Reason"] = Reason;
  Body["Type"] = Code >= 500 ? "Service" : "User";
  Body["Message"] = Message;
  HeaderList H = Extra;
  H.emplace_back("x-amzn-ErrorType", Type);
  C.respond(Code, Body.dump(), H);
}

int listenTcp(const std::string &Host, unsigned Port, std::string &Error) {
  sockaddr_in Addr{};
  Addr.sin_family = AF_INET;
  Addr.sin_port = htons(static_cast<uint16_t>(Port));
  if (inet_pton(AF_INET, Host.c_str(), &Addr.sin_addr) != 1) {
    Error = "not an IPv4 address: " + Host;
    return -1;
  }
  int Fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (Fd < 0) {
    Error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  int One = 1;
  setsockopt(Fd, SOL_SOCKET, SO_REUSEADDR, &One, sizeof One);
  setsockopt(Fd, IPPROTO_TCP, TCP_NODELAY, &One, sizeof One);
  if (bind(Fd, reinterpret_cast<sockaddr *>(&Addr), sizeof Addr) != 0 ||
      listen(Fd, 1024) != 0) {
    Error = "cannot listen on " + Host + ":" + std::to_string(Port) + ": " +
            std::strerror(errno);
    close(Fd);
    return -1;
  }
  return Fd;
}

unsigned socketPort(int Fd) {
  sockaddr_in Addr{};
  socklen_t Len = sizeof Addr;
  if (getsockname(Fd, reinterpret_cast<sockaddr *>(&Addr), &Len) != 0)
    return 0;
  return ntohs(Addr.sin_port);
}

bool isPlainJson(std::string_view Text) {
  const char *P = Text.data(), *E = P + Text.size();
  auto SkipSpace = [&] {
    while (P < E && (*P == ' ' || *P == '\n' || *P == '\r' || *P == '\t'))
      ++P;
  };
  auto Literal = [&](std::string_view L) {
    if (static_cast<size_t>(E - P) < L.size() ||
        std::string_view(P, L.size()) != L)
      return false;
    P += L.size();
    return true;
  };
  auto Digits = [&] {
    const char *S = P;
    while (P < E && *P >= '0' && *P <= '9')
      ++P;
    return P != S;
  };
  auto String = [&] { // at the opening quote
    for (++P; P < E; ++P) {
      unsigned char C = static_cast<unsigned char>(*P);
      if (C == '"') {
        ++P;
        return true;
      }
      if (C == '\\') {
        if (++P == E)
          return false;
        switch (*P) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
          continue;
        default:
          return false; // \u: nlohmann checks the surrogate pairs
        }
      }
      if (C < 0x20 || C >= 0x7f)
        return false; // controls are invalid; UTF-8 is nlohmann's to check
    }
    return false;
  };
  auto Key = [&] { // a member's name and its colon
    SkipSpace();
    if (P == E || *P != '"' || !String())
      return false;
    SkipSpace();
    if (P == E || *P != ':')
      return false;
    ++P;
    return true;
  };
  // The containers still open, '{' or '['; values are read in a loop, so
  // nesting costs no stack.
  std::string Open;
  for (;;) {
    // A value.
    SkipSpace();
    if (P == E)
      return false;
    char C = *P;
    if (C == '{' || C == '[') {
      ++P;
      SkipSpace();
      if (P < E && *P == (C == '{' ? '}' : ']')) {
        ++P; // empty: a complete value
      } else {
        Open.push_back(C);
        if (C == '{' && !Key())
          return false;
        continue; // the first element or member value
      }
    } else if (C == '"') {
      if (!String())
        return false;
    } else if (C == '-' || (C >= '0' && C <= '9')) {
      if (C == '-')
        ++P;
      if (P < E && *P == '0')
        ++P;
      else if (!Digits())
        return false;
      if (P < E && *P == '.') {
        ++P;
        if (!Digits())
          return false;
      }
      if (P < E && (*P == 'e' || *P == 'E'))
        return false; // an exponent may overflow: nlohmann's to judge
    } else if (!Literal("true") && !Literal("false") && !Literal("null")) {
      return false;
    }
    // After a value: separators and closers, or the end.
    for (;;) {
      SkipSpace();
      if (Open.empty())
        return P == E;
      if (P == E)
        return false;
      char Top = Open.back();
      if (*P == ',') {
        ++P;
        if (Top == '{' && !Key())
          return false;
        break; // the next value
      }
      if (*P != (Top == '{' ? '}' : ']'))
        return false;
      ++P;
      Open.pop_back();
    }
  }
}

std::string urlDecode(std::string_view S) {
  if (S.find('%') == std::string_view::npos)
    return std::string(S);
  std::string Out;
  Out.reserve(S.size());
  auto Hex = [](char C) -> int {
    if (C >= '0' && C <= '9')
      return C - '0';
    if (C >= 'a' && C <= 'f')
      return C - 'a' + 10;
    if (C >= 'A' && C <= 'F')
      return C - 'A' + 10;
    return -1;
  };
  for (size_t I = 0; I < S.size(); ++I) {
    if (S[I] == '%' && I + 2 < S.size() && Hex(S[I + 1]) >= 0 &&
        Hex(S[I + 2]) >= 0) {
      Out += static_cast<char>(Hex(S[I + 1]) * 16 + Hex(S[I + 2]));
      I += 2;
    } else {
      Out += S[I];
    }
  }
  return Out;
}

std::string base64Encode(std::string_view Data) {
  static const char *const Alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string Out;
  Out.reserve((Data.size() + 2) / 3 * 4);
  size_t I = 0;
  for (; I + 2 < Data.size(); I += 3) {
    unsigned V = (static_cast<unsigned char>(Data[I]) << 16) |
                 (static_cast<unsigned char>(Data[I + 1]) << 8) |
                 static_cast<unsigned char>(Data[I + 2]);
    Out += Alphabet[(V >> 18) & 63];
    Out += Alphabet[(V >> 12) & 63];
    Out += Alphabet[(V >> 6) & 63];
    Out += Alphabet[V & 63];
  }
  if (I < Data.size()) {
    unsigned V = static_cast<unsigned char>(Data[I]) << 16;
    if (I + 1 < Data.size())
      V |= static_cast<unsigned char>(Data[I + 1]) << 8;
    Out += Alphabet[(V >> 18) & 63];
    Out += Alphabet[(V >> 12) & 63];
    Out += I + 1 < Data.size() ? Alphabet[(V >> 6) & 63] : '=';
    Out += '=';
  }
  return Out;
}

} // namespace fusionize::platform
