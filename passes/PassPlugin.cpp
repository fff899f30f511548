//===- PassPlugin.cpp - The fusion pass as an opt plugin
//-------------------===//
//
//   opt -load-pass-plugin=FusionizePass.so -passes=fusionize \
//       -fusion-plan=plan.json -fusion-out-dir=DIR [-fusion-emit=ll] in.ll
//   opt -load-pass-plugin=FusionizePass.so -passes='print<fusionize>' in.ll
//
// The input is IR that clang wrote with the plugin loaded and
// -fplugin-arg-fusionize-facts-only (it carries !fusionize.frontend).
//
//===----------------------------------------------------------------------===//
#include "FusionPass.h"

#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"

using namespace llvm;
using namespace fusionize;

namespace {

/// Writes group modules for opt: IR as is, or code for the module's triple
/// with default options (clang's plugin uses the compile's own options).
class OptEmitter : public GroupEmitter {
public:
  std::string emit(Module &M, const std::string &Path,
                   const std::string &Kind) override {
    std::error_code EC;
    raw_fd_ostream OS(Path, EC,
                      Kind == "ll" || Kind == "asm" ? sys::fs::OF_Text
                                                    : sys::fs::OF_None);
    if (EC)
      return "cannot write " + Path + ": " + EC.message();
    if (Kind == "ll") {
      M.print(OS, nullptr);
      return "";
    }
    if (Kind == "bc") {
      WriteBitcodeToFile(M, OS);
      return "";
    }
    std::string Err;
    const Target *T = TargetRegistry::lookupTarget(M.getTargetTriple(), Err);
    if (!T)
      return "no target for " + M.getTargetTriple() + ": " + Err;
    std::unique_ptr<TargetMachine> TM(T->createTargetMachine(
        M.getTargetTriple(), "generic", "", TargetOptions(), Reloc::PIC_));
    legacy::PassManager PM;
    if (TM->addPassesToEmitFile(PM, OS, nullptr,
                                Kind == "asm" ? CodeGenFileType::AssemblyFile
                                              : CodeGenFileType::ObjectFile))
      return "the target cannot emit " + Kind;
    PM.run(M);
    return "";
  }
  std::string defaultKind() const override { return "ll"; }
  void error(const std::string &Message) override {
    report_fatal_error(Twine("fusionize: ") + Message,
                       /*gen_crash_diag=*/false);
  }
  void warning(const std::string &Message) override {
    errs() << "warning: fusionize: " << Message << "\n";
  }
};

} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {
      LLVM_PLUGIN_API_VERSION, "Fusionize", "0.1", [](PassBuilder &PB) {
        PB.registerPipelineParsingCallback(
            [](StringRef Name, ModulePassManager &MPM,
               ArrayRef<PassBuilder::PipelineElement>) {
              if (Name == "fusionize") {
                MPM.addPass(FusionPass(fusionOptionsFromCommandLine(), nullptr,
                                       std::make_shared<OptEmitter>()));
                return true;
              }
              if (Name == "print<fusionize>") {
                MPM.addPass(FusionPass(fusionOptionsFromCommandLine(), nullptr,
                                       std::make_shared<OptEmitter>(),
                                       /*PrintOnly=*/true, &outs()));
                return true;
              }
              return false;
            });
      }};
}
