//===- platform/CpuLimiter.cpp - CPU share by memory size through cgroups -===//
#include "platform/CpuLimiter.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fusionize::platform {

static const long PeriodUs = 100000;

namespace {
struct Mount {
  std::string Root, Point, Type, SuperOptions;
};
} // namespace

static std::vector<Mount> cgroupMounts() {
  std::vector<Mount> Out;
  std::ifstream In("/proc/self/mountinfo");
  std::string Line;
  while (std::getline(In, Line)) {
    std::istringstream S(Line);
    std::string Id, Parent, Dev, Root, Point, Opts, Field;
    S >> Id >> Parent >> Dev >> Root >> Point >> Opts;
    while (S >> Field && Field != "-")
      ;
    Mount M;
    M.Root = Root;
    M.Point = Point;
    S >> M.Type >> Field >> M.SuperOptions;
    if (M.Type == "cgroup" || M.Type == "cgroup2")
      Out.push_back(M);
  }
  return Out;
}

static bool hasItem(const std::string &List, const std::string &Item,
                    char Sep) {
  std::istringstream S(List);
  std::string X;
  while (std::getline(S, X, Sep))
    if (X == Item)
      return true;
  return false;
}

/// Our cgroup path in the v2 hierarchy ("0::/path") or in the v1 hierarchy
/// that has `Controller`.
static std::string ownCgroup(const std::string &Controller) {
  std::ifstream In("/proc/self/cgroup");
  std::string Line;
  while (std::getline(In, Line)) {
    size_t A = Line.find(':'), B = Line.find(':', A + 1);
    if (A == std::string::npos || B == std::string::npos)
      continue;
    std::string Ctrls = Line.substr(A + 1, B - A - 1);
    if (Controller.empty() ? Ctrls.empty() : hasItem(Ctrls, Controller, ','))
      return Line.substr(B + 1);
  }
  return "";
}

static std::string joinMount(const Mount &M, const std::string &Path) {
  std::string Rel = Path;
  if (M.Root != "/" && Rel.compare(0, M.Root.size(), M.Root) == 0)
    Rel = Rel.substr(M.Root.size());
  if (Rel == "/")
    Rel.clear();
  return M.Point + Rel;
}

static bool writeFile(const std::string &Path, const std::string &Text) {
  std::ofstream Out(Path);
  if (!Out)
    return false;
  Out << Text;
  Out.flush();
  return static_cast<bool>(Out);
}

static std::string readFile(const std::string &Path) {
  std::ifstream In(Path);
  std::stringstream S;
  S << In.rdbuf();
  return S.str();
}

/// Removes leftovers of platforms that died without cleaning up.
static void removeStale(const std::string &Dir) {
  DIR *D = opendir(Dir.c_str());
  if (!D)
    return;
  while (dirent *E = readdir(D)) {
    std::string Name = E->d_name;
    if (Name.rfind("fusionize-", 0) != 0)
      continue;
    long Pid = std::strtol(Name.c_str() + 10, nullptr, 10);
    if (Pid <= 0 || (kill(static_cast<pid_t>(Pid), 0) == 0 || errno == EPERM))
      continue;
    std::string Sub = Dir + "/" + Name;
    // Another PID namespace may share this hierarchy: only touch old ones.
    struct stat St {};
    if (stat(Sub.c_str(), &St) != 0 || time(nullptr) - St.st_mtime < 3600)
      continue;
    if (DIR *S = opendir(Sub.c_str())) {
      while (dirent *C = readdir(S))
        if (C->d_type == DT_DIR && C->d_name[0] != '.')
          rmdir((Sub + "/" + C->d_name).c_str());
      closedir(S);
    }
    rmdir(Sub.c_str());
  }
  closedir(D);
}

bool CpuLimiter::adopt(const std::string &Dir, Mode Candidate) {
  // Usable if an instance cgroup with a quota can be made below it.
  Base = Dir;
  M = Candidate;
  std::string Probe = create("probe", 1);
  if (!Probe.empty()) {
    remove(Probe);
    return true;
  }
  rmdir(Dir.c_str());
  M = Mode::None;
  Base.clear();
  return false;
}

