//===- unit/platform/EventQueueTest.cpp - The durable Event queue ---------===//
#include "platform/EventQueue.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <unistd.h>

using namespace fusionize::platform;

namespace {
class EventQueueTest : public ::testing::Test {
protected:
  void SetUp() override {
    char Tmpl[] = "/tmp/fz-queue-XXXXXX";
    Dir = mkdtemp(Tmpl);
    Path = Dir + "/events.db";
  }
  void TearDown() override {
    std::string Cmd = "rm -rf '" + Dir + "'";
    ASSERT_EQ(std::system(Cmd.c_str()), 0);
  }
  QueuedEvent event(const std::string &Fn, std::int64_t Due,
                    const std::string &Payload = "{}") {
    QueuedEvent E;
    E.Function = Fn;
    E.RequestId = "req-" + std::to_string(++Counter);
    E.Payload = Payload;
    E.TraceId = "0af7651916cd43dd8448eb211c80319c";
    E.ParentSpan = "b7ad6b7169203331";
    E.EnqueuedMs = 1000;
    E.DueMs = Due;
    return E;
  }
  std::string Dir, Path;
  int Counter = 0;
};
} // namespace

TEST_F(EventQueueTest, TakesDueEventsInOrder) {
  auto Q = EventQueue::open(Path);
  Q->enqueue(event("f", 300));
  Q->enqueue(event("f", 100, R"({"n":1})"));
  Q->enqueue(event("g", 100));
  Q->enqueue(event("f", 5000));
  EXPECT_EQ(Q->countQueued(), 4u);
  auto Due = Q->takeDue("f", 1000, 10);
  ASSERT_EQ(Due.size(), 2u);
  EXPECT_EQ(Due[0].DueMs, 100);
  EXPECT_EQ(Due[0].Payload, R"({"n":1})");
  EXPECT_EQ(Due[0].TraceId, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(Due[0].ParentSpan, "b7ad6b7169203331");
  EXPECT_EQ(Due[1].DueMs, 300);
  EXPECT_EQ(Q->countInflight(), 2u);
  // Inflight events are not handed out twice.
  EXPECT_TRUE(Q->takeDue("f", 1000, 10).empty());
  EXPECT_EQ(*Q->nextDue("f"), 5000);
  EXPECT_EQ(Q->takeDue("g", 1000, 1).size(), 1u);
  EXPECT_FALSE(Q->nextDue("g"));
}

TEST_F(EventQueueTest, RespectsTheLimit) {
  auto Q = EventQueue::open(Path);
  for (int I = 0; I < 5; ++I)
    Q->enqueue(event("f", I));
  EXPECT_EQ(Q->takeDue("f", 100, 2).size(), 2u);
  EXPECT_EQ(Q->takeDue("f", 100, 0).size(), 0u);
  EXPECT_EQ(Q->takeDue("f", 100, 10).size(), 3u);
}

TEST_F(EventQueueTest, CompleteRetryAndFail) {
  auto Q = EventQueue::open(Path);
  std::int64_t A = Q->enqueue(event("f", 0));
  std::int64_t B = Q->enqueue(event("f", 0, "[1,2]"));
  auto Due = Q->takeDue("f", 10, 10);
  ASSERT_EQ(Due.size(), 2u);
  Q->complete(A);
  Q->retry(B, 1, 60000, "Flaky: attempt 1 fails");
  EXPECT_EQ(Q->countQueued(), 1u);
  EXPECT_TRUE(Q->takeDue("f", 59999, 10).empty());
  auto Again = Q->takeDue("f", 60000, 10);
  ASSERT_EQ(Again.size(), 1u);
  EXPECT_EQ(Again[0].Attempts, 1u);
  EXPECT_EQ(Again[0].LastError, "Flaky: attempt 1 fails");
  Q->fail(B, 3, 70000, "Flaky: attempt 3 fails");
  EXPECT_EQ(Q->countQueued(), 0u);
  auto Failed = Q->failedEvents();
  ASSERT_EQ(Failed.size(), 1u);
  EXPECT_EQ(Failed[0].Payload, "[1,2]");
  EXPECT_EQ(Failed[0].Attempts, 3u);
  EXPECT_EQ(Failed[0].Error, "Flaky: attempt 3 fails");
}

TEST_F(EventQueueTest, SurvivesReopeningAndResetsInflight) {
  {
    auto Q = EventQueue::open(Path);
    Q->enqueue(event("f", 0, R"({"keep":true})"));
    Q->enqueue(event("f", 0));
    EXPECT_EQ(Q->takeDue("f", 10, 1).size(), 1u); // the platform "crashes"
  }
  auto Q = EventQueue::open(Path);
  EXPECT_EQ(Q->countQueued(), 2u);
  EXPECT_EQ(Q->resetInflight(), 1u);
  EXPECT_EQ(Q->countInflight(), 0u);
  auto Due = Q->takeDue("f", 10, 10);
  ASSERT_EQ(Due.size(), 2u);
  EXPECT_EQ(Due[0].Payload, R"({"keep":true})");
}

TEST_F(EventQueueTest, ReleaseKeepsTheAttemptCount) {
  auto Q = EventQueue::open(Path);
  std::int64_t A = Q->enqueue(event("f", 0));
  Q->takeDue("f", 10, 1);
  Q->release(A);
  auto Due = Q->takeDue("f", 10, 1);
  ASSERT_EQ(Due.size(), 1u);
  EXPECT_EQ(Due[0].Attempts, 0u);
}

TEST_F(EventQueueTest, KeepsBinaryPayloads) {
  auto Q = EventQueue::open(Path);
  std::string Payload("a\0b\xff", 4);
  Q->enqueue(event("f", 0, Payload));
  auto Due = Q->takeDue("f", 1, 1);
  ASSERT_EQ(Due.size(), 1u);
  EXPECT_EQ(Due[0].Payload, Payload);
}

TEST_F(EventQueueTest, ReportsAnUnusableFile) {
  EXPECT_THROW(EventQueue::open(Dir + "/missing/dir/events.db"), QueueError);
  std::string Garbage = Dir + "/garbage.db";
  FILE *F = std::fopen(Garbage.c_str(), "w");
  std::fputs("this is not an SQLite database, it is a text file of some "
             "length so that SQLite reads its header and gives up\n",
             F);
  std::fclose(F);
  EXPECT_THROW(EventQueue::open(Garbage), QueueError);
}
