//===- GroupCompiler.cpp - Group objects, compiled beside the main compile
//-===//
#include "GroupCompiler.h"

#include "Diagnostics.h"

#include "core/Process.h"

#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstring>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace clang;

namespace fusionize {

static void anchor() {}

GroupCompiler::GroupCompiler(CompilerInstance &CI, unsigned Jobs)
    : CI(CI),
      Jobs(Jobs ? Jobs : std::max(1u, std::thread::hardware_concurrency())),
      Clang(llvm::sys::fs::getMainExecutable(
          nullptr, reinterpret_cast<void *>(&anchor))) {}

GroupCompiler::~GroupCompiler() { finish(); }

std::string GroupCompiler::defaultKind() const {
  switch (CI.getFrontendOpts().ProgramAction) {
  case frontend::EmitAssembly:
    return "asm";
  case frontend::EmitLLVM:
    return "ll";
  case frontend::EmitBC:
    return "bc";
  default:
    return "obj";
  }
}

void GroupCompiler::error(const std::string &Message) {
  DiagnosticsEngine &D = CI.getDiagnostics();
  D.Report(diagID(D, Diag::BadPluginArg)) << Message;
}

void GroupCompiler::warning(const std::string &Message) {
  DiagnosticsEngine &D = CI.getDiagnostics();
  D.Report(D.getCustomDiagID(DiagnosticsEngine::Warning, "fusionize: %0"))
      << Message;
}

void GroupCompiler::whenDone(std::function<void()> F) {
  if (Finished)
    F();
  else
    Then.push_back(std::move(F));
}

std::string GroupCompiler::emit(llvm::Module &M, const std::string &Path,
                                const std::string &Kind) {
  return queue(M, Path, Kind, /*Optimized=*/false);
}

std::string GroupCompiler::emitOptimized(llvm::Module &M,
                                         const std::string &Path,
                                         const std::string &Kind) {
  return queue(M, Path, Kind, /*Optimized=*/true);
}

std::string GroupCompiler::queue(llvm::Module &M, const std::string &Path,
                                 const std::string &Kind, bool Optimized) {
  Job J;
  J.Group = M.getName().str();
  J.Output = Path;
  J.Input = Path + ".input.bc";
  J.Log = Path + ".log";
  {
    std::error_code EC;
    llvm::raw_fd_ostream OS(J.Input, EC, llvm::sys::fs::OF_None);
    if (EC)
      return "cannot write " + J.Input + ": " + EC.message();
    llvm::WriteBitcodeToFile(M, OS);
  }

  // The compile's own invocation, turned into "compile this IR to Path".
  CompilerInvocation Inv(CI.getInvocation());
  FrontendOptions &FO = Inv.getFrontendOpts();
  FO.Inputs.clear();
  FO.Inputs.emplace_back(J.Input, InputKind(Language::LLVM_IR));
  FO.DashX = InputKind(Language::LLVM_IR);
  FO.OutputFile = Path;
  FO.ProgramAction = Kind == "asm"  ? frontend::EmitAssembly
                     : Kind == "ll" ? frontend::EmitLLVM
                     : Kind == "bc" ? frontend::EmitBC
                                    : frontend::EmitObj;
  // The child loads no plugin, so it does not know the pass's options.
  llvm::erase_if(FO.LLVMArgs, [](const std::string &A) {
    return llvm::StringRef(A).starts_with("-fusion-");
  });
  FO.Plugins.clear();
  FO.PluginArgs.clear();
  FO.AddPluginActions.clear();
  FO.ActionName.clear();
  FO.TimeTracePath.clear();
  FO.StatsFile.clear();
  Inv.getDependencyOutputOpts() = DependencyOutputOptions();
  CodeGenOptions &CG = Inv.getCodeGenOpts();
  // Sections per function, so that a group's link drops what it never reaches.
  CG.FunctionSections = true;
  CG.DataSections = true;
  // The target's code generation still runs at the compile's level.
  if (Optimized)
    CG.DisableLLVMPasses = true;
  // Files the main compile writes must not be overwritten by a group's.
  CG.OptRecordFile.clear();
  CG.CoverageDataFile.clear();
  CG.CoverageNotesFile.clear();
  CG.StackUsageOutput.clear();
  CG.SplitDwarfFile.clear();
  CG.SplitDwarfOutput.clear();
  CG.OptimizationRemark = CodeGenOptions::OptRemark();
  CG.OptimizationRemarkMissed = CodeGenOptions::OptRemark();
  CG.OptimizationRemarkAnalysis = CodeGenOptions::OptRemark();
  Inv.getDiagnosticOpts().Remarks.clear();
  J.Argv = {Clang, "-cc1"};
  for (std::string &A : Inv.getCC1CommandLine())
    J.Argv.push_back(std::move(A));

  Pending.push_back(std::move(J));
  while (!Pending.empty() && Running.size() < Jobs) {
    Job Next = std::move(Pending.front());
    Pending.pop_front();
    if (!start(Next))
      return "cannot start the compile of " + Next.Output + ": " +
             std::strerror(errno);
    Running.push_back(std::move(Next));
  }
  return "";
}

bool GroupCompiler::start(Job &J) {
  J.Pid = spawnLogged(J.Argv, J.Log);
  return J.Pid > 0;
}

bool GroupCompiler::waitOne() {
  if (Running.empty())
    return false;
  int Status = 0;
  pid_t Pid;
  do
    Pid = ::waitpid(-1, &Status, 0);
  while (Pid < 0 && errno == EINTR);
  auto It = std::find_if(Running.begin(), Running.end(),
                         [&](const Job &J) { return J.Pid == Pid; });
  if (It == Running.end()) {
    if (Pid < 0) { // nothing to wait for: treat all as lost
      for (Job &J : Running) {
        Failed = true;
        error("the compile of group object " + J.Output + " disappeared");
      }
      Running.clear();
    }
    return true;
  }
  Job J = std::move(*It);
  Running.erase(It);
  bool Ok = WIFEXITED(Status) && WEXITSTATUS(Status) == 0;
  if (!Ok) {
    Failed = true;
    std::string Log = logExcerpt(J.Log);
    error("compiling the group object " + J.Output + " failed" +
          (WIFSIGNALED(Status)
               ? " (signal " + std::to_string(WTERMSIG(Status)) + ")"
               : "") +
          (Log.empty() ? std::string() : ":\n" + Log));
  }
  llvm::sys::fs::remove(J.Input);
  llvm::sys::fs::remove(J.Log);
  while (!Pending.empty() && Running.size() < Jobs) {
    Job Next = std::move(Pending.front());
    Pending.pop_front();
    if (!start(Next)) {
      Failed = true;
      error("cannot start the compile of " + Next.Output + ": " +
            std::strerror(errno));
      llvm::sys::fs::remove(Next.Input);
      continue;
    }
    Running.push_back(std::move(Next));
  }
  return true;
}

void GroupCompiler::finish() {
  if (Finished)
    return;
  while (!Running.empty() || !Pending.empty())
    if (!waitOne() && !Pending.empty()) {
      Job Next = std::move(Pending.front());
      Pending.pop_front();
      if (start(Next))
        Running.push_back(std::move(Next));
    }
  Finished = true;
  if (Failed)
    return;
  for (auto &F : Then)
    F();
  Then.clear();
}

} // namespace fusionize
