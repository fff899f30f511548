//===- util.cpp - Small helpers shared by the runtime's sources -----------===//
#include "util.h"

#include <fusionize/detail/runtime_api.h>
#include <fusionize/errors.h>

#include <cxxabi.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <typeinfo>

namespace fusionize::detail {

std::optional<std::string> env(const char *name) {
  const char *v = std::getenv(name);
  if (!v)
    return std::nullopt;
  return std::string(v);
}

std::string env_or(const char *name, std::string_view fallback) {
  const char *v = std::getenv(name);
  if (!v || !*v)
    return std::string(fallback);
  return v;
}

std::int64_t env_int(const char *name, std::int64_t fallback) {
  const char *v = std::getenv(name);
  if (!v || !*v)
    return fallback;
  char *end = nullptr;
  errno = 0;
  long long n = std::strtoll(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0') {
    log_line(std::string(name) + "='" + v + "' is not an integer; using " +
             std::to_string(fallback));
    return fallback;
  }
  return n;
}

static std::uint64_t clock_ns(clockid_t clock) noexcept {
  timespec ts;
  clock_gettime(clock, &ts);
  return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

std::uint64_t now_unix_ns() noexcept { return clock_ns(CLOCK_REALTIME); }
std::int64_t now_unix_ms() noexcept {
  return std::int64_t(clock_ns(CLOCK_REALTIME) / 1000000u);
}
std::uint64_t thread_cpu_clock_ns() noexcept {
  return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

namespace {
/// Reads a small /proc or cgroupfs file from its start into `buf` (NUL
/// terminated); false when nothing could be read.
bool read_at_start(int fd, char *buf, std::size_t size) noexcept {
  ssize_t n = ::pread(fd, buf, size - 1, 0);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  return true;
}

/// The decimal number at `p` (0 when there are no digits); `p` moves past it.
std::uint64_t parse_decimal(const char *&p) noexcept {
  std::uint64_t v = 0;
  for (; *p >= '0' && *p <= '9'; ++p)
    v = v * 10 + std::uint64_t(*p - '0');
  return v;
}

/// This thread's /proc/thread-self/schedstat, opened on first use (the path
/// resolves to the opening thread, so the descriptor is per thread) and
/// closed when the thread exits.
struct schedstat_file {
  int fd = -2; // -2: not opened yet, -1: unavailable
  ~schedstat_file() {
    if (fd >= 0)
      ::close(fd);
  }
};
thread_local schedstat_file t_schedstat;
} // namespace

std::uint64_t thread_fault_bytes() noexcept {
  static const long page = ::sysconf(_SC_PAGESIZE);
  struct rusage usage;
  if (page <= 0 || ::getrusage(RUSAGE_THREAD, &usage) != 0)
    return no_run_delay;
  return std::uint64_t(usage.ru_minflt) * std::uint64_t(page);
}

std::uint64_t thread_run_delay_ns() noexcept {
  schedstat_file &f = t_schedstat;
  if (f.fd == -2)
    f.fd = ::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  if (f.fd < 0)
    return no_run_delay;
  // "<cpu ns> <run delay ns> <timeslices>\n"
  char buf[96];
  if (!read_at_start(f.fd, buf, sizeof buf))
    return no_run_delay;
  const char *p = buf;
  parse_decimal(p);
  if (p[0] != ' ' || p[1] < '0' || p[1] > '9')
    return no_run_delay;
  ++p;
  return parse_decimal(p);
}

namespace {
/// The cpu.stat of the process's CPU cgroup, opened once: -1 when there is
/// none; `v2` selects the field.
struct cgroup_stat {
  int fd = -1;
  bool v2 = false;
  cgroup_stat() {
    int f = ::open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
    if (f < 0)
      return;
    char buf[4096];
    ssize_t n = ::read(f, buf, sizeof buf - 1);
    ::close(f);
    if (n <= 0)
      return;
    buf[n] = '\0';
    // Lines "<id>:<controllers>:<path>"; v1's cpu controller first, else
    // the v2 line ("0::<path>").
    std::string v1_path, v2_path;
    for (char *line = buf; *line;) {
      char *end = std::strchr(line, '\n');
      if (end)
        *end = '\0';
      char *c1 = std::strchr(line, ':');
      char *c2 = c1 ? std::strchr(c1 + 1, ':') : nullptr;
      if (c1 && c2) {
        std::string_view controllers(c1 + 1, std::size_t(c2 - c1 - 1));
        bool cpu = false;
        for (std::size_t i = 0; i <= controllers.size();) {
          std::size_t j = controllers.find(',', i);
          if (j == std::string_view::npos)
            j = controllers.size();
          cpu |= controllers.substr(i, j - i) == "cpu";
          i = j + 1;
        }
        if (cpu)
          v1_path = std::string("/sys/fs/cgroup/") + std::string(controllers) +
                    (c2 + 1);
        else if (controllers.empty())
          v2_path = std::string("/sys/fs/cgroup") + (c2 + 1);
      }
      if (!end)
        break;
      line = end + 1;
    }
    if (!v1_path.empty())
      fd = ::open((v1_path + "/cpu.stat").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && !v2_path.empty()) {
      fd = ::open((v2_path + "/cpu.stat").c_str(), O_RDONLY | O_CLOEXEC);
      v2 = fd >= 0;
    }
  }
};
} // namespace

std::uint64_t cgroup_throttled_ns() noexcept {
  static cgroup_stat stat;
  if (stat.fd < 0)
    return no_run_delay;
  char buf[1024];
  if (!read_at_start(stat.fd, buf, sizeof buf))
    return no_run_delay;
  const char *key = stat.v2 ? "\nthrottled_usec " : "\nthrottled_time ";
  const char *p = std::strstr(buf, key);
  if (!p)
    return no_run_delay;
  p += std::strlen(key);
  std::uint64_t v = parse_decimal(p);
  return stat.v2 ? v * 1000 : v;
}

void log_line(std::string_view text) noexcept {
  std::string line;
  try {
    line.reserve(text.size() + 12);
    line.append("fusionize: ").append(text).push_back('\n');
  } catch (...) {
    return;
  }
  const char *p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(2, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    p += n;
    left -= std::size_t(n);
  }
}

std::string demangle(const char *mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void *)> out(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  if (status != 0 || !out)
    return mangled;
  return out.get();
}

exception_description describe_exception(const std::exception_ptr &error) {
  if (!error)
    return {"unknown", "no exception"};
  try {
    std::rethrow_exception(error);
  } catch (const payload_error &e) {
    return {"InvalidPayload", e.what()};
  } catch (const std::exception &e) {
    const std::type_info *type = abi::__cxa_current_exception_type();
    return {type ? demangle(type->name()) : "std::exception", e.what()};
  } catch (...) {
    const std::type_info *type = abi::__cxa_current_exception_type();
    std::string name = type ? demangle(type->name()) : "unknown";
    return {name, "an exception of type " + name + " was thrown"};
  }
}

std::string to_hex(const std::uint8_t *data, std::size_t size) {
  static const char digits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 15];
  }
  return out;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool from_hex(std::string_view text, std::uint8_t *out, std::size_t size) {
  if (text.size() != 2 * size)
    return false;
  for (std::size_t i = 0; i < size; ++i) {
    int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[i] = std::uint8_t(hi << 4 | lo);
  }
  return true;
}

std::string span_hex(std::uint64_t id) {
  std::uint8_t bytes[8];
  for (int i = 0; i < 8; ++i)
    bytes[i] = std::uint8_t(id >> (56 - 8 * i));
  return to_hex(bytes, 8);
}

bool parse_span_hex(std::string_view text, std::uint64_t &out) {
  std::uint8_t bytes[8];
  if (!from_hex(text, bytes, 8))
    return false;
  out = 0;
  for (std::uint8_t b : bytes)
    out = out << 8 | b;
  return true;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z')
      x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z')
      y = char(y - 'A' + 'a');
    if (x != y)
      return false;
  }
  return true;
}

} // namespace fusionize::detail
