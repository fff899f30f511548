#include "core/Manifest.h"

#include <gtest/gtest.h>

using namespace fusionize;

TEST(Manifest, OneFunctionPerTaskInItsHomeGroup) {
  Graph G;
  for (const char *N : {"a", "b", "c"}) {
    TaskNode T;
    T.Name = N;
    G.Tasks.push_back(T);
  }
  G.addCall("a", "b", EdgeKind::Sync, CallSite{});
  G.addCall("a", "c", EdgeKind::Async, CallSite{});
  Plan P =
      Plan::fromJson(parseJson(R"({"format": "fusionize-plan/1", "groups": [
        {"name": "front", "tasks": ["a", "b"], "memory_mb": 512},
        {"name": "back", "tasks": ["b", "c"]}], "routes": {"b": "back"}})",
                               "p"),
                     "p");
  Manifest M = makeManifest("app", P, G);
  ASSERT_EQ(M.Functions.size(), 3u);
  EXPECT_EQ(M.function("a")->Group, "front");
  EXPECT_EQ(M.function("a")->MemoryMB, 512u);
  EXPECT_TRUE(M.function("a")->Entry);
  EXPECT_EQ(M.function("b")->Group, "back");
  EXPECT_FALSE(M.function("b")->Entry);
  EXPECT_EQ(M.Routes["c"], "c");

  M.Sources = {"/src/a.cpp"};
  M.LinkArgs = {"-lsqlite3"};
  Manifest N = Manifest::fromJson(M.toJson(), "m");
  EXPECT_EQ(N.Groups.size(), 2u);
  EXPECT_EQ(N.function("b")->Handler, "b");
  EXPECT_EQ(N.Sources, M.Sources);
  EXPECT_EQ(N.LinkArgs, M.LinkArgs);
}

TEST(Manifest, Errors) {
  auto Error = [](const char *Text) {
    try {
      Manifest::fromJson(parseJson(Text, "m.json"), "m.json");
    } catch (const FormatError &E) {
      return std::string(E.what());
    }
    return std::string();
  };
  EXPECT_EQ(Error(R"({"format": "fusionize-manifest/1",
      "groups": [{"name": "g", "executable": "g"}],
      "functions": [{"name": "f", "group": "h"}]})"),
            "m.json: functions[0].group: unknown group \"h\"");
  EXPECT_EQ(
      Error(
          R"({"format": "fusionize-manifest/1", "groups": [], "functions": [{"name": "bad name", "group": "g"}]})"),
      "m.json: functions[0].name: \"bad name\" is not a valid function name");
}
