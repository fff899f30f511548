//===- unit/platform/LoadTest.cpp - The open-loop load driver -------------===//
//
// Drives a tiny Invoke API (cpp-httplib) in the test process: counts,
// outcomes by type and the send times against the schedule.
//
//===----------------------------------------------------------------------===//
#include "platform/Load.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace fusionize;
using namespace fusionize::platform;

namespace {
class FakeLambda {
public:
  FakeLambda() {
    Server.Post(
        R"(/2015-03-31/functions/([^/]+)/invocations)",
        [this](const httplib::Request &Req, httplib::Response &Res) {
          ++Requests;
          std::string Fn = Req.matches[1];
          LastType = Req.get_header_value("X-Amz-Invocation-Type");
          LastBody = Req.body;
          if (Fn == "fails") {
            Res.set_header("X-Amz-Function-Error", "Unhandled");
            Res.set_content(R"({"errorType":"Boom","errorMessage":"x"})",
                            "application/json");
          } else if (Fn == "throttled") {
            Res.status = 429;
            Res.set_header("x-amzn-ErrorType", "TooManyRequestsException");
            Res.set_content(R"({"Type":"User","Message":"Rate Exceeded."})",
                            "application/json");
          } else if (LastType == "Event") {
            Res.status = 202;
          } else {
            Res.set_content(Req.body, "application/json");
          }
        });
    Port = Server.bind_to_any_port("127.0.0.1");
    Thread = std::thread([this] { Server.listen_after_bind(); });
    while (!Server.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeLambda() {
    Server.stop();
    Thread.join();
  }
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(Port);
  }

  httplib::Server Server;
  std::thread Thread;
  int Port = 0;
  std::atomic<int> Requests{0};
  std::string LastType, LastBody;
};

Workload constant(const std::string &Fn, double Rate, std::uint64_t N) {
  Workload W;
  W.Function = Fn;
  Phase P;
  P.Rate = Rate;
  P.Requests = N;
  W.Phases.push_back(P);
  return W;
}
} // namespace

TEST(Load, SendsEveryRequestAndMeasuresIt) {
  FakeLambda L;
  Workload W = constant("echo", 100, 20);
  W.Payload = Workload::PayloadKind::Template;
  W.Template = R"({"seq": {{seq}}})";
  LoadOptions O;
  O.Endpoint = L.endpoint();
  O.KeepRequests = true;
  LoadResult R = runLoad(W, O);
  EXPECT_EQ(L.Requests.load(), 20);
  EXPECT_EQ(R.Planned, 20u);
  EXPECT_EQ(R.Sent, 20u);
  EXPECT_EQ(R.Completed, 20u);
  EXPECT_EQ(R.Ok, 20u);
  EXPECT_EQ(R.Errors, 0u);
  EXPECT_EQ(R.Statuses.at(200), 20u);
  EXPECT_EQ(R.Latency.Count, 20u);
  EXPECT_EQ(L.LastType, "RequestResponse");
  EXPECT_EQ(L.LastBody, R"({"seq": 19})");
  ASSERT_EQ(R.Requests.size(), 20u);
  for (size_t I = 0; I < R.Requests.size(); ++I) {
    EXPECT_EQ(R.Requests[I].Seq, I);
    EXPECT_DOUBLE_EQ(R.Requests[I].ScheduledS, I * 0.01);
    // Open loop: never early. (Late only by scheduling noise.)
    EXPECT_GE(R.Requests[I].SentS + 1e-3, R.Requests[I].ScheduledS);
  }
  Json J = R.toJson();
  EXPECT_EQ(J["format"], "fusionize-load-result/1");
  EXPECT_EQ(J["ok"], 20);
  std::ostringstream OS;
  R.print(OS);
  EXPECT_NE(OS.str().find("latency histogram"), std::string::npos);
}

TEST(Load, ClassifiesErrors) {
  FakeLambda L;
  LoadOptions O;
  O.Endpoint = L.endpoint();
  LoadResult F = runLoad(constant("fails", 200, 5), O);
  EXPECT_EQ(F.Errors, 5u);
  EXPECT_EQ(F.ErrorsByType.at("Boom"), 5u);
  LoadResult T = runLoad(constant("throttled", 200, 4), O);
  EXPECT_EQ(T.ErrorsByType.at("TooManyRequestsException"), 4u);
  EXPECT_EQ(T.Statuses.at(429), 4u);
  Workload E = constant("echo", 200, 3);
  E.InvocationType = "Event";
  LoadResult Ev = runLoad(E, O);
  EXPECT_EQ(Ev.Ok, 3u);
  EXPECT_EQ(Ev.Statuses.at(202), 3u);
  EXPECT_EQ(L.LastType, "Event");
}

TEST(Load, ReportsAnUnreachableEndpoint) {
  // Bind and close a port so nothing listens there.
  int Fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in A{};
  A.sin_family = AF_INET;
  A.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t Len = sizeof A;
  ASSERT_EQ(bind(Fd, reinterpret_cast<sockaddr *>(&A), sizeof A), 0);
  getsockname(Fd, reinterpret_cast<sockaddr *>(&A), &Len);
  int Port = ntohs(A.sin_port);
  close(Fd);
  LoadOptions O;
  O.Endpoint = "http://127.0.0.1:" + std::to_string(Port);
  LoadResult R = runLoad(constant("echo", 100, 3), O);
  EXPECT_EQ(R.Ok, 0u);
  EXPECT_EQ(R.ErrorsByType.at("ConnectionError"), 3u);
  O.Endpoint = "https://example.com";
  EXPECT_THROW(runLoad(constant("echo", 1, 1), O), LoadError);
}

TEST(Load, CanBeCancelled) {
  FakeLambda L;
  std::atomic<bool> Cancel{false};
  LoadOptions O;
  O.Endpoint = L.endpoint();
  O.Cancel = &Cancel;
  std::thread Stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Cancel = true;
  });
  LoadResult R = runLoad(constant("echo", 10, 1000), O); // 100 s planned
  Stopper.join();
  EXPECT_LT(R.Sent, 1000u);
  EXPECT_EQ(R.Completed, R.Sent);
}

TEST(Histogram, BucketsAreLogSpaced) {
  Histogram H = Histogram::of({0.05, 0.15, 0.15, 3, 7000, 1e9});
  size_t Total = 0;
  for (size_t C : H.Counts)
    Total += C;
  EXPECT_EQ(Total, 6u);
  EXPECT_EQ(H.Counts[0], 1u); // < 0.1 ms
  EXPECT_EQ(H.Counts[1], 2u); // 0.1 .. 0.2 ms
  EXPECT_EQ(H.Counts.back(), 1u);
}
