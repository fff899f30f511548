//===- platform/HttpServer.h - A lean HTTP/1.1 server on libevent ---------===//
//
// The platform's HTTP servers (the Invoke API and each instance's Runtime
// API) on one libevent loop. A plain request that arrived whole (origin-form
// target, token header names, no Transfer-Encoding, Expect or Upgrade, a
// Content-Length body of at most 64 KB: every request of the platform's hot
// paths) is parsed in one pass over the buffer; everything else, including
// every malformed or partial head, goes to joyent's http-parser (Debian
// libhttp-parser-dev), which parses incrementally and byte by byte (about
// 40 instructions a byte, a third of an invocation's cost before the fast
// path). Either way the handler sees the same HttpRequest. This file
// otherwise only moves bytes:
//
//   - a connection is a non-blocking socket with one persistent read event;
//     a response is written at once with one sendmsg (status line, headers
//     and body together), and only when the socket cannot take all of it
//     does the rest wait for a write event;
//   - a connection serves one request at a time: the handler may answer at
//     once or later (a parked GET /next, a synchronous invocation), and
//     pipelined requests behind it are parsed only after the answer, so
//     answers go out in order;
//   - bodies may be Content-Length or chunked, up to a limit (then 413 and
//     the connection is closed); `Expect: 100-continue` is answered;
//     malformed requests get 400 and a close; keep-alive follows HTTP/1.0
//     and 1.1 rules; connections idle for longer than the idle timeout with
//     no request outstanding are closed;
//   - a peer that closes its connection while its request is outstanding is
//     reported through the close handler, so whoever holds the connection
//     forgets it (the answer is then dropped).
//
// Nothing is allocated per request once a connection's buffers have grown
// to fit its requests.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLATFORM_HTTPSERVER_H
#define FUSIONIZE_PLATFORM_HTTPSERVER_H

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct event;
struct event_base;

namespace fusionize::platform {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

enum class HttpMethod { Get, Head, Post, Put, Delete, Other };

struct HttpRequest {
  HttpMethod Method = HttpMethod::Other;
  std::string MethodName;
  std::string Target;  // as sent: "/path?query"
  std::string Path;    // decoded, without the query
  /// Names as sent, and values, viewing HeadBytes (valid until the next
  /// request on the connection is parsed).
  std::vector<std::pair<std::string_view, std::string_view>> Headers;
  std::string HeadBytes; // what Headers views
  std::string Body;    // de-chunked
  bool KeepAlive = true;
  unsigned short VersionMajor = 1, VersionMinor = 1;

  /// The value of the first header named `Name` (any case), or null.
  const std::string_view *header(std::string_view Name) const;
  /// The header's value, or "" when absent.
  std::string_view headerOr(std::string_view Name) const;
};

class HttpServer;

/// One client connection; also the handle of its outstanding request.
class HttpConnection {
public:
  using CloseHandler = void (*)(void *Arg);

  HttpRequest &request() { return Req; }
  const HttpRequest &request() const { return Req; }
  /// A request waits for its answer.
  bool awaitingResponse() const { return Awaiting; }

  /// Answers the outstanding request: `Code`, `Content-Type` (unless null),
  /// the headers, `Content-Length`, the body. Headers are sent as given.
  void respond(int Code, std::string_view Body, const HeaderList &Headers = {},
               const char *ContentType = "application/json");
  /// The same with extra header lines already formatted ("Name: value\r\n"
  /// each), for the hot paths.
  void respondRaw(int Code, std::string_view Body, std::string_view HeaderLines,
                  const char *ContentType = "application/json");

  /// Called once if the connection closes while its request is
  /// outstanding (not when the server itself is destroyed). Cleared by
  /// respond().
  void setCloseHandler(CloseHandler Fn, void *Arg) {
    OnClose = Fn;
    OnCloseArg = Arg;
  }

