//===- RemoteTest.cpp - Remote calls against a test Invoke API ------------===//
#include "TestSupport.h"
#include "TestTasks.h"

#include "config.h"
#include "context.h"
#include "dispatch.h"
#include "http_client.h"
#include "registry.h"
#include "sigv4.h"
#include "trace.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <random>
#include <set>

using namespace fusionize::detail;
using fusionize::remote_error;
using fz_test::Order;
using nlohmann::json;
using testing::HasSubstr;

namespace {

struct seen_request {
  std::string function, invocation_type, traceparent, body;
  httplib::Headers headers;
  int remote_port;
};

/// The Lambda Invoke API, serving the registered tasks in this process (as
/// the local platform would serve them from another process).
class InvokeApi : public testing::Test {
protected:
  fz_test::test_server api;
  std::mutex mu;
  std::vector<seen_request> requests;
  /// Answers for a function before it is run (status, body); consumed in
  /// order.
  std::map<std::string, std::vector<std::pair<int, std::string>>> scripted;
  bool hold = false; // park requests until released
  std::condition_variable released;

  void SetUp() override {
    api.server.Post(R"(/2015-03-31/functions/([^/]+)/invocations)",
                    [this](const httplib::Request &req,
                           httplib::Response &res) { serve(req, res); });
    api.start();
    runtime_config c;
    c.endpoint = api.url();
    c.retry_base_ms = 1;
    c.retry_max_ms = 2;
    set_config(c);
  }
  void TearDown() override {
    {
      std::lock_guard<std::mutex> lock(mu);
      hold = false;
    }
    released.notify_all();
    set_config(runtime_config{});
    // The server's workers wait for the next request on kept-alive
    // connections; closing ours lets it stop at once.
    close_thread_clients();
  }

  void serve(const httplib::Request &req, httplib::Response &res) {
    std::string function = req.matches[1];
    std::string type = req.get_header_value("X-Amz-Invocation-Type");
    {
      std::unique_lock<std::mutex> lock(mu);
      requests.push_back({function, type, req.get_header_value("traceparent"),
                          req.body, req.headers, req.remote_port});
      released.wait(lock, [&] { return !hold; });
      auto &script = scripted[function];
      if (!script.empty()) {
        auto [status, body] = script.front();
        script.erase(script.begin());
        res.status = status;
        if (status == 404)
          res.set_header(
              "x-amzn-ErrorType",
              "ResourceNotFoundException:http://internal.amazon.com/");
        res.set_content(body, "application/json");
        return;
      }
    }
    std::string task = function.substr(
        function.find('-') == std::string::npos ? 0 : function.find('-') + 1);
    const task_registration *reg = find_task(task);
    if (!reg) {
      res.status = 404;
      res.set_content(R"({"Type":"User","message":"Function not found"})",
                      "application/json");
      return;
    }
    if (type == "Event") {
      res.status = 202;
      return;
    }
    invocation_request r;
    r.payload = req.body;
    r.parent = parse_traceparent(req.get_header_value("traceparent"));
    invocation_outcome out = run_invocation(*reg, r);
    if (!out.ok)
      res.set_header("X-Amz-Function-Error", "Unhandled");
    res.set_content(out.body, "application/json");
  }

