//===- fusionize/cmd_load.cpp - fusionize load: the workload driver -------===//
//
//   fusionize load --endpoint http://127.0.0.1:9000 --function AnalyzeSensor \
//       --rate 10 --duration 100 --payload readings.jsonl
//   fusionize load --workload examples/iot/workloads/ramp.json \
//       --endpoint http://127.0.0.1:9000 --out result.json
//
// Open-loop arrivals (docs/cli.md); the progress line goes to stderr, the
// results (percentiles, histogram, errors by type, rates) to stdout.
//
//===----------------------------------------------------------------------===//
#include "Command.h"

#include "core/CommandLine.h"
#include "platform/Load.h"

#include <atomic>
#include <csignal>
#include <iostream>
#include <unistd.h>

using namespace fusionize;
using namespace fusionize::platform;

static std::atomic<bool> Cancelled{false};

static void onInterrupt(int) {
  Cancelled = true;
  std::signal(SIGINT, SIG_DFL); // a second Ctrl-C ends the process
}

static int runLoadCommand(int Argc, char **Argv) {
  ArgParser P("fusionize load",
              "Drives a function through the Lambda Invoke API with an "
              "open-loop workload:\nconstant arrival rates and linear ramps, "
              "payloads from a file or a template.");
  auto &WorkloadFile = P.option("workload", "FILE",
                                "a workload (fusionize-workload/1); the "
                                "options below override it",
                                "", 'w');
  auto &Endpoint = P.option(
      "endpoint", "URL", "the Invoke API, e.g. http://127.0.0.1:9000", "", 'e');
  auto &Function =
      P.option("function", "NAME", "the function to invoke", "", 'f');
  auto &Rate =
      P.option("rate", "R", "constant arrival rate (requests/s)", "", 'r');
  auto &Requests =
      P.option("requests", "N", "send N requests (with --rate)", "", 'n');
  auto &Duration = P.option(
      "duration", "S", "run for S seconds (with --rate or --ramp)", "", 'd');
  auto &Ramp = P.option("ramp", "FROM:TO",
                        "linear ramp of the arrival rate over --duration");
  auto &Arrivals =
      P.option("arrivals", "KIND", "uniform (evenly spaced) or poisson");
  auto &Seed = P.option("seed", "N", "random seed (poisson, templates)");
  auto &Payload = P.option("payload", "FILE",
                           "payloads: a JSON document, or JSON Lines (one "
                           "payload per line, cycled)");
  auto &Template = P.option("payload-template", "T",
                            "payload template, e.g. '{\"id\": {{seq}}, \"v\": "
                            "{{rand_int:1:100}}}'");
  auto &Type = P.option("invocation-type", "TYPE",
                        "RequestResponse (wait for the result) or Event");
  auto &Timeout = P.option("timeout", "S", "per-request timeout");
  auto &MaxInflight = P.option("max-inflight", "N",
                               "drop arrivals beyond N outstanding requests");
  auto &Out =
      P.option("out", "FILE",
               "write the results as JSON (fusionize-load-result/1)", "", 'o');
  auto &PerRequest =
      P.flag("per-request", "include every request's outcome in --out");
  auto &PrintWorkload =
      P.flag("print-workload", "print the effective workload and exit");
  auto &NoProgress = P.flag("no-progress", "no progress line on stderr");
  auto &ProgressEvery = P.option("progress-interval", "S",
                                 "seconds between progress lines (default: "
                                 "0.5 on a terminal, 10 otherwise)");
  auto &FailOnError =
      P.flag("fail-on-error", "exit with 1 when any request failed");
  P.epilog("Template placeholders: {{seq}} {{rand_int:LO:HI}} "
           "{{rand_float:LO:HI}} {{choice:A|B}}\n{{rand_string:N}} {{uuid}} "
           "{{timestamp_ms}}; {{{{ is a literal {{.\n"
           "The papers' workloads: --rate 1 --requests 1000; --rate 10 "
           "--duration 100;\n--ramp 5:40 --duration 60.");
  if (int Rc = P.parse(Argc, Argv); Rc >= 0)
    return Rc;

  Workload W;
  try {
    if (WorkloadFile)
      W = Workload::load(WorkloadFile.value());
  } catch (const FormatError &E) {
    return P.error(E.what());
  }
  if (Endpoint)
    W.Endpoint = Endpoint.value();
  if (Function)
    W.Function = Function.value();
  if (Type)
    W.InvocationType = Type.value();
  if (Arrivals)
    W.Arrivals = Arrivals.value();
  unsigned long long N = 0;
  if (Seed) {
    if (!P.getUnsigned(Seed, N))
      return 2;
    W.Seed = N;
  }
  if (Timeout && !P.getDouble(Timeout, W.TimeoutS))
    return 2;
  if (MaxInflight) {
    if (!P.getUnsigned(MaxInflight, N))
      return 2;
    W.MaxInflight = N;
  }
  if (Payload && Template)
    return P.error("give --payload or --payload-template, not both");
  if (Payload) {
    W.Payload = Workload::PayloadKind::File;
    W.PayloadFile = Payload.value();
  } else if (Template) {
    W.Payload = Workload::PayloadKind::Template;
    W.Template = Template.value();
  }
  if (Rate && Ramp)
    return P.error("give --rate or --ramp, not both");
  if (Rate || Ramp) {
    Phase Ph;
    if (Rate) {
      if (!P.getDouble(Rate, Ph.Rate))
        return 2;
      if (Ph.Rate <= 0)
        return P.error("--rate: must be positive");
      if (Requests && Duration)
        return P.error("give --requests or --duration, not both");
      if (Requests) {
        if (!P.getUnsigned(Requests, N))
          return 2;
        Ph.Requests = N;
      } else if (!Duration) {
        return P.error("--rate needs --requests N or --duration S");
      }
    } else {
      const std::string &R = Ramp.value();
      auto Colon = R.find(':');
      char *End1 = nullptr, *End2 = nullptr;
      Ph.Ramp = true;
      if (Colon != std::string::npos) {
        Ph.From = std::strtod(R.c_str(), &End1);
        Ph.To = std::strtod(R.c_str() + Colon + 1, &End2);
      }
      if (Colon == std::string::npos || End1 != R.c_str() + Colon || *End2 ||
          Ph.From < 0 || Ph.To < 0 || (Ph.From == 0 && Ph.To == 0))
        return P.error("--ramp: expected FROM:TO rates, e.g. 5:40");
      if (Requests)
        return P.error("--ramp is bounded by --duration, not --requests");
      if (!Duration)
        return P.error("--ramp needs --duration S");
    }
    if (Duration) {
      if (!P.getDouble(Duration, Ph.DurationS))
        return 2;
      if (Ph.DurationS <= 0)
        return P.error("--duration: must be positive");
    }
    W.Phases = {Ph};
  } else if (Requests || Duration) {
    return P.error("--requests and --duration need --rate (or --ramp)");
  }
  if (W.Phases.empty())
    return P.error("no arrivals: give --rate/--ramp or a --workload");
  try {
    W.validate("fusionize load");
  } catch (const FormatError &E) {
    return P.error(E.what());
  }
  if (PrintWorkload) {
    std::cout << W.toJson().dump(2) << "\n";
    return 0;
  }

  LoadOptions O;
  O.Cancel = &Cancelled;
  O.KeepRequests = PerRequest.isSet();
  if (!NoProgress) {
    O.Progress = &std::cerr;
    O.ProgressTty = isatty(STDERR_FILENO);
    if (ProgressEvery && !P.getDouble(ProgressEvery, O.ProgressEveryS))
      return 2;
  }
  std::signal(SIGINT, onInterrupt);
  LoadResult R;
  try {
    R = runLoad(W, O);
  } catch (const std::exception &E) {
    std::cerr << "fusionize load: " << E.what() << "\n";
    return 1;
  }
  std::signal(SIGINT, SIG_DFL);
  R.print(std::cout);
  if (Cancelled)
    std::cerr << "fusionize load: interrupted after " << R.Sent << " of "
              << R.Planned << " requests\n";
  if (Out) {
    try {
      writeJsonFile(Out.value(), R.toJson());
    } catch (const std::exception &E) {
      std::cerr << "fusionize load: " << E.what() << "\n";
      return 1;
    }
  }
  return FailOnError && R.Errors ? 1 : 0;
}

FUSIONIZE_COMMAND(load, "the workload driver (open-loop arrivals)",
                  runLoadCommand, 40)
