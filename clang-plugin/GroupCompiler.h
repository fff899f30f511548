//===- GroupCompiler.h - Group objects, compiled beside the main compile
//---===//
//
// The fusion pass hands every group's module to this emitter. It writes the
// module as bitcode and compiles it in a clang -cc1 child process with the
// compile's own options (the same target, optimization level and code
// generation flags; no plugin, no dependency file, no remarks file), several
// at once, while the main compile goes on with the monolith (a module cloned
// from the optimized monolith gets code generation only). finish(), called
// once the monolith is written, waits for them and then runs what depends on
// the group objects (the report).
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_CLANGPLUGIN_GROUPCOMPILER_H
#define FUSIONIZE_CLANGPLUGIN_GROUPCOMPILER_H

#include "FusionPass.h"

#include <deque>
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace clang {
class CompilerInstance;
} // namespace clang

namespace fusionize {

class GroupCompiler : public GroupEmitter {
public:
  /// `Jobs`: group compiles running at once (0: the number of CPUs).
  GroupCompiler(clang::CompilerInstance &CI, unsigned Jobs);
  ~GroupCompiler() override;

  std::string emit(llvm::Module &M, const std::string &Path,
                   const std::string &Kind) override;
  std::string emitOptimized(llvm::Module &M, const std::string &Path,
                            const std::string &Kind) override;
  std::string defaultKind() const override;
  void error(const std::string &Message) override;
  void warning(const std::string &Message) override;
  void whenDone(std::function<void()> Then) override;

  /// Waits for every group compile, reports failures with their output, and
  /// runs the deferred work if all succeeded. Idempotent.
  void finish();

private:
  struct Job {
    std::string Group; // for messages
    std::string Input; // bitcode, removed when done
    std::string Output;
    std::string Log;
    std::vector<std::string> Argv;
    pid_t Pid = -1;
  };
  /// Queues the compile of `M` to `Path`; `Optimized`: no optimization
  /// pipeline in the child, code generation only.
  std::string queue(llvm::Module &M, const std::string &Path,
                    const std::string &Kind, bool Optimized);
  bool start(Job &J);
  bool waitOne();

  clang::CompilerInstance &CI;
  unsigned Jobs;
  std::string Clang;
  std::deque<Job> Pending;
  std::vector<Job> Running;
  std::vector<std::function<void()>> Then;
  bool Failed = false;
  bool Finished = false;
};

} // namespace fusionize

#endif // FUSIONIZE_CLANGPLUGIN_GROUPCOMPILER_H
