//===- platform/Platform.cpp - Lifecycle, Invoke API and scheduling -------===//
#include "platform/PlatformImpl.h"

#include "platform/Http.h"
#include "platform/Process.h"

#include <event2/event.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fusionize::platform {

std::int64_t monoNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t wallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

timeval timevalOf(std::int64_t Ns) {
  std::int64_t Us = Ns <= 0 ? 0 : (Ns + 999) / 1000;
  return timeval{static_cast<time_t>(Us / 1000000),
                 static_cast<suseconds_t>(Us % 1000000)};
}

const char *stateName(InstanceState S) {
  switch (S) {
  case InstanceState::Provisioning:
    return "provisioning";
  case InstanceState::Starting:
    return "starting";
  case InstanceState::Idle:
    return "idle";
  case InstanceState::Busy:
    return "busy";
  case InstanceState::Finishing:
    return "finishing";
  case InstanceState::Stopping:
    return "stopping";
  }
  return "?";
}

Outcome Outcome::success(std::string Body) {
  Outcome O;
  O.Body = std::move(Body);
  return O;
}

Outcome Outcome::failure(const std::string &Type, const std::string &Message) {
  Outcome O;
  O.Error = true;
  O.ErrorType = Type;
  O.ErrorMessage = Message;
  O.Body = Json{{"errorMessage", Message},
                {"errorType", Type},
                {"stackTrace", Json::array()}}
               .dump();
  return O;
}

Outcome Outcome::fromRuntime(std::string Body, const std::string &TypeHeader) {
  Outcome O;
  O.Error = true;
  Json Doc = Json::parse(Body, nullptr, false);
  if (Doc.is_object()) {
    if (Doc.contains("errorType") && Doc["errorType"].is_string())
      O.ErrorType = Doc["errorType"].get<std::string>();
    if (Doc.contains("errorMessage") && Doc["errorMessage"].is_string())
      O.ErrorMessage = Doc["errorMessage"].get<std::string>();
    if (O.ErrorType.empty())
      O.ErrorType = TypeHeader.empty() ? "Runtime.Unknown" : TypeHeader;
    if (!Doc.contains("errorType"))
      Doc["errorType"] = O.ErrorType;
    if (!Doc.contains("errorMessage"))
      Doc["errorMessage"] = O.ErrorMessage;
    if (!Doc.contains("stackTrace"))
      Doc["stackTrace"] = Json::array();
    O.Body = Doc.dump();
    return O;
  }
  // Not a JSON error document: wrap what the runtime said.
  O.ErrorType = TypeHeader.empty() ? "Runtime.Unknown" : TypeHeader;
  O.ErrorMessage = Body;
  O.Body = Json{{"errorMessage", Body},
                {"errorType", O.ErrorType},
                {"stackTrace", Json::array()}}
               .dump();
  return O;
}

//===-- Platform (the public face)
//-----------------------------------------===//

Platform::Platform(PlatformOptions Options)
    : I(std::make_unique<Impl>(std::move(Options))) {
  if (I->Opts.ManifestPath.empty())
    throw PlatformError("no manifest given");
  I->M = Manifest::load(I->Opts.ManifestPath);
  if (I->M.Functions.empty())
    throw PlatformError(I->Opts.ManifestPath + ": the manifest has no "
                                               "functions");
  if (I->Opts.RetryDelaysS.size() < I->Opts.MaxRetries)
    throw PlatformError(
        "--retry-delays: " + std::to_string(I->Opts.MaxRetries) +
        " retries need as many delays");
  for (double D : I->Opts.RetryDelaysS)
    if (D < 0)
      throw PlatformError("retry delays must not be negative");
  if (I->Opts.InitTimeoutS <= 0)
    throw PlatformError("the init timeout must be positive");
}

Platform::~Platform() {
  if (I->Loop.joinable()) {
    I->Opts.SummaryFile.clear();
    stop(false);
  }
}

void Platform::start() { I->start(); }
unsigned Platform::port() const { return I->Port; }
std::string Platform::endpoint() const {
  return "http://" + I->Opts.Host + ":" + std::to_string(I->Port);
}

