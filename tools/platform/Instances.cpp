//===- platform/Instances.cpp - Instance processes and their Runtime API --===//
//
// Each instance is a process of its group's executable with its own Runtime
// API listener (like the Lambda Runtime Interface Emulator): the runtime
// long-polls GET /next, which the platform answers when it dispatches an
// invocation to it, and posts the response or error.
//
//===----------------------------------------------------------------------===//
#include "platform/PlatformImpl.h"

#include "platform/Http.h"
#include "platform/Process.h"

#include <event2/event.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fusionize::platform {

size_t Platform::Impl::instanceCount() const {
  size_t N = 0;
  for (const auto &[Name, F] : Functions)
    N += F->Instances.size();
  return N;
}

void Platform::Impl::armTimer(Instance &I, double Seconds) {
  if (!I.Timer)
    I.Timer = evtimer_new(
        Base,
        [](evutil_socket_t, short, void *Arg) {
          auto *I = static_cast<Instance *>(Arg);
          I->Fn->P->onInstanceTimer(*I);
        },
        &I);
  timeval Tv{
      static_cast<time_t>(Seconds),
      static_cast<suseconds_t>((Seconds - static_cast<time_t>(Seconds)) * 1e6)};
  evtimer_add(I.Timer, &Tv);
  I.DeadlineTimerAtMono = 0;
}

void Platform::Impl::armDeadline(Instance &I) {
  if (I.DeadlineTimerAtMono && I.DeadlineTimerAtMono <= I.DeadlineMono)
    return; // armed for an earlier invocation: it moves on when it fires
  std::int64_t Left = I.DeadlineMono - monoNs();
  armTimer(I, Left > 0 ? (Left + 999) / 1e9 : 0);
  I.DeadlineTimerAtMono = I.DeadlineMono;
}

Instance &Platform::Impl::startInstance(FunctionState &F) {
  auto Owned = std::make_unique<Instance>();
  Instance &I = *Owned;
  I.Id = NextInstanceId++;
  I.Name = F.Name + "-" + std::to_string(F.NextInstance++);
  I.Fn = &F;
  I.CreatedMono = monoNs();
  F.Instances.push_back(std::move(Owned));
  double ColdMs = Opts.Emulation.Enabled ? Opts.Emulation.ColdStartMs : 0;
  if (ColdMs <= 0) {
    spawn(I);
    return I;
  }
  // "Provisioning the sandbox": at least ColdMs, then the spawn.
  I.ProvisionedAtMono = I.CreatedMono + static_cast<std::int64_t>(ColdMs * 1e6);
  armTimer(I, ColdMs / 1000);
  return I;
}

