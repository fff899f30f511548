//===- HttpModeTest.cpp - HTTP mode, exercised with curl ------------------===//
#include "TestSupport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>

using nlohmann::json;
using testing::HasSubstr;

namespace {

class HttpMode : public testing::Test {
protected:
  std::unique_ptr<fz_test::child_process> child;
  fz_test::temp_file trace{"http-trace"};
  std::string base;

  void SetUp() override {
    child = std::make_unique<fz_test::child_process>(
        std::vector<std::string>{FUSIONIZE_TEST_TASKS_EXE},
        std::map<std::string, std::string>{
            {"PORT", "0"},
            {"FUSIONIZE_HOST", "127.0.0.1"},
            {"FUSIONIZE_TRACE_FILE", trace.path()},
            {"_HANDLER", "greet"}});
    ASSERT_TRUE(child->wait_for_stderr(")\n")) << child->stderr_text();
    const std::string &err = child->stderr_text();
    auto at = err.find("listening on http://127.0.0.1:");
    ASSERT_NE(at, std::string::npos) << err;
    base = "http://127.0.0.1:" +
           err.substr(at + 30, err.find(' ', at + 30) - at - 30);
  }

  /// curl -i: status line, headers and body.
  std::string curl(const std::string &args) {
    return fz_test::run_command("curl -s -i " + args + " 2>&1");
  }
  static std::string body_of(const std::string &response) {
    auto at = response.find("\r\n\r\n");
    return at == std::string::npos ? response : response.substr(at + 4);
  }
};

} // namespace

TEST_F(HttpMode, InvokeTasks) {
  std::string r = curl("-X POST --data '[20, 22]' " + base + "/invoke/add");
  EXPECT_THAT(r, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(r, HasSubstr("Content-Type: application/json"));
  EXPECT_EQ(body_of(r), "42");

  r = curl("-X POST --data '{\"name\": \"curl\"}' " + base + "/invoke/greet");
  EXPECT_EQ(body_of(r), "\"hello, curl\"");
  // POST / is the default task (_HANDLER).
  r = curl("-X POST --data '[\"root\"]' " + base + "/");
  EXPECT_EQ(body_of(r), "\"hello, root\"");
  r = curl("-X POST --data '' " + base + "/invoke/answer");
  EXPECT_EQ(body_of(r), "42");
}

TEST_F(HttpMode, ErrorsAreFunctionErrorsAndServingGoesOn) {
  std::string r =
      curl("-X POST --data '[1, 0]' " + base + "/invoke/checked_div");
  EXPECT_THAT(r, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(r, HasSubstr("X-Amz-Function-Error: Unhandled"));
  json e = json::parse(body_of(r));
  EXPECT_EQ(e["errorType"], "std::invalid_argument");
  EXPECT_EQ(e["errorMessage"], "division of 1 by zero");

  r = curl("-X POST --data '[1,' " + base + "/invoke/add");
  EXPECT_THAT(r, HasSubstr("X-Amz-Function-Error: Unhandled"));
  EXPECT_EQ(json::parse(body_of(r))["errorType"], "InvalidPayload");

  r = curl("-X POST --data '{\"a\": 1}' " + base + "/invoke/add");
  EXPECT_THAT(json::parse(body_of(r))["errorMessage"].get<std::string>(),
              HasSubstr("no parameter 'b' (2 of 2)"));

  r = curl("-X POST --data '[]' " + base + "/invoke/nope");
  EXPECT_THAT(r, HasSubstr("HTTP/1.1 404"));
  EXPECT_EQ(json::parse(body_of(r))["errorType"], "ResourceNotFoundException");

  r = curl("-X POST --data '[2, 2]' " + base + "/invoke/add");
  EXPECT_EQ(body_of(r), "4");
}

TEST_F(HttpMode, HealthAndConcurrency) {
  std::string r = curl(base + "/healthz");
  EXPECT_THAT(r, HasSubstr("HTTP/1.1 200"));
  json h = json::parse(body_of(r));
  EXPECT_EQ(h["status"], "ok");
  EXPECT_THAT(h["tasks"].dump(), HasSubstr("\"checked_div\""));

  // 16 requests at once (16 curl processes), each answered correctly.
  std::string out = fz_test::run_command(
      "d=$(mktemp -d) && for i in $(seq 0 15); do curl -s -X POST --data "
      "\"[$i, 1000]\" " +
      base +
      "/invoke/add -o $d/$i & done; wait; for i in $(seq 0 15); do cat $d/$i; "
      "echo; done; rm -r $d");
  std::vector<int> results;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty())
      results.push_back(std::atoi(line.c_str()));
  std::sort(results.begin(), results.end());
  ASSERT_EQ(results.size(), 16u) << out;
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(results[std::size_t(i)], 1000 + i);
}

TEST_F(HttpMode, EventsTracesAndGracefulStop) {
  std::string r =
      curl("-X POST -H 'X-Amz-Invocation-Type: Event' "
           "-H 'traceparent: "
           "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' "
           "--data '[\"evt\"]' " +
           base + "/invoke/record");
  EXPECT_THAT(r, HasSubstr("HTTP/1.1 202"));
  r = curl("-X POST -H 'traceparent: "
           "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' "
           "--data '[3, 2]' " +
           base + "/invoke/fan_out");
  EXPECT_EQ(body_of(r), "12");

  child->signal(SIGTERM);
  EXPECT_EQ(child->wait(), 0) << child->stderr_text();
  EXPECT_THAT(child->stderr_text(), HasSubstr("stopping on SIGTERM"));

  auto spans = fz_test::parse_spans(trace.read());
  std::size_t servers = 0, records = 0;
  for (const auto &s : spans) {
    EXPECT_EQ(s["traceId"], "0af7651916cd43dd8448eb211c80319c") << s.dump();
    if (s["kind"] == 2) {
      ++servers;
      EXPECT_EQ(s["attrs"]["faas.trigger"], "http");
      EXPECT_EQ(s["parentSpanId"], "b7ad6b7169203331");
      if (s["name"] == "record")
        EXPECT_EQ(s["attrs"]["fusion.sync"], false);
    }
    if (s["name"] == "local record")
      ++records;
  }
  EXPECT_EQ(servers, 2u) << trace.read();
  EXPECT_EQ(records, 12u);
}

TEST(HttpModeCli, ListTasksHelpAndInvoke) {
  std::string exe = FUSIONIZE_TEST_TASKS_EXE;
  std::string list = fz_test::run_command(exe + " --list-tasks");
  EXPECT_THAT(list, HasSubstr("add\n"));
  EXPECT_THAT(list, HasSubstr("checked_div\n"));
  EXPECT_THAT(fz_test::run_command(exe + " --help"), HasSubstr("usage:"));
  EXPECT_EQ(fz_test::run_command(exe + " --invoke add '[1, 2]'"), "3\n");
  EXPECT_EQ(
      fz_test::run_command("echo '[\"stdin\"]' | " + exe + " --invoke greet -"),
      "\"hello, stdin\"\n");
  std::string err = fz_test::run_command(
      exe + " --invoke checked_div '[1, 0]'; echo status=$?");
  EXPECT_THAT(err, HasSubstr("\"errorType\":\"std::invalid_argument\""));
  EXPECT_THAT(err, HasSubstr("status=1"));
  EXPECT_THAT(fz_test::run_command(exe + " --bogus 2>&1; echo status=$?"),
              HasSubstr("unknown argument '--bogus'"));
}
