//===- BuildTest.cpp - Rebuilding with another plan, and loop decisions ---===//
#include "optimize/Build.h"
#include "optimize/Optimize.h"

#include "core/Json.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace fusionize;
using namespace fusionize::optimize;

namespace {

struct TempDir {
  TempDir() {
    char Tmpl[] = "/tmp/fz-optimize-test-XXXXXX";
    Path = ::mkdtemp(Tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + Path + "'").c_str()); }
  std::string write(const std::string &Name, const std::string &Text) const {
    std::ofstream(Path + "/" + Name) << Text;
    return Path + "/" + Name;
  }
  std::string Path;
};

bool has(const std::vector<std::string> &V, const std::string &S) {
  return std::find(V.begin(), V.end(), S) != V.end();
}

} // namespace

TEST(SplitCommandLine, QuotesAndEscapes) {
  auto A = splitCommandLine(
      R"(/usr/bin/clang++ -DX="a b" '-DY=c d' -DZ=e\ f  -c x.cpp)");
  ASSERT_EQ(A.size(), 6u);
  EXPECT_EQ(A[0], "/usr/bin/clang++");
  EXPECT_EQ(A[1], "-DX=a b");
  EXPECT_EQ(A[2], "-DY=c d");
  EXPECT_EQ(A[3], "-DZ=e f");
  EXPECT_EQ(A[5], "x.cpp");
  EXPECT_TRUE(splitCommandLine("   ").empty());
}

TEST(CommandForPlan, ReplacesOutputPlanAndDependencyFiles) {
  CompileCommand C;
  C.Directory = "/b";
  C.File = "/s/x.cpp";
  C.Args = splitCommandLine(
      "ccache /usr/bin/clang++-19 -I/s -O2 -fplugin=/b/lib/fusionize.so "
      "-fplugin-arg-fusionize-plan=/b/old.json -MD -MT x.o -MF x.o.d "
      "-o CMakeFiles/x.dir/x.cpp.o -c /s/x.cpp");
  auto A = commandForPlan(C, "/t/plan.json", "/t/obj/x.o", "/other/fz.so");
  EXPECT_EQ(A[0], "/usr/bin/clang++-19"); // the launcher is gone
  EXPECT_TRUE(has(A, "-fplugin-arg-fusionize-plan=/t/plan.json"));
  EXPECT_FALSE(has(A, "-fplugin-arg-fusionize-plan=/b/old.json"));
  EXPECT_TRUE(has(A, "-fplugin=/b/lib/fusionize.so"));
  EXPECT_FALSE(has(A, "-fplugin=/other/fz.so")); // already loaded
  for (const char *Gone : {"-MD", "-MT", "-MF", "x.o.d", "x.o",
                           "CMakeFiles/x.dir/x.cpp.o"})
    EXPECT_FALSE(has(A, Gone)) << Gone;
  auto O = std::find(A.begin(), A.end(), "-o");
  ASSERT_NE(O, A.end());
  EXPECT_EQ(*(O + 1), "/t/obj/x.o");
  EXPECT_EQ(std::count(A.begin(), A.end(), "-o"), 1);
  EXPECT_TRUE(has(A, "-O2"));
  EXPECT_TRUE(has(A, "-c"));
  EXPECT_EQ(A.back(), "/s/x.cpp");
}

TEST(CommandForPlan, AddsThePluginWhenTheBuildDidNotLoadIt) {
  CompileCommand C;
  C.File = "/s/x.cpp";
  C.Args = {"clang++", "-c", "/s/x.cpp", "-o/b/x.o",
            "-mllvm", "-fusion-plan=/old.json"};
  auto A = commandForPlan(C, "/p.json", "/o.o", "/lib/fusionize.so");
  EXPECT_TRUE(has(A, "-fplugin=/lib/fusionize.so"));
  EXPECT_FALSE(has(A, "-o/b/x.o"));
  EXPECT_FALSE(has(A, "-fusion-plan=/old.json"));
  EXPECT_FALSE(has(A, "-mllvm"));
}

