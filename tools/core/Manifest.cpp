//===- core/Manifest.cpp - Deployable application -------------------------===//
#include "core/Manifest.h"

#include <set>

namespace fusionize {

static const char *const ManifestFormat = "fusionize-manifest/1";

const ManifestFunction *Manifest::function(const std::string &Name) const {
  for (const ManifestFunction &F : Functions)
    if (F.Name == Name)
      return &F;
  return nullptr;
}

const ManifestGroup *Manifest::group(const std::string &Name) const {
  for (const ManifestGroup &G : Groups)
    if (G.Name == Name)
      return &G;
  return nullptr;
}

std::string Manifest::executablePath(const ManifestGroup &G) const {
  if (!G.Executable.empty() && G.Executable[0] == '/')
    return G.Executable;
  return (Dir.empty() ? std::string(".") : Dir) + "/" + G.Executable;
}

Json Manifest::toJson() const {
  Json Doc;
  Doc["format"] = ManifestFormat;
  Doc["application"] = Application;
  if (!PlanFile.empty())
    Doc["plan"] = PlanFile;
  if (!GraphFile.empty())
    Doc["graph"] = GraphFile;
  if (!Monolith.empty())
    Doc["monolith"] = Monolith;
  Json &JG = Doc["groups"] = Json::array();
  for (const ManifestGroup &G : Groups)
    JG.push_back(Json{{"name", G.Name},
                      {"executable", G.Executable},
                      {"tasks", G.Tasks},
                      {"memory_mb", G.MemoryMB},
                      {"timeout_s", G.TimeoutS},
                      {"size_bytes", G.SizeBytes}});
  Json &JF = Doc["functions"] = Json::array();
  for (const ManifestFunction &F : Functions)
    JF.push_back(Json{{"name", F.Name},
                      {"group", F.Group},
                      {"handler", F.Handler},
                      {"memory_mb", F.MemoryMB},
                      {"timeout_s", F.TimeoutS},
                      {"entry", F.Entry}});
  Json R = Json::object();
  for (const auto &[T, F] : Routes)
    R[T] = F;
  Doc["routes"] = R;
  if (!Sources.empty())
    Doc["sources"] = Sources;
  if (!LinkArgs.empty())
    Doc["link_args"] = LinkArgs;
  for (auto It = Extra.begin(); It != Extra.end(); ++It)
    if (!Doc.contains(It.key()))
      Doc[It.key()] = It.value();
  return Doc;
}

Manifest Manifest::fromJson(const Json &Doc, const std::string &Origin) {
  expectFormat(Doc, ManifestFormat, Origin);
  Manifest M;
  M.Application = getString(Doc, "application", "", Origin, "");
  M.PlanFile = getString(Doc, "plan", "", Origin, "");
  M.GraphFile = getString(Doc, "graph", "", Origin, "");
  M.Monolith = getString(Doc, "monolith", "", Origin, "");
  const Json &Groups = getArray(Doc, "groups", Origin, "");
  for (size_t I = 0; I < Groups.size(); ++I) {
    std::string P = "groups[" + std::to_string(I) + "]";
    ManifestGroup G;
    G.Name = getString(Groups[I], "name", Origin, P);
    if (!isValidName(G.Name))
      throw FormatError(Origin + ": " + P + ".name: \"" + G.Name +
                        "\" is not a valid group name");
    if (M.group(G.Name))
      throw FormatError(Origin + ": " + P + ": duplicate group \"" + G.Name +
                        "\"");
    G.Executable = getString(Groups[I], "executable", Origin, P);
    for (const Json &T : getArray(Groups[I], "tasks", Origin, P, false))
      G.Tasks.push_back(T.get<std::string>());
    G.MemoryMB = static_cast<unsigned>(
        getInteger(Groups[I], "memory_mb", DefaultMemoryMB, Origin, P));
    G.TimeoutS = static_cast<unsigned>(
        getInteger(Groups[I], "timeout_s", DefaultTimeoutS, Origin, P));
    if (G.MemoryMB < MinMemoryMB || G.MemoryMB > MaxMemoryMB)
      throw FormatError(Origin + ": " + P + ".memory_mb: outside 128..10240");
    if (G.TimeoutS < 1 || G.TimeoutS > MaxTimeoutS)
      throw FormatError(Origin + ": " + P + ".timeout_s: outside 1..900");
    G.SizeBytes = static_cast<std::uint64_t>(
        getInteger(Groups[I], "size_bytes", 0, Origin, P));
    M.Groups.push_back(std::move(G));
  }
  const Json &Funcs = getArray(Doc, "functions", Origin, "");
  for (size_t I = 0; I < Funcs.size(); ++I) {
    std::string P = "functions[" + std::to_string(I) + "]";
    ManifestFunction F;
    F.Name = getString(Funcs[I], "name", Origin, P);
    if (!isValidName(F.Name))
      throw FormatError(Origin + ": " + P + ".name: \"" + F.Name +
                        "\" is not a valid function name");
    if (M.function(F.Name))
      throw FormatError(Origin + ": " + P + ": duplicate function \"" + F.Name +
                        "\"");
    F.Group = getString(Funcs[I], "group", Origin, P);
    const ManifestGroup *G = M.group(F.Group);
    if (!G)
      throw FormatError(Origin + ": " + P + ".group: unknown group \"" +
                        F.Group + "\"");
    F.Handler = getString(Funcs[I], "handler", F.Name, Origin, P);
    F.MemoryMB = static_cast<unsigned>(
        getInteger(Funcs[I], "memory_mb", G->MemoryMB, Origin, P));
    F.TimeoutS = static_cast<unsigned>(
        getInteger(Funcs[I], "timeout_s", G->TimeoutS, Origin, P));
    F.Entry = getBool(Funcs[I], "entry", false, Origin, P);
    M.Functions.push_back(std::move(F));
  }
  if (Doc.contains("routes")) {
    const Json &R = Doc["routes"];
    if (!R.is_object())
      throw FormatError(Origin +
                        ": routes: expected an object {task: function}");
    for (auto It = R.begin(); It != R.end(); ++It)
      M.Routes[It.key()] = It.value().get<std::string>();
  }
  for (const Json &S : getArray(Doc, "sources", Origin, "", false))
    M.Sources.push_back(S.get<std::string>());
  for (const Json &S : getArray(Doc, "link_args", Origin, "", false))
    M.LinkArgs.push_back(S.get<std::string>());
  for (auto It = Doc.begin(); It != Doc.end(); ++It) {
    static const std::set<std::string> Known = {
        "format", "application", "plan",   "graph",   "monolith",
        "groups", "functions",   "routes", "sources", "link_args"};
    if (!Known.count(It.key()))
      M.Extra[It.key()] = It.value();
  }
  return M;
}

Manifest Manifest::load(const std::string &Path) {
  Manifest M = fromJson(readJsonFile(Path), Path);
  auto Slash = Path.rfind('/');
  M.Dir = Slash == std::string::npos ? "." : Path.substr(0, Slash);
  return M;
}

void Manifest::save(const std::string &Path) const {
  writeJsonFile(Path, toJson());
}

Manifest makeManifest(const std::string &Application, const Plan &P,
                      const Graph &G) {
  Manifest M;
  M.Application = Application;
  for (const Group &Gr : P.Groups)
    M.Groups.push_back(
        ManifestGroup{Gr.Name, Gr.Name, Gr.Tasks, Gr.MemoryMB, Gr.TimeoutS, 0});
  std::vector<std::string> Roots = G.roots();
  std::set<std::string> RootSet(Roots.begin(), Roots.end());
  std::set<std::string> Seen;
  auto Add = [&](const std::string &Task) {
    if (!Seen.insert(Task).second)
      return;
    const Group *Home = P.homeOf(Task);
    if (!Home)
      return;
    M.Functions.push_back(ManifestFunction{Task, Home->Name, Task,
                                           Home->MemoryMB, Home->TimeoutS,
                                           RootSet.count(Task) > 0});
    M.Routes[Task] = Task;
  };
  for (const TaskNode &T : G.Tasks)
    Add(T.Name);
  for (const std::string &T : P.tasks()) // tasks only the plan knows
    Add(T);
  return M;
}

} // namespace fusionize