void Platform::requestStop(bool Drain) {
  int Want = Drain ? 1 : 2;
  int Cur = I->StopRequest.load();
  while (Cur < Want && !I->StopRequest.compare_exchange_weak(Cur, Want))
    ;
  // An eventfd rather than event_active(): libevent then needs no locks
  // (no evthread_use_pthreads) on the hot path.
  if (I->StopFd >= 0 && I->Running) {
    std::uint64_t One = 1;
    (void)!write(I->StopFd, &One, sizeof One);
  }
}

bool Platform::stopped() const {
  std::lock_guard<std::mutex> G(I->StopLock);
  return I->Finished;
}

void Platform::wait() {
  if (!I->Loop.joinable())
    return;
  {
    std::unique_lock<std::mutex> G(I->StopLock);
    I->StopCv.wait(G, [&] { return I->Finished; });
  }
  I->Loop.join();
}

void Platform::stop(bool Drain) {
  if (!I->Loop.joinable())
    return; // never started, or already stopped and joined
  requestStop(Drain);
  wait();
  if (!I->Opts.SummaryFile.empty())
    writeJsonFile(I->Opts.SummaryFile, summary().toJson());
}

bool Platform::stopWithin(double GraceS) {
  if (!I->Loop.joinable())
    return true;
  requestStop(true);
  bool Drained;
  {
    std::unique_lock<std::mutex> G(I->StopLock);
    auto Until = std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                     std::chrono::duration<double>(std::max(0.0, GraceS)));
    Drained = I->StopCv.wait_until(G, Until, [&] { return I->Finished; });
  }
  stop(Drained);
  return Drained;
}

RunSummary Platform::summary() const {
  std::lock_guard<std::mutex> G(I->StatsLock);
  std::int64_t End = I->StopMono ? I->StopMono : monoNs();
  RunSummary S = I->Stats.build(I->Opts.Emulation.Name,
                                I->StartMono ? (End - I->StartMono) / 1e9 : 0);
  return S;
}

std::string Platform::cpuLimitDescription() const {
  if (!I->Opts.Emulation.Enabled)
    return "CPU share not applied (emulation off)";
  return I->Cpu ? I->Cpu->description() : "";
}

//===-- Lifecycle
//----------------------------------------------------------===//

static void makeDirs(const std::string &Path) {
  std::string Cur;
  for (size_t I = 0; I <= Path.size(); ++I) {
    if (I == Path.size() || Path[I] == '/') {
      if (!Cur.empty() && mkdir(Cur.c_str(), 0755) != 0 && errno != EEXIST)
        throw PlatformError("cannot create " + Cur + ": " +
                            std::strerror(errno));
    }
    if (I < Path.size())
      Cur += Path[I];
  }
}

Platform::Impl::~Impl() {
  for (auto &[Name, F] : Functions) {
    if (F->EventTimer)
      event_free(F->EventTimer);
    if (F->LogFd >= 0) {
      flushLog(*F);
      close(F->LogFd);
    }
  }
  if (SampleTimer)
    event_free(SampleTimer);
  if (ReaperEvent)
    event_free(ReaperEvent);
  if (StopEvent)
    event_free(StopEvent);
  if (StopFd >= 0)
    close(StopFd);
  // Servers hold events of the loop: gone before the loop.
  Api.reset();
  for (auto &[Name, F] : Functions)
    for (auto &I : F->Instances)
      I->Http.reset();
  Graveyard.clear();
  if (Base)
    event_base_free(Base);
  if (Trace)
    std::fclose(Trace);
  if (LockFd >= 0)
    close(LockFd);
}

void Platform::Impl::say(const std::string &Line) {
  if (Opts.Diagnostics)
    *Opts.Diagnostics << "fusionize run: " << Line << std::endl;
}