void Platform::Impl::spawn(Instance &I) {
  FunctionState &F = *I.Fn;
  I.State = InstanceState::Starting;
  auto Fail = [&](const std::string &Why) {
    say("cannot start an instance of " + F.Name + ": " + Why);
    logLine(F, "instance " + I.Name + " could not start: " + Why);
    I.InitError = Outcome::failure("Runtime.InvalidEntrypoint", Why).Body;
    I.State = InstanceState::Stopping;
    I.Exited = true;
    onInitFailed(I);
    destroyInstance(I);
  };

  std::string Err;
  int ListenFd = listenTcp("127.0.0.1", 0, Err);
  if (ListenFd < 0)
    return Fail(Err);
  I.Port = socketPort(ListenFd);
  HttpServer::Limits L;
  L.MaxBody = 64 * 1024 * 1024;
  L.IdleTimeoutS = 0; // /next is held while the instance is idle
  I.Http = std::make_unique<HttpServer>(
      Base, ListenFd,
      [](HttpConnection &C, void *Arg) {
        auto *I = static_cast<Instance *>(Arg);
        I->Fn->P->onRuntimeRequest(*I, C);
      },
      &I, L);
  if (!I.Http->ok())
    return Fail("cannot serve the Runtime API");

  int Pipe[2];
  if (pipe2(Pipe, O_CLOEXEC) != 0)
    return Fail(std::string("pipe: ") + std::strerror(errno));
  fcntl(Pipe[0], F_SETFL, O_NONBLOCK);
  I.OutFd = Pipe[0];

  std::map<std::string, std::string> Env;
  const ManifestFunction &MF = *F.Spec;
  std::string Dir = F.Executable.substr(0, F.Executable.rfind('/'));
  char Date[16];
  std::time_t Now = std::time(nullptr);
  std::strftime(Date, sizeof Date, "%Y/%m/%d", std::gmtime(&Now));
  Env["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:" + std::to_string(I.Port);
  Env["_HANDLER"] = MF.Handler;
  Env["AWS_LAMBDA_FUNCTION_NAME"] = MF.Name;
  Env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(MF.MemoryMB);
  Env["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
  Env["AWS_LAMBDA_FUNCTION_TIMEOUT"] = std::to_string(MF.TimeoutS);
  Env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + MF.Name;
  Env["AWS_LAMBDA_LOG_STREAM_NAME"] = std::string(Date) + "/[$LATEST]" + I.Name;
  Env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
  Env["AWS_EXECUTION_ENV"] = "AWS_Lambda_fusionize";
  Env["AWS_REGION"] = Region;
  Env["AWS_DEFAULT_REGION"] = Region;
  Env["LAMBDA_TASK_ROOT"] = Dir;
  Env["FUSIONIZE_ENDPOINT"] =
      "http://" + Opts.Host + ":" + std::to_string(Port);
  Env["FUSIONIZE_GROUP"] = F.Group;
  Env["FUSIONIZE_INSTANCE"] = I.Name;
  bool IdentityRoutes = true;
  for (const auto &[Task, Fn] : M.Routes)
    IdentityRoutes &= Task == Fn;
  if (!IdentityRoutes) {
    Json R = Json::object();
    for (const auto &[Task, Fn] : M.Routes)
      R[Task] = Fn;
    Env["FUSIONIZE_ROUTES"] = R.dump();
  }
  if (Trace) {
    Env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] =
        "http://" + Opts.Host + ":" + std::to_string(Port) + "/v1/traces";
    // The instance's throttled time tells the planner's quota slack fit
    // when an invocation met its quota (docs/planning.md); the user's
    // setting wins.
    if (!std::getenv("FUSIONIZE_TRACE_THROTTLED"))
      Env["FUSIONIZE_TRACE_THROTTLED"] = "1";
  }
  std::vector<std::string> Unset = {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                                    "FUSIONIZE_TRACE",
                                    "FUSIONIZE_TRACE_FILE",
                                    "FUSIONIZE_ROUTES",
                                    "FUSIONIZE_FUNCTION_PREFIX",
                                    "PORT"};

  SpawnRequest R;
  R.Path = F.Executable;
  R.Env = environmentWith(Env, Unset);
  R.OutputFd = Pipe[1];
  SpawnedProcess Child;
  I.SpawnMono = monoNs();
  bool Ok = spawnProcess(R, Child, Err);
  close(Pipe[1]);
  if (!Ok)
    return Fail("fork/exec " + Err);
  I.Pid = Child.Pid;
  I.PidFd = Child.PidFd;
  I.StatusFd = openProcStatus(I.Pid);

  if (Cpu && Cpu->mode() != CpuLimiter::Mode::None) {
    double Share = std::min(CpuCap, Opts.Emulation.cpuShare(MF.MemoryMB));
    I.Cgroup = Cpu->create(I.Name + "-" + std::to_string(I.Id), Share);
    if (!I.Cgroup.empty() && !Cpu->attach(I.Cgroup, I.Pid)) {
      Cpu->remove(I.Cgroup);
      I.Cgroup.clear();
    }
  }
  if (I.PidFd >= 0) {
    I.ExitEvent = event_new(
        Base, I.PidFd, EV_READ,
        [](evutil_socket_t, short, void *Arg) {
          auto *I = static_cast<Instance *>(Arg);
          I->Fn->P->onExit(*I);
        },
        &I);
    event_add(I.ExitEvent, nullptr);
  }
  I.OutEvent = event_new(
      Base, I.OutFd, EV_READ | EV_PERSIST,
      [](evutil_socket_t, short, void *Arg) {
        auto *I = static_cast<Instance *>(Arg);
        I->Fn->P->onOutput(*I, false);
      },
      &I);
  event_add(I.OutEvent, nullptr);
  armTimer(I, Opts.InitTimeoutS);
}

static void runtimeError(HttpConnection &C, int Code, const std::string &Type,
                         const std::string &Message) {
  C.respond(Code, Json{{"errorMessage", Message}, {"errorType", Type}}.dump());
}

static constexpr std::string_view Accepted = R"({"status":"OK"})";

void Platform::Impl::onRuntimeRequest(Instance &I, HttpConnection &C) {
  HttpRequest &R = C.request();
  std::string_view Path = R.Path;
  static constexpr std::string_view Prefix = "/2018-06-01/runtime/";
  if (Path.substr(0, Prefix.size()) != Prefix)
    return runtimeError(C, 404, "InvalidRequest",
                        "unknown path " + std::string(Path));
  std::string_view Rest = Path.substr(Prefix.size());
  if (Rest == "invocation/next") {
    if (R.Method != HttpMethod::Get)
      return runtimeError(C, 405, "InvalidRequest", "/next takes GET");
    return onNext(I, C);
  }
  if (Rest == "init/error" && R.Method == HttpMethod::Post) {
    if (I.Ready)
      return runtimeError(C, 403, "InvalidStateTransition",
                          "init/error after the first /next");
    I.InitError =
        Outcome::fromRuntime(
            std::move(R.Body),
            std::string(R.headerOr("Lambda-Runtime-Function-Error-Type")))
            .Body;
    C.respondRaw(202, Accepted, "");
    // Lambda resets the environment after a failed init.
    stopInstance(I, SIGKILL, "init error");
    return;
  }
  static constexpr std::string_view Inv = "invocation/";
  size_t Slash = Rest.rfind('/');
  if (Rest.substr(0, Inv.size()) != Inv || Slash == std::string_view::npos ||
      Slash <= Inv.size() || R.Method != HttpMethod::Post)
    return runtimeError(C, 404, "InvalidRequest",
                        "unknown path " + std::string(Path));
  std::string_view Id = Rest.substr(Inv.size(), Slash - Inv.size());
  std::string_view Verb = Rest.substr(Slash + 1);
  if (Verb != "response" && Verb != "error")
    return runtimeError(C, 404, "InvalidRequest",
                        "unknown path " + std::string(Path));
  Invocation *Cur = I.Current;
  if (!Cur || Cur->RequestId != Id)
    return runtimeError(C, 400, "InvalidRequestID",
                        "no invocation " + std::string(Id) +
                            " is running here");
  if (Verb == "error")
    return finish(
        Cur,
        Outcome::fromRuntime(
            std::move(R.Body),
            std::string(R.headerOr("Lambda-Runtime-Function-Error-Type"))),
        &C);
  if (R.Body.size() > ResponsePayloadLimit) {
    runtimeError(C, 413, "RequestEntityTooLarge",
                 "Exceeded maximum allowed payload size (" +
                     std::to_string(ResponsePayloadLimit) + " bytes).");
    return finish(Cur,
                  Outcome::failure("Function.ResponseSizeTooLarge",
                                   "Response payload size exceeded maximum "
                                   "allowed payload size (" +
                                       std::to_string(ResponsePayloadLimit) +
                                       " bytes)."));
  }
  // A process cannot touch its memory size in under a millisecond: short
  // invocations use the peak sampled at most 100 ms ago.
  bool Fresh = monoNs() - Cur->DispatchMono >= 1000000 || !I.PeakReadMono;
  if (overMemory(I, Fresh))
    return C.respondRaw(202, Accepted, "");
  // The caller is answered first, then this POST (finish() does both).
  finish(Cur, Outcome::success(std::move(R.Body)), &C);
}

void Platform::Impl::onNext(Instance &I, HttpConnection &C) {
  if (I.Next)
    return runtimeError(C, 400, "InvalidStateTransition",
                        "another /next is already waiting");
  // A runtime that goes away while it waits is forgotten.
  C.setCloseHandler(
      [](void *Arg) { static_cast<Instance *>(Arg)->Next = nullptr; }, &I);
  if (I.State == InstanceState::Stopping) {
    I.Next = &C; // never answered; closed with the instance
    return;
  }
  if (!I.Ready) {
    I.Ready = true;
    I.InitMs = (monoNs() - I.CreatedMono) / 1e6;
    I.RuntimeInitMs = (monoNs() - I.SpawnMono) / 1e6;
    I.InitMemoryMB = instancePeak(I, /*Fresh=*/true);
    if (I.Timer)
      evtimer_del(I.Timer); // the init timeout
    I.DeadlineTimerAtMono = 0;
  }
  if (I.State == InstanceState::Busy && I.Current)
    finish(I.Current,
           Outcome::failure("Runtime.NoResponse",
                            "RequestId: " + I.Current->RequestId +
                                " Error: the runtime asked for the next "
                                "invocation without answering this one"));
  if (I.State == InstanceState::Stopping) { // e.g. over its memory
    I.Next = &C;
    return;
  }
  I.State = InstanceState::Idle;
  I.Next = &C;
  schedule(*I.Fn);
  if (I.State != InstanceState::Idle)
    return;
  I.IdleSinceMono = monoNs();
  if (IdleTimeoutS == 0 && !ShuttingDown)
    return stopInstance(I, SIGTERM, "idle");
  // sampleMemory() stops it when it has been idle for IdleTimeoutS.
}

void Platform::Impl::onInstanceTimer(Instance &I) {
  if (I.DeadlineTimerAtMono) {
    // An invocation's timeout: the one running now, if any, may have a
    // later deadline than the one the timer was armed for.
    I.DeadlineTimerAtMono = 0;
    bool Answered = I.State == InstanceState::Finishing && !I.Current;
    if (!Answered && (I.State != InstanceState::Busy || !I.Current))
      return;
    if (monoNs() < I.DeadlineMono)
      return armDeadline(I);
    if (Answered) {
      // It answered but has not asked for the next invocation by the end of
      // the last one's timeout: it would hold its slot (and the invocations
      // waiting for one) forever. Lambda ends such a sandbox too.
      logLine(*I.Fn, "instance " + I.Name +
                         " did not ask for its next invocation within the "
                         "timeout after answering: stopped");
      return stopInstance(I, SIGKILL, "no next invocation after answering");
    }
    return onTimeout(I.Current);
  }
  switch (I.State) {
  case InstanceState::Provisioning:
    if (std::int64_t Left = I.ProvisionedAtMono - monoNs(); Left > 0)
      return armTimer(I, (Left + 999) / 1e9);
    return spawn(I);
  case InstanceState::Starting:
    return stopInstance(I, SIGKILL, "init timeout");
  case InstanceState::Idle:
    return stopInstance(I, SIGTERM, "idle");
  case InstanceState::Stopping:
    signalGroup(I.Pid, SIGKILL);
    return;
  case InstanceState::Busy:
    if (I.Current)
      onTimeout(I.Current);
    return;
  case InstanceState::Finishing:
    return;
  }
}

void Platform::Impl::stopInstance(Instance &I, int Signal,
                                  const std::string &Reason) {
  if (I.KillReason.empty())
    I.KillReason = Reason;
  if (I.State == InstanceState::Provisioning) {
    I.State = InstanceState::Stopping;
    return destroyInstance(I);
  }
  bool Again = I.State == InstanceState::Stopping;
  I.State = InstanceState::Stopping;
  if (I.Exited)
    return;
  if (Again && Signal != SIGKILL)
    return;
  signalGroup(I.Pid, Signal);
  if (Signal != SIGKILL)
    armTimer(I, Opts.KillGraceS);
}

void Platform::Impl::onInitFailed(Instance &I) {
  FunctionState &F = *I.Fn;
  logLine(F, "instance " + I.Name + " failed to initialize: " +
                 (I.InitError.empty() ? I.KillReason : I.InitError));
  if (F.Pending.empty())
    return;
  // The invocation whose arrival started this instance gets the error.
  Invocation *Inv = F.Pending.front();
  F.Pending.pop_front();
  Outcome O;
  if (!I.InitError.empty()) {
    O = Outcome::fromRuntime(I.InitError, "Runtime.InitError");
  } else if (I.KillReason == "init timeout") {
    char Secs[32];
    std::snprintf(Secs, sizeof Secs, "%.2f", Opts.InitTimeoutS);
    O = Outcome::failure("Sandbox.Timedout", "RequestId: " + Inv->RequestId +
                                                 " Error: Init phase timed "
                                                 "out after " +
                                                 Secs + " seconds");
  } else {
    O = Outcome::failure(
        "Runtime.ExitError",
        "RequestId: " + Inv->RequestId +
            " Error: Runtime exited without providing a "
            "reason (" +
            (I.KillReason.empty() ? "during init" : I.KillReason) + ")");
  }
  finish(Inv, std::move(O));
}

void Platform::Impl::onExit(Instance &I) {
  int Status = 0;
  double Peak = 0;
  if (I.Exited || !reapProcess(I.Pid, Status, Peak))
    return;
  I.Exited = true;
  I.PeakMB = std::max(Peak, I.PeakMB);
  onOutput(I, /*Drain=*/true);
  FunctionState &F = *I.Fn;
  std::string How = describeExit(Status);
  bool Expected = I.State == InstanceState::Stopping;
  I.State = InstanceState::Stopping;
  if (!Expected)
    logLine(F, "instance " + I.Name + " exited: " + How);
  if (Invocation *Cur = I.Current) {
    finish(Cur,
           Outcome::failure("Runtime.ExitError",
                            "RequestId: " + Cur->RequestId +
                                " Error: Runtime exited with error: " + How));
  } else if (!I.Ready) {
    if (I.KillReason.empty() && I.InitError.empty())
      I.KillReason = How;
    onInitFailed(I);
  }
  destroyInstance(I);
  schedule(F);
  checkDrained();
}

void Platform::Impl::destroyInstance(Instance &I) {
  FunctionState &F = *I.Fn;
  for (event **E : {&I.Timer, &I.ExitEvent, &I.OutEvent})
    if (*E) {
      event_free(*E);
      *E = nullptr;
    }
  if (I.PidFd >= 0)
    close(I.PidFd);
  I.PidFd = -1;
  if (I.OutFd >= 0)
    close(I.OutFd);
  I.OutFd = -1;
  if (I.StatusFd >= 0)
    close(I.StatusFd);
  I.StatusFd = -1;
  if (!I.Exited && I.Pid > 0) {
    signalGroup(I.Pid, SIGKILL);
    int Status;
    double Peak;
    // The process was just killed; reap it so it does not linger.
    for (int Try = 0; Try < 100 && !reapProcess(I.Pid, Status, Peak); ++Try)
      usleep(1000);
    I.Exited = true;
  }
  if (Cpu)
    Cpu->remove(I.Cgroup);
  for (auto It = F.Instances.begin(); It != F.Instances.end(); ++It)
    if (It->get() == &I) {
      Graveyard.push_back(std::move(*It));
      F.Instances.erase(It);
      break;
    }
  if (ReaperEvent)
    event_active(ReaperEvent, 0, 0);
}

void Platform::Impl::reapGraveyard() {
  std::vector<std::unique_ptr<Instance>> Dead;
  Dead.swap(Graveyard);
  for (auto &I : Dead)
    I->Http.reset(); // closes its connections (and the held /next)
}

void Platform::Impl::onOutput(Instance &I, bool Drain) {
  (void)Drain;
  if (I.OutFd < 0)
    return;
  char Buf[16384];
  while (true) {
    ssize_t N = read(I.OutFd, Buf, sizeof Buf);
    if (N > 0) {
      I.OutPartial.append(Buf, static_cast<size_t>(N));
      size_t Start = 0, Nl;
      while ((Nl = I.OutPartial.find('\n', Start)) != std::string::npos) {
        logOutput(I, I.OutPartial.substr(Start, Nl - Start));
        Start = Nl + 1;
      }
      I.OutPartial.erase(0, Start);
      if (I.OutPartial.size() > 65536) { // a very long line: split it
        logOutput(I, I.OutPartial);
        I.OutPartial.clear();
      }
      continue;
    }
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    // End of output (or an error): the process closed it.
    if (!I.OutPartial.empty())
      logOutput(I, I.OutPartial);
    I.OutPartial.clear();
    if (I.OutEvent) {
      event_free(I.OutEvent);
      I.OutEvent = nullptr;
    }
    close(I.OutFd);
    I.OutFd = -1;
    return;
  }
}

double Platform::Impl::instancePeak(Instance &I, bool Fresh) {
  if (I.Exited || I.StatusFd < 0)
    return I.PeakMB;
  std::int64_t Now = monoNs();
  if (Fresh || Now - I.PeakReadMono > 100000000) {
    I.PeakMB = std::max(I.PeakMB, peakMemoryFromStatus(I.StatusFd));
    I.PeakReadMono = Now;
  }
  return I.PeakMB;
}

bool Platform::Impl::overMemory(Instance &I, bool Fresh) {
  if (!Opts.EnforceMemory || I.Exited || !I.Current)
    return false;
  double Peak = instancePeak(I, Fresh);
  if (Peak <= I.Fn->Spec->MemoryMB)
    return false;
  Invocation *Cur = I.Current;
  logLine(*I.Fn, "instance " + I.Name + " used " +
                     std::to_string(static_cast<int>(Peak)) + " MB of " +
                     std::to_string(I.Fn->Spec->MemoryMB) + " MB: killed");
  stopInstance(I, SIGKILL, "out of memory");
  finish(Cur, Outcome::failure("Runtime.OutOfMemory",
                               "RequestId: " + Cur->RequestId +
                                   " Error: Runtime exited with error: "
                                   "signal: killed"));
  return true;
}

void Platform::Impl::sampleMemory() {
  std::int64_t Now = monoNs();
  std::vector<Instance *> All;
  for (auto &[Name, F] : Functions)
    for (auto &I : F->Instances)
      All.push_back(I.get());
  for (Instance *I : All) {
    if (I->Pid > 0 && I->PidFd < 0 && !I->Exited) {
      // No pidfd on this kernel: poll (WNOWAIT: onExit reaps).
      siginfo_t Info{};
      if (waitid(P_PID, static_cast<id_t>(I->Pid), &Info,
                 WEXITED | WNOHANG | WNOWAIT) == 0 &&
          Info.si_pid == I->Pid) {
        onExit(*I);
        continue;
      }
    }
    if (I->State == InstanceState::Busy)
      overMemory(*I, true);
    else if (I->State == InstanceState::Idle && IdleTimeoutS > 0 &&
             Now - I->IdleSinceMono >= IdleTimeoutS * 1000000000LL)
      stopInstance(*I, SIGTERM, "idle");
  }
  flushLogs();
}

} // namespace fusionize::platform
