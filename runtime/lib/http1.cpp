//===- http1.cpp - A lean HTTP/1.1 client for the runtime's hot paths -----===//
#include "http1.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace fusionize::detail {

namespace {

constexpr std::size_t kMaxHead = 64 * 1024;
constexpr std::size_t kMaxBody = std::size_t(1) << 31;

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool contains_token(std::string_view list, std::string_view token) {
  // Comma-separated, case-insensitive ("keep-alive, Upgrade").
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view item = trim(list.substr(0, comma));
    if (item.size() == token.size()) {
      bool same = true;
      for (std::size_t i = 0; i < item.size() && same; ++i)
        same = lower(item[i]) == token[i];
      if (same)
        return true;
    }
    if (comma == std::string_view::npos)
      break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

int remaining_ms(std::chrono::steady_clock::time_point deadline,
                 bool has_deadline) {
  if (!has_deadline)
    return -1;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
  if (left <= 0)
    return 0;
  return left > 1000000000 ? 1000000000 : int(left);
}

} // namespace

const std::string *http_response::header(std::string_view name) const {
  for (const auto &[k, v] : headers) {
    if (k.size() != name.size())
      continue;
    bool same = true;
    for (std::size_t i = 0; i < k.size() && same; ++i)
      same = k[i] == lower(name[i]);
    if (same)
      return &v;
  }
  return nullptr;
}

bool parse_response_head(std::string_view head, int &status, int &minor_version,
                         header_list &headers) {
  auto eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  // HTTP/1.x SP 3DIGIT [SP reason]
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ' ||
      line[7] < '0' || line[7] > '9')
    return false;
  minor_version = line[7] - '0';
  status = 0;
  for (int i = 9; i < 12; ++i) {
    if (line[std::size_t(i)] < '0' || line[std::size_t(i)] > '9')
      return false;
    status = status * 10 + (line[std::size_t(i)] - '0');
  }
  if (line.size() > 12 && line[12] != ' ')
    return false;
  headers.clear();
  while (eol != std::string_view::npos) {
    head.remove_prefix(eol + 2);
    eol = head.find("\r\n");
    line = head.substr(0, eol);
    if (line.empty())
      break;
    if (line.front() == ' ' || line.front() == '\t') {
      // Obsolete line folding: part of the previous value.
      if (headers.empty())
        return false;
      headers.back().second += " " + std::string(trim(line));
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return false;
    std::string name(line.substr(0, colon));
    for (char &c : name) {
      if (c == ' ' || c == '\t')
        return false;
      c = lower(c);
    }
    headers.emplace_back(std::move(name),
                         std::string(trim(line.substr(colon + 1))));
  }
  return true;
}

http1_client::http1_client(std::string_view base) {
  if (base.substr(0, 7) != "http://")
    return;
  base.remove_prefix(7);
  base = base.substr(0, base.find('/'));
  std::string_view host = base, port = "80";
  if (!base.empty() && base.front() == '[') { // [v6]:port
    auto close = base.find(']');
    if (close == std::string_view::npos)
      return;
    host = base.substr(1, close - 1);
    if (close + 1 < base.size() && base[close + 1] == ':')
      port = base.substr(close + 2);
  } else if (auto colon = base.rfind(':'); colon != std::string_view::npos) {
    host = base.substr(0, colon);
    port = base.substr(colon + 1);
  }
  int p = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || p > 65535)
      return;
    p = p * 10 + (c - '0');
  }
  if (host.empty() || p <= 0 || p > 65535)
    return;
  host_ = std::string(host);
  port_ = p;
  host_header_ = std::string(base);
}

http1_client::~http1_client() { close(); }

void http1_client::close() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
  in_.clear();
}

http_failure http1_client::fail(http_failure kind, std::string text) {
  error_ = std::move(text);
  close();
  return kind;
}

bool http1_client::connect(clock::time_point deadline, bool has_deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo *addrs = nullptr;
  std::string port = std::to_string(port_);
  int rc = getaddrinfo(host_.c_str(), port.c_str(), &hints, &addrs);
  if (rc != 0) {
    error_ = "cannot resolve '" + host_ + "': " + gai_strerror(rc);
    return false;
  }
  error_.clear();
  for (addrinfo *a = addrs; a; a = a->ai_next) {
    int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                 a->ai_protocol);
    if (fd < 0)
      continue;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int r = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (r != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int n;
      do
        n = ::poll(&p, 1, remaining_ms(deadline, has_deadline));
      while (n < 0 && errno == EINTR);
      int err = 0;
      socklen_t len = sizeof err;
      if (n == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
          err == 0)
        r = 0;
      else
        errno = n == 0 ? ETIMEDOUT : (err ? err : errno);
    }
    if (r == 0) {
      fd_ = fd;
      break;
    }
    error_ = std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(addrs);
  return fd_ >= 0;
}