  std::vector<seen_request> seen() {
    std::lock_guard<std::mutex> lock(mu);
    return requests;
  }
};

/// Accepts connections and closes the first `drop` of them after reading
/// the request (a transport failure for the client); answers the rest with
/// `response`.
class flaky_server {
public:
  flaky_server(int drop, std::string response)
      : drop_(drop), response_(std::move(response)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
    listen(fd_, 16);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr *>(&addr), &len);
    port = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~flaky_server() {
    shutdown(fd_, SHUT_RDWR);
    int c = conn_.load();
    if (c >= 0)
      shutdown(c, SHUT_RDWR); // a kept-alive connection of the client
    thread_.join();
    close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  int port = 0;
  std::atomic<int> connections{0};

private:
  static bool read_request(int c) {
    std::string buf;
    char tmp[4096];
    std::size_t header_end;
    while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = read(c, tmp, sizeof tmp);
      if (n <= 0)
        return false;
      buf.append(tmp, std::size_t(n));
    }
    std::size_t length = 0;
    std::string lower = buf.substr(0, header_end);
    for (auto &ch : lower)
      ch = char(std::tolower(static_cast<unsigned char>(ch)));
    auto cl = lower.find("content-length:");
    if (cl != std::string::npos)
      length = std::stoul(lower.substr(cl + 15));
    while (buf.size() < header_end + 4 + length) {
      ssize_t n = read(c, tmp, sizeof tmp);
      if (n <= 0)
        return false;
      buf.append(tmp, std::size_t(n));
    }
    return true;
  }
  void run() {
    for (;;) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0)
        return;
      int n = ++connections;
      if (n <= drop_) {
        read_request(c);
        close(c);
        continue;
      }
      conn_ = c;
      while (read_request(c))
        if (write(c, response_.data(), response_.size()) < 0)
          break;
      conn_ = -1;
      close(c);
    }
  }
  int fd_;
  std::atomic<int> conn_{-1};
  int drop_;
  std::string response_;
  std::thread thread_;
};

} // namespace

TEST_F(InvokeApi, SyncCallReturnsTheResult) {
  EXPECT_EQ(task_glue<&fz_test::add>::remote(2, 3), 5);
  auto r = seen();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].function, "add");
  EXPECT_EQ(r[0].invocation_type, "RequestResponse");
  EXPECT_EQ(json::parse(r[0].body), json::parse("[2,3]"));
  EXPECT_TRUE(parse_traceparent(r[0].traceparent)) << r[0].traceparent;
}

TEST_F(InvokeApi, RemoteAndDirectCallsAgree) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20; ++i) {
    int a = int(rng() % 1000), b = int(rng() % 1000) - 500;
    EXPECT_EQ(task_glue<&fz_test::add>::remote(a, b), fz_test::add(a, b));
    EXPECT_EQ(task_glue<&fz_test::half>::remote(a), fz_test::half(a));
    std::string name = "n" + std::to_string(rng()) + " \"\xc3\xa9\"";
    EXPECT_EQ(task_glue<&fz_test::greet>::remote(name), fz_test::greet(name));
    std::vector<std::uint8_t> bytes(rng() % 64);
    for (auto &x : bytes)
      x = std::uint8_t(rng());
    EXPECT_EQ(task_glue<&fz_test::reverse_bytes>::remote(bytes),
              fz_test::reverse_bytes(bytes));
    Order o{"o" + std::to_string(i),
            {{int(rng() % 9), 1}, {int(rng() % 9), 2}},
            i % 2 ? std::optional<std::string>("note") : std::nullopt,
            {{"k", i}},
            fz_test::Color(i % 3)};
    EXPECT_EQ(task_glue<&fz_test::normalize>::remote(o), fz_test::normalize(o));
  }
  EXPECT_EQ(task_glue<&fz_test::answer>::remote(), 42);
}

TEST_F(InvokeApi, ConnectionsAreKeptAlive) {
  for (int i = 0; i < 5; ++i)
    task_glue<&fz_test::add>::remote(i, i);
  std::set<int> ports;
  for (const auto &r : seen())
    ports.insert(r.remote_port);
  EXPECT_EQ(ports.size(), 1u);
}

TEST_F(InvokeApi, FunctionErrorsBecomeRemoteErrors) {
  // Directly: std::invalid_argument. Remotely: remote_error naming it.
  EXPECT_THROW(fz_test::checked_div(1, 0), std::invalid_argument);
  try {
    task_glue<&fz_test::checked_div>::remote(1, 0);
    FAIL() << "no exception";
  } catch (const remote_error &e) {
    EXPECT_EQ(e.task(), "checked_div");
    EXPECT_EQ(e.type(), "std::invalid_argument");
    EXPECT_EQ(e.message(), "division of 1 by zero");
    EXPECT_STREQ(e.what(), "task 'checked_div' failed: std::invalid_argument: "
                           "division of 1 by zero");
  }
  try {
    task_glue<&fz_test::fail>::remote("int");
    FAIL() << "no exception";
  } catch (const remote_error &e) {
    EXPECT_EQ(e.type(), "int");
  }
  // Function errors are never retried, even when retries are on.
  runtime_config c = *config();
  c.sync_retries = 3;
  set_config(c);
  EXPECT_THROW(task_glue<&fz_test::checked_div>::remote(1, 0), remote_error);
  EXPECT_EQ(seen().size(), 3u);
}