bool CpuLimiter::tryV2(std::string &Why) {
  for (const Mount &Mt : cgroupMounts()) {
    if (Mt.Type != "cgroup2")
      continue;
    std::string Parent = joinMount(Mt, ownCgroup(""));
    std::string Ctrls = readFile(Parent + "/cgroup.controllers");
    if (!hasItem(Ctrls.substr(0, Ctrls.find('\n')), "cpu", ' ')) {
      Why = "cgroup v2 at " + Mt.Point + " has no cpu controller";
      continue;
    }
    removeStale(Parent);
    std::string Dir = Parent + "/fusionize-" + std::to_string(getpid());
    if (mkdir(Dir.c_str(), 0755) != 0 && errno != EEXIST) {
      Why = "cannot create " + Dir + ": " + std::strerror(errno);
      continue;
    }
    std::string Sub = readFile(Parent + "/cgroup.subtree_control");
    if (!hasItem(Sub.substr(0, Sub.find('\n')), "cpu", ' ') &&
        !writeFile(Parent + "/cgroup.subtree_control", "+cpu")) {
      Why = "cgroup v2: cannot enable the cpu controller below " + Parent +
            " (it holds processes or is not delegated)";
      rmdir(Dir.c_str());
      continue;
    }
    if (!writeFile(Dir + "/cgroup.subtree_control", "+cpu")) {
      Why = "cgroup v2: cannot enable the cpu controller in " + Dir;
      rmdir(Dir.c_str());
      continue;
    }
    if (adopt(Dir, Mode::CgroupV2))
      return true;
    Why = "cgroup v2: cannot set cpu.max below " + Dir;
  }
  if (Why.empty())
    Why = "no cgroup v2 hierarchy";
  return false;
}

bool CpuLimiter::tryV1(std::string &Why) {
  for (const Mount &Mt : cgroupMounts()) {
    if (Mt.Type != "cgroup" || !hasItem(Mt.SuperOptions, "cpu", ','))
      continue;
    std::string Parent = joinMount(Mt, ownCgroup("cpu"));
    removeStale(Parent);
    std::string Dir = Parent + "/fusionize-" + std::to_string(getpid());
    if (mkdir(Dir.c_str(), 0755) != 0 && errno != EEXIST) {
      Why = "cgroup v1 cpu at " + Mt.Point + ": cannot create " + Dir + ": " +
            std::strerror(errno);
      continue;
    }
    if (adopt(Dir, Mode::CgroupV1))
      return true;
    Why = "cgroup v1: cannot set cpu.cfs_quota_us below " + Dir;
  }
  if (Why.empty())
    Why = "no cgroup v1 cpu hierarchy";
  return false;
}

std::unique_ptr<CpuLimiter> CpuLimiter::detect() {
  std::unique_ptr<CpuLimiter> L(new CpuLimiter());
  std::string WhyV2, WhyV1;
  if (L->tryV2(WhyV2)) {
    L->Description =
        "CPU share enforced with cgroup v2 cpu.max under " + L->Base;
  } else if (L->tryV1(WhyV1)) {
    L->Description = "CPU share enforced with cgroup v1 cpu.cfs_quota_us "
                     "under " +
                     L->Base + " (" + WhyV2 + ")";
  } else {
    L->Description =
        "CPU share by memory size is NOT enforced: instances may use every "
        "CPU of this machine, so CPU-bound work at small memory sizes runs "
        "faster than on Lambda (" +
        WhyV2 + "; " + WhyV1 + ")";
  }
  return L;
}

CpuLimiter::~CpuLimiter() {
  if (!Base.empty())
    rmdir(Base.c_str());
}

const char *CpuLimiter::modeName() const {
  switch (M) {
  case Mode::CgroupV2:
    return "cgroup2";
  case Mode::CgroupV1:
    return "cgroup1";
  case Mode::None:
    break;
  }
  return "none";
}

bool CpuLimiter::writeLimit(const std::string &Dir, double Cpus) {
  long Quota = std::max(1000L, std::lround(Cpus * PeriodUs));
  if (M == Mode::CgroupV2)
    return writeFile(Dir + "/cpu.max",
                     std::to_string(Quota) + " " + std::to_string(PeriodUs));
  return writeFile(Dir + "/cpu.cfs_period_us", std::to_string(PeriodUs)) &&
         writeFile(Dir + "/cpu.cfs_quota_us", std::to_string(Quota));
}

std::string CpuLimiter::create(const std::string &Name, double Cpus) {
  if (M == Mode::None)
    return "";
  std::string Dir = Base + "/" + Name;
  if (mkdir(Dir.c_str(), 0755) != 0 && errno != EEXIST)
    return "";
  if (!writeLimit(Dir, Cpus)) {
    rmdir(Dir.c_str());
    return "";
  }
  return Dir;
}

bool CpuLimiter::attach(const std::string &Dir, pid_t Pid) {
  return !Dir.empty() && writeFile(Dir + "/cgroup.procs", std::to_string(Pid));
}

void CpuLimiter::remove(const std::string &Dir) {
  if (!Dir.empty())
    rmdir(Dir.c_str());
}

} // namespace fusionize::platform
