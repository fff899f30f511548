//===- LambdaRuntimeTest.cpp - The Runtime API loop against a fake API ----===//
//
// A small cpp-httplib server plays the AWS Lambda Runtime API; the group
// executable fusionize_runtime_test_tasks runs against it as a real process.
//
//===----------------------------------------------------------------------===//
#include "TestSupport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>

using nlohmann::json;
using testing::HasSubstr;

namespace {

struct queued_invocation {
  std::string id, payload;
  httplib::Headers extra; // header names as the test wants them spelled
};

struct posted {
  std::string path, body;
  httplib::Headers headers;
};

class RuntimeApi : public testing::Test {
protected:
  fz_test::test_server api;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<queued_invocation> queue;
  std::vector<posted> posts;
  int nexts = 0;
  bool closing = false;

  void SetUp() override {
    const std::string base = "/2018-06-01/runtime";
    api.server.Get(base + "/invocation/next",
                   [this](const httplib::Request &, httplib::Response &res) {
                     std::unique_lock<std::mutex> lock(mu);
                     ++nexts;
                     cv.notify_all();
                     cv.wait(lock, [&] { return closing || !queue.empty(); });
                     if (queue.empty()) {
                       res.status = 500;
                       return;
                     }
                     queued_invocation inv = queue.front();
                     queue.pop_front();
                     for (const auto &[k, v] : inv.extra)
                       res.set_header(k, v);
                     res.set_content(inv.payload, "application/json");
                   });
    auto record = [this](const httplib::Request &req, httplib::Response &res) {
      std::lock_guard<std::mutex> lock(mu);
      posts.push_back({req.path, req.body, req.headers});
      cv.notify_all();
      res.status = 202;
      res.set_content(R"({"status":"OK"})", "application/json");
    };
    api.server.Post(base + R"(/invocation/([^/]+)/(response|error))", record);
    api.server.Post(base + "/init/error", record);
    api.start();
  }
  void TearDown() override {
    std::lock_guard<std::mutex> lock(mu);
    closing = true;
    cv.notify_all();
  }

  std::unique_ptr<fz_test::child_process>
  start(const std::string &handler, const std::string &trace_file = "") {
    std::map<std::string, std::string> env = {
        {"AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + std::to_string(api.port)},
        {"_HANDLER", handler},
        {"FUSIONIZE_GROUP", "arith"},
        {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"}};
    if (!trace_file.empty())
      env["FUSIONIZE_TRACE_FILE"] = trace_file;
    return std::make_unique<fz_test::child_process>(
        std::vector<std::string>{FUSIONIZE_TEST_TASKS_EXE}, env);
  }

  void enqueue(queued_invocation inv) {
    std::lock_guard<std::mutex> lock(mu);
    queue.push_back(std::move(inv));
    cv.notify_all();
  }
  /// Waits until `n` posts arrived (or the guard expires).
  std::vector<posted> wait_posts(std::size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(30),
                [&] { return posts.size() >= n; });
    return posts;
  }
  void wait_nexts(int n) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(30), [&] { return nexts >= n; });
  }
};

httplib::Headers headers_for(const std::string &id, long long deadline_ms = 0) {
  if (!deadline_ms)
    deadline_ms =
        (long long)(std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count()) +
        60000;
  return {{"Lambda-Runtime-Aws-Request-Id", id},
          {"Lambda-Runtime-Deadline-Ms", std::to_string(deadline_ms)},
          {"Lambda-Runtime-Invoked-Function-Arn",
           "arn:aws:lambda:us-east-1:123456789012:function:checked_div"}};
}

} // namespace

