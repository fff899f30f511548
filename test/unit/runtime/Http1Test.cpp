//===- Http1Test.cpp - The lean HTTP/1.1 client against scripted servers --===//
#include "http1.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

using namespace fusionize::detail;
using testing::HasSubstr;

namespace {

struct scripted {
  std::string bytes;        // written as the response
  bool close_after = false; // close the connection after writing
  bool silent = false;      // write nothing, keep the connection
  bool reset = false;       // write nothing, reset the connection
};

/// Answers requests with scripted bytes, one script step per request, and
/// remembers the requests it read.
class scripted_server {
public:
  explicit scripted_server(std::vector<scripted> steps)
      : steps_(std::move(steps)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
    listen(fd_, 16);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr *>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~scripted_server() {
    shutdown(fd_, SHUT_RDWR);
    if (int c = conn_.load(); c >= 0)
      shutdown(c, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  int connections() const { return connections_; }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

private:
  bool read_request(int c, std::string &buf, std::string &request) {
    char tmp[4096];
    std::size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = read(c, tmp, sizeof tmp);
      if (n <= 0)
        return false;
      buf.append(tmp, std::size_t(n));
    }
    std::size_t length = 0;
    auto cl = buf.find("Content-Length: ");
    if (cl != std::string::npos && cl < end)
      length = std::stoul(buf.substr(cl + 16));
    while (buf.size() < end + 4 + length) {
      ssize_t n = read(c, tmp, sizeof tmp);
      if (n <= 0)
        return false;
      buf.append(tmp, std::size_t(n));
    }
    request = buf.substr(0, end + 4 + length);
    buf.erase(0, end + 4 + length);
    return true;
  }
  void run() {
    for (;;) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0)
        return;
      ++connections_;
      conn_ = c;
      std::string buf, request;
      while (read_request(c, buf, request)) {
        scripted step;
        {
          std::lock_guard<std::mutex> lock(mu_);
          requests_.push_back(request);
          if (next_ >= steps_.size())
            break;
          step = steps_[next_++];
        }
        if (step.silent)
          continue;
        if (step.reset) { // closed with a reset (RST), unanswered
          linger l{1, 0};
          setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
          break;
        }
        // Byte by byte for the first 20 bytes: the reader must reassemble.
        std::size_t split = std::min<std::size_t>(20, step.bytes.size());
        for (std::size_t i = 0; i < split; ++i)
          (void)!write(c, step.bytes.data() + i, 1);
        (void)!write(c, step.bytes.data() + split, step.bytes.size() - split);
        if (step.close_after)
          break;
      }
      conn_ = -1;
      close(c);
    }
  }

  std::vector<scripted> steps_;
  std::size_t next_ = 0;
  std::mutex mu_;
  std::vector<std::string> requests_;
  int fd_, port_;
  std::atomic<int> conn_{-1}, connections_{0};
  std::thread thread_;
};

http_failure post(http1_client &client, http_response &res,
                  std::string_view body = "[]",
                  std::int64_t timeout_ms = 10000) {
  return client.request("POST", "/p", {{"X-Test", "1"}}, body, 1000, timeout_ms,
                        res);
}

} // namespace

TEST(Http1, ParsesHeads) {
  int status, minor;
  header_list h;
  ASSERT_TRUE(parse_response_head(
      "HTTP/1.1 202 Accepted\r\nX-Amz-Function-Error: Unhandled\r\nA:b\r\n"
      "Folded: one\r\n two",
      status, minor, h));
  EXPECT_EQ(status, 202);
  EXPECT_EQ(minor, 1);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0], (std::pair<std::string, std::string>("x-amz-function-error",
                                                       "Unhandled")));
  EXPECT_EQ(h[1].second, "b");
  EXPECT_EQ(h[2].second, "one two");
  EXPECT_TRUE(parse_response_head("HTTP/1.0 200", status, minor, h));
  EXPECT_EQ(minor, 0);
  for (const char *bad :
       {"HTTP/2 200 OK", "HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "ICY 200 OK",
        "HTTP/1.1 200 OK\r\nno colon", "HTTP/1.1 200 OK\r\nBad Name: x",
        "HTTP/1.1 200 OK\r\n: x"})
    EXPECT_FALSE(parse_response_head(bad, status, minor, h)) << bad;
}

