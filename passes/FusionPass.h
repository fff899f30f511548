//===- FusionPass.h - Split a program into fusion groups
//-------------------===//
//
// The fusion pass runs at the start of the optimization pipeline, at every
// optimization level. It completes the task graph with IR costs, takes the
// plan (given, planned from a profile, or the static plan), emits one object
// per fusion group next to the main output (X.o.fusion/<group>.o) with remote
// stubs wherever a call crosses groups, reports what it did
// (X.o.fusion/report.json and optimization remarks named "fusionize"), and
// leaves the main module as the monolith.
//
// Given a LateSplit (the clang plugin above -O0), it decides and reports at
// the start but leaves the group modules to FusionSplitPass at the end of the
// pipeline, which clones them from the optimized monolith: the program is
// optimized once, and each group object costs a code generation only.
//
//   clang++ -fplugin=fusionize.so ...          (registered by the plugin)
//   opt -load-pass-plugin=FusionizePass.so -passes=fusionize -fusion-plan=P
//   opt ... -passes='print<fusionize>'         (decisions, nothing emitted)
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PASSES_FUSIONPASS_H
#define FUSIONIZE_PASSES_FUSIONPASS_H

#include "FrontendFacts.h"
#include "FusionOptions.h"

#include "llvm/IR/PassManager.h"

#include <functional>
#include <memory>
#include <string>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace fusionize {

/// Writes a group's module to a file; the clang plugin uses clang's own
/// backend (same target and options as the compile), opt writes IR or uses a
/// target machine for the module's triple.
class GroupEmitter {
public:
  virtual ~GroupEmitter();
  /// `Kind` is obj, asm, ll or bc. Returns an error message, or "".
  virtual std::string emit(llvm::Module &M, const std::string &Path,
                           const std::string &Kind) = 0;
  /// What the main compile produces.
  virtual std::string defaultKind() const = 0;
  /// Reports an error the pass cannot recover from (bad plan, ...).
  virtual void error(const std::string &Message) = 0;
  virtual void warning(const std::string &Message) = 0;
  /// The same, for a module that was optimized already: code generation
  /// only. The default ignores the difference.
  virtual std::string emitOptimized(llvm::Module &M, const std::string &Path,
                                    const std::string &Kind) {
    return emit(M, Path, Kind);
  }
  /// Runs `Then` once every emit() so far has produced its file. An emitter
  /// that compiles in the background defers it; the default runs it now.
  virtual void whenDone(std::function<void()> Then) { Then(); }
};

/// What FusionPass leaves to FusionSplitPass: the plan, where the group
/// objects go, and the report to complete.
struct LateSplit;
std::shared_ptr<LateSplit> makeLateSplit();
/// True if FusionPass left work that FusionSplitPass has not done.
bool isLateSplitPending(const LateSplit &L);

class FusionPass : public llvm::PassInfoMixin<FusionPass> {
public:
  FusionPass(FusionOptions Opts, std::shared_ptr<const FrontendFacts> Facts,
             std::shared_ptr<GroupEmitter> Emitter, bool PrintOnly = false,
             llvm::raw_ostream *Print = nullptr,
             std::shared_ptr<LateSplit> Late = nullptr)
      : Opts(std::move(Opts)), Facts(std::move(Facts)),
        Emitter(std::move(Emitter)), PrintOnly(PrintOnly), Print(Print),
        Late(std::move(Late)) {}

  llvm::PreservedAnalyses run(llvm::Module &M,
                              llvm::ModuleAnalysisManager &MAM);
  static bool isRequired() { return true; }

private:
  FusionOptions Opts;
  std::shared_ptr<const FrontendFacts> Facts;
  std::shared_ptr<GroupEmitter> Emitter;
  bool PrintOnly;
  llvm::raw_ostream *Print;
  std::shared_ptr<LateSplit> Late;
};

/// The end of the pipeline: emits the group objects FusionPass left to it
/// from the optimized module, then makes the module the monolith.
class FusionSplitPass : public llvm::PassInfoMixin<FusionSplitPass> {
public:
  FusionSplitPass(std::shared_ptr<const FrontendFacts> Facts,
                  std::shared_ptr<GroupEmitter> Emitter,
                  std::shared_ptr<LateSplit> Late)
      : Facts(std::move(Facts)), Emitter(std::move(Emitter)),
        Late(std::move(Late)) {}

  llvm::PreservedAnalyses run(llvm::Module &M,
                              llvm::ModuleAnalysisManager &MAM);
  static bool isRequired() { return true; }

private:
  std::shared_ptr<const FrontendFacts> Facts;
  std::shared_ptr<GroupEmitter> Emitter;
  std::shared_ptr<LateSplit> Late;
};

/// The -fusion-* command-line options (opt, and clang's -mllvm); plugin
/// arguments given to clang take precedence over them.
FusionOptions fusionOptionsFromCommandLine();
/// Fills what `Opts` leaves unset from the -fusion-* options.
void mergeCommandLineOptions(FusionOptions &Opts);

} // namespace fusionize

#endif // FUSIONIZE_PASSES_FUSIONPASS_H
