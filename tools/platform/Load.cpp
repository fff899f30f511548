//===- platform/Load.cpp - The workload driver (`fusionize load`) ---------===//
#include "platform/Load.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <memory>

namespace fusionize::platform {

namespace {

double nowS() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Target {
  std::string Host;
  unsigned Port = 80;
  std::string Path;
};

Target parseEndpoint(const std::string &Url, const std::string &Function) {
  std::string S = Url;
  if (S.rfind("http://", 0) != 0)
    throw LoadError("endpoint " + Url +
                    ": expected http://HOST:PORT (https is not supported)");
  S = S.substr(7);
  std::string Prefix;
  if (auto Slash = S.find('/'); Slash != std::string::npos) {
    Prefix = S.substr(Slash);
    S = S.substr(0, Slash);
  }
  while (!Prefix.empty() && Prefix.back() == '/')
    Prefix.pop_back();
  Target T;
  auto Colon = S.rfind(':');
  if (Colon == std::string::npos || S.empty()) {
    T.Host = S;
  } else {
    T.Host = S.substr(0, Colon);
    char *End = nullptr;
    unsigned long P = std::strtoul(S.c_str() + Colon + 1, &End, 10);
    if (*End || P == 0 || P > 65535)
      throw LoadError("endpoint " + Url + ": bad port");
    T.Port = static_cast<unsigned>(P);
  }
  if (T.Host.empty())
    throw LoadError("endpoint " + Url + ": no host");
  T.Path = Prefix + "/2015-03-31/functions/" + Function + "/invocations";
  return T;
}

struct Driver;

struct InFlight {
  Driver *D = nullptr;
  evhttp_connection *Conn = nullptr;
  RequestOutcome Out;
  double SentAt = 0;
};

struct Driver {
  const Workload &W;
  const LoadOptions &O;
  Target T;
  event_base *Base = nullptr;
  event *SendTimer = nullptr, *ProgressTimer = nullptr;
  std::vector<double> Schedule;
  PayloadSource Payloads;
  size_t NextSeq = 0;
  size_t InFlightCount = 0;
  std::vector<evhttp_connection *> Idle, All;
  double Start = 0, FirstSend = -1, LastSend = 0, LastAnswer = 0;
  bool Stopping = false;
  LoadResult R;

  Driver(const Workload &W, const LoadOptions &O)
      : W(W), O(O), Payloads(PayloadSource::fromWorkload(W)) {}

  ~Driver() {
    for (evhttp_connection *C : All)
      evhttp_connection_free(C);
    if (SendTimer)
      event_free(SendTimer);
    if (ProgressTimer)
      event_free(ProgressTimer);
    if (Base)
      event_base_free(Base);
  }

  evhttp_connection *connection() {
    if (!Idle.empty()) {
      evhttp_connection *C = Idle.back();
      Idle.pop_back();
      return C;
    }
    evhttp_connection *C = evhttp_connection_base_new(
        Base, nullptr, T.Host.c_str(), static_cast<unsigned short>(T.Port));
    if (!C)
      return nullptr;
    evhttp_connection_set_retries(C, 0);
    timeval Tv{
        static_cast<time_t>(W.TimeoutS),
        static_cast<suseconds_t>((W.TimeoutS - std::floor(W.TimeoutS)) * 1e6)};
    evhttp_connection_set_timeout_tv(C, &Tv);
    All.push_back(C);
    return C;
  }

  void retire(evhttp_connection *C) {
    // A failed connection is not reused; it is freed with the driver.
    (void)C;
  }

  void send(size_t Seq) {
    double Now = nowS() - Start;
    if (InFlightCount >= W.MaxInflight) {
      ++R.Dropped;
      ++R.Errors;
      ++R.ErrorsByType["ClientOverload"];
      return;
    }
    evhttp_connection *C = connection();
    auto *F = new InFlight;
    F->D = this;
    F->Conn = C;
    F->Out.Seq = Seq;
    F->Out.ScheduledS = Schedule[Seq];
    F->Out.SentS = Now;
    evhttp_request *Req = C ? evhttp_request_new(
                                  [](evhttp_request *Req, void *Arg) {
                                    auto *F = static_cast<InFlight *>(Arg);
                                    F->D->done(F, Req);
                                  },
                                  F)
                            : nullptr;
    if (!Req) {
      delete F;
      ++R.Errors;
      ++R.ErrorsByType["ConnectionError"];
      return;
    }
    std::string Body = Payloads.next(Seq);
    evkeyvalq *H = evhttp_request_get_output_headers(Req);
    evhttp_add_header(H, "Host", T.Host.c_str());
    evhttp_add_header(H, "Content-Type", "application/json");
    evhttp_add_header(H, "X-Amz-Invocation-Type", W.InvocationType.c_str());
    evbuffer_add(evhttp_request_get_output_buffer(Req), Body.data(),
                 Body.size());
    F->SentAt = nowS();
    if (evhttp_make_request(C, Req, EVHTTP_REQ_POST, T.Path.c_str()) != 0) {
      delete F;
      ++R.Errors;
      ++R.ErrorsByType["ConnectionError"];
      return;
    }
    ++InFlightCount;
    ++R.Sent;
    if (FirstSend < 0)
      FirstSend = Now;
    LastSend = Now;
    R.MaxLagMs = std::max(R.MaxLagMs, (Now - Schedule[Seq]) * 1000);
  }

