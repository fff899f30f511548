//===- unit/platform/HttpServerTest.cpp - The platform's HTTP/1.1 server --===//
//
// HttpServer on a real loopback socket, driven by a raw-socket client on
// another thread, so every byte on the wire is the test's choice: bodies
// (Content-Length and chunked), keep-alive, pipelining behind a deferred
// answer, 100-continue, and the refusals (400, 413) that close. Requests
// take one of two parsers (a one-pass parser for whole plain requests,
// http-parser for everything else); the tests at the end cross between
// them on one connection.
//
//===----------------------------------------------------------------------===//
#include "platform/HttpServer.h"

#include "platform/Http.h"

#include "core/Json.h"

#include <gtest/gtest.h>

#include <event2/event.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

using namespace fusionize::platform;

namespace {

/// The server on its own loop, run by the test's thread while `Client`
/// runs on another.
struct Harness {
  event_base *Base = event_base_new();
  std::unique_ptr<HttpServer> Server;
  int Port = 0;
  std::atomic<bool> Done{false};
  /// Requests whose path is /later are answered by the next loop tick.
  std::vector<HttpConnection *> Deferred;
  std::atomic<int> Closed{0};
  std::string LastPath;

  explicit Harness(HttpServer::Limits L = {}) {
    int Fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int One = 1;
    setsockopt(Fd, SOL_SOCKET, SO_REUSEADDR, &One, sizeof One);
    sockaddr_in A{};
    A.sin_family = AF_INET;
    A.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(Fd, reinterpret_cast<sockaddr *>(&A), sizeof A), 0);
    EXPECT_EQ(listen(Fd, 16), 0);
    socklen_t Len = sizeof A;
    getsockname(Fd, reinterpret_cast<sockaddr *>(&A), &Len);
    Port = ntohs(A.sin_port);
    Server = std::make_unique<HttpServer>(Base, Fd, &Harness::handle, this, L);
  }
  ~Harness() {
    Server.reset();
    event_base_free(Base);
  }

  static void handle(HttpConnection &C, void *Arg) {
    auto *H = static_cast<Harness *>(Arg);
    const HttpRequest &R = C.request();
    H->LastPath = R.Path;
    if (R.Path == "/later") {
      C.setCloseHandler(
          [](void *A) { ++static_cast<Harness *>(A)->Closed; }, H);
      H->Deferred.push_back(&C);
      return;
    }
    if (R.Path == "/hold") { // never answered: the client goes away
      C.setCloseHandler(
          [](void *A) { ++static_cast<Harness *>(A)->Closed; }, H);
      return;
    }
    std::string Body = R.MethodName + " " + R.Path + " " +
                       std::string(R.headerOr("x-test")) + " " + R.Body;
    C.respond(200, Body, {{"X-Echo", "yes"}}, "text/plain");
  }

  /// Runs the loop until `Client` returns.
  void run(const std::function<void()> &Client) {
    std::thread T([&] {
      Client();
      Done = true;
    });
    event *Tick = event_new(
        Base, -1, EV_PERSIST,
        [](evutil_socket_t, short, void *Arg) {
          auto *H = static_cast<Harness *>(Arg);
          for (HttpConnection *C : H->Deferred)
            C->respond(200, "late", {}, "text/plain");
          H->Deferred.clear();
          if (H->Done)
            event_base_loopbreak(H->Base);
        },
        this);
    timeval TV{0, 20000};
    event_add(Tick, &TV);
    event_base_dispatch(Base);
    event_free(Tick);
    T.join();
  }
};

int connectTo(int Port) {
  int Fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in A{};
  A.sin_family = AF_INET;
  A.sin_port = htons(static_cast<uint16_t>(Port));
  A.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(Fd, reinterpret_cast<sockaddr *>(&A), sizeof A), 0);
  return Fd;
}