bool http1_client::alive() {
  // Nothing may be pending on an idle connection: data or EOF means the
  // server is done with it.
  char probe;
  ssize_t n = ::recv(fd_, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

http_failure http1_client::send_all(const std::string &head,
                                    std::string_view body,
                                    clock::time_point deadline,
                                    bool has_deadline) {
  std::size_t sent = 0, total = head.size() + body.size();
  while (sent < total) {
    iovec iov[2];
    int count = 0;
    if (sent < head.size())
      iov[count++] = {const_cast<char *>(head.data()) + sent,
                      head.size() - sent};
    std::size_t body_off = sent > head.size() ? sent - head.size() : 0;
    if (body.size() > body_off)
      iov[count++] = {const_cast<char *>(body.data()) + body_off,
                      body.size() - body_off};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = std::size_t(count);
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n > 0) {
      sent += std::size_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      int r = ::poll(&p, 1, remaining_ms(deadline, has_deadline));
      if (r == 0)
        return fail(http_failure::timeout, "timed out sending the request");
      continue;
    }
    return fail(http_failure::send,
                std::string("cannot send: ") + std::strerror(errno));
  }
  return http_failure::none;
}

http_failure http1_client::fill(clock::time_point deadline, bool has_deadline,
                                bool &eof) {
  char buf[16384];
  // Right after a request the answer is rarely there yet: wait first
  // rather than spend a recv on EAGAIN.
  if (std::exchange(await_response_, false)) {
    pollfd p{fd_, POLLIN, 0};
    int r;
    do
      r = ::poll(&p, 1, remaining_ms(deadline, has_deadline));
    while (r < 0 && errno == EINTR);
    if (r == 0)
      return fail(http_failure::timeout, "timed out waiting for the response");
  }
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      in_.append(buf, std::size_t(n));
      received_ = true;
      return http_failure::none;
    }
    if (n == 0) {
      eof = true;
      return http_failure::none;
    }
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return fail(http_failure::receive,
                  std::string("cannot receive: ") + std::strerror(errno));
    pollfd p{fd_, POLLIN, 0};
    int r;
    do
      r = ::poll(&p, 1, remaining_ms(deadline, has_deadline));
    while (r < 0 && errno == EINTR);
    if (r == 0)
      return fail(http_failure::timeout, "timed out waiting for the response");
  }
}

http_failure http1_client::read_response(http_response &out,
                                         clock::time_point deadline,
                                         bool has_deadline, bool &keep_alive) {
  bool eof = false;
  int minor = 1;
  // The head; 1xx responses before the real one are skipped.
  for (;;) {
    std::size_t end;
    while ((end = in_.find("\r\n\r\n")) == std::string::npos) {
      if (in_.size() > kMaxHead)
        return fail(http_failure::malformed,
                    "response head larger than 64 KiB");
      if (eof)
        return fail(http_failure::receive,
                    in_.empty()
                        ? "the connection closed without a response"
                        : "the connection closed inside the response head");
      if (http_failure f = fill(deadline, has_deadline, eof);
          f != http_failure::none)
        return f;
    }
    if (!parse_response_head(std::string_view(in_).substr(0, end), out.status,
                             minor, out.headers))
      return fail(http_failure::malformed, "not an HTTP/1.x response");
    in_.erase(0, end + 4);
    if (out.status >= 200 || out.status < 100)
      break;
  }

  const std::string *connection = out.header("connection");
  keep_alive = minor >= 1
                   ? !(connection && contains_token(*connection, "close"))
                   : (connection && contains_token(*connection, "keep-alive"));
  out.body.clear();
  if (out.status == 204 || out.status == 304)
    return http_failure::none;

  const std::string *te = out.header("transfer-encoding");
  if (te && contains_token(*te, "chunked")) {
    for (;;) {
      std::size_t eol;
      while ((eol = in_.find("\r\n")) == std::string::npos) {
        if (eof || in_.size() > kMaxHead)
          return fail(http_failure::receive, "truncated chunked body");
        if (http_failure f = fill(deadline, has_deadline, eof);
            f != http_failure::none)
          return f;
      }
      std::size_t size = 0;
      std::size_t i = 0;
      for (; i < eol; ++i) {
        char c = lower(in_[i]);
        int v = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                       : -1;
        if (v < 0)
          break;
        size = size * 16 + std::size_t(v);
        if (size > kMaxBody)
          return fail(http_failure::malformed, "chunk too large");
      }
      if (i == 0 ||
          (i < eol && in_[i] != ';' && in_[i] != ' ' && in_[i] != '\t'))
        return fail(http_failure::malformed, "bad chunk size");
      in_.erase(0, eol + 2);
      if (size == 0) {
        // Trailers, up to an empty line.
        for (;;) {
          while ((eol = in_.find("\r\n")) == std::string::npos) {
            if (eof || in_.size() > kMaxHead)
              return fail(http_failure::receive, "truncated chunked trailer");
            if (http_failure f = fill(deadline, has_deadline, eof);
                f != http_failure::none)
              return f;
          }
          in_.erase(0, eol + 2);
          if (eol == 0)
            return http_failure::none;
        }
      }
      while (in_.size() < size + 2) {
        if (eof)
          return fail(http_failure::receive, "truncated chunk");
        if (http_failure f = fill(deadline, has_deadline, eof);
            f != http_failure::none)
          return f;
      }
      if (in_.compare(size, 2, "\r\n") != 0)
        return fail(http_failure::malformed, "chunk not followed by CRLF");
      out.body.append(in_, 0, size);
      in_.erase(0, size + 2);
    }
  }

  if (const std::string *cl = out.header("content-length")) {
    std::size_t length = 0;
    if (cl->empty())
      return fail(http_failure::malformed, "empty Content-Length");
    for (char c : *cl) {
      if (c < '0' || c > '9' || length > kMaxBody)
        return fail(http_failure::malformed,
                    "bad Content-Length '" + *cl + "'");
      length = length * 10 + std::size_t(c - '0');
    }
    while (in_.size() < length) {
      if (eof)
        return fail(http_failure::receive,
                    "the connection closed inside the body");
      if (http_failure f = fill(deadline, has_deadline, eof);
          f != http_failure::none)
        return f;
    }
    out.body.assign(in_, 0, length);
    in_.erase(0, length);
    return http_failure::none;
  }

  // Neither: the body runs to the end of the connection.
  keep_alive = false;
  while (!eof) {
    if (in_.size() > kMaxBody)
      return fail(http_failure::malformed, "body too large");
    if (http_failure f = fill(deadline, has_deadline, eof);
        f != http_failure::none)
      return f;
  }
  out.body = std::move(in_);
  in_.clear();
  return http_failure::none;
}

