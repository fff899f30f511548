//===- Diagnostics.cpp - The plugin's diagnostics -------------------------===//
#include "Diagnostics.h"

#include "clang/Basic/Diagnostic.h"

using namespace clang;

namespace fusionize {

unsigned diagID(DiagnosticsEngine &E, Diag D) {
  using L = DiagnosticsEngine::Level;
  switch (D) {
  case Diag::NotAFunction:
    return E.getCustomDiagID(L::Error, "'fusionize::task' attribute only "
                                       "applies to free functions and static "
                                       "member functions");
  case Diag::NonStaticMember:
    return E.getCustomDiagID(
        L::Error, "'fusionize::task' cannot be applied to non-static "
                  "member function %0; make it static or a free "
                  "function");
  case Diag::OnLambda:
    return E.getCustomDiagID(L::Error,
                             "'fusionize::task' cannot be applied to "
                             "a lambda; name a free function instead");
  case Diag::IsTemplate:
    return E.getCustomDiagID(L::Error, "task %0 cannot be a template");
  case Diag::Variadic:
    return E.getCustomDiagID(L::Error, "task %0 cannot be variadic: its "
                                       "parameters must be known to encode "
                                       "them as JSON");
  case Diag::IsMain:
    return E.getCustomDiagID(L::Error, "'main' cannot be a task");
  case Diag::IsConsteval:
    return E.getCustomDiagID(L::Error, "task %0 cannot be consteval");
  case Diag::NotFirstDeclaration:
    return E.getCustomDiagID(L::Error,
                             "'fusionize::task' must be on the first "
                             "declaration of %0, so that every caller knows it "
                             "is a task");
  case Diag::PreviousDeclaration:
    return E.getCustomDiagID(L::Note, "previous declaration is here");
  case Diag::PointerParam:
    return E.getCustomDiagID(L::Error,
                             "parameter %0 of task %1 has pointer type %2, "
                             "which cannot cross a function boundary");
  case Diag::NonConstRefParam:
    return E.getCustomDiagID(L::Error,
                             "parameter %0 of task %1 is a non-const reference "
                             "(%2): a remote task cannot write to the caller's "
                             "object");
  case Diag::PassByValueNote:
    return E.getCustomDiagID(L::Note, "pass it by value or by const reference");
  case Diag::BadResultType:
    return E.getCustomDiagID(L::Error, "task %0 returns %2 (%1); tasks return "
                                       "values");
  case Diag::ArgNotString:
    return E.getCustomDiagID(L::Error, "the argument of 'fusionize::task' must "
                                       "be a string literal naming the task");
  case Diag::BadTaskName:
    return E.getCustomDiagID(L::Error,
                             "'%0' is not a valid task name: use 1 to 64 "
                             "letters, digits, '_' or '-' (it becomes a "
                             "function name)");
  case Diag::DuplicateName:
    return E.getCustomDiagID(L::Error, "duplicate task name '%0'; give one of "
                                       "the tasks another name with "
                                       "[[fusionize::task(\"name\")]]");
  case Diag::PreviousTaskNote:
    return E.getCustomDiagID(L::Note, "task '%0' is first declared here");
  case Diag::NoToJson:
    return E.getCustomDiagID(L::Error,
                             "%0 of task %1 has type %2, which cannot be "
                             "encoded as JSON: nlohmann_json finds no "
                             "to_json(json &, const %2 &)");
  case Diag::NoFromJson:
    return E.getCustomDiagID(L::Error,
                             "%0 of task %1 has type %2, which cannot be "
                             "decoded from JSON: nlohmann_json finds no "
                             "from_json(const json &, %2 &) (or %2 is not "
                             "default-constructible)");
  case Diag::NoJsonAtAll:
    return E.getCustomDiagID(L::Error,
                             "%0 of task %1 has type %2, which nlohmann_json "
                             "cannot convert: it finds neither to_json nor "
                             "from_json for %2");
  case Diag::NonOwningType:
    return E.getCustomDiagID(L::Error,
                             "%0 of task %1 has type %2, a view that would "
                             "dangle once decoded; use an owning type such as "
                             "std::string");
  case Diag::IncompleteType:
    return E.getCustomDiagID(L::Error,
                             "%0 of task %1 has incomplete type %2; the task's "
                             "glue needs its definition");
  case Diag::JsonHowToNote:
    return E.getCustomDiagID(L::Note,
                             "define to_json/from_json for %0 or use "
                             "NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(%0, ...)");
  case Diag::AsyncNotTask:
    return E.getCustomDiagID(L::Error, "fusionize::async needs a task, but %0 "
                                       "is not marked [[fusionize::task]]");
  case Diag::AsyncNotTaskNote:
    return E.getCustomDiagID(L::Note, "%0 declared here");
  case Diag::AsyncUnresolved:
    return E.getCustomDiagID(L::Warning,
                             "fusionize::async called with a task that is "
                             "only known at run time; the edge is unknown to "
                             "the static task graph until a profile shows it");
  case Diag::AddressEscapes:
    return E.getCustomDiagID(L::Warning,
                             "address of task %0 is taken; calls through it "
                             "are unknown to the static task graph until a "
                             "profile shows them");
  case Diag::GlueMissing:
    return E.getCustomDiagID(L::Error,
                             "fusionize: cannot generate the tasks' glue: "
                             "%0");
  case Diag::BadPluginArg:
    return E.getCustomDiagID(L::Error, "fusionize: %0");
  }
  return 0;
}

} // namespace fusionize