void sendAll(int Fd, std::string_view S) {
  while (!S.empty()) {
    ssize_t N = send(Fd, S.data(), S.size(), MSG_NOSIGNAL);
    if (N <= 0)
      return;
    S.remove_prefix(static_cast<size_t>(N));
  }
}

/// Reads until `Responses` complete responses (Content-Length bodies) have
/// arrived, the peer closes, or 5 s pass. Sets `PeerClosed`.
std::string readResponses(int Fd, int Responses, bool *PeerClosed = nullptr) {
  std::string In;
  auto complete = [&] {
    size_t Pos = 0;
    for (int I = 0; I < Responses; ++I) {
      size_t End = In.find("\r\n\r\n", Pos);
      if (End == std::string::npos)
        return false;
      std::string Head = In.substr(Pos, End - Pos);
      size_t Len = 0;
      size_t CL = Head.find("Content-Length: ");
      if (CL != std::string::npos)
        Len = std::stoul(Head.substr(CL + 16));
      if (Head.rfind("HTTP/1.1 100", 0) == 0) { // interim: not counted
        Pos = End + 4;
        --I;
        continue;
      }
      if (In.size() < End + 4 + Len)
        return false;
      Pos = End + 4 + Len;
    }
    return true;
  };
  if (PeerClosed)
    *PeerClosed = false;
  while (!complete()) {
    pollfd P{Fd, POLLIN, 0};
    if (poll(&P, 1, 5000) <= 0)
      break;
    char Buf[4096];
    ssize_t N = recv(Fd, Buf, sizeof Buf, 0);
    if (N <= 0) {
      if (PeerClosed)
        *PeerClosed = true;
      break;
    }
    In.append(Buf, static_cast<size_t>(N));
  }
  return In;
}

/// True when the peer has closed (EOF within 2 s).
bool peerCloses(int Fd) {
  pollfd P{Fd, POLLIN, 0};
  if (poll(&P, 1, 2000) <= 0)
    return false;
  char Buf[4096];
  while (true) {
    ssize_t N = recv(Fd, Buf, sizeof Buf, 0);
    if (N == 0)
      return true;
    if (N < 0)
      return errno == ECONNRESET;
    if (poll(&P, 1, 2000) <= 0)
      return false;
  }
}

