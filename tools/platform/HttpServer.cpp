//===- platform/HttpServer.cpp - A lean HTTP/1.1 server on libevent -------===//
#include "platform/HttpServer.h"

#include "platform/Http.h"

#include <event2/event.h>
#include <http_parser.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>

namespace fusionize::platform {

namespace {

char lowerAscii(char C) {
  return C >= 'A' && C <= 'Z' ? static_cast<char>(C - 'A' + 'a') : C;
}

bool equalsIgnoreCase(std::string_view A, std::string_view B) {
  if (A.size() != B.size())
    return false;
  for (size_t I = 0; I < A.size(); ++I)
    if (lowerAscii(A[I]) != lowerAscii(B[I]))
      return false;
  return true;
}

std::string_view trimSpace(std::string_view S) {
  while (!S.empty() && (S.front() == ' ' || S.front() == '\t'))
    S.remove_prefix(1);
  while (!S.empty() && (S.back() == ' ' || S.back() == '\t'))
    S.remove_suffix(1);
  return S;
}

/// "Date: Sat, 28 Nov 2026 07:04:20 GMT\r\n", formatted once per second.
std::string_view dateLine() {
  static std::time_t Cached = -1;
  static char Line[64];
  static size_t Len = 0;
  std::time_t Now = std::time(nullptr);
  if (Now != Cached) {
    std::tm Tm{};
    gmtime_r(&Now, &Tm);
    Len = std::strftime(Line, sizeof Line, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n",
                        &Tm);
    Cached = Now;
  }
  return {Line, Len};
}

/// Writes V in decimal at Out; returns the end.
char *appendNumber(char *Out, std::uint64_t V) {
  char Buf[24];
  char *P = Buf + sizeof Buf;
  do {
    *--P = static_cast<char>('0' + V % 10);
    V /= 10;
  } while (V);
  size_t N = static_cast<size_t>(Buf + sizeof Buf - P);
  std::memcpy(Out, P, N);
  return Out + N;
}

constexpr size_t ReadChunk = 64 * 1024;
/// Pipelined input buffered behind an outstanding request; more stops
/// reading until the request is answered.
constexpr size_t MaxBufferedInput = 1024 * 1024;
/// How long a connection closed after an error (400, 413) keeps reading
/// and discarding what the client still sends, so that it sees the answer
/// rather than a reset.
constexpr std::int64_t LingerNs = 5'000'000'000;

std::int64_t cachedMonoNs(event_base *Base) {
  timeval Tv{};
  event_base_gettimeofday_cached(Base, &Tv);
  return static_cast<std::int64_t>(Tv.tv_sec) * 1'000'000'000 +
         static_cast<std::int64_t>(Tv.tv_usec) * 1000;
}

} // namespace

const char *reasonPhrase(int Code) {
  switch (Code) {
  case 100:
    return "Continue";
  case 200:
    return "OK";
  case 202:
    return "Accepted";
  case 204:
    return "No Content";
  case 400:
    return "Bad Request";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 413:
    return "Request Entity Too Large";
  case 415:
    return "Unsupported Media Type";
  case 417:
    return "Expectation Failed";
  case 429:
    return "Too Many Requests";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 503:
    return "Service Unavailable";
  case 505:
    return "HTTP Version Not Supported";
  }
  return "Unknown";
}

//===-- HttpRequest --------------------------------------------------------===//

const std::string_view *HttpRequest::header(std::string_view Name) const {
  for (const auto &[K, V] : Headers)
    if (equalsIgnoreCase(K, Name))
      return &V;
  return nullptr;
}

std::string_view HttpRequest::headerOr(std::string_view Name) const {
  const std::string_view *V = header(Name);
  return V ? *V : std::string_view();
}

//===-- Parsing ------------------------------------------------------------===//

/// http-parser and what its callbacks collect. Header strings are reused
/// from request to request (assign() keeps their capacity).
struct HttpConnection::Parser {
  http_parser P{};
  HttpConnection *C = nullptr;
  /// Headers of the current request: offsets into Req.HeadBytes of name
  /// and value ({name, name length, value, value length}); the views are
  /// made when the head is complete (HeadBytes may move while it grows).
  std::vector<std::array<size_t, 4>> Spans;
  bool InValue = false;  // the last callback was a header value
  bool Complete = false; // a whole request is in C->Req
  int Refused = 0;       // a status to refuse the request with
  const char *RefusedWhy = "";