TEST(Http1, BodiesOfEveryKindAndKeepAlive) {
  scripted_server server({
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n"
       "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\n"},
      {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: "
       "2\r\n\r\nok"},
      {"HTTP/1.1 204 No Content\r\n\r\n"},
      {"HTTP/1.1 200 OK\r\n\r\nuntil the end", /*close_after=*/true},
  });
  http1_client client(server.url());
  http_response res;
  ASSERT_EQ(post(client, res), http_failure::none) << client.error_text();
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "hello");
  ASSERT_EQ(post(client, res), http_failure::none) << client.error_text();
  EXPECT_EQ(res.body, "hello, world");
  ASSERT_NE(res.header("X-A"), nullptr);
  EXPECT_EQ(*res.header("x-a"), "1");
  ASSERT_EQ(post(client, res), http_failure::none) << client.error_text();
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, "ok");
  ASSERT_EQ(post(client, res), http_failure::none) << client.error_text();
  EXPECT_EQ(res.status, 204);
  EXPECT_EQ(res.body, "");
  ASSERT_EQ(post(client, res), http_failure::none) << client.error_text();
  EXPECT_EQ(res.body, "until the end");
  EXPECT_EQ(server.connections(), 1); // all on one kept-alive connection

  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_THAT(reqs[0], HasSubstr("POST /p HTTP/1.1\r\n"));
  EXPECT_THAT(reqs[0], HasSubstr("\r\nHost: 127.0.0.1:"));
  EXPECT_THAT(reqs[0], HasSubstr("\r\nX-Test: 1\r\n"));
  EXPECT_THAT(reqs[0], HasSubstr("\r\nContent-Length: 2\r\n\r\n[]"));
}

TEST(Http1, ReconnectsWhenTheServerClosedTheConnection) {
  scripted_server server({
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na", /*close_after=*/true},
      {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nb"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nc"},
  });
  http1_client client(server.url());
  http_response res;
  for (const char *expected : {"a", "b", "c"}) {
    ASSERT_EQ(post(client, res), http_failure::none) << client.error_text();
    EXPECT_EQ(res.body, expected);
  }
  EXPECT_EQ(server.connections(), 3);
}

// The server drops a kept-alive connection just as the next request
// arrives (the race the alive() probe cannot see): the client tries once
// more on a new connection. A new connection that breaks is an error.
TEST(Http1, RetriesOnceWhenAReusedConnectionIsReset) {
  scripted_server server({
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"},
      {"", false, false, /*reset=*/true},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"},
  });
  http1_client client(server.url());
  http_response res;
  ASSERT_EQ(post(client, res), http_failure::none) << client.error_text();
  EXPECT_EQ(res.body, "a");
  ASSERT_EQ(post(client, res), http_failure::none) << client.error_text();
  EXPECT_EQ(res.body, "b");
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.requests().size(), 3u);

  scripted_server fresh({{"", false, false, /*reset=*/true},
                         {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nc"}});
  http1_client other(fresh.url());
  EXPECT_EQ(post(other, res), http_failure::receive);
  EXPECT_EQ(fresh.requests().size(), 1u);
}

TEST(Http1, LargeBodiesBothWays) {
  std::string big(3 << 20, 'x');
  scripted_server server({{"HTTP/1.1 200 OK\r\nContent-Length: " +
                           std::to_string(big.size()) + "\r\n\r\n" + big}});
  http1_client client(server.url());
  http_response res;
  ASSERT_EQ(post(client, res, big), http_failure::none) << client.error_text();
  EXPECT_EQ(res.body.size(), big.size());
  EXPECT_EQ(server.requests().at(0).size(),
            big.size() + server.requests()[0].find("\r\n\r\n") + 4);
}

TEST(Http1, Failures) {
  {
    scripted_server server({{"SSH-2.0-OpenSSH\r\n\r\n"}});
    http1_client client(server.url());
    http_response res;
    EXPECT_EQ(post(client, res), http_failure::malformed);
    EXPECT_THAT(client.error_text(), HasSubstr("not an HTTP/1.x response"));
  }
  {
    scripted_server server(
        {{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", true}});
    http1_client client(server.url());
    http_response res;
    EXPECT_EQ(post(client, res), http_failure::receive);
    EXPECT_THAT(client.error_text(), HasSubstr("closed inside the body"));
  }
  {
    scripted_server server(
        {{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}});
    http1_client client(server.url());
    http_response res;
    EXPECT_EQ(post(client, res), http_failure::malformed);
  }
  {
    scripted_server server({{"", false, /*silent=*/true}});
    http1_client client(server.url());
    http_response res;
    EXPECT_EQ(post(client, res, "[]", /*timeout_ms=*/100),
              http_failure::timeout);
  }
  {
    int port;
    {
      scripted_server gone({});
      port = std::stoi(gone.url().substr(17));
    }
    http1_client client("http://127.0.0.1:" + std::to_string(port));
    http_response res;
    EXPECT_EQ(post(client, res), http_failure::connect);
    EXPECT_THAT(client.error_text(), HasSubstr("Connection refused"));
  }
  EXPECT_FALSE(http1_client("https://example.com").valid());
  EXPECT_FALSE(http1_client("http://host:99999").valid());
  EXPECT_TRUE(http1_client("http://[::1]:8080").valid());
  EXPECT_TRUE(http1_client("http://localhost").valid());
}
