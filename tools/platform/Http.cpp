//===- platform/Http.cpp - Small helpers around libevent's evhttp ---------===//
#include "platform/Http.h"

#include "core/Json.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fusionize::platform {

std::string requestBody(evhttp_request *Req) {
  evbuffer *In = evhttp_request_get_input_buffer(Req);
  size_t N = evbuffer_get_length(In);
  std::string Body(N, '\0');
  if (N)
    evbuffer_copyout(In, Body.data(), N);
  return Body;
}

std::string requestPath(evhttp_request *Req) {
  const evhttp_uri *U = evhttp_request_get_evhttp_uri(Req);
  const char *P = U ? evhttp_uri_get_path(U) : nullptr;
  if (!P) {
    std::string Uri = evhttp_request_get_uri(Req);
    return urlDecode(Uri.substr(0, Uri.find('?')));
  }
  return urlDecode(P);
}

std::string requestHeader(evhttp_request *Req, const char *Name) {
  const char *V =
      evhttp_find_header(evhttp_request_get_input_headers(Req), Name);
  return V ? V : "";
}

void sendReply(evhttp_request *Req, int Code, std::string_view Body,
               const HeaderList &Headers, const char *ContentType) {
  evkeyvalq *Out = evhttp_request_get_output_headers(Req);
  if (ContentType)
    evhttp_add_header(Out, "Content-Type", ContentType);
  for (const auto &[K, V] : Headers)
    evhttp_add_header(Out, K.c_str(), V.c_str());
  evbuffer *Buf = evhttp_request_get_output_buffer(Req);
  if (!Body.empty())
    evbuffer_add(Buf, Body.data(), Body.size());
  const char *Reason = Code == 200   ? "OK"
                       : Code == 202 ? "Accepted"
                       : Code == 204 ? "No Content"
                       : Code == 400 ? "Bad Request"
                       : Code == 403 ? "Forbidden"
                       : Code == 404 ? "Not Found"
                       : Code == 405 ? "Method Not Allowed"
                       : Code == 413 ? "Request Entity Too Large"
                       : Code == 415 ? "Unsupported Media Type"
                       : Code == 429 ? "Too Many Requests"
                       : Code == 500 ? "Internal Server Error"
                       : Code == 503 ? "Service Unavailable"
                                     : "";
  evhttp_send_reply(Req, Code, Reason, nullptr);
}

void sendAwsError(evhttp_request *Req, int Code, const std::string &Type,
                  const std::string &Message, const HeaderList &Extra,
                  const std::string &Reason) {
  Json Body = Json::object();
  if (!Reason.empty())
    Body["Reason"] = Reason;
  Body["Type"] = Code >= 500 ? "Service" : "User";
  Body["Message"] = Message;
  HeaderList H = Extra;
  H.emplace_back("x-amzn-ErrorType", Type);
  sendReply(Req, Code, Body.dump(), H);
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
