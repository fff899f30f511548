//===- Diagnostics.h - The plugin's diagnostics ---------------------------===//
//
// Every message the plugin can emit, as custom diagnostic IDs of clang's
// engine (so they carry source locations, notes and fix-its, honour -Werror
// and are tested with -verify). Messages are lower case without a final
// period, like clang's own.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_CLANGPLUGIN_DIAGNOSTICS_H
#define FUSIONIZE_CLANGPLUGIN_DIAGNOSTICS_H

namespace clang {
class DiagnosticsEngine;
} // namespace clang

namespace fusionize {

enum class Diag {
  NotAFunction,    // attribute on a variable, field, type, ...
  NonStaticMember, // %0 function
  OnLambda,
  IsTemplate, // %0 task
  Variadic,   // %0 task
  IsMain,
  IsConsteval,         // %0
  NotFirstDeclaration, // %0
  PreviousDeclaration,
  PointerParam,     // %0 param, %1 task, %2 type
  NonConstRefParam, // %0 param, %1 task, %2 type
  PassByValueNote,
  BadResultType, // %0 task, %1 type, %2 "a pointer"|"a reference"
  ArgNotString,
  BadTaskName,      // %0 name
  DuplicateName,    // %0 name
  PreviousTaskNote, // %0 name
  NoToJson,         // %0 what ("parameter 'x'"), %1 task, %2 type
  NoFromJson,
  NoJsonAtAll,
  NonOwningType,
  IncompleteType,
  JsonHowToNote,    // %0 type
  AsyncNotTask,     // %0 function
  AsyncNotTaskNote, // %0 function
  AsyncUnresolved,
  AddressEscapes, // %0 task
  GlueMissing,
  BadPluginArg, // %0 message
};

/// The ID of `D` in `Engine` (registered on first use).
unsigned diagID(clang::DiagnosticsEngine &Engine, Diag D);

} // namespace fusionize

#endif // FUSIONIZE_CLANGPLUGIN_DIAGNOSTICS_H
