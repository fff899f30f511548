//===- platform/CpuLimiter.h - CPU share by memory size through cgroups ---===//
//
// Lambda gives a function CPU in proportion to its memory (1,769 MB = one
// vCPU). The platform reproduces that with one cgroup per instance whose CPU
// bandwidth quota is share x period: cgroup v2 (cpu.max) where the machine
// delegates the cpu controller to us, cgroup v1 (cpu.cfs_quota_us) where
// that hierarchy is mounted and writable, and otherwise no limit, which
// `description()` states plainly so the platform can print it once.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLATFORM_CPULIMITER_H
#define FUSIONIZE_PLATFORM_CPULIMITER_H

#include <memory>
#include <string>
#include <sys/types.h>

namespace fusionize::platform {

class CpuLimiter {
public:
  enum class Mode { None, CgroupV2, CgroupV1 };

  /// Finds a usable cpu controller and creates the platform's own cgroup
  /// (removed again by the destructor). Never fails: Mode::None then.
  static std::unique_ptr<CpuLimiter> detect();
  ~CpuLimiter();

  Mode mode() const { return M; }
  const char *modeName() const;
  /// One line: what enforces the CPU share, or why nothing does.
  const std::string &description() const { return Description; }

  /// Creates the cgroup of one instance limited to `Cpus` CPUs; returns its
  /// directory, or "" when there is no controller or creation failed.
  std::string create(const std::string &Name, double Cpus);
  /// Moves a process into a cgroup made by create().
  bool attach(const std::string &Dir, pid_t Pid);
  /// Removes an instance cgroup (its processes must have exited).
  void remove(const std::string &Dir);

private:
  CpuLimiter() = default;
  bool tryV2(std::string &Why);
  bool tryV1(std::string &Why);
  /// Takes `Dir` as the platform's cgroup if a limit can be set below it.
  bool adopt(const std::string &Dir, Mode Candidate);
  bool writeLimit(const std::string &Dir, double Cpus);

  Mode M = Mode::None;
  std::string Base; // the platform's cgroup directory
  std::string Description;
};

} // namespace fusionize::platform

#endif // FUSIONIZE_PLATFORM_CPULIMITER_H
