//===- Analyze.cpp - The plugin's analysis over a compilation database
//-----===//
//
// Every translation unit is compiled to IR in memory (EmitLLVMOnlyAction)
// with the fusionize plugin's action, which is linked into this program and
// runs before the main action like it does inside clang: the same attribute
// checks, glue, static graph and fusion pass (with no-split), which writes
// the file's graph. The graphs are then merged.
//
//===----------------------------------------------------------------------===//
#include "WholeProgram.h"

#include "clang/CodeGen/CodeGenAction.h"
#include "clang/Tooling/ArgumentsAdjusters.h"
#include "clang/Tooling/CompilationDatabase.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <map>

using namespace clang;

namespace fusionize {

namespace {

/// One compile command per file: a file that two targets build (an
/// application and its plain variant) is analyzed once, with the command
/// that loads the fusionize plugin if one does, else the first.
class OneCommandPerFile : public tooling::CompilationDatabase {
public:
  explicit OneCommandPerFile(const tooling::CompilationDatabase &Inner)
      : Inner(Inner) {}
  std::vector<tooling::CompileCommand>
  getCompileCommands(StringRef File) const override {
    std::vector<tooling::CompileCommand> All = Inner.getCompileCommands(File);
    if (All.size() <= 1)
      return All;
    for (tooling::CompileCommand &C : All)
      for (const std::string &A : C.CommandLine)
        if (StringRef(A).starts_with("-fplugin=") &&
            StringRef(A).contains("fusionize"))
          return {std::move(C)};
    All.resize(1);
    return All;
  }
  std::vector<std::string> getAllFiles() const override {
    return Inner.getAllFiles();
  }

private:
  const tooling::CompilationDatabase &Inner;
};

} // namespace

Graph analyzeProgram(const AnalyzeOptions &O) {
  std::string Err;
  std::unique_ptr<tooling::CompilationDatabase> DB =
      tooling::CompilationDatabase::loadFromDirectory(O.BuildDir, Err);
  if (!DB)
    throw FormatError("no compilation database in " + O.BuildDir + ": " + Err +
                      " (configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)");
  std::vector<std::string> Files = O.Sources;
  if (Files.empty())
    Files = DB->getAllFiles();
  if (Files.empty())
    throw FormatError(O.BuildDir + "/compile_commands.json lists no files");
  for (std::string &F : Files) {
    llvm::SmallString<256> Abs(F);
    llvm::sys::fs::make_absolute(Abs);
    llvm::sys::path::remove_dots(Abs, true);
    F = std::string(Abs);
    if (DB->getCompileCommands(F).empty())
      throw FormatError(F + " is not in " + O.BuildDir +
                        "/compile_commands.json");
  }

  llvm::SmallString<128> TmpDir;
  if (std::error_code EC =
          llvm::sys::fs::createUniqueDirectory("fusionize-analyze", TmpDir))
    throw FormatError("cannot create a temporary directory: " + EC.message());
  std::map<std::string, std::string> GraphOf;
  for (size_t I = 0; I < Files.size(); ++I)
    GraphOf[Files[I]] =
        std::string(TmpDir) + "/" + std::to_string(I) + ".graph.json";

  OneCommandPerFile Once(*DB);
  tooling::ClangTool Tool(Once, Files);
  Tool.clearArgumentsAdjusters();
  Tool.appendArgumentsAdjuster(tooling::getClangStripOutputAdjuster());
  Tool.appendArgumentsAdjuster(tooling::getClangStripDependencyFileAdjuster());
  // The plugin is part of this program: a -fplugin= in the command would
  // load a second copy.
  Tool.appendArgumentsAdjuster(
      [](const tooling::CommandLineArguments &Args, llvm::StringRef) {
        tooling::CommandLineArguments Out;
        for (const std::string &A : Args)
          if (llvm::StringRef(A).starts_with("-fplugin") ||
              llvm::StringRef(A).starts_with("-fpass-plugin"))
            continue;
          else
            Out.push_back(A);
        return Out;
      });
  Tool.appendArgumentsAdjuster([&](const tooling::CommandLineArguments &Args,
                                   llvm::StringRef File) {
    tooling::CommandLineArguments Out = Args;
    auto Add = [&](const std::string &A) {
      Out.push_back("-Xclang");
      Out.push_back(A);
    };
    llvm::SmallString<256> Abs(File);
    llvm::sys::fs::make_absolute(Abs);
    llvm::sys::path::remove_dots(Abs, true);
    auto It = GraphOf.find(std::string(Abs));
    Add("-plugin-arg-fusionize");
    Add("graph=" +
        (It == GraphOf.end() ? std::string(TmpDir) + "/x.json" : It->second));
    Add("-plugin-arg-fusionize");
    Add("no-split");
    if (!O.ResourceDir.empty())
      Out.push_back("-resource-dir=" + O.ResourceDir);
    return Out;
  });
  int Rc =
      Tool.run(tooling::newFrontendActionFactory<EmitLLVMOnlyAction>().get());

  std::vector<Graph> Parts;
  std::string Failed;
  for (const std::string &F : Files) {
    const std::string &Path = GraphOf[F];
    if (!llvm::sys::fs::exists(Path)) {
      // A file without tasks writes no graph; one that failed to compile
      // is reported by the tool run.
      continue;
    }
    Parts.push_back(Graph::load(Path));
    llvm::sys::fs::remove(Path);
  }
  llvm::sys::fs::remove_directories(TmpDir);
  if (Rc != 0)
    throw FormatError("some files did not compile (see the errors above)");
  Graph G = mergeGraphs(Parts);
  G.Sources = Files;
  return G;
}

} // namespace fusionize
