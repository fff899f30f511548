//===- optimize/Build.h - Rebuild an application with another plan --------===//
//
// The optimize loop rebuilds the application once per iteration, from the
// same compile commands the user's build used (compile_commands.json) and the
// link arguments the manifest records, with only the plan changed:
//
//   AppBuild B = AppBuild::load(Manifest, "build/compile_commands.json",
//                               FusionizeExe);
//   std::string Man = B.build("iter-2/plan.json", "iter-2", &Log);
//
// Each source is recompiled with -fplugin-arg-fusionize-plan=PLAN into
// iteration-private objects (X.o and X.o.fusion/<group>.o), then `fusionize
// link` writes the group executables and their manifest. Dependency-file and
// output options of the original command are dropped, so the user's build
// directory is never written.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_OPTIMIZE_BUILD_H
#define FUSIONIZE_OPTIMIZE_BUILD_H

#include "core/Graph.h"
#include "core/Manifest.h"

#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fusionize::optimize {

/// A build that failed, with what the compiler or linker said.
class BuildError : public std::runtime_error {
public:
  BuildError(const std::string &What, std::string Output = "")
      : std::runtime_error(What), Output(std::move(Output)) {}
  std::string Output;
};

struct CompileCommand {
  std::string Directory;
  std::string File; // absolute
  std::vector<std::string> Args;
};

/// Splits a compile_commands.json "command" string like a POSIX shell
/// (quotes and backslashes; no expansion).
std::vector<std::string> splitCommandLine(const std::string &Command);

/// Reads compile_commands.json; `PathOrDir` is the file or the directory
/// holding it. Throws BuildError.
std::vector<CompileCommand> readCompileCommands(const std::string &PathOrDir);

/// The command that compiles `Source` (absolute). When several do (a
/// source in two targets), the one that loads the fusionize plugin wins.
/// Throws BuildError naming the database when there is none.
const CompileCommand &findCompileCommand(const std::vector<CompileCommand> &DB,
                                         const std::string &Source,
                                         const std::string &DBPath);

/// `C`'s arguments for a compile under `PlanFile` into `Output`: the output,
/// dependency-file options (-MD, -MF, ...), a compiler launcher (ccache) and
/// fusionize plan/profile/graph arguments are dropped; the plugin is added
/// when the command does not load it.
std::vector<std::string> commandForPlan(const CompileCommand &C,
                                        const std::string &PlanFile,
                                        const std::string &Output,
                                        const std::string &Plugin);

/// Runs `Argv` in `Dir` with stdout and stderr into `Log`; returns the exit
/// status (-1 when it could not start, 128 + signal when killed).
int runProcess(const std::vector<std::string> &Argv, const std::string &Dir,
               const std::string &Log);

struct AppBuild {
  std::string Application;
  std::string ManifestPath;
  std::vector<std::string> Sources; // absolute
  std::vector<CompileCommand> Commands; // one per source
  std::vector<std::string> LinkArgs;
  std::string CompileCommandsPath;
  std::string Fusionize; // the fusionize executable (link, analyze)
  std::string Plugin;    // fusionize.so
  unsigned Jobs = 2;

  /// Reads the manifest's sources and link arguments and finds every
  /// source's compile command. `CompileCommands` may be empty: then the
  /// first compile_commands.json in the manifest's directory or above it.
  static AppBuild load(const std::string &ManifestPath,
                       const std::string &CompileCommands,
                       const std::string &Fusionize,
                       const std::string &Plugin = "");

  /// Compiles every source with `PlanFile` into Dir/obj and links the groups
  /// into Dir/<application>.fusion; returns the new manifest's path. Throws
  /// BuildError with the failing command's output.
  std::string build(const std::string &PlanFile, const std::string &Dir,
                    std::ostream *Log = nullptr) const;

  /// The whole-program task graph: the manifest's own, else `fusionize
  /// analyze` over the compile commands, written to `Out`.
  Graph graph(const std::string &Out) const;
};

} // namespace fusionize::optimize

#endif // FUSIONIZE_OPTIMIZE_BUILD_H