  void done(InFlight *F, evhttp_request *Req) {
    std::unique_ptr<InFlight> Owned(F);
    --InFlightCount;
    double End = nowS();
    LastAnswer = End - Start;
    RequestOutcome &Out = F->Out;
    Out.LatencyMs = (End - F->SentAt) * 1000;
    int Code = Req ? evhttp_request_get_response_code(Req) : 0;
    Out.Status = Code;
    if (Code == 0) {
      Out.ErrorType = "ConnectionError";
    } else {
      ++R.Statuses[Code];
      evkeyvalq *H = evhttp_request_get_input_headers(Req);
      const char *FnErr = evhttp_find_header(H, "X-Amz-Function-Error");
      const char *AwsErr = evhttp_find_header(H, "x-amzn-ErrorType");
      if (FnErr) {
        evbuffer *In = evhttp_request_get_input_buffer(Req);
        std::string Body(evbuffer_get_length(In), '\0');
        evbuffer_copyout(In, Body.data(), Body.size());
        Json Doc = Json::parse(Body, nullptr, false);
        Out.ErrorType = Doc.is_object() && Doc.contains("errorType") &&
                                Doc["errorType"].is_string()
                            ? Doc["errorType"].get<std::string>()
                            : std::string(FnErr);
      } else if (Code >= 300) {
        std::string T = AwsErr ? AwsErr : "HTTP " + std::to_string(Code);
        Out.ErrorType = T.substr(0, T.find(':'));
      }
    }
    ++R.Completed;
    if (Code != 0)
      R.LatenciesMs.push_back(Out.LatencyMs);
    if (Out.ErrorType.empty()) {
      ++R.Ok;
    } else {
      ++R.Errors;
      ++R.ErrorsByType[Out.ErrorType];
    }
    if (O.KeepRequests)
      R.Requests.push_back(Out);
    if (Code != 0)
      Idle.push_back(F->Conn);
    else
      retire(F->Conn);
    maybeFinish();
  }

  void tick() {
    double Now = nowS() - Start;
    if (O.Cancel && O.Cancel->load())
      Stopping = true;
    while (!Stopping && NextSeq < Schedule.size() &&
           Schedule[NextSeq] <= Now + 0.0002)
      send(NextSeq++);
    if (Stopping || NextSeq >= Schedule.size())
      return maybeFinish();
    double Wait = Schedule[NextSeq] - (nowS() - Start);
    if (Wait < 0)
      Wait = 0;
    // Wake at most every 100 ms to notice a cancel.
    Wait = std::min(Wait, 0.1);
    timeval Tv{static_cast<time_t>(Wait),
               static_cast<suseconds_t>((Wait - std::floor(Wait)) * 1e6)};
    evtimer_add(SendTimer, &Tv);
  }

  void maybeFinish() {
    if ((Stopping || NextSeq >= Schedule.size()) && InFlightCount == 0)
      event_base_loopexit(Base, nullptr);
  }

