//===- platform/Process.cpp - Instance processes
//---------------------------===//
#include "platform/Process.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace fusionize::platform {

bool spawnProcess(const SpawnRequest &R, SpawnedProcess &Out,
                  std::string &Error) {
  if (access(R.Path.c_str(), X_OK) != 0) {
    Error = R.Path + ": " + std::strerror(errno);
    return false;
  }
  std::vector<char *> Argv, Envp;
  std::string Arg0 = R.Path;
  Argv.push_back(Arg0.data());
  std::vector<std::string> Args = R.Args, Env = R.Env;
  for (std::string &A : Args)
    Argv.push_back(A.data());
  Argv.push_back(nullptr);
  for (std::string &E : Env)
    Envp.push_back(E.data());
  Envp.push_back(nullptr);

  posix_spawn_file_actions_t Actions;
  posix_spawn_file_actions_init(&Actions);
  if (R.OutputFd >= 0) {
    posix_spawn_file_actions_adddup2(&Actions, R.OutputFd, 1);
    posix_spawn_file_actions_adddup2(&Actions, R.OutputFd, 2);
  } else {
    posix_spawn_file_actions_addopen(&Actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&Actions, 2, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_addopen(&Actions, 0, "/dev/null", O_RDONLY, 0);

  posix_spawnattr_t Attr;
  posix_spawnattr_init(&Attr);
  sigset_t Empty, Defaults;
  sigemptyset(&Empty);
  sigemptyset(&Defaults);
  for (int S :
       {SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2})
    sigaddset(&Defaults, S);
  posix_spawnattr_setsigmask(&Attr, &Empty);
  posix_spawnattr_setsigdefault(&Attr, &Defaults);
  posix_spawnattr_setpgroup(&Attr, 0);
  posix_spawnattr_setflags(&Attr, POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);
  pid_t Pid = -1;
  int Rc = posix_spawn(&Pid, R.Path.c_str(), &Actions, &Attr, Argv.data(),
                       Envp.data());
  posix_spawnattr_destroy(&Attr);
  posix_spawn_file_actions_destroy(&Actions);
  if (Rc != 0) {
    Error = R.Path + ": " + std::strerror(Rc);
    return false;
  }
  Out.Pid = Pid;
#ifdef SYS_pidfd_open
  Out.PidFd = static_cast<int>(syscall(SYS_pidfd_open, Pid, 0));
  if (Out.PidFd >= 0)
    fcntl(Out.PidFd, F_SETFD, FD_CLOEXEC);
#else
  Out.PidFd = -1;
#endif
  return true;
}

std::vector<std::string>
environmentWith(const std::map<std::string, std::string> &Set,
                const std::vector<std::string> &Unset) {
  std::vector<std::string> Out;
  for (char **E = environ; E && *E; ++E) {
    std::string Entry = *E;
    std::string Name = Entry.substr(0, Entry.find('='));
    if (Set.count(Name) ||
        std::find(Unset.begin(), Unset.end(), Name) != Unset.end())
      continue;
    Out.push_back(std::move(Entry));
  }
  for (const auto &[K, V] : Set)
    Out.push_back(K + "=" + V);
  return Out;
}

void signalGroup(pid_t Pid, int Signal) {
  if (Pid <= 0)
    return;
  if (kill(-Pid, Signal) != 0)
    kill(Pid, Signal);
}

bool reapProcess(pid_t Pid, int &Status, double &PeakMB) {
  rusage Usage{};
  pid_t R = wait4(Pid, &Status, WNOHANG, &Usage);
  if (R == Pid) {
    PeakMB = Usage.ru_maxrss / 1024.0;
    return true;
  }
  if (R < 0 && errno == ECHILD) {
    // Reaped elsewhere (SIGCHLD ignored by the host process): it is gone.
    Status = 0;
    PeakMB = 0;
    return true;
  }
  return false;
}

std::string describeExit(int Status) {
  if (WIFEXITED(Status))
    return "exit status " + std::to_string(WEXITSTATUS(Status));
  if (WIFSIGNALED(Status)) {
    const char *Name = strsignal(WTERMSIG(Status));
    std::string S = Name ? Name : "signal " + std::to_string(WTERMSIG(Status));
    for (char &C : S)
      C = static_cast<char>(std::tolower(static_cast<unsigned char>(C)));
    if (WCOREDUMP(Status))
      S += " (core dumped)";
    return "signal: " + S;
  }
  return "unknown status " + std::to_string(Status);
}

static double procStatusMB(pid_t Pid, const char *Key) {
  char Path[64];
  std::snprintf(Path, sizeof Path, "/proc/%d/status", static_cast<int>(Pid));
  FILE *F = std::fopen(Path, "r");
  if (!F)
    return 0;
  char Line[256];
  size_t KeyLen = std::strlen(Key);
  double MB = 0;
  while (std::fgets(Line, sizeof Line, F)) {
    if (std::strncmp(Line, Key, KeyLen) == 0 && Line[KeyLen] == ':') {
      MB = std::strtod(Line + KeyLen + 1, nullptr) / 1024.0; // kB
      break;
    }
  }
  std::fclose(F);
  return MB;
}

double peakMemoryMB(pid_t Pid) { return procStatusMB(Pid, "VmHWM"); }

int openProcStatus(pid_t Pid) {
  char Path[64];
  std::snprintf(Path, sizeof Path, "/proc/%d/status", static_cast<int>(Pid));
  return open(Path, O_RDONLY | O_CLOEXEC);
}

double peakMemoryFromStatus(int StatusFd) {
  char Buf[4096];
  ssize_t N = pread(StatusFd, Buf, sizeof Buf - 1, 0);
  if (N <= 0)
    return 0;
  Buf[N] = 0;
  const char *Line = std::strstr(Buf, "\nVmHWM:");
  return Line ? std::strtod(Line + 7, nullptr) / 1024.0 : 0; // kB
}
double residentMemoryMB(pid_t Pid) { return procStatusMB(Pid, "VmRSS"); }

unsigned availableCpus() {
  cpu_set_t Set;
  CPU_ZERO(&Set);
  if (sched_getaffinity(0, sizeof Set, &Set) == 0)
    return static_cast<unsigned>(std::max(1, CPU_COUNT(&Set)));
  long N = sysconf(_SC_NPROCESSORS_ONLN);
  return N > 0 ? static_cast<unsigned>(N) : 1;
}

} // namespace fusionize::platform