TEST_F(InvokeApi, ApiErrorsBecomeRemoteErrors) {
  scripted["add"] = {
      {404, R"({"Type":"User","message":"Function not found: add"})"}};
  try {
    task_glue<&fz_test::add>::remote(1, 2);
    FAIL();
  } catch (const remote_error &e) {
    EXPECT_EQ(e.type(), "ResourceNotFoundException");
    EXPECT_THAT(e.message(), HasSubstr("HTTP 404"));
    EXPECT_THAT(e.message(), HasSubstr("Function not found: add"));
    EXPECT_THAT(e.message(), HasSubstr("function 'add'"));
  }
  scripted["add"] = {{200, "not json"}};
  try {
    task_glue<&fz_test::add>::remote(1, 2);
    FAIL();
  } catch (const remote_error &e) {
    EXPECT_EQ(e.type(), "InvalidResponse");
  }
}

TEST_F(InvokeApi, EventsAreAcknowledged) {
  task_glue<&fz_test::record>::remote_async("evt");
  auto r = seen();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].function, "record");
  EXPECT_EQ(r[0].invocation_type, "Event");
  EXPECT_EQ(json::parse(r[0].body), json::parse(R"(["evt"])"));
  // A task with a result called asynchronously is a background sync call.
  EXPECT_EQ(task_glue<&fz_test::add>::remote_async(1, 1), 2);
  EXPECT_EQ(seen().back().invocation_type, "RequestResponse");
}

TEST_F(InvokeApi, ThrottledEventsAreRetried) {
  scripted["record"] = {{429, R"({"message":"Rate exceeded"})"},
                        {503, R"({"message":"busy"})"}};
  task_glue<&fz_test::record>::remote_async("x");
  EXPECT_EQ(seen().size(), 3u);
  // Synchronous calls are not, by default.
  scripted["add"] = {{429, R"({"message":"Rate exceeded"})"}};
  EXPECT_THROW(task_glue<&fz_test::add>::remote(1, 2), remote_error);
  EXPECT_EQ(seen().size(), 4u);
}

TEST_F(InvokeApi, RoutesAndPrefix) {
  runtime_config c = *config();
  c.function_prefix = "app-";
  c.routes = {{"add", "adder-add"}};
  set_config(c);
  EXPECT_EQ(task_glue<&fz_test::add>::remote(1, 2), 3);
  EXPECT_EQ(task_glue<&fz_test::greet>::remote("x"), "hello, x");
  auto r = seen();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].function, "adder-add");
  EXPECT_EQ(r[1].function, "app-greet");
}

TEST_F(InvokeApi, DeadlineOfTheInvocationBoundsTheCall) {
  {
    std::lock_guard<std::mutex> lock(mu);
    hold = true; // the callee never answers while the test waits
  }
  auto inv = std::make_shared<invocation_context>();
  inv->deadline_ms = now_unix_ms() + 200;
  scoped_context scope(inv, span_context{}, "caller");
  try {
    task_glue<&fz_test::add>::remote(1, 2);
    FAIL();
  } catch (const remote_error &e) {
    EXPECT_EQ(e.type(), "fusionize.Timeout");
    EXPECT_THAT(e.message(), HasSubstr("did not answer within"));
  }
  // A deadline that has passed: no request at all.
  inv->deadline_ms = now_unix_ms() - 1;
  std::size_t before = seen().size();
  try {
    task_glue<&fz_test::add>::remote(1, 2);
    FAIL();
  } catch (const remote_error &e) {
    EXPECT_EQ(e.type(), "fusionize.Timeout");
    EXPECT_THAT(e.message(), HasSubstr("deadline passed"));
  }
  EXPECT_EQ(seen().size(), before);
}