http_failure
http1_client::request(std::string_view method, std::string_view path,
                      const header_list &headers, std::string_view body,
                      std::int64_t connect_timeout_ms, std::int64_t timeout_ms,
                      http_response &out, std::int64_t idle_ms) {
  if (!valid())
    return fail(http_failure::connect, "not an http://host:port URL");
  auto now = clock::now();
  bool has_deadline = timeout_ms >= 0;
  auto deadline =
      now + std::chrono::milliseconds(has_deadline ? timeout_ms : 0);
  if (fd_ >= 0 &&
      (now - last_used_ > std::chrono::milliseconds(idle_ms) || !alive()))
    close();
  bool reused = fd_ >= 0;
  auto connect_deadline =
      now + std::chrono::milliseconds(
                has_deadline ? std::min(connect_timeout_ms, timeout_ms)
                             : connect_timeout_ms);
  auto open = [&]() -> http_failure {
    if (!connect(connect_deadline, true))
      return fail(clock::now() >= connect_deadline ? http_failure::timeout
                                                   : http_failure::connect,
                  "cannot connect to " + host_header_ + ": " + error_);
    return http_failure::none;
  };
  if (fd_ < 0)
    if (http_failure f = open(); f != http_failure::none)
      return f;

  std::string head;
  head.reserve(256);
  head.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ");
  head.append(host_header_).append("\r\n");
  for (const auto &[k, v] : headers)
    head.append(k).append(": ").append(v).append("\r\n");
  if (!body.empty() || method == "POST" || method == "PUT")
    head.append("Content-Length: ")
        .append(std::to_string(body.size()))
        .append("\r\n");
  head.append("\r\n");

  bool keep_alive = true;
  for (;;) {
    received_ = !in_.empty();
    http_failure f = send_all(head, body, deadline, has_deadline);
    if (f == http_failure::none) {
      await_response_ = in_.empty();
      f = read_response(out, deadline, has_deadline, keep_alive);
    }
    if (f == http_failure::none)
      break;
    // A kept-alive connection the server closed just as we reused it (its
    // close crossed our request: a reset or an end without a byte of a
    // response) never reached a handler: once more on a new connection,
    // as curl does.
    if (!reused || received_ ||
        (f != http_failure::send && f != http_failure::receive))
      return f;
    close();
    reused = false;
    if (http_failure g = open(); g != http_failure::none)
      return g;
  }
  if (!keep_alive)
    close();
  last_used_ = clock::now();
  return http_failure::none;
}

} // namespace fusionize::detail