TEST_F(RuntimeApi, ServesResultsErrorsAndBadPayloads) {
  fz_test::temp_file trace("lambda-trace");
  auto child = start("checked_div", trace.path());
  enqueue({"id-ok", "[6, 3]", headers_for("id-ok")});
  enqueue({"id-throw", "[1, 0]", headers_for("id-throw")});
  enqueue({"id-badjson", "[1,", headers_for("id-badjson")});
  enqueue({"id-arity", "[1]", headers_for("id-arity")});
  enqueue({"id-type", R"({"a": "x", "b": 1})", headers_for("id-type")});
  // Header names in another case, and a trace context from the platform.
  enqueue(
      {"id-lower",
       "[8, 2]",
       {{"lambda-runtime-aws-request-id", "id-lower"},
        {"LAMBDA-RUNTIME-DEADLINE-MS", "99999999999999"},
        {"lambda-runtime-trace-id", "Root=1-5759e988-bd862e3fe1be46a994272793;"
                                    "Parent=53995c3f42cd8ad8;Sampled=1"}}});
  auto p = wait_posts(6);
  ASSERT_EQ(p.size(), 6u) << child->stderr_text();
  wait_nexts(7); // traces are written before the loop asks for more

  EXPECT_EQ(p[0].path, "/2018-06-01/runtime/invocation/id-ok/response");
  EXPECT_EQ(p[0].body, "2");

  EXPECT_EQ(p[1].path, "/2018-06-01/runtime/invocation/id-throw/error");
  EXPECT_EQ(p[1].headers.find("Lambda-Runtime-Function-Error-Type")->second,
            "std::invalid_argument");
  json err = json::parse(p[1].body);
  EXPECT_EQ(err["errorType"], "std::invalid_argument");
  EXPECT_EQ(err["errorMessage"], "division of 1 by zero");
  EXPECT_TRUE(err["stackTrace"].is_array());

  for (int i : {2, 3, 4}) {
    EXPECT_THAT(p[std::size_t(i)].path, HasSubstr("/error"));
    json e = json::parse(p[std::size_t(i)].body);
    EXPECT_EQ(e["errorType"], "InvalidPayload");
    EXPECT_EQ(p[std::size_t(i)]
                  .headers.find("Lambda-Runtime-Function-Error-Type")
                  ->second,
              "InvalidPayload");
  }
  EXPECT_THAT(json::parse(p[2].body)["errorMessage"].get<std::string>(),
              HasSubstr("not valid JSON"));
  EXPECT_THAT(json::parse(p[3].body)["errorMessage"].get<std::string>(),
              HasSubstr("takes 2 arguments (a, b), the payload has 1"));
  EXPECT_THAT(
      json::parse(p[4].body)["errorMessage"].get<std::string>(),
      HasSubstr("parameter 'a' (1 of 2): expected integer (int), got string"));

  // Still serving after all of that.
  EXPECT_EQ(p[5].path, "/2018-06-01/runtime/invocation/id-lower/response");
  EXPECT_EQ(p[5].body, "4");

  auto spans = fz_test::parse_spans(trace.read());
  ASSERT_EQ(spans.size(), 6u) << trace.read();
  const json &first = spans[0], &last = spans[5];
  EXPECT_EQ(first["name"], "checked_div");
  EXPECT_EQ(first["kind"], 2);
  EXPECT_EQ(first["attrs"]["faas.invocation_id"], "id-ok");
  EXPECT_EQ(first["attrs"]["faas.coldstart"], true);
  EXPECT_EQ(first["attrs"]["faas.trigger"], "other");
  EXPECT_EQ(first["attrs"]["fusion.group"], "arith");
  EXPECT_EQ(first["attrs"]["fusion.memory_mb"], 512);
  EXPECT_EQ(first["resource"]["fusion.group"], "arith");
  EXPECT_EQ(first["resource"]["faas.max_memory"], 512 * 1024 * 1024);
  EXPECT_EQ(spans[1]["status"]["code"], 2);
  EXPECT_EQ(spans[1]["attrs"]["exception.type"], "std::invalid_argument");
  EXPECT_EQ(last["attrs"]["faas.coldstart"], false);
  // X-Ray's root is the W3C trace id split after eight digits.
  EXPECT_EQ(last["traceId"], "5759e988bd862e3fe1be46a994272793");
  EXPECT_EQ(last["parentSpanId"], "53995c3f42cd8ad8");
}

TEST_F(RuntimeApi, UnknownHandlerIsAnInitError) {
  auto child = start("no_such_task");
  auto p = wait_posts(1);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].path, "/2018-06-01/runtime/init/error");
  EXPECT_EQ(p[0].headers.find("Lambda-Runtime-Function-Error-Type")->second,
            "Runtime.HandlerNotFound");
  json e = json::parse(p[0].body);
  EXPECT_EQ(e["errorType"], "Runtime.HandlerNotFound");
  EXPECT_THAT(e["errorMessage"].get<std::string>(),
              HasSubstr("'no_such_task'"));
  EXPECT_THAT(e["errorMessage"].get<std::string>(), HasSubstr("checked_div"));
  EXPECT_EQ(child->wait(), 1);
  EXPECT_EQ(nexts, 0);
}

TEST_F(RuntimeApi, HandlerMayBeQualified) {
  auto child = start("bootstrap.add");
  enqueue({"id-1", R"({"a": 2, "b": 40})", headers_for("id-1")});
  auto p = wait_posts(1);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].body, "42");
}

TEST_F(RuntimeApi, AsyncWorkFinishesBeforeTheResponse) {
  // fan_out's records run asynchronously; the response is only posted when
  // all of them are done, so the process can be frozen right after it.
  auto child = start("fan_out");
  enqueue({"id-fan", "[4, 2]", headers_for("id-fan")});
  auto p = wait_posts(1);
  ASSERT_EQ(p.size(), 1u) << child->stderr_text();
  EXPECT_EQ(p[0].body, "20");
}

TEST_F(RuntimeApi, GivesUpWhenTheApiKeepsFailing) {
  {
    std::lock_guard<std::mutex> lock(mu);
    closing = true; // every /next answers 500
  }
  auto child = start("add");
  EXPECT_EQ(child->wait(), 1);
  EXPECT_THAT(child->stderr_text(), HasSubstr("is not answering (HTTP 500)"));
  EXPECT_EQ(nexts, 6);
}
