//===- util.h - Small helpers shared by the runtime's sources -------------===//
//
// Environment access, clocks, logging to stderr and describing exceptions.
// Private to libfusionize_runtime (and its unit tests).
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_RUNTIME_UTIL_H
#define FUSIONIZE_RUNTIME_UTIL_H

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace fusionize::detail {

/// The variable's value, or nullopt when it is unset (set but empty counts
/// as set).
std::optional<std::string> env(const char *name);
/// The variable's value, or `fallback` when it is unset or empty.
std::string env_or(const char *name, std::string_view fallback);
/// An integer variable; unset, empty or malformed (logged) gives `fallback`.
std::int64_t env_int(const char *name, std::int64_t fallback);

/// Wall clock (Unix epoch) in nanoseconds and milliseconds.
std::uint64_t now_unix_ns() noexcept;
std::int64_t now_unix_ms() noexcept;
// CPU time of the calling thread: thread_cpu_clock_ns() in
// <fusionize/detail/runtime_api.h> (the entry glue reads it too).
/// Time the calling thread was runnable but not running, in nanoseconds:
/// the second field of /proc/thread-self/schedstat, which counts both
/// waiting for a CPU and being throttled by a CPU quota. Each thread keeps
/// the file open (a read costs ~2 us). Returns `no_run_delay` when the
/// kernel does not provide it (no /proc, no CONFIG_SCHED_INFO).
std::uint64_t thread_run_delay_ns() noexcept;
inline constexpr std::uint64_t no_run_delay = ~std::uint64_t(0);
/// Time the process's CPU cgroup has spent throttled by its CPU quota, in
/// nanoseconds: `throttled_time` (cgroup v1) or `throttled_usec` (v2) of
/// its cpu.stat. While the cgroup is throttled no thread of the instance
/// runs, so a thread blocked on another (a lock, a new thread's stack) waits
/// for the quota too, which its run delay does not show. The file is found
/// once (/proc/self/cgroup) and kept open. Returns `no_run_delay` when there
/// is no readable cpu.stat.
std::uint64_t cgroup_throttled_ns() noexcept;

/// Memory the calling thread touched for the first time, in bytes: its
/// minor page faults (getrusage RUSAGE_THREAD) times the page size. Memory
/// the allocator kept from an earlier run faults no more, so a task's
/// largest count over its runs is its working set. Returns `no_run_delay`
/// when the kernel does not count them.
std::uint64_t thread_fault_bytes() noexcept;

/// Writes "fusionize: <text>\n" to stderr in one write (lines of concurrent
/// threads and processes do not interleave).
void log_line(std::string_view text) noexcept;

/// The demangled name of a type_info's type ("std::invalid_argument").
std::string demangle(const char *mangled);

/// An exception as a function error sees it.
struct exception_description {
  std::string type;    // C++ type ("std::invalid_argument"), or errorType
  std::string message; // what(), or a description for non-std exceptions
};
/// Describes `error`: the dynamic type of the exception object and its
/// message. payload_error becomes "InvalidPayload", remote_error keeps its
/// own what() under the type "fusionize::remote_error".
exception_description describe_exception(const std::exception_ptr &error);

/// Lowercase hex of `size` bytes.
std::string to_hex(const std::uint8_t *data, std::size_t size);
/// Parses exactly `size` bytes from 2*size hex digits; false on bad input.
bool from_hex(std::string_view text, std::uint8_t *out, std::size_t size);

/// A span id as 16 lowercase hex digits, and back.
std::string span_hex(std::uint64_t id);
bool parse_span_hex(std::string_view text, std::uint64_t &out);

/// Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b) noexcept;

} // namespace fusionize::detail

#endif // FUSIONIZE_RUNTIME_UTIL_H
