//===- GlueGenerator.h - Per-task glue, with no user code -----------------===//
//
// Two steps make the glue of every task without the user writing any:
//  1. installGlueInclude() appends `#pragma fusionize glue` to the main
//     file's buffer (after its last line, so no location moves). At that
//     pragma the handler enters <fusionize/glue.h>, but only if the file
//     declared a task: a file without tasks compiles exactly as before.
//  2. GlueGenerator::run(), at the end of the translation unit, checks that
//     every parameter and result type converts to and from JSON and
//     instantiates the members of fusionize::detail::task_glue<&F> that the
//     fusion pass will need, marked `used` so that code generation emits them.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_CLANGPLUGIN_GLUEGENERATOR_H
#define FUSIONIZE_CLANGPLUGIN_GLUEGENERATOR_H

#include "FrontendFacts.h"
#include "FrontendState.h"

#include "clang/AST/Type.h"
#include "llvm/ADT/DenseSet.h"

namespace clang {
class ClassTemplateDecl;
class CompilerInstance;
class Sema;
} // namespace clang

namespace fusionize {

/// Step 1; returns false (with a diagnostic) if the main file cannot be
/// extended (e.g. it is read from stdin and declares tasks).
void installGlueInclude(clang::CompilerInstance &CI, FrontendState &State);

class GlueGenerator {
public:
  explicit GlueGenerator(clang::Sema &S) : S(S) {}

  /// Checks the JSON convertibility of `T`'s parameters and result; emits
  /// diagnostics and returns false if a type does not convert.
  bool checkTypes(const TaskDecl &T);

  /// Instantiates the glue of `T` and returns the mangled names of what was
  /// instantiated. `Referenced`: the task is used in this file (so calls to
  /// it must be rewritable); `AsyncTarget`: it is passed to fusionize::async.
  bool instantiate(const TaskDecl &T, bool Referenced, bool AsyncTarget,
                   GlueSymbols &Out);

  /// Finishes the instantiations (they are emitted like any other).
  void finish();

private:
  int jsonSupport(clang::QualType T, clang::SourceLocation Loc);
  clang::QualType innermostUserType(clang::QualType T);
  bool lookupTemplates();

  clang::Sema &S;
  clang::ClassTemplateDecl *TaskGlue = nullptr;
  clang::ClassTemplateDecl *JsonSupport = nullptr;
  bool LookedUp = false;
};

} // namespace fusionize

#endif // FUSIONIZE_CLANGPLUGIN_GLUEGENERATOR_H