TEST(HttpServer, AnswersRequestsOnOneKeptAliveConnection) {
  Harness H;
  std::string Got;
  H.run([&] {
    int Fd = connectTo(H.Port);
    sendAll(Fd, "POST /a%20b?x=1 HTTP/1.1\r\nHost: h\r\nX-TEST: one\r\n"
                "Content-Length: 5\r\n\r\nhello");
    Got = readResponses(Fd, 1);
    sendAll(Fd, "GET /second HTTP/1.1\r\nHost: h\r\nx-test: two\r\n\r\n");
    Got += readResponses(Fd, 1);
    close(Fd);
  });
  EXPECT_NE(Got.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << Got;
  EXPECT_NE(Got.find("X-Echo: yes\r\n"), std::string::npos) << Got;
  EXPECT_NE(Got.find("Content-Type: text/plain\r\n"), std::string::npos);
  // The path is decoded and stripped of its query; header names match in
  // any case.
  EXPECT_NE(Got.find("POST /a b one hello"), std::string::npos) << Got;
  EXPECT_NE(Got.find("GET /second two "), std::string::npos) << Got;
}

TEST(HttpServer, DechunksBodies) {
  Harness H;
  std::string Got;
  H.run([&] {
    int Fd = connectTo(H.Port);
    sendAll(Fd, "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                "\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n");
    Got = readResponses(Fd, 1);
    close(Fd);
  });
  EXPECT_NE(Got.find("POST /c  Wikipedia"), std::string::npos) << Got;
}

TEST(HttpServer, PipelinedRequestsWaitForTheDeferredAnswer) {
  Harness H;
  std::string Got;
  H.run([&] {
    int Fd = connectTo(H.Port);
    // Both requests in one segment: the first is answered a tick later,
    // and the second's answer must not overtake it.
    sendAll(Fd, "GET /later HTTP/1.1\r\nHost: h\r\n\r\n"
                "GET /now HTTP/1.1\r\nHost: h\r\n\r\n");
    Got = readResponses(Fd, 2);
    close(Fd);
  });
  size_t Late = Got.find("\r\n\r\nlate");
  size_t Now = Got.find("GET /now");
  ASSERT_NE(Late, std::string::npos) << Got;
  ASSERT_NE(Now, std::string::npos) << Got;
  EXPECT_LT(Late, Now);
  EXPECT_EQ(H.Closed.load(), 0); // answered, so no close notification
}

TEST(HttpServer, AnswersExpectContinue) {
  Harness H;
  std::string Got;
  H.run([&] {
    int Fd = connectTo(H.Port);
    sendAll(Fd, "POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                "Content-Length: 3\r\n\r\n");
    pollfd P{Fd, POLLIN, 0};
    if (poll(&P, 1, 5000) > 0) {
      char Buf[256];
      ssize_t N = recv(Fd, Buf, sizeof Buf, 0);
      if (N > 0)
        Got.assign(Buf, static_cast<size_t>(N));
    }
    sendAll(Fd, "abc");
    Got += readResponses(Fd, 1);
    close(Fd);
  });
  EXPECT_EQ(Got.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0), 0u) << Got;
  EXPECT_NE(Got.find("POST /e  abc"), std::string::npos) << Got;
}

TEST(HttpServer, MalformedRequestGets400AndAClose) {
  Harness H;
  std::string Got;
  bool Closed = false;
  H.run([&] {
    int Fd = connectTo(H.Port);
    sendAll(Fd, "GARBAGE\x01 / HTTP/1.1\r\n\r\n");
    Got = readResponses(Fd, 1);
    Closed = peerCloses(Fd);
    close(Fd);
  });
  EXPECT_EQ(Got.rfind("HTTP/1.1 400 ", 0), 0u) << Got;
  EXPECT_NE(Got.find("Connection: close"), std::string::npos) << Got;
  EXPECT_TRUE(Closed);
  EXPECT_EQ(H.LastPath, ""); // the handler never saw it
}

TEST(HttpServer, OversizedBodyGets413) {
  HttpServer::Limits L;
  L.MaxBody = 16;
  Harness H(L);
  std::string Declared, Chunked;
  H.run([&] {
    int Fd = connectTo(H.Port);
    sendAll(Fd, "POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n"
                "0123456789abcdefg");
    Declared = readResponses(Fd, 1);
    close(Fd);
    // Chunked: the size is only known while the body arrives.
    Fd = connectTo(H.Port);
    sendAll(Fd, "POST /big HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked"
                "\r\n\r\n10\r\n0123456789abcdef\r\n1\r\ng\r\n0\r\n\r\n");
    Chunked = readResponses(Fd, 1);
    close(Fd);
  });
  EXPECT_EQ(Declared.rfind("HTTP/1.1 413 ", 0), 0u) << Declared;
  EXPECT_NE(Declared.find("too large"), std::string::npos) << Declared;
  EXPECT_EQ(Chunked.rfind("HTTP/1.1 413 ", 0), 0u) << Chunked;
  EXPECT_NE(H.LastPath, "/big");
}

TEST(HttpServer, HttpOneZeroClosesAfterTheAnswer) {
  Harness H;
  std::string Got;
  bool Closed = false;
  H.run([&] {
    int Fd = connectTo(H.Port);
    sendAll(Fd, "GET /old HTTP/1.0\r\n\r\n");
    Got = readResponses(Fd, 1);
    Closed = peerCloses(Fd);
    close(Fd);
  });
  EXPECT_NE(Got.find("GET /old"), std::string::npos) << Got;
  EXPECT_TRUE(Closed);
}

TEST(HttpServer, ReportsAClientThatLeavesBeforeTheAnswer) {
  Harness H;
  H.run([&] {
    int Fd = connectTo(H.Port);
    sendAll(Fd, "GET /hold HTTP/1.1\r\nHost: h\r\n\r\n");
    usleep(100000); // the server has the request
    close(Fd);
    for (int I = 0; I < 100 && H.Closed == 0; ++I)
      usleep(20000);
  });
  EXPECT_EQ(H.Closed.load(), 1);
  EXPECT_EQ(H.Server->connections(), 0u);
}

TEST(HttpServer, WaitsForABodyThatArrivesAfterTheHead) {
  Harness H;
  std::string Got;
  H.run([&] {
    int Fd = connectTo(H.Port);
    sendAll(Fd, "POST /split HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n"
                "01234");
    usleep(50000); // the server has seen the head and half the body
    sendAll(Fd, "56789");
    Got = readResponses(Fd, 1);
    close(Fd);
  });
  EXPECT_NE(Got.find("POST /split  0123456789"), std::string::npos) << Got;
}

TEST(HttpServer, AHeadInTwoPartsThenPlainRequests) {
  Harness H;
  std::string Got;
  H.run([&] {
    int Fd = connectTo(H.Port);
    // The first head arrives in two segments (http-parser keeps the part),
    // then two whole requests arrive in one segment.
    sendAll(Fd, "POST /one HTTP/1.1\r\nHo");
    usleep(50000);
    sendAll(Fd, "st: h\r\nX-Test: a\r\nContent-Length: 1\r\n\r\n1");
    Got = readResponses(Fd, 1);
    sendAll(Fd,
            "POST /two HTTP/1.1\r\nx-test:   b  \r\nContent-Length: 1\r\n\r\n2"
            "POST /three HTTP/1.1\r\nX-TEST:c\r\nContent-Length: 1\r\n\r\n3");
    Got += readResponses(Fd, 2);
    close(Fd);
  });
  size_t One = Got.find("POST /one a 1");
  size_t Two = Got.find("POST /two b 2"); // the value without its spaces
  size_t Three = Got.find("POST /three c 3");
  ASSERT_NE(One, std::string::npos) << Got;
  ASSERT_NE(Two, std::string::npos) << Got;
  ASSERT_NE(Three, std::string::npos) << Got;
  EXPECT_LT(One, Two);
  EXPECT_LT(Two, Three);
}

TEST(HttpServer, LargeBodiesStreamThroughTheIncrementalParser) {
  Harness H;
  std::string Body(100 * 1024, 'x');
  Body.back() = 'y';
  std::string Got;
  H.run([&] {
    int Fd = connectTo(H.Port);
    sendAll(Fd, "POST /big HTTP/1.1\r\nContent-Length: " +
                    std::to_string(Body.size()) + "\r\n\r\n" + Body);
    Got = readResponses(Fd, 1);
    sendAll(Fd, "GET /after HTTP/1.1\r\n\r\n");
    Got += readResponses(Fd, 1);
    close(Fd);
  });
  EXPECT_NE(Got.find("POST /big  " + Body), std::string::npos);
  EXPECT_NE(Got.find("GET /after  "), std::string::npos);
}

TEST(HttpServer, KeepAliveFollowsTheConnectionHeader) {
  Harness H;
  std::string Old, Closing;
  bool OldClosed = true, Closed = false;
  H.run([&] {
    // HTTP/1.0 asking for keep-alive stays open for a second request.
    int Fd = connectTo(H.Port);
    sendAll(Fd, "GET /a HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    Old = readResponses(Fd, 1);
    sendAll(Fd, "GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    Old += readResponses(Fd, 1, &OldClosed);
    close(Fd);
    // HTTP/1.1 with Connection: close is closed after the answer.
    Fd = connectTo(H.Port);
    sendAll(Fd, "GET /c HTTP/1.1\r\nConnection: close\r\n\r\n");
    Closing = readResponses(Fd, 1);
    Closed = peerCloses(Fd);
    close(Fd);
  });
  EXPECT_NE(Old.find("Connection: keep-alive\r\n"), std::string::npos) << Old;
  EXPECT_NE(Old.find("GET /b"), std::string::npos) << Old;
  EXPECT_FALSE(OldClosed);
  EXPECT_NE(Closing.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(Closing.find("GET /c"), std::string::npos) << Closing;
  EXPECT_TRUE(Closed);
}

TEST(HttpServer, ControlCharacterInAHeaderGets400) {
  Harness H;
  std::string Got;
  H.run([&] {
    int Fd = connectTo(H.Port);
    sendAll(Fd, std::string("GET /x HTTP/1.1\r\nX-Test: a\x01b\r\n\r\n"));
    Got = readResponses(Fd, 1);
    close(Fd);
  });
  EXPECT_EQ(Got.rfind("HTTP/1.1 400 ", 0), 0u) << Got;
  EXPECT_EQ(H.LastPath, "");
}

TEST(PlainJson, TakesTheCommonShapesAndLeavesTheRestToNlohmann) {
  for (const char *Doc :
       {"null", "true", " false ", "0", "-12", "3.25", "\"\"", "[]", "{}",
        "[{\"sensor_id\": 7}]",
        "{\"a\":[1,2.5,-3,[[]],{}],\"b\":\"x\\n\\\"\",\"c\":null}",
        "\r\n[ 1 , { \"k\" : [ true ] } ]\t"})
    EXPECT_TRUE(isPlainJson(Doc)) << Doc;
  // Invalid, or valid but only nlohmann knows (exponents, \u, UTF-8).
  for (const char *Doc :
       {"", " ", "nul", "01", "-", "1.", ".5", "+1", "[1,]", "[,1]",
        "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{1:2}", "[1 2]", "\"a",
        "\"\\x\"", "[]]", "[[]", "{}}", "1e5", "\"\\u00e9\"", "\"\xc3\xa9\"",
        "\"\t\"", "nullnull", "[1] x", "{\"a\":1 \"b\":2}"})
    EXPECT_FALSE(isPlainJson(Doc)) << Doc;
}

TEST(PlainJson, NeverTakesWhatNlohmannRefuses) {
  // Mutations of plain documents: whatever isPlainJson takes, nlohmann
  // must accept, and every document it takes is one nlohmann accepts.
  const std::string Base = "{\"a\": [1, -2.5, 0, true, false, null, "
                           "\"s\\\"t\"], \"b\": {\"c\": []}}";
  const std::string Alphabet = "{}[],:\"\\ 0123456789.-+eEtrufalsn\x01";
  std::uint64_t X = 88172645463325252ULL;
  auto Next = [&X] {
    X ^= X << 13;
    X ^= X >> 7;
    X ^= X << 17;
    return X;
  };
  size_t Taken = 0;
  for (int I = 0; I < 50000; ++I) {
    std::string Doc = Base;
    for (int M = 0, N = 1 + static_cast<int>(Next() % 3); M < N; ++M) {
      size_t At = Next() % (Doc.size() + 1);
      char C = Alphabet[Next() % Alphabet.size()];
      switch (Next() % 3) {
      case 0:
        Doc.insert(At, 1, C);
        break;
      case 1:
        if (At < Doc.size())
          Doc.erase(At, 1);
        break;
      default:
        if (At < Doc.size())
          Doc[At] = C;
        break;
      }
    }
    if (isPlainJson(Doc)) {
      ++Taken;
      ASSERT_TRUE(fusionize::Json::accept(Doc)) << Doc;
    }
  }
  EXPECT_GT(Taken, 1000u); // the mutations do reach the fast path
}

} // namespace