TEST_F(InvokeApi, SignedForAws) {
  runtime_config c = *config();
  c.aws = true;
  c.region = "eu-west-1";
  c.access_key = "AKIDEXAMPLE";
  c.secret_key = "secret";
  c.session_token = "token/=";
  set_config(c);
  EXPECT_EQ(task_glue<&fz_test::add>::remote(1, 2), 3);
  seen_request r = seen().at(0);
  std::string auth = r.headers.find("Authorization")->second;
  EXPECT_THAT(auth, HasSubstr("Credential=AKIDEXAMPLE/"));
  EXPECT_THAT(auth, HasSubstr("/eu-west-1/lambda/aws4_request"));
  EXPECT_THAT(auth,
              HasSubstr("SignedHeaders=host;x-amz-date;x-amz-security-token"));
  // The server side recomputes the signature from what arrived.
  std::string date = r.headers.find("X-Amz-Date")->second;
  sigv4_request req{"POST",
                    "/2015-03-31/functions/add/invocations",
                    "",
                    {{"host", r.headers.find("Host")->second},
                     {"x-amz-date", date},
                     {"x-amz-security-token",
                      r.headers.find("X-Amz-Security-Token")->second}},
                    r.body};
  EXPECT_EQ(sigv4_sign(req, {"AKIDEXAMPLE", "secret", "token/="}, "eu-west-1",
                       "lambda", date)
                .authorization,
            auth);
}

TEST_F(InvokeApi, ClientSpansAndPropagation) {
  fz_test::temp_file file("remote-trace");
  trace_config tc;
  tc.file = file.path();
  configure_tracing(tc);
  invocation_request req;
  req.payload = "[4, 5]";
  invocation_outcome out = run_invocation(*find_task("remote_add_one"), req);
  flush_traces();
  configure_tracing(trace_config{});
  ASSERT_TRUE(out.ok) << out.body;
  EXPECT_EQ(out.body, "10");

  auto spans = fz_test::parse_spans(file.read());
  const json *caller = nullptr, *client = nullptr, *callee = nullptr;
  for (const auto &s : spans) {
    if (s["name"] == "remote_add_one")
      caller = &s;
    else if (s["name"] == "invoke add")
      client = &s;
    else if (s["name"] == "add")
      callee = &s;
  }
  ASSERT_TRUE(caller && client && callee) << file.read();
  EXPECT_EQ((*client)["kind"], 3);
  EXPECT_EQ((*client)["parentSpanId"], (*caller)["spanId"]);
  EXPECT_EQ((*callee)["parentSpanId"], (*client)["spanId"]);
  EXPECT_EQ((*callee)["traceId"], (*caller)["traceId"]);
  const json &a = (*client)["attrs"];
  EXPECT_EQ(a["faas.invoked_name"], "add");
  EXPECT_EQ(a["faas.invoked_provider"], "fusionize");
  EXPECT_EQ(a["fusion.task"], "add");
  EXPECT_EQ(a["fusion.caller"], "remote_add_one");
  EXPECT_EQ(a["fusion.sync"], true);
  EXPECT_EQ(a["fusion.bytes_req"], 5);
  EXPECT_EQ(a["fusion.bytes_resp"], 1);
  // The client's CPU (which fusing removes), no bigger than its caller's;
  // no run delay (its thread waits for the answer).
  ASSERT_TRUE(a.contains("fusion.cpu_ns"));
  EXPECT_GE(a["fusion.cpu_ns"].get<std::int64_t>(), 0);
  EXPECT_LE(a["fusion.cpu_ns"].get<std::int64_t>(),
            (*caller)["attrs"]["fusion.cpu_ns"].get<std::int64_t>());
  EXPECT_FALSE(a.contains("fusion.run_delay_ns"));
  EXPECT_EQ(seen().at(0).traceparent,
            "00-" + (*caller)["traceId"].get<std::string>() + "-" +
                (*client)["spanId"].get<std::string>() + "-01");
}

