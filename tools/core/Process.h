//===- core/Process.h - Child processes with their output in a file --------===//
//
// The compiler's group compiles and `fusionize link` run tools whose output
// only matters when they fail: it goes to a log file that is shown then.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_CORE_PROCESS_H
#define FUSIONIZE_CORE_PROCESS_H

#include <string>
#include <sys/types.h>
#include <vector>

namespace fusionize {

/// Starts Argv[0] (looked up in PATH when it has no slash) with stdout and
/// stderr into `Log`. Returns the pid, or -1 with errno set.
pid_t spawnLogged(const std::vector<std::string> &Argv, const std::string &Log);

/// The first `MaxLines` lines of a log, with "[...]" when there was more.
std::string logExcerpt(const std::string &Log, size_t MaxLines = 40);

} // namespace fusionize

#endif // FUSIONIZE_CORE_PROCESS_H
