//===- platform/Platform.h - The local serverless platform ----------------===//
//
// `fusionize run` in a library, so the optimize loop can run the platform
// and a load in-process:
//
//   PlatformOptions O;
//   O.ManifestPath = "build/iot.fusion/manifest.json";
//   O.Port = 0;                              // any free port
//   Platform P(O);
//   P.start();                               // throws PlatformError
//   ... invoke P.endpoint() (e.g. runLoad, Load.h) ...
//   P.stop();                                // drains, then stops
//   RunSummary S = P.summary();
//
// The platform serves the Lambda Invoke API on loopback, starts instances of
// the group executables on demand (each with its own Runtime API listener),
// queues Event invocations durably in SQLite under the state directory,
// bills every invocation, applies the emulation profile and writes traces.
// docs/platform.md describes the behaviour; everything runs on one event
// loop thread owned by the Platform object.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_PLATFORM_PLATFORM_H
#define FUSIONIZE_PLATFORM_PLATFORM_H

#include "core/Emulation.h"
#include "core/Json.h"
#include "core/Manifest.h"
#include "platform/Summary.h"

#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fusionize::platform {

class PlatformError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct PlatformOptions {
  std::string ManifestPath;
  std::string Host = "127.0.0.1";
  unsigned Port = 9000; // 0: any free port (see Platform::port())
  /// Event queue and logs; default: .fusionize-run next to the manifest.
  std::string StateDir;
  std::string TraceFile;   // OTLP/JSON lines; empty: no tracing
  std::string SummaryFile; // fusionize-run-summary/1 at stop; may be empty
  EmulationProfile Emulation;
  std::optional<unsigned> IdleTimeoutS;     // overrides the profile
  std::optional<unsigned> ConcurrencyLimit; // per function; overrides it
  double InitTimeoutS = 10;                 // Lambda's init phase limit
  /// Event retries: delays before the 2nd, 3rd, ... attempt (Lambda: about
  /// one and two minutes); MaxRetries of them at most (Lambda: 0..2).
  std::vector<double> RetryDelaysS = {60, 120};
  unsigned MaxRetries = 2;
  double MaxEventAgeS = 21600; // Lambda's maximum event age (6 h)
  double KillGraceS = 2;       // SIGTERM, then SIGKILL after this long
  bool EchoLogs = false;       // instance output also to Diagnostics
  bool EnforceMemory = true;   // kill instances above their memory size
  /// Bill a cold invocation for the runtime's init too (spawn until its
  /// first /next), as Lambda does since August 2025 (and always did for
  /// custom runtimes). Off: billed duration is dispatch to answer.
  bool BillInit = false;
  /// Where the platform reports notes (the CPU-limit mode, warnings) and
  /// echoed instance output; null: nowhere.
  std::ostream *Diagnostics = nullptr;
};

class Platform {
public:
  /// Loads the manifest and checks the options; throws PlatformError or
  /// FormatError.
  explicit Platform(PlatformOptions Options);
  ~Platform(); // stops without draining if still running
  Platform(const Platform &) = delete;
  Platform &operator=(const Platform &) = delete;

  /// Opens the event queue, binds the port and starts the event loop
  /// thread; queued events from an earlier run are resumed. Throws
  /// PlatformError.
  void start();
  /// The bound port and "http://127.0.0.1:PORT".
  unsigned port() const;
  std::string endpoint() const;

  /// Asks the platform to stop and returns at once (thread-safe). With
  /// `Drain`, requests from outside are refused (503), in-flight invocations
  /// finish (including the calls they make), queued events stay in SQLite
  /// for the next start; then instances get SIGTERM. Without, in-flight
  /// invocations are abandoned (their events stay queued) and instances are
  /// killed.
  void requestStop(bool Drain = true);
  /// requestStop(Drain) and wait until the loop has ended; writes the
  /// summary file.
  void stop(bool Drain = true);
  /// stop(true) for at most `GraceS` seconds, then stop(false): what is
  /// still in flight is abandoned (and said so in the diagnostics). Returns
  /// whether the drain finished in time.
  bool stopWithin(double GraceS);
  bool stopped() const;
  /// Blocks until stopped (by requestStop from another thread).
  void wait();

  /// The summary so far (thread-safe).
  RunSummary summary() const;
  /// How the CPU share is enforced (or not), one line.
  std::string cpuLimitDescription() const;

  struct Impl;

private:
  std::unique_ptr<Impl> I;
};

} // namespace fusionize::platform

#endif // FUSIONIZE_PLATFORM_PLATFORM_H