TEST(CompileCommands, FindsTheCommandThatLoadsThePlugin) {
  TempDir D;
  std::string DB = D.write(
      "compile_commands.json",
      R"([{"directory": "/b", "file": "/s/./x.cpp",
           "command": "clang++ -c /s/x.cpp -o plain.o"},
          {"directory": "/b", "file": "../s/x.cpp",
           "arguments": ["clang++", "-fplugin=/l/fusionize.so", "-c", "x.cpp"]},
          {"directory": "/b", "file": "/s/y.cpp", "command": "clang++ -c y.cpp"}])");
  auto All = readCompileCommands(D.Path); // the directory works too
  ASSERT_EQ(All.size(), 3u);
  EXPECT_EQ(All[0].File, "/s/x.cpp");
  EXPECT_EQ(All[1].File, "/s/x.cpp");
  const CompileCommand &C = findCompileCommand(All, "/s/x.cpp", DB);
  EXPECT_EQ(C.Args[1], "-fplugin=/l/fusionize.so");
  try {
    findCompileCommand(All, "/s/z.cpp", DB);
    FAIL() << "expected a BuildError";
  } catch (const BuildError &E) {
    EXPECT_NE(std::string(E.what()).find("no compile command for /s/z.cpp"),
              std::string::npos)
        << E.what();
  }
}

TEST(CompileCommands, ClearErrors) {
  TempDir D;
  try {
    readCompileCommands(D.Path);
    FAIL();
  } catch (const BuildError &E) {
    EXPECT_NE(std::string(E.what()).find("compile_commands.json: no such file"),
              std::string::npos)
        << E.what();
  }
  D.write("compile_commands.json", "{\"not\": \"an array\"}");
  EXPECT_THROW(readCompileCommands(D.Path), BuildError);
  D.write("compile_commands.json", "[{\"directory\": \"/b\", \"file\": \"x\"");
  EXPECT_THROW(readCompileCommands(D.Path), BuildError);
}

TEST(AppBuild, ManifestErrors) {
  TempDir D;
  try {
    AppBuild::load(D.Path + "/missing.json", "", "/bin/fusionize");
    FAIL();
  } catch (const BuildError &E) {
    EXPECT_NE(std::string(E.what()).find("no such file"), std::string::npos);
  }
  std::string M = D.write(
      "manifest.json",
      R"({"format": "fusionize-manifest/1", "application": "a",
          "groups": [], "functions": [], "routes": {}})");
  try {
    AppBuild::load(M, "", "/bin/fusionize");
    FAIL();
  } catch (const BuildError &E) {
    EXPECT_NE(std::string(E.what()).find("records no sources"),
              std::string::npos)
        << E.what();
  }
  std::string Src = D.write("x.cpp", "int main() {}\n");
  D.write("manifest.json",
          R"({"format": "fusionize-manifest/1", "application": "a",
              "groups": [], "functions": [], "routes": {},
              "sources": [")" +
              Src + R"("]})");
  try {
    AppBuild::load(M, "", "/bin/fusionize");
    FAIL();
  } catch (const BuildError &E) {
    // No compile_commands.json above a directory under /tmp.
    EXPECT_NE(std::string(E.what()).find("compile_commands.json"),
              std::string::npos)
        << E.what();
  }
  D.write("compile_commands.json",
          "[{\"directory\": \"" + D.Path + "\", \"file\": \"" + Src +
              "\", \"command\": \"clang++ -c x.cpp -o x.o\"}]");
  AppBuild B = AppBuild::load(M, "", "/nonexistent/bin/fusionize",
                              D.write("fusionize.so", ""));
  EXPECT_EQ(B.Application, "a");
  ASSERT_EQ(B.Commands.size(), 1u);
  EXPECT_EQ(B.Commands[0].File, Src);
  // Without a plugin in the build and next to fusionize: a clear error.
  try {
    AppBuild::load(M, "", "/nonexistent/bin/fusionize");
    FAIL();
  } catch (const BuildError &E) {
    EXPECT_NE(std::string(E.what()).find("plugin"), std::string::npos);
  }
}

