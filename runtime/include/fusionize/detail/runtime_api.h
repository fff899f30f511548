//===- fusionize/detail/runtime_api.h - What the headers call -------------===//
//
// The small set of functions that the header templates (glue, codec, async)
// call in libfusionize_runtime. Everything else in the runtime is private.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_DETAIL_RUNTIME_API_H
#define FUSIONIZE_DETAIL_RUNTIME_API_H

#include <fusionize/detail/abi.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fusionize::detail {

enum class invoke_kind {
  request_response, // wait for the result (X-Amz-Invocation-Type: RequestResponse)
  event,            // fire and forget, acknowledged by the platform (Event)
};

/// Invokes the function of task `callee` through the Lambda Invoke API of
/// the configured endpoint and returns the JSON response body (for events:
/// an empty string once the platform has acknowledged the event). Throws
/// fusionize::remote_error on a function error or a transport failure.
std::string invoke_remote(const task_info &callee, std::string payload,
                          invoke_kind kind);

/// Runs `work` concurrently. The work counts towards the current invocation:
/// the invocation does not complete before it has finished (locally) or been
/// acknowledged (remotely). Trace context follows the work to its thread.
void spawn_async(std::function<void()> work);

/// Reports a failure of fire-and-forget work (a void task called with
/// fusionize::async) the way the platform would: logged and traced. `task`
/// is null when the work was not a task (plain builds).
void report_async_failure(const task_info *task,
                          std::exception_ptr error) noexcept;

/// Tracing of fused (local) calls. The flag is read on every local call, so
/// it is a plain relaxed atomic; spans are only created when it is set.
extern std::atomic<bool> tracing_flag;
inline bool tracing_enabled() noexcept {
  return tracing_flag.load(std::memory_order_relaxed);
}
void *begin_local_span(const task_info &task, bool sync) noexcept;
void end_local_span(void *span, bool failed) noexcept;
/// The calling thread's CPU time in ns (CLOCK_THREAD_CPUTIME_ID, a system
/// call on some kernels: 0.3 to 1.6 us); the entry glue measures a task
/// without its payload codec with it.
std::uint64_t thread_cpu_clock_ns() noexcept;

/// Thrown by the entry wrappers when a payload cannot be decoded; the
/// runtime answers it as a function error of type "InvalidPayload".
class payload_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Base64 (RFC 4648, with padding) for byte buffers in payloads.
std::string base64_encode(const std::uint8_t *data, std::size_t size);
/// Throws payload_error naming `what` on malformed input.
std::vector<std::uint8_t> base64_decode(std::string_view text,
                                        const char *what);

} // namespace fusionize::detail

#endif // FUSIONIZE_DETAIL_RUNTIME_API_H