  static const http_parser_settings Settings;

  static Parser &of(http_parser *P) { return *static_cast<Parser *>(P->data); }

  void reset() {
    http_parser_init(&P, HTTP_REQUEST);
    P.data = this;
  }

  static int onBegin(http_parser *HP) {
    Parser &S = of(HP);
    HttpRequest &R = S.C->Req;
    R.Target.clear();
    R.Body.clear();
    S.Spans.clear();
    R.HeadBytes.clear();
    S.InValue = false;
    return 0;
  }
  static int onUrl(http_parser *HP, const char *At, size_t N) {
    of(HP).C->Req.Target.append(At, N);
    return 0;
  }
  static int onField(http_parser *HP, const char *At, size_t N) {
    Parser &S = of(HP);
    std::string &B = S.C->Req.HeadBytes;
    if (S.Spans.empty() || S.InValue) {
      S.Spans.push_back({B.size(), 0, 0, 0});
      S.InValue = false;
    }
    // A name in pieces is contiguous: nothing else is appended meanwhile.
    B.append(At, N);
    S.Spans.back()[1] += N;
    return 0;
  }
  static int onValue(http_parser *HP, const char *At, size_t N) {
    Parser &S = of(HP);
    std::string &B = S.C->Req.HeadBytes;
    std::array<size_t, 4> &Span = S.Spans.back();
    if (!S.InValue)
      Span[2] = B.size();
    B.append(At, N);
    Span[3] += N;
    S.InValue = true;
    return 0;
  }
  static int onHeadersComplete(http_parser *HP) {
    Parser &S = of(HP);
    HttpConnection &C = *S.C;
    HttpRequest &R = C.Req;
    R.Headers.clear();
    const char *B = R.HeadBytes.data();
    for (const auto &[NameAt, NameLen, ValueAt, ValueLen] : S.Spans)
      R.Headers.emplace_back(
          std::string_view(B + NameAt, NameLen),
          trimSpace(std::string_view(B + ValueAt, ValueLen)));
    switch (HP->method) {
    case HTTP_GET:
      R.Method = HttpMethod::Get;
      break;
    case HTTP_HEAD:
      R.Method = HttpMethod::Head;
      break;
    case HTTP_POST:
      R.Method = HttpMethod::Post;
      break;
    case HTTP_PUT:
      R.Method = HttpMethod::Put;
      break;
    case HTTP_DELETE:
      R.Method = HttpMethod::Delete;
      break;
    default:
      R.Method = HttpMethod::Other;
      break;
    }
    R.MethodName = http_method_str(static_cast<http_method>(HP->method));
    R.KeepAlive = http_should_keep_alive(HP) != 0;
    R.VersionMajor = HP->http_major;
    R.VersionMinor = HP->http_minor;
    C.setPath();
    bool HasBody = (HP->flags & F_CHUNKED) ||
                   (HP->content_length > 0 && HP->content_length != ULLONG_MAX);
    if (HasBody && HP->content_length != ULLONG_MAX &&
        HP->content_length > C.Server.L.MaxBody) {
      S.Refused = 413;
      S.RefusedWhy = "the request body is too large";
      return -1;
    }
    if (HasBody && HP->http_major == 1 && HP->http_minor >= 1)
      if (const std::string_view *E = R.header("Expect")) {
        if (!equalsIgnoreCase(*E, "100-continue")) {
          S.Refused = 417;
          S.RefusedWhy = "unsupported expectation";
          return -1;
        }
        C.sendRaw("HTTP/1.1 100 Continue\r\n\r\n");
      }
    if (HasBody && HP->content_length != ULLONG_MAX)
      R.Body.reserve(HP->content_length);
    return 0;
  }
  static int onBody(http_parser *HP, const char *At, size_t N) {
    Parser &S = of(HP);
    std::string &B = S.C->Req.Body;
    if (B.size() + N > S.C->Server.L.MaxBody) {
      S.Refused = 413;
      S.RefusedWhy = "the request body is too large";
      return -1;
    }
    B.append(At, N);
    return 0;
  }
  static int onComplete(http_parser *HP) {
    of(HP).Complete = true;
    // Stop here: the request is handled before anything behind it.
    http_parser_pause(HP, 1);
    return 0;
  }
};

const http_parser_settings HttpConnection::Parser::Settings = [] {
  http_parser_settings S;
  http_parser_settings_init(&S);
  S.on_message_begin = onBegin;
  S.on_url = onUrl;
  S.on_header_field = onField;
  S.on_header_value = onValue;
  S.on_headers_complete = onHeadersComplete;
  S.on_body = onBody;
  S.on_message_complete = onComplete;
  return S;
}();

//===-- HttpConnection -----------------------------------------------------===//

HttpConnection::HttpConnection(HttpServer &S, int Fd)
    : Server(S), Fd(Fd), P(std::make_unique<Parser>()) {
  P->C = this;
  P->reset();
  LastActiveMono = cachedMonoNs(S.Base);
  ReadEv = event_new(
      S.Base, Fd, EV_READ | EV_PERSIST,
      [](evutil_socket_t, short, void *Arg) {
        static_cast<HttpConnection *>(Arg)->onReadable();
      },
      this);
  event_add(ReadEv, nullptr);
}

HttpConnection::~HttpConnection() {
  for (event *E : {ReadEv, WriteEv, ResumeEv})
    if (E)
      event_free(E);
  if (Fd >= 0)
    ::close(Fd);
}

void HttpConnection::onReadable() {
  if (Closed)
    return;
  LastActiveMono = cachedMonoNs(Server.Base);
  char Buf[ReadChunk];
  ssize_t N = ::recv(Fd, Buf, sizeof Buf, 0);
  if (N < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
      return;
    return close(/*Notify=*/true);
  }
  if (N == 0)
    return close(/*Notify=*/true);
  if (Lingering)
    return; // discarded
  // The common case: nothing buffered, one request per read. Parse in
  // place and keep only what is left over.
  if (InPos == In.size() && !Awaiting && !outputPending()) {
    In.clear();
    InPos = 0;
    std::string_view Data(Buf, static_cast<size_t>(N));
    size_t Used = parse(Data);
    if (Closed)
      return;
    if (Used < Data.size())
      In.append(Data.substr(Used));
    return process();
  }
  In.append(Buf, static_cast<size_t>(N));
  if (In.size() - InPos > MaxBufferedInput && (Awaiting || outputPending()) &&
      !ReadingPaused) {
    event_del(ReadEv);
    ReadingPaused = true;
  }
  process();
}

void HttpConnection::setPath() {
  // The path: origin form "/p?q", or absolute form "http://h/p?q".
  std::string_view T = Req.Target;
  if (!T.empty() && T.front() != '/') {
    http_parser_url U;
    http_parser_url_init(&U);
    if (http_parser_parse_url(T.data(), T.size(), 0, &U) == 0 &&
        (U.field_set & (1 << UF_PATH)))
      T = T.substr(U.field_data[UF_PATH].off, T.size());
    else if (T != "*")
      T = "/";
  }
  for (char End : {'?', '#'})
    if (const void *At = std::memchr(T.data(), End, T.size()))
      T = T.substr(0, static_cast<size_t>(static_cast<const char *>(At) -
                                          T.data()));
  if (!std::memchr(T.data(), '%', T.size()))
    Req.Path.assign(T);
  else
    Req.Path = urlDecode(T);
}

void HttpConnection::deliver() {
  Awaiting = true;
  Processing = true;
  Server.H(*this, Server.Arg);
  Processing = false;
}

namespace {

/// Character classes of the plain-request parser.
enum : unsigned char {
  TokenChar = 1,  // RFC 9110 tchar: methods and header names
  ValueChar = 2,  // header values: visible ASCII, space, tab, obs-text
  TargetChar = 4, // origin-form targets: no spaces or controls
};

struct CharClasses {
  unsigned char Of[256] = {};
  constexpr CharClasses() {
    for (int C = 0; C < 256; ++C) {
      bool Alnum = (C >= 'a' && C <= 'z') || (C >= 'A' && C <= 'Z') ||
                   (C >= '0' && C <= '9');
      bool Token = Alnum || C == '!' || C == '#' || C == '$' || C == '%' ||
                   C == '&' || C == '\'' || C == '*' || C == '+' || C == '-' ||
                   C == '.' || C == '^' || C == '_' || C == '`' || C == '|' ||
                   C == '~';
      Of[C] = static_cast<unsigned char>(
          (Token ? TokenChar : 0) |
          (C == '\t' || (C >= 0x20 && C != 0x7f) ? ValueChar : 0) |
          (C > 0x20 && C != 0x7f ? TargetChar : 0));
    }
  }
};
constexpr CharClasses Classes;

inline bool is(char C, unsigned char Class) {
  return Classes.Of[static_cast<unsigned char>(C)] & Class;
}

/// Bodies up to this size are waited for in the input buffer, so that the
/// request is parsed in one pass once it is all there; larger ones stream
/// through http-parser into the body.
constexpr size_t PlainBodyLimit = 64 * 1024;

} // namespace

size_t HttpConnection::parsePlain(std::string_view Data) {
  // Anything unexpected, including a head that has not all arrived, is
  // left to http-parser, which keeps the state of a partial request and
  // knows every error.
  constexpr size_t Fallback = std::string_view::npos;
  const char *B = Data.data();
  const char *E = B + Data.size();
  HttpRequest &R = Req;
  // Request line: METHOD SP /target SP HTTP/1.x CRLF.
  const char *Q = B;
  while (Q < E && *Q >= 'A' && *Q <= 'Z')
    ++Q;
  std::string_view Method(B, static_cast<size_t>(Q - B));
  if (Q == E || *Q != ' ')
    return Fallback;
  if (Method == "GET")
    R.Method = HttpMethod::Get;
  else if (Method == "POST")
    R.Method = HttpMethod::Post;
  else if (Method == "PUT")
    R.Method = HttpMethod::Put;
  else if (Method == "HEAD")
    R.Method = HttpMethod::Head;
  else if (Method == "DELETE")
    R.Method = HttpMethod::Delete;
  else
    return Fallback;
  const char *T = ++Q;
  if (Q == E || *Q != '/')
    return Fallback;
  while (Q < E && is(*Q, TargetChar))
    ++Q;
  std::string_view Target(T, static_cast<size_t>(Q - T));
  static constexpr std::string_view Http1 = " HTTP/1.";
  if (static_cast<size_t>(E - Q) < Http1.size() + 3 ||
      std::string_view(Q, Http1.size()) != Http1 ||
      (Q[Http1.size()] != '0' && Q[Http1.size()] != '1') ||
      Q[Http1.size() + 1] != '\r' || Q[Http1.size() + 2] != '\n')
    return Fallback;
  unsigned short Minor = static_cast<unsigned short>(Q[Http1.size()] - '0');
  Q += Http1.size() + 3;
  // Header lines, NAME ":" OWS VALUE OWS CRLF, up to an empty line.
  std::uint64_t ContentLength = 0;
  bool HaveLength = false, Close = false, KeepAlive = false;
  // Views into Data for now; moved onto the request's copy of the head at
  // the end.
  auto &H = R.Headers;
  H.clear();
  for (;;) {
    if (Q == E)
      return Fallback;
    if (*Q == '\r') {
      if (Q + 1 == E || Q[1] != '\n')
        return Fallback;
      Q += 2;
      break;
    }
    const char *Name = Q;
    while (Q < E && is(*Q, TokenChar))
      ++Q;
    if (Q == E || Q == Name || *Q != ':')
      return Fallback;
    std::string_view N(Name, static_cast<size_t>(Q - Name));
    ++Q;
    while (Q < E && (*Q == ' ' || *Q == '\t'))
      ++Q;
    const char *V = Q;
    while (Q < E && *Q != '\r' && is(*Q, ValueChar))
      ++Q;
    if (E - Q < 2 || Q[0] != '\r' || Q[1] != '\n')
      return Fallback;
    const char *VEnd = Q;
    while (VEnd > V && (VEnd[-1] == ' ' || VEnd[-1] == '\t'))
      --VEnd;
    std::string_view Value(V, static_cast<size_t>(VEnd - V));
    Q += 2;
    switch (N.size()) {
    case 6:
      if (equalsIgnoreCase(N, "expect"))
        return Fallback; // 100-continue and its refusal
      break;
    case 7:
      if (equalsIgnoreCase(N, "upgrade"))
        return Fallback;
      break;
    case 10:
      if (equalsIgnoreCase(N, "connection")) {
        if (equalsIgnoreCase(Value, "close"))
          Close = true;
        else if (equalsIgnoreCase(Value, "keep-alive"))
          KeepAlive = true;
        else
          return Fallback; // token lists, upgrades
      }
      break;
    case 14:
      if (equalsIgnoreCase(N, "content-length")) {
        if (HaveLength || Value.empty() || Value.size() > 18)
          return Fallback;
        for (char D : Value) {
          if (D < '0' || D > '9')
            return Fallback;
          ContentLength = ContentLength * 10 + static_cast<unsigned>(D - '0');
        }
        HaveLength = true;
      }
      break;
    case 16:
      if (equalsIgnoreCase(N, "proxy-connection"))
        return Fallback;
      break;
    case 17:
      if (equalsIgnoreCase(N, "transfer-encoding"))
        return Fallback;
      break;
    }
    H.emplace_back(N, Value);
  }
  // Larger bodies, and bodies over the limit (413), are http-parser's.
  if (ContentLength > PlainBodyLimit || ContentLength > Server.L.MaxBody)
    return Fallback;
  if (static_cast<std::uint64_t>(E - Q) < ContentLength)
    return 0; // the body is still coming
  R.HeadBytes.assign(B, static_cast<size_t>(Q - B));
  const char *Copy = R.HeadBytes.data();
  for (auto &[K, V] : H) {
    K = std::string_view(Copy + (K.data() - B), K.size());
    V = std::string_view(Copy + (V.data() - B), V.size());
  }
  R.MethodName.assign(Method);
  R.Target.assign(Target);
  R.Body.assign(Q, static_cast<size_t>(ContentLength));
  R.VersionMajor = 1;
  R.VersionMinor = Minor;
  R.KeepAlive = Minor >= 1 ? !Close : KeepAlive && !Close;
  setPath();
  deliver();
  return static_cast<size_t>(Q - B) + static_cast<size_t>(ContentLength);
}

size_t HttpConnection::parse(std::string_view Data) {
  if (!ParserMidMessage) {
    size_t Used = parsePlain(Data);
    if (Used != std::string_view::npos)
      return Used;
  }
  // Parse one request at most: the parser pauses after it.
  size_t Used = http_parser_execute(&P->P, &Parser::Settings, Data.data(),
                                    Data.size());
  http_errno Err = HTTP_PARSER_ERRNO(&P->P);
  if (Err == HPE_PAUSED) {
    http_parser_pause(&P->P, 0);
  } else if (Err != HPE_OK) {
    if (P->Refused)
      fail(P->Refused, P->RefusedWhy);
    else if (Err == HPE_HEADER_OVERFLOW)
      fail(431, "the request head is too large");
    else
      fail(400, http_errno_description(Err));
    return Data.size();
  }
  if (P->Complete) {
    P->Complete = false;
    ParserMidMessage = false;
    deliver();
  } else if (Used > 0) {
    ParserMidMessage = true;
  }
  return Used;
}

void HttpConnection::process() {
  if (Processing)
    return;
  while (!Closed && !Awaiting && !outputPending() && !CloseAfterWrite &&
         InPos < In.size()) {
    size_t Used = parse(std::string_view(In).substr(InPos));
    if (Closed)
      return;
    InPos += Used;
    if (Used == 0 && !Awaiting)
      break;
  }
  if (InPos == In.size()) {
    In.clear();
    InPos = 0;
  } else if (InPos > ReadChunk) {
    In.erase(0, InPos);
    InPos = 0;
  }
  if (ReadingPaused && !Closed && In.size() - InPos <= MaxBufferedInput) {
    event_add(ReadEv, nullptr);
    ReadingPaused = false;
  }
}

void HttpConnection::resumeLater() {
  if (!ResumeEv)
    ResumeEv = event_new(
        Server.Base, -1, 0,
        [](evutil_socket_t, short, void *Arg) {
          static_cast<HttpConnection *>(Arg)->process();
        },
        this);
  event_active(ResumeEv, 0, 0);
}

void HttpConnection::fail(int Code, std::string_view Why) {
  // The request cannot be answered in order: answer this one and close.
  Awaiting = true;
  OnClose = nullptr;
  Req.Method = HttpMethod::Other;
  std::string Body = "{\"message\":\"";
  for (char C : Why)
    if (C != '"' && C != '\\' && static_cast<unsigned char>(C) >= 0x20)
      Body += C;
  Body += "\"}";
  Req.KeepAlive = false;
  Lingering = true;
  respondRaw(Code, Body, "");
}

void HttpConnection::respond(int Code, std::string_view Body,
                             const HeaderList &Headers,
                             const char *ContentType) {
  std::string Lines;
  for (const auto &[K, V] : Headers) {
    Lines.append(K).append(": ").append(V).append("\r\n");
  }
  respondRaw(Code, Body, Lines, ContentType);
}

void HttpConnection::respondRaw(int Code, std::string_view Body,
                                std::string_view HeaderLines,
                                const char *ContentType) {
  if (!Awaiting || Closed)
    return;
  Awaiting = false;
  OnClose = nullptr;
  OnCloseArg = nullptr;
  bool NoBody = Req.Method == HttpMethod::Head || Code == 204 || Code == 304 ||
                (Code >= 100 && Code < 200);
  // Status line, headers, body: one buffer and one sendmsg. The head is
  // put together with memcpy into a buffer that fits it (on the stack for
  // the usual sizes), not by string appends.
  std::string_view Reason = reasonPhrase(Code);
  std::string_view Type = ContentType && !NoBody ? ContentType : "";
  // The fixed parts take at most 166 bytes (a 64-byte date line, 20-digit
  // numbers).
  size_t Bound = 192 + Reason.size() + Type.size() + HeaderLines.size();
  char Stack[1024];
  char *Buf = Stack;
  if (Bound > sizeof Stack) {
    Head.resize(Bound);
    Buf = Head.data();
  }
  char *P = Buf;
  auto Put = [&P](std::string_view S) {
    std::memcpy(P, S.data(), S.size());
    P += S.size();
  };
  Put("HTTP/1.1 ");
  P = appendNumber(P, static_cast<unsigned>(Code));
  *P++ = ' ';
  Put(Reason);
  Put("\r\n");
  Put(dateLine());
  if (!Type.empty()) {
    Put("Content-Type: ");
    Put(Type);
    Put("\r\n");
  }
  Put(HeaderLines);
  if (Code != 204 && Code != 304) {
    Put("Content-Length: ");
    P = appendNumber(P, Body.size());
    Put("\r\n");
  }
  if (!Req.KeepAlive) {
    Put("Connection: close\r\n");
    CloseAfterWrite = true;
  } else if (Req.VersionMajor == 1 && Req.VersionMinor == 0) {
    Put("Connection: keep-alive\r\n");
  }
  Put("\r\n");
  if (NoBody)
    Body = {};
  write(std::string_view(Buf, static_cast<size_t>(P - Buf)), Body);
  if (Closed)
    return;
  if (!outputPending())
    afterWrite();
}

void HttpConnection::sendRaw(std::string_view Data) { write(Data, {}); }

void HttpConnection::write(std::string_view A, std::string_view B) {
  if (Closed)
    return;
  if (outputPending()) {
    // Behind what is still queued.
    Out.append(A);
    Out.append(B);
    return;
  }
  size_t Sent = 0, Total = A.size() + B.size();
  while (Sent < Total) {
    iovec Iov[2];
    int Count = 0;
    if (Sent < A.size())
      Iov[Count++] = {const_cast<char *>(A.data()) + Sent, A.size() - Sent};
    size_t BOff = Sent > A.size() ? Sent - A.size() : 0;
    if (B.size() > BOff)
      Iov[Count++] = {const_cast<char *>(B.data()) + BOff, B.size() - BOff};
    msghdr Msg{};
    Msg.msg_iov = Iov;
    Msg.msg_iovlen = static_cast<size_t>(Count);
    ssize_t N = ::sendmsg(Fd, &Msg, MSG_NOSIGNAL);
    if (N > 0) {
      Sent += static_cast<size_t>(N);
      continue;
    }
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      break;
    return close(/*Notify=*/true);
  }
  if (Sent == Total)
    return;
  // The socket is full: keep the rest (the caller's buffers are not ours)
  // and send it when the socket is writable.
  Out.clear();
  OutPos = 0;
  if (Sent < A.size()) {
    Out.append(A.substr(Sent));
    Out.append(B);
  } else {
    Out.append(B.substr(Sent - A.size()));
  }
  if (!WriteEv)
    WriteEv = event_new(
        Server.Base, Fd, EV_WRITE | EV_PERSIST,
        [](evutil_socket_t, short, void *Arg) {
          static_cast<HttpConnection *>(Arg)->onWritable();
        },
        this);
  event_add(WriteEv, nullptr);
}

void HttpConnection::onWritable() {
  LastActiveMono = cachedMonoNs(Server.Base);
  while (OutPos < Out.size()) {
    ssize_t N = ::send(Fd, Out.data() + OutPos, Out.size() - OutPos,
                       MSG_NOSIGNAL);
    if (N > 0) {
      OutPos += static_cast<size_t>(N);
      continue;
    }
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    return close(/*Notify=*/true);
  }
  Out.clear();
  OutPos = 0;
  event_del(WriteEv);
  afterWrite();
}

void HttpConnection::afterWrite() {
  if (CloseAfterWrite) {
    if (!Lingering)
      return close(/*Notify=*/false);
    // Stop sending, read and drop what the client still sends until it
    // closes (or the sweep gives up on it).
    ::shutdown(Fd, SHUT_WR);
    LingerSinceMono = cachedMonoNs(Server.Base);
    Server.armSweep();
    In.clear();
    InPos = 0;
    if (ReadingPaused) {
      event_add(ReadEv, nullptr);
      ReadingPaused = false;
    }
    return;
  }
  if (InPos < In.size()) {
    if (Processing)
      return; // the loop in process() goes on
    resumeLater();
  } else if (ReadingPaused) {
    event_add(ReadEv, nullptr);
    ReadingPaused = false;
  }
}

void HttpConnection::close(bool Notify) {
  if (Closed)
    return;
  Closed = true;
  for (event *E : {ReadEv, WriteEv, ResumeEv})
    if (E)
      event_del(E);
  ::close(Fd);
  Fd = -1;
  CloseHandler Fn = Awaiting && Notify ? OnClose : nullptr;
  void *Arg = OnCloseArg;
  OnClose = nullptr;
  Server.release(this);
  if (Fn)
    Fn(Arg);
}

//===-- HttpServer ---------------------------------------------------------===//

HttpServer::HttpServer(event_base *Base, int ListenFd, Handler H, void *Arg,
                       Limits L)
    : Base(Base), ListenFd(ListenFd), H(H), Arg(Arg), L(L) {
  ListenEv = event_new(
      Base, ListenFd, EV_READ | EV_PERSIST,
      [](evutil_socket_t, short, void *Arg) {
        static_cast<HttpServer *>(Arg)->onAccept();
      },
      this);
  if (!ListenEv || event_add(ListenEv, nullptr) != 0) {
    if (ListenEv)
      event_free(ListenEv);
    ListenEv = nullptr;
    return;
  }
  ReapEv = event_new(
      Base, -1, 0,
      [](evutil_socket_t, short, void *Arg) {
        static_cast<HttpServer *>(Arg)->reap();
      },
      this);
  SweepEv = event_new(
      Base, -1, EV_PERSIST,
      [](evutil_socket_t, short, void *Arg) {
        static_cast<HttpServer *>(Arg)->sweep();
      },
      this);
  if (L.IdleTimeoutS)
    armSweep();
}

void HttpServer::armSweep() {
  if (event_pending(SweepEv, EV_TIMEOUT, nullptr))
    return;
  timeval Every{1, 0};
  event_add(SweepEv, &Every);
}

HttpServer::~HttpServer() {
  for (event *E : {ListenEv, SweepEv, ReapEv})
    if (E)
      event_free(E);
  Conns.clear();
  Dead.clear();
  if (ListenFd >= 0)
    ::close(ListenFd);
}

void HttpServer::onAccept() {
  for (;;) {
    int Fd = ::accept4(ListenFd, nullptr, nullptr,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (Fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      return; // EAGAIN, or out of descriptors: try again later
    }
    int One = 1;
    setsockopt(Fd, IPPROTO_TCP, TCP_NODELAY, &One, sizeof One);
    auto C = std::make_unique<HttpConnection>(*this, Fd);
    C->Index = Conns.size();
    Conns.push_back(std::move(C));
  }
}

void HttpServer::release(HttpConnection *C) {
  // Not freed here: the connection may be deep in its own call stack.
  size_t I = C->Index;
  Dead.push_back(std::move(Conns[I]));
  if (I + 1 != Conns.size()) {
    Conns[I] = std::move(Conns.back());
    Conns[I]->Index = I;
  }
  Conns.pop_back();
  event_active(ReapEv, 0, 0);
}

void HttpServer::reap() { Dead.clear(); }

void HttpServer::sweep() {
  std::int64_t Now = cachedMonoNs(Base);
  std::int64_t Idle = static_cast<std::int64_t>(L.IdleTimeoutS) * 1'000'000'000;
  std::vector<HttpConnection *> Expired;
  for (auto &C : Conns) {
    if (C->Lingering && C->LingerSinceMono &&
        Now - C->LingerSinceMono > LingerNs)
      Expired.push_back(C.get());
    else if (Idle && !C->Awaiting && !C->outputPending() &&
             Now - C->LastActiveMono > Idle)
      Expired.push_back(C.get());
  }
  for (HttpConnection *C : Expired)
    C->close(/*Notify=*/false);
}

} // namespace fusionize::platform
