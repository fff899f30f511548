//===- optimize/Build.cpp - Rebuild an application with another plan ------===//
#include "optimize/Build.h"

#include "core/Json.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace fusionize::optimize {

namespace {

bool isFile(const std::string &P) {
  struct stat St;
  return ::stat(P.c_str(), &St) == 0 && S_ISREG(St.st_mode);
}

bool isDir(const std::string &P) {
  struct stat St;
  return ::stat(P.c_str(), &St) == 0 && S_ISDIR(St.st_mode);
}

std::string dirOf(const std::string &Path) {
  auto Slash = Path.rfind('/');
  if (Slash == std::string::npos)
    return ".";
  return Slash == 0 ? "/" : Path.substr(0, Slash);
}

std::string baseOf(const std::string &Path) {
  auto Slash = Path.rfind('/');
  return Slash == std::string::npos ? Path : Path.substr(Slash + 1);
}

std::string absolute(const std::string &Path) {
  if (!Path.empty() && Path[0] == '/')
    return Path;
  char Buf[4096];
  if (!::getcwd(Buf, sizeof(Buf)))
    return Path;
  return std::string(Buf) + "/" + Path;
}

/// "/a/./b/../c" -> "/a/c", so paths from different sources compare.
std::string normalize(const std::string &Path) {
  std::vector<std::string> Parts;
  size_t I = 0;
  while (I <= Path.size()) {
    size_t J = Path.find('/', I);
    if (J == std::string::npos)
      J = Path.size();
    std::string P = Path.substr(I, J - I);
    if (P == "..") {
      if (!Parts.empty())
        Parts.pop_back();
    } else if (!P.empty() && P != ".") {
      Parts.push_back(P);
    }
    I = J + 1;
  }
  std::string Out;
  for (const std::string &P : Parts)
    Out += "/" + P;
  return Out.empty() ? "/" : Out;
}

void mkdirs(const std::string &Dir) {
  std::string Cur;
  for (size_t I = 0; I <= Dir.size(); ++I) {
    if (I == Dir.size() || Dir[I] == '/') {
      if (!Cur.empty())
        ::mkdir(Cur.c_str(), 0755);
    }
    if (I < Dir.size())
      Cur += Dir[I];
  }
  if (!isDir(Dir))
    throw BuildError("cannot create " + Dir + ": " + std::strerror(errno));
}

std::string readLog(const std::string &Log) {
  try {
    std::string Text = readTextFile(Log);
    // The end of a long log says what failed.
    if (Text.size() > 20000)
      Text = "[...]\n" + Text.substr(Text.size() - 20000);
    return Text;
  } catch (const FormatError &) {
    return "";
  }
}

bool startsWith(const std::string &S, const char *Prefix) {
  return S.rfind(Prefix, 0) == 0;
}

pid_t spawnIn(const std::vector<std::string> &Argv, const std::string &Dir,
              const std::string &Log, int &Err) {
  posix_spawn_file_actions_t FA;
  posix_spawn_file_actions_init(&FA);
  if (!Dir.empty())
    posix_spawn_file_actions_addchdir_np(&FA, Dir.c_str());
  posix_spawn_file_actions_addopen(&FA, 1, Log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&FA, 1, 2);
  posix_spawn_file_actions_addopen(&FA, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char *> Args;
  for (const std::string &A : Argv)
    Args.push_back(const_cast<char *>(A.c_str()));
  Args.push_back(nullptr);
  pid_t Pid = -1;
  Err = posix_spawnp(&Pid, Args[0], &FA, nullptr, Args.data(), environ);
  posix_spawn_file_actions_destroy(&FA);
  return Err == 0 ? Pid : -1;
}

int statusOf(int Status) {
  if (WIFEXITED(Status))
    return WEXITSTATUS(Status);
  if (WIFSIGNALED(Status))
    return 128 + WTERMSIG(Status);
  return -1;
}

std::string quoteArgs(const std::vector<std::string> &Argv) {
  std::string Out;
  for (const std::string &A : Argv) {
    if (!Out.empty())
      Out += ' ';
    bool Plain = !A.empty() && A.find_first_of(" \t\"'\\$`") ==
                                   std::string::npos;
    if (Plain) {
      Out += A;
      continue;
    }
    Out += '\'';
    for (char C : A)
      Out += C == '\'' ? std::string("'\\''") : std::string(1, C);
    Out += '\'';
  }
  return Out;
}

struct Job {
  std::string What;
  std::vector<std::string> Argv;
  std::string Dir, Log;
  pid_t Pid = -1;
};

/// Runs the jobs, `Jobs` at a time; on the first failure waits for the
/// others and throws with that job's output.
void runJobs(std::vector<Job> &Todo, unsigned Jobs, std::ostream *Log) {
  std::vector<Job *> Running;
  size_t Next = 0;
  const Job *Failed = nullptr;
  int FailedStatus = 0;
  while (Next < Todo.size() || !Running.empty()) {
    while (!Failed && Next < Todo.size() && Running.size() < std::max(1u, Jobs)) {
      Job &J = Todo[Next++];
      if (Log)
        *Log << "$ " << quoteArgs(J.Argv) << "\n";
      int Err = 0;
      J.Pid = spawnIn(J.Argv, J.Dir, J.Log, Err);
      if (J.Pid < 0) {
        for (Job *R : Running) {
          int St;
          ::waitpid(R->Pid, &St, 0);
        }
        throw BuildError(J.What + ": cannot run " + J.Argv[0] + ": " +
                         std::strerror(Err));
      }
      Running.push_back(&J);
    }
    if (Running.empty())
      break;
    bool Progress = false;
    for (size_t I = 0; I < Running.size();) {
      int St = 0;
      pid_t R = ::waitpid(Running[I]->Pid, &St, WNOHANG);
      if (R == 0 || (R < 0 && errno == EINTR)) {
        ++I;
        continue;
      }
      Progress = true;
      Job *J = Running[I];
      Running.erase(Running.begin() + long(I));
      int Code = R < 0 ? -1 : statusOf(St);
      if (Code != 0 && !Failed) {
        Failed = J;
        FailedStatus = Code;
      }
    }
    if (!Progress)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (Failed) {
    std::string Why = FailedStatus > 128
                          ? "killed by signal " +
                                std::to_string(FailedStatus - 128)
                          : "exit status " + std::to_string(FailedStatus);
    throw BuildError(Failed->What + " failed (" + Why + "):\n  " +
                         quoteArgs(Failed->Argv),
                     readLog(Failed->Log));
  }
}

} // namespace

std::vector<std::string> splitCommandLine(const std::string &Command) {
  std::vector<std::string> Out;
  std::string Cur;
  bool Have = false;
  for (size_t I = 0; I < Command.size(); ++I) {
    char C = Command[I];
    if (C == ' ' || C == '\t' || C == '\n') {
      if (Have)
        Out.push_back(Cur);
      Cur.clear();
      Have = false;
      continue;
    }
    Have = true;
    if (C == '\\' && I + 1 < Command.size()) {
      Cur += Command[++I];
    } else if (C == '\'') {
      while (++I < Command.size() && Command[I] != '\'')
        Cur += Command[I];
    } else if (C == '"') {
      while (++I < Command.size() && Command[I] != '"') {
        if (Command[I] == '\\' && I + 1 < Command.size() &&
            std::strchr("\"\\$`", Command[I + 1]))
          ++I;
        Cur += Command[I];
      }
    } else {
      Cur += C;
    }
  }
  if (Have)
    Out.push_back(Cur);
  return Out;
}

std::vector<CompileCommand> readCompileCommands(const std::string &PathOrDir) {
  std::string Path = isDir(PathOrDir) ? PathOrDir + "/compile_commands.json"
                                      : PathOrDir;
  if (!isFile(Path))
    throw BuildError(Path + ": no such file (the compilation database; "
                            "configure the build with "
                            "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON, or pass "
                            "--compile-commands)");
  Json Doc;
  try {
    Doc = readJsonFile(Path);
  } catch (const FormatError &E) {
    throw BuildError(E.what());
  }
  if (!Doc.is_array())
    throw BuildError(Path + ": expected a JSON array of compile commands");
  std::vector<CompileCommand> Out;
  for (size_t I = 0; I < Doc.size(); ++I) {
    const Json &E = Doc[I];
    std::string Where = Path + ": [" + std::to_string(I) + "]";
    if (!E.is_object() || !E.contains("file") || !E["file"].is_string() ||
        !E.contains("directory") || !E["directory"].is_string())
      throw BuildError(Where + ": expected an object with \"directory\" and "
                               "\"file\"");
    CompileCommand C;
    C.Directory = E["directory"].get<std::string>();
    C.File = E["file"].get<std::string>();
    if (C.File.empty() || C.File[0] != '/')
      C.File = C.Directory + "/" + C.File;
    C.File = normalize(C.File);
    if (E.contains("arguments") && E["arguments"].is_array()) {
      for (const Json &A : E["arguments"])
        if (A.is_string())
          C.Args.push_back(A.get<std::string>());
    } else if (E.contains("command") && E["command"].is_string()) {
      C.Args = splitCommandLine(E["command"].get<std::string>());
    }
    if (C.Args.empty())
      throw BuildError(Where + ": no \"command\" or \"arguments\"");
    Out.push_back(std::move(C));
  }
  return Out;
}

static bool loadsPlugin(const CompileCommand &C) {
  for (const std::string &A : C.Args)
    if (startsWith(A, "-fplugin=") && A.find("fusionize") != std::string::npos)
      return true;
  return false;
}

const CompileCommand &findCompileCommand(const std::vector<CompileCommand> &DB,
                                         const std::string &Source,
                                         const std::string &DBPath) {
  std::string Want = normalize(absolute(Source));
  const CompileCommand *Best = nullptr;
  for (const CompileCommand &C : DB)
    if (C.File == Want && (!Best || (!loadsPlugin(*Best) && loadsPlugin(C))))
      Best = &C;
  if (!Best)
    throw BuildError(DBPath + " has no compile command for " + Want +
                     " (is it the build directory the application was "
                     "built in?)");
  return *Best;
}

std::vector<std::string> commandForPlan(const CompileCommand &C,
                                        const std::string &PlanFile,
                                        const std::string &Output,
                                        const std::string &Plugin) {
  std::vector<std::string> Out;
  size_t I = 0;
  // A launcher in front of the compiler (ccache would return the object
  // without running the plugin, so the group objects would be missing).
  while (I + 1 < C.Args.size()) {
    std::string B = baseOf(C.Args[I]);
    if (B == "ccache" || B == "sccache" || B == "distcc")
      ++I;
    else
      break;
  }
  bool HasPlugin = false;
  for (; I < C.Args.size(); ++I) {
    const std::string &A = C.Args[I];
    if (A == "-o" || A == "-MF" || A == "-MT" || A == "-MQ") {
      ++I; // and its value
      continue;
    }
    if ((startsWith(A, "-o") && A.size() > 2) || A == "-MD" ||
        A == "-MMD" || A == "-MP" || startsWith(A, "-MF") ||
        startsWith(A, "-MT") || startsWith(A, "-MQ"))
      continue;
    if (startsWith(A, "-fplugin-arg-fusionize-plan=") ||
        startsWith(A, "-fplugin-arg-fusionize-profile=") ||
        startsWith(A, "-fplugin-arg-fusionize-graph="))
      continue;
    if ((A == "-mllvm") && I + 1 < C.Args.size() &&
        (startsWith(C.Args[I + 1], "-fusion-plan=") ||
         startsWith(C.Args[I + 1], "-fusion-profile="))) {
      ++I;
      continue;
    }
    if (startsWith(A, "-fplugin=") && A.find("fusionize") != std::string::npos)
      HasPlugin = true;
    Out.push_back(A);
  }
  if (Out.empty())
    throw BuildError("empty compile command for " + C.File);
  std::vector<std::string> Extra;
  if (!HasPlugin)
    Extra.push_back("-fplugin=" + Plugin);
  Extra.push_back("-fplugin-arg-fusionize-plan=" + PlanFile);
  Extra.push_back("-o");
  Extra.push_back(Output);
  Out.insert(Out.begin() + 1, Extra.begin(), Extra.end());
  return Out;
}

int runProcess(const std::vector<std::string> &Argv, const std::string &Dir,
               const std::string &Log) {
  int Err = 0;
  pid_t Pid = spawnIn(Argv, Dir, Log, Err);
  if (Pid < 0)
    return -1;
  int St = 0;
  while (::waitpid(Pid, &St, 0) < 0)
    if (errno != EINTR)
      return -1;
  return statusOf(St);
}

AppBuild AppBuild::load(const std::string &ManifestPath,
                        const std::string &CompileCommands,
                        const std::string &Fusionize,
                        const std::string &Plugin) {
  if (!isFile(ManifestPath))
    throw BuildError(ManifestPath + ": no such file (the application's "
                                    "manifest.json, written by "
                                    "fusionize_add_application or fusionize "
                                    "link)");
  Manifest M;
  try {
    M = Manifest::load(ManifestPath);
  } catch (const FormatError &E) {
    throw BuildError(E.what());
  }
  AppBuild B;
  B.Application = M.Application.empty() ? "app" : M.Application;
  B.ManifestPath = absolute(ManifestPath);
  B.LinkArgs = M.LinkArgs;
  B.Fusionize = Fusionize;
  if (M.Sources.empty())
    throw BuildError(ManifestPath + " records no sources (it was written by "
                                    "an older fusionize link); rebuild the "
                                    "application");
  std::string ManDir = dirOf(B.ManifestPath);
  for (const std::string &S : M.Sources) {
    std::string Abs = S.empty() || S[0] == '/' ? S : ManDir + "/" + S;
    B.Sources.push_back(normalize(Abs));
  }
  // The compilation database: given, else the nearest one above the
  // manifest (CMake writes it at the top of the build tree).
  std::string DB = CompileCommands;
  if (DB.empty()) {
    for (std::string D = ManDir;; D = dirOf(D)) {
      if (isFile(D + "/compile_commands.json")) {
        DB = D + "/compile_commands.json";
        break;
      }
      if (D == "/" || D == "." || D.empty())
        break;
    }
    if (DB.empty())
      throw BuildError("no compile_commands.json in " + ManDir +
                       " or above it; pass --compile-commands (CMake writes "
                       "it with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)");
  }
  if (isDir(DB))
    DB += "/compile_commands.json";
  B.CompileCommandsPath = absolute(DB);
  std::vector<CompileCommand> All = readCompileCommands(B.CompileCommandsPath);
  for (const std::string &S : B.Sources) {
    if (!isFile(S))
      throw BuildError(ManifestPath + " names the source " + S +
                       ", which does not exist");
    B.Commands.push_back(findCompileCommand(All, S, B.CompileCommandsPath));
  }
  // The plugin: the one the build loaded, else the one next to fusionize.
  B.Plugin = Plugin;
  for (const CompileCommand &C : B.Commands)
    for (const std::string &A : C.Args)
      if (B.Plugin.empty() && startsWith(A, "-fplugin=") &&
          A.find("fusionize") != std::string::npos)
        B.Plugin = A.substr(9);
  if (B.Plugin.empty())
    B.Plugin = dirOf(dirOf(Fusionize)) + "/lib/fusionize.so";
  if (!isFile(B.Plugin))
    throw BuildError("the fusionize plugin is not at " + B.Plugin +
                     "; pass --plugin");
  return B;
}

std::string AppBuild::build(const std::string &PlanFile,
                            const std::string &Dir, std::ostream *Log) const {
  std::string AbsDir = absolute(Dir), AbsPlan = absolute(PlanFile);
  mkdirs(AbsDir + "/obj");
  std::vector<Job> Compiles;
  std::vector<std::string> Objects;
  std::set<std::string> Used;
  for (size_t I = 0; I < Sources.size(); ++I) {
    std::string Stem = baseOf(Sources[I]);
    Stem = Stem.substr(0, Stem.rfind('.'));
    std::string Obj = AbsDir + "/obj/" + Stem + ".o";
    if (!Used.insert(Obj).second)
      Obj = AbsDir + "/obj/" + std::to_string(I) + "-" + Stem + ".o";
    Objects.push_back(Obj);
    Job J;
    J.What = "compiling " + Sources[I];
    J.Argv = commandForPlan(Commands[I], AbsPlan, Obj, Plugin);
    J.Dir = Commands[I].Directory;
    J.Log = Obj + ".log";
    Compiles.push_back(std::move(J));
  }
  runJobs(Compiles, Jobs, Log);
  std::string Out = AbsDir + "/" + Application + ".fusion";
  std::vector<Job> Link(1);
  Link[0].What = "linking the groups";
  Link[0].Argv = {Fusionize, "link", "--name", Application, "--out-dir", Out,
                  "-j", std::to_string(std::max(1u, Jobs))};
  Link[0].Argv.insert(Link[0].Argv.end(), Objects.begin(), Objects.end());
  if (!LinkArgs.empty()) {
    Link[0].Argv.push_back("--");
    Link[0].Argv.insert(Link[0].Argv.end(), LinkArgs.begin(), LinkArgs.end());
  }
  Link[0].Dir = AbsDir;
  Link[0].Log = AbsDir + "/link.log";
  runJobs(Link, 1, Log);
  if (!isFile(Out + "/manifest.json"))
    throw BuildError("fusionize link wrote no " + Out + "/manifest.json",
                     readLog(Link[0].Log));
  return Out + "/manifest.json";
}

Graph AppBuild::graph(const std::string &Out) const {
  Manifest M;
  try {
    M = Manifest::load(ManifestPath);
    if (!M.GraphFile.empty()) {
      std::string P = M.GraphFile[0] == '/'
                          ? M.GraphFile
                          : dirOf(ManifestPath) + "/" + M.GraphFile;
      Graph G = Graph::load(P);
      G.save(Out);
      return G;
    }
  } catch (const FormatError &E) {
    throw BuildError(E.what());
  }
  std::vector<Job> J(1);
  J[0].What = "analyzing the program (fusionize analyze)";
  J[0].Argv = {Fusionize, "analyze", "-q", "-p", dirOf(CompileCommandsPath),
               "--graph", absolute(Out)};
  J[0].Argv.insert(J[0].Argv.end(), Sources.begin(), Sources.end());
  J[0].Log = absolute(Out) + ".log";
  runJobs(J, 1, nullptr);
  try {
    return Graph::load(Out);
  } catch (const FormatError &E) {
    throw BuildError(E.what());
  }
}

} // namespace fusionize::optimize