  void progress(bool Final) {
    if (!O.Progress)
      return;
    double Now = nowS() - Start;
    std::vector<double> L = R.LatenciesMs;
    std::sort(L.begin(), L.end());
    char Line[256];
    std::snprintf(Line, sizeof Line,
                  "[%6.1fs] sent %zu/%zu  ok %zu  errors %zu  in flight %zu  "
                  "rate %.1f/s  p50 %.1f ms  p99 %.1f ms",
                  Now, R.Sent, Schedule.size(), R.Ok, R.Errors, InFlightCount,
                  Now > 0 ? R.Sent / Now : 0.0, percentileSorted(L, 50),
                  percentileSorted(L, 99));
    if (O.ProgressTty)
      *O.Progress << "\r" << Line << "\033[K" << (Final ? "\n" : "")
                  << std::flush;
    else
      *O.Progress << Line << "\n" << std::flush;
  }
};

} // namespace

LoadResult runLoad(const Workload &W, const LoadOptions &O) {
  std::string Endpoint = O.Endpoint.empty() ? W.Endpoint : O.Endpoint;
  if (Endpoint.empty())
    throw LoadError("no endpoint: give --endpoint or \"endpoint\" in the "
                    "workload");
  if (W.Function.empty())
    throw LoadError("no function: give --function or \"function\" in the "
                    "workload");
  W.validate("workload");
  std::unique_ptr<Driver> D;
  try {
    D = std::make_unique<Driver>(W, O);
  } catch (const FormatError &E) {
    throw LoadError(E.what());
  }
  D->T = parseEndpoint(Endpoint, W.Function);
  D->Schedule = arrivalSchedule(W);
  D->R.Function = W.Function;
  D->R.InvocationType = W.InvocationType;
  D->R.Endpoint = Endpoint;
  D->R.Planned = D->Schedule.size();
  double Planned = 0;
  for (const Phase &P : W.Phases)
    Planned += P.length();
  D->R.OfferedRate = Planned > 0 ? D->Schedule.size() / Planned : 0;
  // A peer that closes its socket must not kill the process.
  struct sigaction Old {};
  sigaction(SIGPIPE, nullptr, &Old);
  if (Old.sa_handler == SIG_DFL)
    std::signal(SIGPIPE, SIG_IGN);

  event_config *Cfg = event_config_new();
  event_config_set_flag(Cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
  D->Base = event_base_new_with_config(Cfg);
  event_config_free(Cfg);
  if (!D->Base)
    throw LoadError("cannot create an event loop");
  D->SendTimer = evtimer_new(
      D->Base,
      [](evutil_socket_t, short, void *Arg) {
        static_cast<Driver *>(Arg)->tick();
      },
      D.get());
  if (O.Progress) {
    double Every = O.ProgressEveryS > 0 ? O.ProgressEveryS
                   : O.ProgressTty      ? 0.5
                                        : 10;
    D->ProgressTimer = event_new(
        D->Base, -1, EV_PERSIST,
        [](evutil_socket_t, short, void *Arg) {
          static_cast<Driver *>(Arg)->progress(false);
        },
        D.get());
    timeval Tv{static_cast<time_t>(Every),
               static_cast<suseconds_t>((Every - std::floor(Every)) * 1e6)};
    event_add(D->ProgressTimer, &Tv);
  }
  D->Start = nowS();
  if (D->Schedule.empty())
    return D->R;
  D->tick();
  event_base_dispatch(D->Base);
  if (O.Progress && O.ProgressTty)
    D->progress(true);

  LoadResult &R = D->R;
  R.ElapsedS = std::max(0.0, D->LastAnswer - std::max(0.0, D->FirstSend));
  double Window = D->LastSend - D->FirstSend;
  R.AchievedRate = R.Sent > 1 && Window > 0 ? (R.Sent - 1) / Window : 0;
  R.Throughput = R.ElapsedS > 0 ? R.Completed / R.ElapsedS : 0;
  R.Latency = Distribution::of(R.LatenciesMs);
  std::sort(R.Requests.begin(), R.Requests.end(),
            [](const RequestOutcome &A, const RequestOutcome &B) {
              return A.Seq < B.Seq;
            });
  return std::move(D->R);
}

Histogram Histogram::of(const std::vector<double> &LatenciesMs) {
  Histogram H;
  // 1-2-5 steps from 0.1 ms to 100 s, then everything above.
  for (double Decade = 0.1; Decade < 1e5; Decade *= 10)
    for (double Step : {1.0, 2.0, 5.0})
      H.UpperMs.push_back(Decade * Step);
  H.UpperMs.push_back(INFINITY);
  H.Counts.assign(H.UpperMs.size(), 0);
  for (double L : LatenciesMs) {
    size_t I = std::upper_bound(H.UpperMs.begin(), H.UpperMs.end(), L) -
               H.UpperMs.begin();
    ++H.Counts[std::min(I, H.Counts.size() - 1)];
  }
  return H;
}

Json LoadResult::toJson() const {
  Json Errs = Json::object();
  for (const auto &[T, N] : ErrorsByType)
    Errs[T] = N;
  Json Sts = Json::object();
  for (const auto &[C, N] : Statuses)
    Sts[std::to_string(C)] = N;
  Histogram H = Histogram::of(LatenciesMs);
  Json Buckets = Json::array();
  double Lower = 0;
  for (size_t I = 0; I < H.Counts.size(); ++I) {
    if (H.Counts[I])
      Buckets.push_back(
          Json{{"ge_ms", Lower},
               {"lt_ms",
                std::isinf(H.UpperMs[I]) ? Json(nullptr) : Json(H.UpperMs[I])},
               {"count", H.Counts[I]}});
    Lower = H.UpperMs[I];
  }
  Json Doc{{"format", "fusionize-load-result/1"},
           {"endpoint", Endpoint},
           {"function", Function},
           {"invocation_type", InvocationType},
           {"planned", Planned},
           {"sent", Sent},
           {"completed", Completed},
           {"ok", Ok},
           {"errors", Errors},
           {"dropped", Dropped},
           {"elapsed_s", ElapsedS},
           {"offered_rate", OfferedRate},
           {"achieved_rate", AchievedRate},
           {"throughput", Throughput},
           {"max_lag_ms", MaxLagMs},
           {"latency_ms", Latency.toJson()},
           {"errors_by_type", Errs},
           {"statuses", Sts},
           {"histogram", Buckets}};
  if (!Requests.empty()) {
    Json Rs = Json::array();
    for (const RequestOutcome &Q : Requests)
      Rs.push_back(Json{{"seq", Q.Seq},
                        {"scheduled_s", Q.ScheduledS},
                        {"sent_s", Q.SentS},
                        {"latency_ms", Q.LatencyMs},
                        {"status", Q.Status},
                        {"error", Q.ErrorType}});
    Doc["requests"] = Rs;
  }
  return Doc;
}

static std::string fmtMs(double V) {
  char Buf[32];
  std::snprintf(Buf, sizeof Buf,
                V < 10     ? "%.2f"
                : V < 1000 ? "%.1f"
                           : "%.0f",
                V);
  return Buf;
}

void LoadResult::print(std::ostream &OS) const {
  char Line[256];
  OS << "fusionize load: " << Function << " (" << InvocationType << ") at "
     << Endpoint << "\n";
  std::snprintf(Line, sizeof Line,
                "  requests: %zu planned, %zu sent, %zu answered, %zu ok, "
                "%zu errors, %zu dropped\n",
                Planned, Sent, Completed, Ok, Errors, Dropped);
  OS << Line;
  std::snprintf(Line, sizeof Line,
                "  rate: offered %.2f/s, achieved %.2f/s, throughput %.2f/s "
                "over %.1f s (max send lag %.1f ms)\n",
                OfferedRate, AchievedRate, Throughput, ElapsedS, MaxLagMs);
  OS << Line;
  OS << "  latency ms: p50 " << fmtMs(Latency.P50) << "  p90 "
     << fmtMs(Latency.P90) << "  p99 " << fmtMs(Latency.P99) << "  mean "
     << fmtMs(Latency.Mean) << "  min " << fmtMs(Latency.Min) << "  max "
     << fmtMs(Latency.Max) << "\n";
  Histogram H = Histogram::of(LatenciesMs);
  size_t First = H.Counts.size(), Last = 0, Peak = 0;
  for (size_t I = 0; I < H.Counts.size(); ++I)
    if (H.Counts[I]) {
      First = std::min(First, I);
      Last = I;
      Peak = std::max(Peak, H.Counts[I]);
    }
  if (Peak) {
    OS << "  latency histogram:\n";
    for (size_t I = First; I <= Last; ++I) {
      double Lo = I ? H.UpperMs[I - 1] : 0;
      std::string Range =
          std::isinf(H.UpperMs[I])
              ? ">= " + fmtMs(Lo) + " ms"
              : fmtMs(Lo) + " .. " + fmtMs(H.UpperMs[I]) + " ms";
      size_t Bar = (H.Counts[I] * 50 + Peak - 1) / Peak;
      std::snprintf(Line, sizeof Line, "    %20s %8zu ", Range.c_str(),
                    H.Counts[I]);
      OS << Line << std::string(Bar, '#') << "\n";
    }
  }
  if (!ErrorsByType.empty()) {
    OS << "  errors by type:\n";
    for (const auto &[T, N] : ErrorsByType)
      OS << "    " << T << ": " << N << "\n";
  }
}

} // namespace fusionize::platform
