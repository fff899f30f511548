//===- cmd_link.cpp - fusionize link: one executable per fusion group -----===//
//
//   fusionize link --name iot --out-dir build/iot.fusion a.o b.o -- -lsqlite3
//
// Reads X.o.fusion/report.json of every object (what the fusion pass did),
// checks that they agree on one plan that covers the whole program, links
// each group's objects (X.o.fusion/<group>.o of every object) with the
// runtime into <out-dir>/<group>, and writes <out-dir>/manifest.json. Extra
// arguments after `--` go to every link (libraries the program needs).
//
//===----------------------------------------------------------------------===//
#include "Command.h"

#include "core/CommandLine.h"
#include "core/Graph.h"
#include "core/Manifest.h"
#include "core/Plan.h"
#include "core/Process.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <map>
#include <set>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fusionize {
namespace {

std::string dirOf(const std::string &Path) {
  auto Slash = Path.rfind('/');
  return Slash == std::string::npos ? "." : Path.substr(0, Slash);
}

std::string selfLibDir() {
  char Buf[4096];
  ssize_t N = ::readlink("/proc/self/exe", Buf, sizeof(Buf) - 1);
  if (N <= 0)
    return "";
  Buf[N] = 0;
  return dirOf(dirOf(Buf)) + "/lib";
}

bool exists(const std::string &Path) {
  struct stat St;
  return ::stat(Path.c_str(), &St) == 0;
}

uint64_t fileSize(const std::string &Path) {
  struct stat St;
  return ::stat(Path.c_str(), &St) == 0 ? static_cast<uint64_t>(St.st_size) : 0;
}

struct Job {
  std::string Group;
  std::vector<std::string> Argv;
  std::string Log;
  pid_t Pid = -1;
};

/// Starts `J` with stdout and stderr into its log file.
bool start(Job &J) {
  J.Pid = spawnLogged(J.Argv, J.Log);
  if (J.Pid > 0)
    return true;
  std::cerr << "fusionize link: cannot run " << J.Argv[0] << ": "
            << std::strerror(errno) << "\n";
  return false;
}

int runLink(int Argc, char **Argv) {
  ArgParser P("fusionize link",
              "Links one executable per fusion group from objects compiled "
              "with the fusionize plugin, and writes the manifest.");
  auto &Name = P.option("name", "NAME", "application name (manifest)", "app");
  auto &OutDir = P.option("out-dir", "DIR",
                          "where executables and "
                          "manifest.json go",
                          "", 'o');
  auto &Cxx = P.option("cxx", "COMPILER", "compiler driver used to link",
                       FUSIONIZE_DEFAULT_CXX);
  auto &LibDir = P.option("runtime-lib-dir", "DIR",
                          "where libfusionize_runtime.a and "
                          "libfusionize_main.a are (default: ../lib next to "
                          "this program)");
  auto &GraphFile = P.option("graph", "FILE",
                             "whole-program task graph for the manifest "
                             "(default: the edges the objects report)");
  auto &Monolith = P.option("monolith", "PATH",
                            "the monolith executable, recorded in the "
                            "manifest");
  auto &Jobs = P.option("jobs", "N", "links to run at once", "2", 'j');
  auto &Objects = P.positional("OBJECT",
                               "objects compiled with the plugin "
                               "(their .fusion directories are "
                               "read); after `--`: link arguments",
                               true, true);
  P.epilog("Example:\n  fusionize link --name shop -o shop.fusion a.o b.o "
           "-- -lsqlite3\n\nEach object X.o needs X.o.fusion/report.json, "
           "written when it was compiled\nwith -fplugin=fusionize.so.");
  // Everything after "--" are link arguments, not objects.
  std::vector<std::string> LinkArgs;
  int Split = Argc;
  for (int I = 1; I < Argc; ++I)
    if (std::string(Argv[I]) == "--") {
      Split = I;
      break;
    }
  for (int I = Split + 1; I < Argc; ++I)
    LinkArgs.push_back(Argv[I]);
  if (int Rc = P.parse(Split, Argv); Rc >= 0)
    return Rc;
  if (!OutDir)
    return P.error("--out-dir is required");
  unsigned long long NJobs = 2;
  if (!P.getUnsigned(Jobs, NJobs))
    return 2;
  NJobs = std::max(1ULL, NJobs);

  // --- The reports, one per object.
  std::optional<Plan> Agreed;
  std::string AgreedFrom;
  Graph G;
  std::set<std::string> Defined;
  std::map<std::string, std::string> DefinedIn;
  std::map<std::string, std::string> GroupExt; // group -> object extension
  std::vector<std::string> Sources;
  std::vector<std::string> Common; // objects of files without tasks
  try {
    for (const std::string &Obj : Objects.Values) {
      std::string Report = Obj + ".fusion/report.json";
      if (!exists(Report)) {
        // A file without tasks: the same code in every group.
        if (!exists(Obj))
          return P.error(Obj + ": no such object");
        Common.push_back(Obj);
        continue;
      }
      Json R = readJsonFile(Report);
      expectFormat(R, "fusionize-report/1", Report);
      Sources.push_back(getString(R, "source", "", Report, ""));
      Plan Pl = Plan::fromJson(requireField(R, "plan", Report, ""),
                               Report + " (plan)");
      if (!Agreed) {
        Agreed = Pl;
        AgreedFrom = Obj;
      } else if (!Agreed->sameAs(Pl)) {
        return P.error(Obj + " and " + AgreedFrom +
                       " were compiled with different plans; compile every "
                       "file with the same whole-program plan "
                       "(fusionize analyze --plan FILE, then "
                       "-fplugin-arg-fusionize-plan=FILE)");
      }
      for (const Json &T : getArray(R, "tasks", Report, "")) {
        std::string TName = getString(T, "name", Report, "tasks");
        if (!G.findTask(TName)) {
          TaskNode N;
          N.Name = TName;
          N.Symbol = getString(T, "symbol", "", Report, "tasks");
          G.Tasks.push_back(N);
        }
        if (getBool(T, "defined", false, Report, "tasks")) {
          if (DefinedIn.count(TName) && DefinedIn[TName] != Obj)
            return P.error("task '" + TName + "' is defined in both " +
                           DefinedIn[TName] + " and " + Obj);
          Defined.insert(TName);
          DefinedIn[TName] = Obj;
          G.findTask(TName)->Defined = true;
        }
      }
      for (const Json &E : getArray(R, "edges", Report, "", false)) {
        CallSite S;
        S.Calls = getNumber(E, "calls", 1, Report, "edges");
        std::string K = getString(E, "kind", Report, "edges");
        std::string Caller = getString(E, "caller", Report, "edges");
        std::string Callee = getString(E, "callee", Report, "edges");
        if (!G.findEdge(Caller, Callee,
                        K == "async" ? EdgeKind::Async : EdgeKind::Sync))
          G.addCall(Caller, Callee,
                    K == "async" ? EdgeKind::Async : EdgeKind::Sync, S);
      }
      for (const Json &Gr : getArray(R, "groups", Report, "")) {
        std::string Obj2 = getString(Gr, "object", "", Report, "groups");
        std::string GName = getString(Gr, "name", Report, "groups");
        if (Obj2.empty())
          return P.error(Obj + " was compiled without group objects "
                               "(no-split); recompile it");
        GroupExt[GName] = Obj2.substr(Obj2.rfind('.'));
      }
    }
    if (!Agreed)
      return P.error("none of the objects was compiled with the fusionize "
                     "plugin from a file with tasks (no X.o.fusion/"
                     "report.json): there is nothing to split");
    // The whole program: every task of the plan defined somewhere, every
    // defined task in a group.
    for (const std::string &T : Agreed->tasks())
      if (!Defined.count(T))
        return P.error("the plan places task '" + T +
                       "', but no object defines it");
    Agreed->validate(Defined, /*AllowUnknown=*/false, "the plan");
    if (GraphFile)
      G = Graph::load(GraphFile.value());
  } catch (const FormatError &E) {
    std::cerr << "fusionize link: " << E.what() << "\n";
    return 1;
  }

  // --- Link every group.
  std::string Dir = OutDir.value();
  ::mkdir(Dir.c_str(), 0755);
  if (!exists(Dir))
    return P.error("cannot create " + Dir + ": " + std::strerror(errno));
  std::string Lib = LibDir ? LibDir.value() : selfLibDir();
  for (const char *A : {"libfusionize_main.a", "libfusionize_runtime.a"})
    if (!exists(Lib + "/" + A))
      return P.error("the runtime is not in " + Lib + " (" + A +
                     " missing); pass --runtime-lib-dir");
  std::vector<Job> Todo;
  for (const Group &Gr : Agreed->Groups) {
    Job J;
    J.Group = Gr.Name;
    J.Log = Dir + "/" + Gr.Name + ".link.log";
    J.Argv = {Cxx.value(), "-o", Dir + "/" + Gr.Name};
    for (const std::string &Obj : Objects.Values) {
      if (std::find(Common.begin(), Common.end(), Obj) != Common.end()) {
        J.Argv.push_back(Obj);
        continue;
      }
      std::string GO = Obj + ".fusion/" + Gr.Name + GroupExt[Gr.Name];
      if (!exists(GO))
        return P.error(GO + " is missing: was " + Obj +
                       " compiled with this plan?");
      J.Argv.push_back(GO);
    }
    J.Argv.push_back(Lib + "/libfusionize_main.a");
    J.Argv.push_back(Lib + "/libfusionize_runtime.a");
    for (const char *A : FUSIONIZE_RUNTIME_SYSTEM_LIBS)
      J.Argv.push_back(A);
    J.Argv.push_back("-Wl,--gc-sections");
    J.Argv.insert(J.Argv.end(), LinkArgs.begin(), LinkArgs.end());
    Todo.push_back(std::move(J));
  }
  std::vector<Job *> Running;
  bool Failed = false;
  size_t Next = 0;
  while (Next < Todo.size() || !Running.empty()) {
    while (!Failed && Next < Todo.size() && Running.size() < NJobs) {
      if (!start(Todo[Next]))
        return 1;
      Running.push_back(&Todo[Next++]);
    }
    if (Running.empty())
      break;
    int Status = 0;
    pid_t Done = ::wait(&Status);
    auto It = std::find_if(Running.begin(), Running.end(),
                           [&](Job *J) { return J->Pid == Done; });
    if (It == Running.end())
      continue;
    Job *J = *It;
    Running.erase(It);
    if (!WIFEXITED(Status) || WEXITSTATUS(Status) != 0) {
      Failed = true;
      std::cerr << "fusionize link: linking group '" << J->Group
                << "' failed:\n";
      std::cerr << logExcerpt(J->Log, 200);
    } else {
      ::unlink(J->Log.c_str());
    }
  }
  if (Failed)
    return 1;

  // --- The manifest.
  Manifest M = makeManifest(Name.value(), *Agreed, G);
  for (ManifestGroup &MG : M.Groups)
    MG.SizeBytes = fileSize(Dir + "/" + MG.Executable);
  if (Monolith)
    M.Monolith = Monolith.value();
  M.Sources = Sources;
  // Objects of files without tasks are the same under every plan: a
  // rebuild with another plan (fusionize optimize) links them as they are.
  for (const std::string &Obj : Common) {
    char *Abs = realpath(Obj.c_str(), nullptr);
    M.LinkArgs.push_back(Abs ? Abs : Obj);
    std::free(Abs);
  }
  M.LinkArgs.insert(M.LinkArgs.end(), LinkArgs.begin(), LinkArgs.end());
  M.PlanFile = "plan.json";
  try {
    Agreed->save(Dir + "/plan.json");
    M.save(Dir + "/manifest.json");
  } catch (const FormatError &E) {
    std::cerr << "fusionize link: " << E.what() << "\n";
    return 1;
  }
  std::cout << "fusionize link: " << Agreed->Groups.size() << " group"
            << (Agreed->Groups.size() == 1 ? "" : "s") << ", "
            << M.Functions.size() << " functions -> " << Dir
            << "/manifest.json\n";
  return 0;
}

} // namespace
} // namespace fusionize

FUSIONIZE_COMMAND(link,
                  "link one executable per fusion group, write the manifest",
                  fusionize::runLink, 40)
