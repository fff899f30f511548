//===- unit/platform/PlatformTest.cpp - The platform in-process -----------===//
//
// Starts Platform with the test function executable (FUSIONIZE_TESTFN) as
// every function's code, the way the optimize loop uses it: no spawned
// `fusionize run`, real instance processes, real sockets, real SQLite.
//
//===----------------------------------------------------------------------===//
#include "platform/Platform.h"
#include "platform/EventQueue.h"
#include "platform/Load.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace fusionize;
using namespace fusionize::platform;

namespace {
class PlatformTest : public ::testing::Test {
protected:
  void SetUp() override {
    char Tmpl[] = "/tmp/fz-platform-XXXXXX";
    Dir = mkdtemp(Tmpl);
    Json Functions = Json::array();
    for (const char *F : {"echo", "pid", "sleep", "record", "flaky"})
      Functions.push_back(
          Json{{"name", F}, {"group", "testfn"}, {"handler", F}});
    Functions.push_back(Json{{"name", "linger"},
                             {"group", "testfn"},
                             {"handler", "linger"},
                             {"timeout_s", 1}});
    Json M{{"format", "fusionize-manifest/1"},
           {"application", "unit"},
           {"groups", Json::array({Json{{"name", "testfn"},
                                        {"executable", FUSIONIZE_TESTFN}}})},
           {"functions", Functions}};
    writeJsonFile(Dir + "/manifest.json", M);
  }
  void TearDown() override {
    std::string Cmd = "rm -rf '" + Dir + "'";
    ASSERT_EQ(std::system(Cmd.c_str()), 0);
  }
  PlatformOptions options() {
    PlatformOptions O;
    O.ManifestPath = Dir + "/manifest.json";
    O.Port = 0;
    O.StateDir = Dir + "/state";
    O.Emulation = EmulationProfile::builtin("none");
    O.RetryDelaysS = {0.05, 0.05};
    return O;
  }
  static std::string invoke(const Platform &P, const std::string &Fn,
                            const std::string &Body,
                            const std::string &Type = "RequestResponse",
                            int *Status = nullptr) {
    httplib::Client C("127.0.0.1", static_cast<int>(P.port()));
    C.set_read_timeout(60, 0);
    auto R =
        C.Post("/2015-03-31/functions/" + Fn + "/invocations",
               {{"X-Amz-Invocation-Type", Type}}, Body, "application/json");
    if (!R)
      return "<no answer>";
    if (Status)
      *Status = R->status;
    return R->body;
  }
  /// Invocations of `Fn` admitted and not finished (GET status).
  static int inUse(const Platform &P, const std::string &Fn) {
    httplib::Client C("127.0.0.1", static_cast<int>(P.port()));
    auto R = C.Get("/fusionize/v1/status");
    if (!R)
      return -1;
    Json Doc = Json::parse(R->body);
    for (const Json &F : Doc["functions"])
      if (F["name"] == Fn)
        return F["in_use"].get<int>();
    return -1;
  }
  static size_t lines(const std::string &Path) {
    std::ifstream In(Path);
    size_t N = 0;
    for (std::string L; std::getline(In, L);)
      ++N;
    return N;
  }
  /// Polls `Done` for up to a minute (a sanity bound, not a timing check).
  template <typename F> static bool eventually(F Done) {
    for (int I = 0; I < 6000; ++I) {
      if (Done())
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::string Dir;
};
} // namespace

TEST_F(PlatformTest, ColdThenWarm) {
  Platform P(options());
  P.start();
  EXPECT_EQ(invoke(P, "echo", R"({"a":1})"), R"({"a":1})");
  std::string First = invoke(P, "pid", "{}");
  for (int I = 0; I < 3; ++I)
    EXPECT_EQ(invoke(P, "pid", "{}"), First); // the same warm instance
  P.stop();
  RunSummary S = P.summary();
  EXPECT_EQ(S.Invocations, 5u);
  EXPECT_EQ(S.ColdStarts, 2u); // one per function
  EXPECT_EQ(S.Errors, 0u);
  EXPECT_EQ(S.RootRequests, 5u);
  EXPECT_GT(S.CostUsd, 0);
}

TEST_F(PlatformTest, UnknownFunctionAndBadPayload) {
  Platform P(options());
  P.start();
  int Status = 0;
  std::string Body = invoke(P, "nope", "{}", "RequestResponse", &Status);
  EXPECT_EQ(Status, 404);
  EXPECT_NE(Body.find("Function not found"), std::string::npos);
  invoke(P, "echo", "{not json", "RequestResponse", &Status);
  EXPECT_EQ(Status, 400);
  invoke(P, "echo", "{}", "Sometimes", &Status);
  EXPECT_EQ(Status, 400);
  P.stop();
  EXPECT_EQ(P.summary().Invocations, 0u);
}

TEST_F(PlatformTest, EventsAreRetriedThenDelivered) {
  Platform P(options());
  P.start();
  std::string File = Dir + "/flaky.txt";
  int Status = 0;
  invoke(P, "flaky", Json{{"file", File}, {"fail_times", 2}}.dump(), "Event",
         &Status);
  EXPECT_EQ(Status, 202);
  ASSERT_TRUE(eventually([&] { return P.summary().Events.Delivered == 1; }));
  P.stop();
  RunSummary S = P.summary();
  EXPECT_EQ(lines(File), 3u);
  EXPECT_EQ(S.Events.Accepted, 1u);
  EXPECT_EQ(S.Events.Retries, 2u);
  EXPECT_EQ(S.Events.Failed, 0u);
  EXPECT_EQ(S.Invocations, 3u);
  EXPECT_EQ(S.Errors, 2u);
  EXPECT_EQ(S.RootRequests, 1u);
  EXPECT_EQ(S.RootErrors, 0u);
}

TEST_F(PlatformTest, QueuedEventsSurviveARestart) {
  {
    PlatformOptions O = options();
    O.ConcurrencyLimit = 1;
    Platform P(O);
    P.start();
    // Occupy the only slot, then queue events behind it.
    std::thread Busy([&] { invoke(P, "sleep", R"({"ms": 1500})"); });
    ASSERT_TRUE(eventually([&] { return inUse(P, "sleep") == 1; }));
    for (int I = 0; I < 3; ++I) {
      int Status = 0;
      invoke(P, "sleep", R"({"ms": 1})", "Event", &Status);
      EXPECT_EQ(Status, 202);
    }
    P.stop(); // drains: the sleeping call finishes, the events stay queued
    Busy.join();
    RunSummary S = P.summary();
    EXPECT_EQ(S.Events.Accepted, 3u);
    EXPECT_EQ(S.Events.Queued + S.Events.Delivered, 3u);
  }
  size_t Left;
  {
    auto Q = EventQueue::open(Dir + "/state/events.db");
    Left = Q->countQueued();
  }
  PlatformOptions O = options();
  Platform P(O);
  P.start();
  ASSERT_TRUE(eventually([&] { return P.summary().Events.Delivered == Left; }));
  P.stop();
  EXPECT_EQ(P.summary().Events.Resumed, Left);
  auto Q = EventQueue::open(Dir + "/state/events.db");
  EXPECT_EQ(Q->countQueued(), 0u);
}

TEST_F(PlatformTest, LoadInProcess) {
  Platform P(options());
  P.start();
  Workload W;
  W.Function = "echo";
  Phase Ph;
  Ph.Rate = 50;
  Ph.Requests = 20;
  W.Phases.push_back(Ph);
  W.Payload = Workload::PayloadKind::Template;
  W.Template = R"([{{seq}}])";
  LoadOptions O;
  O.Endpoint = P.endpoint();
  LoadResult R = runLoad(W, O);
  P.stop();
  EXPECT_EQ(R.Ok, 20u);
  RunSummary S = P.summary();
  EXPECT_EQ(S.Invocations, 20u);
  EXPECT_GE(S.ColdStarts, 1u);
  EXPECT_EQ(S.RootRequests, 20u);
}

// stopWithin(): a drain that does not finish in time becomes a forced stop
// (the caller still waiting gets the platform's 503); one that finishes in
// time is an ordinary drain.
TEST_F(PlatformTest, StopWithinAbandonsWhatOutlastsTheGrace) {
  {
    Platform P(options());
    P.start();
    int Status = 0;
    std::string Body;
    std::thread Caller(
        [&] { Body = invoke(P, "sleep", R"({"ms": 20000})", "RequestResponse",
                            &Status); });
    ASSERT_TRUE(eventually([&] { return inUse(P, "sleep") == 1; }));
    auto T0 = std::chrono::steady_clock::now();
    EXPECT_FALSE(P.stopWithin(0.5));
    Caller.join();
    // Well before the 20 s sleep ended (a sanity bound, not a timing check).
    EXPECT_LT(std::chrono::steady_clock::now() - T0, std::chrono::seconds(15));
    EXPECT_TRUE(P.stopped());
    EXPECT_EQ(Status, 503);
    EXPECT_NE(Body.find("stopped before the invocation finished"),
              std::string::npos)
        << Body;
  }
  Platform P(options());
  P.start();
  std::thread Caller([&] { invoke(P, "sleep", R"({"ms": 300})"); });
  ASSERT_TRUE(eventually([&] { return inUse(P, "sleep") == 1; }));
  EXPECT_TRUE(P.stopWithin(60));
  Caller.join();
  EXPECT_EQ(P.summary().Invocations, 1u);
  EXPECT_EQ(P.summary().Errors, 0u);
}

// An instance that answers but does not ask for its next invocation holds
// its slot; at the end of the invocation's timeout it is stopped, and the
// invocation waiting for an instance gets a new one (not the 60 s later
// the lingering one would have been back).
TEST_F(PlatformTest, AnInstanceThatDoesNotComeBackIsStopped) {
  Platform P(options());
  P.start();
  int Status = 0;
  EXPECT_EQ(invoke(P, "linger", R"({"ms": 60000})", "RequestResponse",
                   &Status),
            R"({"linger_ms":60000})");
  EXPECT_EQ(Status, 200);
  Status = 0;
  auto T0 = std::chrono::steady_clock::now();
  EXPECT_EQ(invoke(P, "linger", R"({"ms": 0})", "RequestResponse", &Status),
            R"({"linger_ms":0})");
  EXPECT_EQ(Status, 200);
  // A sanity bound far below the 60 s linger, not a timing check.
  EXPECT_LT(std::chrono::steady_clock::now() - T0, std::chrono::seconds(30));
  P.stop();
  RunSummary S = P.summary();
  EXPECT_EQ(S.Invocations, 2u);
  EXPECT_EQ(S.ColdStarts, 2u);
  EXPECT_EQ(S.Errors, 0u);
  std::ifstream In(Dir + "/state/logs/linger.log");
  std::string Text((std::istreambuf_iterator<char>(In)),
                   std::istreambuf_iterator<char>());
  EXPECT_NE(Text.find("did not ask for its next invocation within the "
                      "timeout after answering: stopped"),
            std::string::npos)
      << Text;
}