TEST(AppBuild, ACompileErrorCarriesTheCompilerOutput) {
  TempDir D;
  std::string Src = D.write("bad.cpp", "int main() { return undeclared; }\n");
  std::string M = D.write(
      "manifest.json",
      R"({"format": "fusionize-manifest/1", "application": "bad",
          "groups": [], "functions": [], "routes": {}, "sources": [")" +
          Src + R"("]})");
  // A script stands in for the compiler: it prints and fails.
  std::string CC = D.write("fakecc", "#!/bin/sh\necho 'bad.cpp:1:21: error: "
                                     "use of undeclared identifier' >&2\n"
                                     "exit 1\n");
  ::chmod(CC.c_str(), 0755);
  D.write("compile_commands.json",
          "[{\"directory\": \"" + D.Path + "\", \"file\": \"" + Src +
              "\", \"arguments\": [\"" + CC + "\", \"-c\", \"" + Src +
              "\"]}]");
  AppBuild B = AppBuild::load(M, "", "/bin/true", D.write("fz.so", ""));
  try {
    B.build(D.write("plan.json", "{}"), D.Path + "/iter");
    FAIL();
  } catch (const BuildError &E) {
    EXPECT_NE(std::string(E.what()).find("compiling " + Src + " failed"),
              std::string::npos)
        << E.what();
    EXPECT_NE(E.Output.find("use of undeclared identifier"), std::string::npos)
        << E.Output;
  }
}

TEST(Decisions, SameLayoutIgnoresOrderNamesAndTimeouts) {
  Plan A, B;
  A.Groups = {{"g1", {"a", "b"}, 256, 30}, {"g2", {"c"}, 128, 30}};
  B.Groups = {{"x", {"c"}, 128, 90}, {"y", {"b", "a"}, 256, 30}};
  EXPECT_TRUE(sameLayout(A, B));
  B.Groups[1].MemoryMB = 512;
  EXPECT_FALSE(sameLayout(A, B));
  B.Groups[1].MemoryMB = 256;
  B.Groups[0].Tasks.push_back("a"); // a copy is a different plan
  EXPECT_FALSE(sameLayout(A, B));
}

TEST(Decisions, ObjectiveValues) {
  Json F{{"p50_ms", 100.0}, {"p99_ms", 300.0}, {"cost_usd", 2e-6},
         {"completion_p50_ms", 150.0}};
  Objective L = Objective::parse("latency");
  EXPECT_DOUBLE_EQ(objectiveValue(L, F, 0, 0), 100);
  L.Quantile = 0.99;
  EXPECT_DOUBLE_EQ(objectiveValue(L, F, 0, 0), 300);
  L.Quantile = 0.5;
  L.Latency = LatencyKind::Completion;
  EXPECT_DOUBLE_EQ(objectiveValue(L, F, 0, 0), 150);
  Objective C = Objective::parse("cost");
  EXPECT_DOUBLE_EQ(objectiveValue(C, F, 0, 0), 2e-6);
  Objective W = Objective::parse("weighted:0.25");
  EXPECT_DOUBLE_EQ(objectiveValue(W, F, 200, 4e-6), 0.25 * 0.5 + 0.75 * 0.5);
  // A violated bound ranks after every plan within it.
  C.MaxLatencyMs = 50;
  Json Cheap = F, Fast{{"p50_ms", 40.0}, {"cost_usd", 9e-6}};
  EXPECT_GT(objectiveValue(C, Cheap, 0, 0), objectiveValue(C, Fast, 0, 0));
}
