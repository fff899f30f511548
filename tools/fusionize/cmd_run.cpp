//===- fusionize/cmd_run.cpp - fusionize run: the local platform ----------===//
//
//   fusionize run build/iot.fusion/manifest.json --port 9000 --trace t.jsonl
//
// Serves the Lambda Invoke API on loopback and runs the group executables
// as instances, like AWS Lambda (docs/platform.md). Ctrl-C (SIGINT) or
// SIGTERM drains and stops; a second one stops at once. The summary goes to
// stdout at exit, notes to stderr.
//
//===----------------------------------------------------------------------===//
#include "Command.h"

#include "core/CommandLine.h"
#include "platform/Platform.h"

#include <csignal>
#include <cstring>
#include <iostream>
#include <sstream>
#include <unistd.h>

using namespace fusionize;
using namespace fusionize::platform;

static bool parseDelays(const std::string &Text, std::vector<double> &Out) {
  Out.clear();
  std::stringstream S(Text);
  std::string Item;
  while (std::getline(S, Item, ',')) {
    char *End = nullptr;
    double D = std::strtod(Item.c_str(), &End);
    if (Item.empty() || *End || D < 0)
      return false;
    Out.push_back(D);
  }
  return true;
}

static int runRun(int Argc, char **Argv) {
  ArgParser P("fusionize run",
              "Runs the group executables of an application like AWS Lambda: "
              "serves the Lambda\nInvoke API on loopback, starts instances on "
              "demand, queues events durably,\nbills every invocation and "
              "records traces (docs/platform.md).");
  auto &ManifestArg = P.positional(
      "MANIFEST", "the application (fusionize-manifest/1)", /*Required=*/false);
  auto &Port =
      P.option("port", "N", "Invoke API port; 0 picks a free one", "9000", 'p');
  auto &Host = P.option("host", "ADDR", "address to listen on", "127.0.0.1");
  auto &PortFile = P.option("port-file", "FILE",
                            "write the port here once the platform serves");
  auto &Trace = P.option("trace", "FILE",
                         "write OTLP/JSON traces (JSON Lines): the instances' "
                         "spans and a platform span per invocation");
  auto &SummaryFile = P.option(
      "summary", "FILE", "write the summary as JSON (fusionize-run-summary/1)");
  auto &Emulate = P.option("emulate", "PROFILE",
                           "cloud emulation: aws-lambda-x86, none, or a "
                           "fusionize-emulation/1 file",
                           "aws-lambda-x86");
  auto &Idle = P.option("idle-timeout", "S",
                        "stop instances idle this long (0: after every "
                        "invocation; default: the profile's)");
  auto &Concurrency = P.option(
      "concurrency", "N",
      "instances per function at most; then 429 (default: the profile's)");
  auto &StateDir = P.option("state-dir", "DIR",
                            "event queue and logs (default: .fusionize-run "
                            "next to the manifest)");
  auto &InitTimeout = P.option(
      "init-timeout", "S", "kill instances that take longer to start", "10");
  auto &RetryDelays = P.option("retry-delays", "S,S",
                               "delays before event retries (Lambda: about "
                               "1 and 2 minutes)",
                               "60,120");
  auto &MaxRetries =
      P.option("max-retries", "N", "event retries after a failure (0..2)", "2");
  auto &MaxAge = P.option("max-event-age", "S",
                          "give up on events older than this", "21600");
  auto &Grace = P.option("kill-grace", "S",
                         "SIGKILL instances this long after SIGTERM", "2");
  auto &Logs = P.flag("logs", "also print instance output to stderr, "
                              "prefixed with the instance");
  auto &NoMemory = P.flag("no-memory-limit",
                          "do not kill instances that exceed their memory");
  auto &BillInit =
      P.flag("bill-init", "bill cold invocations for the runtime's init too "
                          "(Lambda since August 2025)");
  auto &Quiet = P.flag("quiet", "no summary on stdout", 'q');
  auto &PrintEmulation = P.flag(
      "print-emulation", "print the emulation profile (fusionize-emulation/1) "
                         "and exit; a starting point for your own");
  P.epilog("Invoke with the AWS CLI or curl, e.g.\n"
           "  aws lambda invoke --endpoint-url http://127.0.0.1:9000 \\\n"
           "      --function-name NAME --cli-binary-format raw-in-base64-out "
           "\\\n      --payload '[1, 2]' out.json\n"
           "  curl -d '[1, 2]' "
           "http://127.0.0.1:9000/2015-03-31/functions/NAME/invocations\n"
           "Logs are in STATE_DIR/logs/FUNCTION.log; queued events in "
           "STATE_DIR/events.db.");
  if (int Rc = P.parse(Argc, Argv); Rc >= 0)
    return Rc;

  PlatformOptions O;
  try {
    const std::string &E = Emulate.value();
    // A bare word that is not a file names a built-in profile.
    bool Builtin =
        E.find('/') == std::string::npos && access(E.c_str(), F_OK) != 0;
    O.Emulation =
        Builtin ? EmulationProfile::builtin(E) : EmulationProfile::load(E);
  } catch (const FormatError &E) {
    return P.error(E.what());
  }
  if (PrintEmulation) {
    std::cout << O.Emulation.toJson().dump(2) << "\n";
    return 0;
  }
  if (!ManifestArg)
    return P.error("missing MANIFEST; see fusionize run --help");
  O.ManifestPath = ManifestArg.value();
  O.Host = Host.value();
  unsigned long long N = 0;
  if (!P.getUnsigned(Port, N))
    return 2;
  if (N > 65535)
    return P.error("--port: out of range");
  O.Port = static_cast<unsigned>(N);
  O.TraceFile = Trace.value();
  O.SummaryFile = SummaryFile.value();
  O.StateDir = StateDir.value();
  O.EchoLogs = Logs.isSet();
  O.EnforceMemory = !NoMemory.isSet();
  O.BillInit = BillInit.isSet();
  O.Diagnostics = &std::cerr;
  if (Idle) {
    if (!P.getUnsigned(Idle, N))
      return 2;
    O.IdleTimeoutS = static_cast<unsigned>(N);
  }
  if (Concurrency) {
    if (!P.getUnsigned(Concurrency, N))
      return 2;
    if (N == 0)
      return P.error("--concurrency: must be at least 1");
    O.ConcurrencyLimit = static_cast<unsigned>(N);
  }
  if (!P.getDouble(InitTimeout, O.InitTimeoutS) ||
      !P.getDouble(MaxAge, O.MaxEventAgeS) || !P.getDouble(Grace, O.KillGraceS))
    return 2;
  if (!parseDelays(RetryDelays.value(), O.RetryDelaysS))
    return P.error("--retry-delays: expected seconds separated by commas, "
                   "got '" +
                   RetryDelays.value() + "'");
  if (!P.getUnsigned(MaxRetries, N))
    return 2;
  if (N > 2)
    return P.error("--max-retries: Lambda allows 0..2");
  O.MaxRetries = static_cast<unsigned>(N);

  // Signals are taken by this thread with sigtimedwait; every thread the
  // platform starts inherits the blocked mask, instances get a clean one.
  sigset_t Stop;
  sigemptyset(&Stop);
  sigaddset(&Stop, SIGINT);
  sigaddset(&Stop, SIGTERM);
  sigaddset(&Stop, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &Stop, nullptr);

  std::unique_ptr<Platform> Plat;
  try {
    Plat = std::make_unique<Platform>(O);
    Plat->start();
  } catch (const std::exception &E) {
    std::cerr << "fusionize run: " << E.what() << "\n";
    return 1;
  }
  if (PortFile)
    writeTextFile(PortFile.value(), std::to_string(Plat->port()) + "\n");
  std::cerr << "fusionize run: serving the Lambda Invoke API on "
            << Plat->endpoint() << " (emulation " << O.Emulation.Name
            << "); Ctrl-C stops" << std::endl;

  int Signals = 0;
  while (!Plat->stopped()) {
    timespec Tick{0, 200 * 1000 * 1000};
    int Sig = sigtimedwait(&Stop, nullptr, &Tick);
    if (Sig <= 0)
      continue;
    ++Signals;
    if (Signals == 1) {
      std::cerr << "fusionize run: " << strsignal(Sig)
                << ": stopping (again to stop at once)" << std::endl;
      Plat->requestStop(true);
    } else {
      Plat->requestStop(false);
    }
  }
  Plat->stop();
  if (!Quiet)
    Plat->summary().print(std::cout);
  return 0;
}

FUSIONIZE_COMMAND(run, "the local serverless platform (Lambda Invoke API)",
                  runRun, 30)
