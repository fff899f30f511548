//===- platform/Process.h - Instance processes
//-----------------------------===//
//
// Starting a group executable as an instance (posix_spawn, its own process
// group, stdout and stderr into a pipe), noticing its exit without a SIGCHLD
// handler (a pidfd), stopping it, and reading its memory use from /proc.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLATFORM_PROCESS_H
#define FUSIONIZE_PLATFORM_PROCESS_H

#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace fusionize::platform {

struct SpawnRequest {
  std::string Path;
  std::vector<std::string> Args; // argv[1..]
  std::vector<std::string> Env;  // NAME=VALUE
  int OutputFd = -1;             // becomes stdout and stderr; -1: /dev/null
};

struct SpawnedProcess {
  pid_t Pid = -1;
  int PidFd = -1; // readable when the process exits; -1 if unsupported
};

/// Starts the process in a new process group with default signal handling
/// and an empty signal mask. Returns false and sets `Error` on failure
/// (e.g. the executable is missing or not executable).
bool spawnProcess(const SpawnRequest &R, SpawnedProcess &Out,
                  std::string &Error);

/// The current environment with `Set` applied and every variable whose
/// name is in `Unset` removed.
std::vector<std::string>
environmentWith(const std::map<std::string, std::string> &Set,
                const std::vector<std::string> &Unset);

/// Signals the whole process group of an instance.
void signalGroup(pid_t Pid, int Signal);

/// Reaps the process if it exited; returns true then, with the wait status
/// and its peak resident memory (MB, from rusage).
bool reapProcess(pid_t Pid, int &Status, double &PeakMB);

/// "exit status 1", "signal: killed" (the wording of Lambda's errors).
std::string describeExit(int Status);

/// Peak (VmHWM) and current (VmRSS) resident memory of a live process in
/// MB; 0 when unknown.
double peakMemoryMB(pid_t Pid);
double residentMemoryMB(pid_t Pid);
/// The same from /proc/PID/status kept open (pread: no open per reading).
int openProcStatus(pid_t Pid);
double peakMemoryFromStatus(int StatusFd);

/// Number of CPUs this process may run on.
unsigned availableCpus();

} // namespace fusionize::platform

#endif // FUSIONIZE_PLATFORM_PROCESS_H
