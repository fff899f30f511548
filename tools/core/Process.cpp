//===- core/Process.cpp - Child processes with their output in a file ------===//
#include "core/Process.h"

#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>

extern char **environ;

namespace fusionize {

pid_t spawnLogged(const std::vector<std::string> &Argv, const std::string &Log) {
  if (Argv.empty()) {
    errno = EINVAL;
    return -1;
  }
  posix_spawn_file_actions_t FA;
  posix_spawn_file_actions_init(&FA);
  posix_spawn_file_actions_addopen(&FA, 1, Log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&FA, 1, 2);
  std::vector<char *> Args;
  for (const std::string &A : Argv)
    Args.push_back(const_cast<char *>(A.c_str()));
  Args.push_back(nullptr);
  pid_t Pid = -1;
  int Rc = posix_spawnp(&Pid, Args[0], &FA, nullptr, Args.data(), environ);
  posix_spawn_file_actions_destroy(&FA);
  if (Rc != 0) {
    errno = Rc;
    return -1;
  }
  return Pid;
}

std::string logExcerpt(const std::string &Log, size_t MaxLines) {
  std::ifstream In(Log);
  std::string Out, Line;
  size_t N = 0;
  while (std::getline(In, Line)) {
    if (N++ == MaxLines) {
      Out += "[...]\n";
      break;
    }
    Out += Line + "\n";
  }
  return Out;
}

} // namespace fusionize
