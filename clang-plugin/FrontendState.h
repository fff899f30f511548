//===- FrontendState.h - Tasks of the translation unit being compiled -----===//
//
// The attribute handler runs while clang parses, long before the plugin's AST
// consumer sees the whole translation unit, and the end-of-file pragma needs
// to know whether any task was declared. This per-compile state connects
// them; the plugin action installs it for the duration of one source file.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_CLANGPLUGIN_FRONTENDSTATE_H
#define FUSIONIZE_CLANGPLUGIN_FRONTENDSTATE_H

#include "clang/AST/Decl.h"
#include "clang/Basic/SourceLocation.h"
#include "llvm/ADT/DenseMap.h"

namespace clang {
class Sema;
} // namespace clang

#include <memory>
#include <string>
#include <vector>

namespace fusionize {

class GroupCompiler;
struct LateSplit;

struct TaskDecl {
  clang::FunctionDecl *Decl = nullptr; // canonical declaration
  std::string Name;                    // public task name
  clang::SourceLocation AttrLoc;       // the attribute that named it
  clang::SourceLocation AttrEnd;       // its last token
  bool ExplicitName = false;
};

class FrontendState {
public:
  /// The state of the file being compiled, or null outside the plugin action.
  static FrontendState *current();
  static void setCurrent(FrontendState *S);

  /// Records a declaration that carries the attribute, while parsing (when
  /// redeclarations are not linked yet).
  void record(clang::FunctionDecl *FD, llvm::StringRef Name,
              clang::SourceRange Attr, bool Explicit);
  bool hasTasks() const { return !Recorded.empty(); }

  /// At the end of the translation unit: one task per function, checked for
  /// the attribute on the first declaration, consistent and unique names.
  /// Emits diagnostics; returns false if there were errors.
  bool finalize(clang::Sema &S);

  /// After finalize(): the tasks, by canonical declaration.
  const TaskDecl *lookup(const clang::FunctionDecl *FD) const;
  const std::vector<TaskDecl> &tasks() const { return Tasks; }

  /// Set once <fusionize/glue.h> has been entered for this file.
  bool GlueIncluded = false;
  /// Where the runtime headers are (added to the header search path).
  std::string IncludeDir;
  /// The main file as on disk, and with the glue pragma appended: the lexer
  /// reads the latter, everything else (debug info checksums) the former.
  std::string OriginalText;
  std::string ExtendedText;
  /// Compiles the group objects beside the main compile (see GroupCompiler).
  std::shared_ptr<GroupCompiler> Compiler;
  /// What the fusion pass leaves to the end of the pipeline (above -O0).
  std::shared_ptr<LateSplit> Late;

private:
  std::vector<TaskDecl> Recorded;
  std::vector<TaskDecl> Tasks;
  llvm::DenseMap<const clang::FunctionDecl *, unsigned> Index;
};

/// True if `FD` (any redeclaration) carries the task annotation.
bool isTask(const clang::FunctionDecl *FD);

} // namespace fusionize

#endif // FUSIONIZE_CLANGPLUGIN_FRONTENDSTATE_H
