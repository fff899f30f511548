//===- core/Manifest.h - Deployable application (fusionize-manifest/1) ----===//
//
// What `fusionize link` (and the CMake function) produce next to the group
// executables, and what `fusionize run` deploys: the groups with their
// executables, and one function per task, served from the task's home group
// with the task as handler (_HANDLER). Paths are relative to the manifest.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_CORE_MANIFEST_H
#define FUSIONIZE_CORE_MANIFEST_H

#include "core/Json.h"
#include "core/Plan.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fusionize {

struct ManifestGroup {
  std::string Name;
  std::string Executable; // relative to the manifest's directory
  std::vector<std::string> Tasks;
  unsigned MemoryMB = DefaultMemoryMB;
  unsigned TimeoutS = DefaultTimeoutS;
  std::uint64_t SizeBytes = 0;
};

struct ManifestFunction {
  std::string Name;    // the deployed function (the task's public name)
  std::string Group;   // whose executable serves it
  std::string Handler; // the task (_HANDLER)
  unsigned MemoryMB = DefaultMemoryMB;
  unsigned TimeoutS = DefaultTimeoutS;
  bool Entry = false; // nothing in the application calls it
};

struct Manifest {
  std::string Application;
  std::string Dir; // directory the manifest was loaded from (not saved)
  std::string PlanFile;
  std::string GraphFile;
  std::string Monolith;
  std::vector<ManifestGroup> Groups;
  std::vector<ManifestFunction> Functions;
  std::map<std::string, std::string> Routes; // task -> function
  /// How the executables were made, so a tool can rebuild them with another
  /// plan (fusionize optimize): the translation units' sources and the extra
  /// link arguments.
  std::vector<std::string> Sources;
  std::vector<std::string> LinkArgs;
  Json Extra = Json::object();

  const ManifestFunction *function(const std::string &Name) const;
  const ManifestGroup *group(const std::string &Name) const;
  /// Absolute (or Dir-relative) path of a group's executable.
  std::string executablePath(const ManifestGroup &G) const;

  Json toJson() const;
  static Manifest fromJson(const Json &Doc, const std::string &Origin);
  static Manifest load(const std::string &Path);
  void save(const std::string &Path) const;
};

/// The manifest for `P` over the tasks of `G`: one function per task in its
/// home group; entry functions are the graph's roots.
Manifest makeManifest(const std::string &Application, const Plan &P,
                      const Graph &G);

} // namespace fusionize

#endif // FUSIONIZE_CORE_MANIFEST_H