TEST(Remote, NoEndpointOrBadConfiguration) {
  set_config(runtime_config{});
  try {
    task_glue<&fz_test::add>::remote(1, 2);
    FAIL();
  } catch (const remote_error &e) {
    EXPECT_EQ(e.type(), "fusionize.NoEndpoint");
  }
  setenv("FUSIONIZE_ENDPOINT", "127.0.0.1:9", 1);
  setenv("FUSIONIZE_ROUTES", "[1,2]", 1);
  runtime_config c = runtime_config::from_env();
  unsetenv("FUSIONIZE_ENDPOINT");
  unsetenv("FUSIONIZE_ROUTES");
  EXPECT_EQ(c.endpoint, "http://127.0.0.1:9");
  EXPECT_THAT(c.problem, HasSubstr("FUSIONIZE_ROUTES must be a JSON object"));
  set_config(c);
  try {
    task_glue<&fz_test::add>::remote(1, 2);
    FAIL();
  } catch (const remote_error &e) {
    EXPECT_EQ(e.type(), "fusionize.ConfigError");
  }
  setenv("FUSIONIZE_ENDPOINT", "ftp://127.0.0.1:9", 1);
  c = runtime_config::from_env();
  unsetenv("FUSIONIZE_ENDPOINT");
  EXPECT_THAT(c.problem, HasSubstr("is not an http:// or https:// URL"));
  set_config(runtime_config{});
}

TEST(Remote, AwsFromEnvironment) {
  setenv("AWS_REGION", "us-west-2", 1);
  setenv("AWS_ACCESS_KEY_ID", "AK", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "SK", 1);
  setenv("FUSIONIZE_ROUTES",
         R"({"add":"arn:aws:lambda:us-west-2:1:function:add"})", 1);
  runtime_config c = runtime_config::from_env();
  for (const char *v : {"AWS_REGION", "AWS_ACCESS_KEY_ID",
                        "AWS_SECRET_ACCESS_KEY", "FUSIONIZE_ROUTES"})
    unsetenv(v);
  EXPECT_TRUE(c.aws);
  EXPECT_EQ(c.endpoint, "https://lambda.us-west-2.amazonaws.com");
  EXPECT_EQ(c.problem, "");
  EXPECT_EQ(c.function_for("add"), "arn:aws:lambda:us-west-2:1:function:add");
  EXPECT_EQ(c.function_for("greet"), "greet");
}

TEST(Remote, EventTransportFailuresAreRetried) {
  flaky_server flaky(2, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
  runtime_config c;
  c.endpoint = flaky.url();
  c.retry_base_ms = 1;
  c.retry_max_ms = 4;
  set_config(c);
  task_glue<&fz_test::record>::remote_async("x");
  EXPECT_EQ(flaky.connections.load(), 3);

  flaky_server worse(5, "");
  c.endpoint = worse.url();
  c.event_retries = 2;
  set_config(c);
  try {
    task_glue<&fz_test::record>::remote_async("x");
    FAIL();
  } catch (const remote_error &e) {
    EXPECT_EQ(e.type(), "fusionize.TransportError");
    EXPECT_THAT(e.message(), HasSubstr("(3 attempts)"));
  }
  EXPECT_EQ(worse.connections.load(), 3);
  set_config(runtime_config{});
}

TEST(Remote, SyncTransportFailuresAreNotRetriedByDefault) {
  flaky_server flaky(1, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n5");
  runtime_config c;
  c.endpoint = flaky.url();
  set_config(c);
  try {
    task_glue<&fz_test::add>::remote(2, 3);
    FAIL();
  } catch (const remote_error &e) {
    EXPECT_EQ(e.type(), "fusionize.TransportError");
    EXPECT_EQ(e.task(), "add");
  }
  EXPECT_EQ(flaky.connections.load(), 1);
  // FUSIONIZE_SYNC_RETRIES opts in.
  c.sync_retries = 1;
  c.retry_base_ms = 1;
  set_config(c);
  EXPECT_EQ(task_glue<&fz_test::add>::remote(2, 3), 5);
  set_config(runtime_config{});
}

TEST(Remote, UnreachableEndpoint) {
  // A port nothing listens on: bind one, close it.
  int port;
  {
    fz_test::test_server s;
    s.start();
    port = s.port;
  }
  runtime_config c;
  c.endpoint = "http://127.0.0.1:" + std::to_string(port);
  c.retry_base_ms = 1;
  set_config(c);
  try {
    task_glue<&fz_test::add>::remote(2, 3);
    FAIL();
  } catch (const remote_error &e) {
    EXPECT_EQ(e.type(), "fusionize.TransportError");
    EXPECT_THAT(e.message(),
                HasSubstr("cannot invoke function 'add' at http://127.0.0.1:"));
  }
  set_config(runtime_config{});
}