void Platform::Impl::start() {
  if (Running || Loop.joinable())
    throw PlatformError("the platform is already running");
  // A peer that closes its socket must not kill the process.
  struct sigaction Old {};
  sigaction(SIGPIPE, nullptr, &Old);
  if (Old.sa_handler == SIG_DFL)
    std::signal(SIGPIPE, SIG_IGN);

  for (const char *Var : {"AWS_REGION", "AWS_DEFAULT_REGION"})
    if (const char *R = std::getenv(Var); R && *R) {
      Region = R;
      break;
    }
  IdleTimeoutS = Opts.IdleTimeoutS.value_or(Opts.Emulation.IdleTimeoutS);
  HostCpus = availableCpus();
  CpuCap = std::min<double>(HostCpus, Opts.Emulation.MaxVcpus);

  if (Opts.StateDir.empty())
    Opts.StateDir = M.Dir + "/.fusionize-run";
  makeDirs(Opts.StateDir + "/logs");
  std::string LockPath = Opts.StateDir + "/lock";
  LockFd = open(LockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (LockFd < 0 || flock(LockFd, LOCK_EX | LOCK_NB) != 0)
    throw PlatformError("state directory " + Opts.StateDir +
                        " is in use by another fusionize run (or cannot be "
                        "locked); give each platform its own --state-dir");

  for (const ManifestFunction &MF : M.Functions) {
    const ManifestGroup *G = M.group(MF.Group);
    auto F = std::make_unique<FunctionState>();
    F->P = this;
    F->Spec = &MF;
    F->Name = MF.Name;
    F->Group = MF.Group;
    F->Executable = M.executablePath(*G);
    F->Arn = "arn:aws:lambda:" + Region + ":000000000000:function:" + MF.Name;
    if (access(F->Executable.c_str(), X_OK) != 0)
      throw PlatformError("function " + MF.Name + ": executable " +
                          F->Executable + " of group " + G->Name + ": " +
                          std::strerror(errno));
    F->Limit = Opts.ConcurrencyLimit.value_or(Opts.Emulation.ConcurrencyLimit);
    if (F->Limit == 0)
      throw PlatformError("the concurrency limit must be at least 1");
    std::string LogPath = Opts.StateDir + "/logs/" + MF.Name + ".log";
    F->LogFd = open(LogPath.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                    0644);
    if (F->LogFd < 0)
      throw PlatformError("cannot open " + LogPath + ": " +
                          std::strerror(errno));
    // Written every 50 ms (sampleMemory), not at every few lines.
    F->LogBuf.reserve(LogBufferSize);
    {
      std::lock_guard<std::mutex> G2(StatsLock);
      Stats.declare(MF.Name, MF.Group, MF.MemoryMB);
    }
    Functions[MF.Name] = std::move(F);
  }

  // The changelist folds the event changes of one loop iteration (new
  // connections, sockets that are full for a while) into few epoll_ctl
  // calls. (No
  // EVENT_BASE_FLAG_PRECISE_TIMER: it costs a timerfd_settime per loop
  // iteration; timers are then good to about a millisecond.)
  event_config *Cfg = event_config_new();
  event_config_set_flag(Cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
  Base = event_base_new_with_config(Cfg);
  event_config_free(Cfg);
  if (!Base)
    throw PlatformError("cannot create the event loop");
  std::string Err;
  int ApiFd = listenTcp(Opts.Host, Opts.Port, Err);
  if (ApiFd < 0)
    throw PlatformError(Err);
  Port = socketPort(ApiFd);
  // Idle connections are closed after an hour (sync invocations may last
  // 900 s; an outstanding request is never timed out by the server).
  HttpServer::Limits L;
  L.MaxBody = 64 * 1024 * 1024;
  L.IdleTimeoutS = 3600;
  Api = std::make_unique<HttpServer>(
      Base, ApiFd,
      [](HttpConnection &C, void *Arg) {
        static_cast<Impl *>(Arg)->onApiRequest(C);
      },
      this, L);
  if (!Api->ok())
    throw PlatformError("cannot serve the Invoke API");

  if (Opts.Emulation.Enabled) {
    Cpu = CpuLimiter::detect();
    say(Cpu->description());
  }
  openQueue();
  openTelemetry();

  StopFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (StopFd < 0)
    throw PlatformError(std::string("eventfd: ") + std::strerror(errno));
  StopEvent = event_new(
      Base, StopFd, EV_READ | EV_PERSIST,
      [](evutil_socket_t Fd, short, void *Arg) {
        std::uint64_t N;
        (void)!read(Fd, &N, sizeof N);
        static_cast<Impl *>(Arg)->onStopRequest();
      },
      this);
  event_add(StopEvent, nullptr);
  ReaperEvent = event_new(
      Base, -1, 0,
      [](evutil_socket_t, short, void *Arg) {
        static_cast<Impl *>(Arg)->reapGraveyard();
      },
      this);
  // Memory limits, and exits of instances where pidfds are unavailable.
  SampleTimer = event_new(
      Base, -1, EV_PERSIST,
      [](evutil_socket_t, short, void *Arg) {
        static_cast<Impl *>(Arg)->sampleMemory();
      },
      this);
  timeval Every{0, 50000};
  event_add(SampleTimer, &Every);

  StartMono = monoNs();
  Running = true;
  for (auto &[Name, F] : Functions)
    pumpEvents(*F);
  Loop = std::thread([this] { runLoop(); });
}

void Platform::Impl::runLoop() {
  event_base_dispatch(Base);
  reapGraveyard();
  Running = false;
  {
    std::lock_guard<std::mutex> G(StatsLock);
    StopMono = monoNs();
    if (Queue)
      Stats.events().Queued = Queue->countQueued();
  }
  std::lock_guard<std::mutex> G(StopLock);
  Finished = true;
  StopCv.notify_all();
}

void Platform::Impl::onStopRequest() {
  int Req = StopRequest.load();
  if (Req >= 2 && !Forced) {
    Forced = Draining = true;
    say("stopping now: " + std::to_string(Invocations.size()) +
        " in-flight invocation(s) abandoned, their events stay queued");
    std::vector<Invocation *> All;
    for (auto &[Seq, Inv] : Invocations)
      All.push_back(Inv.get());
    for (Invocation *Inv : All) {
      if (!Inv->Sync) {
        releaseEvent(Inv);
      } else if (Inv->Caller) {
        sendAwsError(*Inv->Caller, 503, "ServiceException",
                     "the platform stopped before the invocation finished");
        Inv->Caller = nullptr;
      }
      if (Inv->Inst && Inv->Inst->Current == Inv)
        Inv->Inst->Current = nullptr;
      for (auto &[N, F] : Functions)
        for (auto It = F->Pending.begin(); It != F->Pending.end();)
          It = *It == Inv ? F->Pending.erase(It) : It + 1;
      releaseInvocation(Inv);
    }
  } else if (Req >= 1 && !Draining) {
    Draining = true;
    size_t Live = Invocations.size();
    say("draining: refusing new requests, waiting for " + std::to_string(Live) +
        " in-flight invocation(s); queued events stay "
        "in the state directory");
    // Events not yet handed to an instance go back to the queue.
    for (auto &[N, F] : Functions) {
      std::vector<Invocation *> Undispatched;
      for (Invocation *Inv : F->Pending)
        if (!Inv->Sync)
          Undispatched.push_back(Inv);
      for (Invocation *Inv : Undispatched) {
        F->Pending.erase(std::find(F->Pending.begin(), F->Pending.end(), Inv));
        releaseEvent(Inv);
        releaseInvocation(Inv);
      }
    }
  }
  checkDrained();
}

void Platform::Impl::checkDrained() {
  if (!Draining)
    return;
  if (!ShuttingDown) {
    if (!Invocations.empty())
      return;
    ShuttingDown = true;
    for (auto &[N, F] : Functions) {
      if (F->EventTimer)
        event_del(F->EventTimer);
      std::vector<Instance *> All;
      for (auto &I : F->Instances)
        All.push_back(I.get());
      for (Instance *I : All)
        stopInstance(*I, Forced ? SIGKILL : SIGTERM, "shutdown");
    }
  }
  if (instanceCount() == 0)
    finishStop();
}

void Platform::Impl::finishStop() {
  if (!Base || Finished)
    return;
  LogsDirty = true;
  flushLogs();
  closeTelemetry();
  if (SampleTimer)
    event_del(SampleTimer);
  event_base_loopexit(Base, nullptr);
}

//===-- Invoke API
//---------------------------------------------------------===//

void Platform::Impl::onApiRequest(HttpConnection &C) {
  const HttpRequest &R = C.request();
  std::string_view Path = R.Path;
  static constexpr std::string_view Prefix = "/2015-03-31/functions/";
  static constexpr std::string_view Suffix = "/invocations";
  if (Path.size() > Prefix.size() + Suffix.size() &&
      Path.substr(0, Prefix.size()) == Prefix &&
      Path.substr(Path.size() - Suffix.size()) == Suffix) {
    if (R.Method != HttpMethod::Post)
      return sendAwsError(C, 405, "MethodNotAllowedException",
                          "Invoke takes POST");
    return onInvoke(C, Path.substr(Prefix.size(), Path.size() - Prefix.size() -
                                                      Suffix.size()));
  }
  if (Path == "/v1/traces" && R.Method == HttpMethod::Post)
    return onOtlp(C);
  if (Path == "/fusionize/v1/status" && R.Method == HttpMethod::Get)
    return onStatus(C);
  if (Path == "/fusionize/v1/summary" && R.Method == HttpMethod::Get) {
    RunSummary S;
    {
      std::lock_guard<std::mutex> G(StatsLock);
      S = Stats.build(Opts.Emulation.Name, (monoNs() - StartMono) / 1e9);
    }
    if (Queue)
      S.Events.Queued = Queue->countQueued();
    return C.respond(200, S.toJson().dump());
  }
  sendAwsError(C, 404, "UnknownOperationException",
               "unknown operation " + std::string(Path));
}

/// "name", "name:qualifier", "123456789012:function:name", or a full ARN.
static std::string_view functionNameOf(std::string_view Id) {
  static constexpr std::string_view Marker = ":function:";
  if (auto P = Id.find(Marker); P != std::string_view::npos)
    Id = Id.substr(P + Marker.size());
  if (auto P = Id.find(':'); P != std::string_view::npos)
    Id = Id.substr(0, P);
  return Id;
}

void Platform::Impl::onInvoke(HttpConnection &C, std::string_view Id) {
  std::int64_t Mono = monoNs(), Wall = wallNs();
  HttpRequest &R = C.request();
  std::string_view Name = functionNameOf(Id);
  std::string_view Type = R.headerOr("X-Amz-Invocation-Type");
  if (Type.empty())
    Type = "RequestResponse";

  std::optional<TraceContext> Parent;
  if (std::string_view H = R.headerOr("traceparent"); !H.empty())
    Parent = parseTraceparent(H);
  if (!Parent)
    if (std::string_view H = R.headerOr("X-Amzn-Trace-Id"); !H.empty())
      Parent = parseXRay(H);
  bool Root = !Parent || !ActiveTraces.count(Parent->TraceId);

  if (Draining && (Root || ShuttingDown || Forced))
    return sendAwsError(C, 503, "ServiceException",
                        "the platform is shutting down");
  auto FIt = Functions.find(Name);
  if (FIt == Functions.end())
    return sendAwsError(C, 404, "ResourceNotFoundException",
                        "Function not found: arn:aws:lambda:" + Region +
                            ":000000000000:function:" + std::string(Name));
  FunctionState &F = *FIt->second;
  bool Sync = Type != "Event";
  if (Type != "RequestResponse" && Sync && Type != "DryRun")
    return sendAwsError(
        C, 400, "InvalidParameterValueException",
        "1 validation error detected: Value '" + std::string(Type) +
            "' at 'invocationType' failed to satisfy constraint: Member must "
            "satisfy enum value set: [Event, RequestResponse, DryRun]");
  size_t Size = R.Body.size();
  size_t Limit = Sync ? SyncPayloadLimit : AsyncPayloadLimit;
  if (Size > Limit)
    return sendAwsError(C, 413, "RequestEntityTooLargeException",
                        "Request must be smaller than " +
                            std::to_string(Limit) + " bytes for the " +
                            (Sync ? "InvokeFunction" : "InvokeAsync") +
                            " operation");
  if (!R.Body.empty() && !isPlainJson(R.Body) && !Json::accept(R.Body)) {
    std::string Why = "not a JSON document";
    try {
      (void)Json::parse(R.Body);
    } catch (const Json::parse_error &E) {
      Why = E.what();
    }
    return sendAwsError(C, 400, "InvalidRequestContentException",
                        "Could not parse request body into json: " + Why);
  }
  if (Type == "DryRun")
    return C.respond(204, "", {}, nullptr);

  std::string RequestId = newRequestId();
  if (!Sync)
    return acceptEvent(C, F, std::move(R.Body), Parent ? &*Parent : nullptr,
                       Root, RequestId);

  if (F.InUse >= F.Limit) {
    {
      std::lock_guard<std::mutex> G(StatsLock);
      Stats.throttled(F.Name);
    }
    return sendAwsError(C, 429, "TooManyRequestsException", "Rate Exceeded.",
                        {},
                        "ReservedFunctionConcurrentInvocationLimitExceeded");
  }

  auto Owned = std::make_unique<Invocation>();
  Invocation *Inv = Owned.get();
  Inv->Seq = NextSeq++;
  Inv->Fn = &F;
  Inv->RequestId = std::move(RequestId);
  Inv->PayloadBytes = R.Body.size();
  Inv->Payload = std::move(R.Body);
  Inv->Sync = true;
  Inv->Caller = &C;
  Inv->TailLog = R.headerOr("X-Amz-Log-Type") == "Tail";
  Inv->Root = Root;
  if (Parent) {
    Inv->TraceId = std::move(Parent->TraceId);
    Inv->ParentSpanId = std::move(Parent->SpanId);
    Inv->Sampled = Parent->Sampled;
  } else {
    Inv->TraceId = newTraceId();
  }
  Inv->SpanId = newSpanId();
  Inv->ReceivedWallNs = Wall;
  Inv->ReceivedMono = Mono;
  Invocations[Inv->Seq] = std::move(Owned);
  // A caller that leaves is not answered; the invocation runs on.
  C.setCloseHandler(
      [](void *Arg) { static_cast<Invocation *>(Arg)->Caller = nullptr; },
      Inv);
  admit(Inv);
}

void Platform::Impl::admit(Invocation *Inv) {
  FunctionState &F = *Inv->Fn;
  ++F.InUse;
  ++ActiveTraces[Inv->TraceId];
  double OverheadMs = !Opts.Emulation.Enabled ? 0
                      : Inv->Sync             ? Opts.Emulation.SyncOverheadMs
                                              : 0; // events: at enqueue
  if (OverheadMs <= 0)
    return makeReady(Inv);
  // The delay is real and at least OverheadMs: libevent's clock may be
  // coarser than ours, so an early timer is re-armed for the rest.
  Inv->ReadyAtMono =
      Inv->ReceivedMono + static_cast<std::int64_t>(OverheadMs * 1e6);
  Inv->Timer = evtimer_new(
      Base,
      [](evutil_socket_t, short, void *Arg) {
        auto *Inv = static_cast<Invocation *>(Arg);
        std::int64_t Left = Inv->ReadyAtMono - monoNs();
        if (Left > 0) {
          timeval Tv = timevalOf(Left);
          evtimer_add(Inv->Timer, &Tv);
          return;
        }
        Inv->Fn->P->makeReady(Inv);
      },
      Inv);
  timeval Tv = timevalOf(Inv->ReadyAtMono - monoNs());
  evtimer_add(Inv->Timer, &Tv);
}

void Platform::Impl::makeReady(Invocation *Inv) {
  Inv->ReadyMono = monoNs();
  Inv->Fn->Pending.push_back(Inv);
  schedule(*Inv->Fn);
}

void Platform::Impl::schedule(FunctionState &F) {
  if (ShuttingDown)
    return;
  while (!F.Pending.empty()) {
    Instance *Best = nullptr;
    for (auto &I : F.Instances)
      if (I->State == InstanceState::Idle && I->Next &&
          (!Best || I->LastUsedMono > Best->LastUsedMono))
        Best = I.get();
    if (!Best)
      break;
    Invocation *Inv = F.Pending.front();
    F.Pending.pop_front();
    dispatch(Inv, *Best);
  }
  // Instances about to take work: starting ones, and those that answered
  // and will ask for the next invocation right away.
  size_t Coming = 0, Live = 0;
  for (auto &I : F.Instances) {
    if (I->State == InstanceState::Provisioning ||
        I->State == InstanceState::Starting ||
        I->State == InstanceState::Finishing)
      ++Coming;
    if (I->State != InstanceState::Stopping)
      ++Live;
  }
  size_t Need = F.Pending.size() > Coming ? F.Pending.size() - Coming : 0;
  for (; Need > 0 && Live < F.Limit; --Need, ++Live)
    startInstance(F);
}

void Platform::Impl::dispatch(Invocation *Inv, Instance &I) {
  FunctionState &F = *Inv->Fn;
  std::int64_t Now = monoNs();
  Inv->DispatchMono = Now;
  Inv->Inst = &I;
  Inv->ColdStart = I.Served == 0;
  Inv->InitMs = Inv->ColdStart ? I.InitMs : 0;
  Inv->RuntimeInitMs = Inv->ColdStart ? I.RuntimeInitMs : 0;
  Inv->InitMemoryMB = Inv->ColdStart ? I.InitMemoryMB : 0;
  ++I.Served;
  I.Current = Inv;
  I.State = InstanceState::Busy;
  I.LastUsedMono = Now;

  HttpConnection *Next = I.Next;
  I.Next = nullptr;
  double TimeoutS = F.Spec->TimeoutS;
  std::int64_t Deadline = wallMs() + static_cast<std::int64_t>(TimeoutS * 1000);
  std::string &H = Scratch;
  H.clear();
  char DeadlineText[24];
  char *DeadlineEnd =
      std::to_chars(DeadlineText, DeadlineText + sizeof DeadlineText, Deadline)
          .ptr;
  std::string_view DeadlineMs(DeadlineText,
                              static_cast<size_t>(DeadlineEnd - DeadlineText));
  appendAll(H, {"Lambda-Runtime-Aws-Request-Id: ", Inv->RequestId,
                "\r\nLambda-Runtime-Deadline-Ms: ", DeadlineMs,
                "\r\nLambda-Runtime-Invoked-Function-Arn: ", F.Arn,
                "\r\nLambda-Runtime-Trace-Id: "});
  appendXRay(H, Inv->TraceId, Inv->SpanId, Inv->Sampled);
  // Not in AWS's API; tells the Fusionize runtime that its SERVER span is
  // for an Event (fusion.sync = false).
  H.append(Inv->Sync ? "\r\nFusionize-Invocation-Type: RequestResponse\r\n"
                     : "\r\nFusionize-Invocation-Type: Event\r\n");
  Next->respondRaw(200, Inv->Payload, H);
  Inv->Payload.clear();
  Inv->Payload.shrink_to_fit();
  logLine(F, {"START RequestId: ", Inv->RequestId, " Version: $LATEST"});
  if (Inv->TailLog)
    Inv->LogTail +=
        "START RequestId: " + Inv->RequestId + " Version: $LATEST\n";
  // The instance's timer is the invocation's timeout while it is busy.
  I.DeadlineMono = Now + static_cast<std::int64_t>(TimeoutS * 1e9);
  armDeadline(I);
}

void Platform::Impl::onTimeout(Invocation *Inv) {
  char Secs[32];
  std::snprintf(Secs, sizeof Secs, "%.2f", 1.0 * Inv->Fn->Spec->TimeoutS);
  // Stop first, so that scheduling after finish() does not count on this
  // instance.
  if (Instance *I = Inv->Inst)
    stopInstance(*I, SIGKILL, "timeout");
  finish(Inv, Outcome::failure("Sandbox.Timedout",
                               "RequestId: " + Inv->RequestId +
                                   " Error: Task timed out after " + Secs +
                                   " seconds"));
}

void Platform::Impl::finish(Invocation *Inv, Outcome O, HttpConnection *Ack) {
  FunctionState &F = *Inv->Fn;
  double DurationMs =
      Inv->DispatchMono ? (monoNs() - Inv->DispatchMono) / 1e6 : 0;
  // A timeout lasted (and is billed) exactly the timeout; the timer itself
  // may fire a fraction of a millisecond early.
  if (Inv->DispatchMono && O.ErrorType == "Sandbox.Timedout")
    DurationMs = std::max(DurationMs, F.Spec->TimeoutS * 1000.0);
  double PeakMB = 0;
  if (Instance *I = Inv->Inst) {
    // What the instance printed belongs to a Tail log; otherwise it is
    // logged when the pipe becomes readable.
    if (Inv->TailLog)
      onOutput(*I, /*Drain=*/true);
    PeakMB = instancePeak(*I, /*Fresh=*/false);
    if (I->Current == Inv) {
      I->Current = nullptr;
      // The timeout's timer stays armed (see armDeadline).
      if (I->State == InstanceState::Busy)
        I->State = InstanceState::Finishing;
    }
  }
  bool Final = true;
  if (!Inv->Sync) {
    Final = !O.Error || Inv->Attempt > Opts.MaxRetries ||
            (Opts.MaxEventAgeS >= 0 &&
             wallMs() - Inv->EnqueuedMs > Opts.MaxEventAgeS * 1000);
  }
  // The caller first: it is the one waiting; then the runtime, whose next
  // GET /next waits for its 202; then the books. A Tail log has the END and
  // REPORT lines, so it waits for the books.
  auto Answer = [&] {
    if (Inv->Sync && Inv->Caller) {
      std::string &H = Scratch;
      H.clear();
      appendAll(H, {"X-Amz-Executed-Version: $LATEST\r\nX-Amzn-RequestId: ",
                    Inv->RequestId, "\r\nX-Amzn-Trace-Id: "});
      appendXRay(H, Inv->TraceId, Inv->SpanId, Inv->Sampled);
      H.append("\r\n");
      if (O.Error)
        H.append("X-Amz-Function-Error: Unhandled\r\n");
      if (Inv->TailLog) {
        std::string_view Tail = Inv->LogTail;
        if (Tail.size() > 4096)
          Tail = Tail.substr(Tail.size() - 4096);
        H.append("X-Amz-Log-Result: ").append(base64Encode(Tail));
        H.append("\r\n");
      }
      Inv->Caller->respondRaw(200, O.Body, H);
      Inv->Caller = nullptr;
    }
    if (Ack)
      Ack->respondRaw(202, R"({"status":"OK"})", "");
  };
  if (!Inv->TailLog)
    Answer();
  record(Inv, O, DurationMs, PeakMB, Final);
  if (Inv->TailLog)
    Answer();
  if (!Inv->Sync)
    eventFinished(Inv, O, Final);
  releaseInvocation(Inv);
  pumpEvents(F);
  schedule(F);
  checkDrained();
}

void Platform::Impl::releaseInvocation(Invocation *Inv) {
  FunctionState &F = *Inv->Fn;
  if (Inv->Timer)
    event_free(Inv->Timer);
  Inv->Timer = nullptr;
  if (Inv->Caller)
    Inv->Caller->setCloseHandler(nullptr, nullptr);
  if (F.InUse)
    --F.InUse;
  auto T = ActiveTraces.find(Inv->TraceId);
  if (T != ActiveTraces.end() && --T->second <= 0)
    ActiveTraces.erase(T);
  Invocations.erase(Inv->Seq);
}

void Platform::Impl::onStatus(HttpConnection &C) {
  Json Fs = Json::array();
  for (auto &[Name, F] : Functions) {
    Json Is = Json::array();
    for (auto &I : F->Instances)
      Is.push_back(Json{{"id", I->Name},
                        {"pid", I->Pid},
                        {"state", stateName(I->State)},
                        {"served", I->Served},
                        {"runtime_api_port", I->Port},
                        {"cgroup", I->Cgroup}});
    Fs.push_back(Json{{"name", Name},
                      {"group", F->Group},
                      {"limit", F->Limit},
                      {"in_use", F->InUse},
                      {"pending", F->Pending.size()},
                      {"queued_events", F->QueuedEvents},
                      {"instances", Is}});
  }
  Json Doc{{"format", "fusionize-run-status/1"},
           {"endpoint", "http://" + Opts.Host + ":" + std::to_string(Port)},
           {"draining", Draining},
           {"emulation", Opts.Emulation.Name},
           {"cpu_limit", Cpu ? Cpu->modeName() : "off"},
           {"invocations_in_flight", Invocations.size()},
           {"functions", Fs}};
  C.respond(200, Doc.dump());
}

} // namespace fusionize::platform