  HttpConnection(HttpServer &S, int Fd);
  ~HttpConnection();
  HttpConnection(const HttpConnection &) = delete;
  HttpConnection &operator=(const HttpConnection &) = delete;

private:
  friend class HttpServer;
  struct Parser;

  void onReadable();
  void onWritable();
  /// Parses at most one request from `Data` and hands it to the handler;
  /// returns how much of `Data` was used.
  size_t parse(std::string_view Data);
  /// The fast path of parse(): a whole, plain request (see HttpServer.cpp)
  /// parsed in one pass. Returns its length, 0 when `Data` holds only part
  /// of such a request (wait for more), or npos when http-parser must do it.
  size_t parsePlain(std::string_view Data);
  /// Sets Req.Path from Req.Target.
  void setPath();
  /// Hands the complete request in Req to the handler.
  void deliver();
  /// Parses what is buffered, one request after another, while each is
  /// answered at once.
  void process();
  /// Refuses the request being parsed with `Code`, then closes.
  void fail(int Code, std::string_view Why);
  void sendRaw(std::string_view Data);
  /// Sends A then B now, queueing what the socket does not take.
  void write(std::string_view A, std::string_view B);
  void afterWrite();
  void close(bool Notify);
  void resumeLater();
  bool outputPending() const { return OutPos < Out.size(); }

  HttpServer &Server;
  int Fd;
  size_t Index = 0; // in Server.Conns
  event *ReadEv = nullptr;
  event *WriteEv = nullptr;
  event *ResumeEv = nullptr;
  std::unique_ptr<Parser> P;
  HttpRequest Req;
  std::string In;   // received, not yet parsed (beyond InPos)
  size_t InPos = 0;
  std::string Head; // the response head being built
  std::string Out;  // what the socket did not take yet (beyond OutPos)
  size_t OutPos = 0;
  bool Awaiting = false;   // a request waits for its answer
  bool Processing = false; // inside the handler
  bool CloseAfterWrite = false;
  bool Lingering = false; // closing after an error: input is discarded
  bool Closed = false;
  bool ReadingPaused = false;
  bool ParserMidMessage = false; // http-parser holds part of a request
  std::int64_t LastActiveMono = 0, LingerSinceMono = 0;
  CloseHandler OnClose = nullptr;
  void *OnCloseArg = nullptr;
};

class HttpServer {
public:
  using Handler = void (*)(HttpConnection &C, void *Arg);

  struct Limits {
    size_t MaxBody = 64 * 1024 * 1024;
    /// Connections with no request outstanding and no traffic for this
    /// long are closed; 0: never.
    unsigned IdleTimeoutS = 3600;
  };

  /// Serves `ListenFd` (a listening, non-blocking socket; the server owns
  /// it from now on) on `Base`, calling `H` for every complete request.
  HttpServer(event_base *Base, int ListenFd, Handler H, void *Arg,
             Limits L);
  HttpServer(event_base *Base, int ListenFd, Handler H, void *Arg)
      : HttpServer(Base, ListenFd, H, Arg, Limits()) {}
  /// Closes the listener and every connection (no close handlers run).
  ~HttpServer();
  HttpServer(const HttpServer &) = delete;
  HttpServer &operator=(const HttpServer &) = delete;

  bool ok() const { return ListenEv != nullptr; }
  size_t connections() const { return Conns.size(); }

private:
  friend class HttpConnection;
  void onAccept();
  void armSweep();
  void sweep();
  void reap();
  void release(HttpConnection *C);

  event_base *Base;
  int ListenFd;
  Handler H;
  void *Arg;
  Limits L;
  event *ListenEv = nullptr;
  event *SweepEv = nullptr;
  event *ReapEv = nullptr;
  std::vector<std::unique_ptr<HttpConnection>> Conns;
  std::vector<std::unique_ptr<HttpConnection>> Dead;
};

/// "HTTP/1.1 200 OK" reason phrases.
const char *reasonPhrase(int Code);

} // namespace fusionize::platform

#endif // FUSIONIZE_PLATFORM_HTTPSERVER_H
