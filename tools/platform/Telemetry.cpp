//===- platform/Telemetry.cpp - Billing records, traces and logs ----------===//
//
// Each finished invocation is billed (PriceModel, duration from dispatch to
// response), added to the summary, logged like CloudWatch (START, END,
// REPORT lines in logs/<function>.log) and, with --trace, written as the
// platform's SERVER span (docs/formats.md). Spans the instances export to
// POST /v1/traces go to the same file, one OTLP/JSON document per line.
//
//===----------------------------------------------------------------------===//
#include "platform/PlatformImpl.h"

#include "platform/Http.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <unistd.h>

namespace fusionize::platform {

void Platform::Impl::openTelemetry() {
  if (Opts.TraceFile.empty())
    return;
  Trace = std::fopen(Opts.TraceFile.c_str(), "we");
  if (!Trace)
    throw PlatformError("cannot write " + Opts.TraceFile + ": " +
                        std::strerror(errno));
}

void Platform::Impl::closeTelemetry() {
  if (Trace)
    std::fflush(Trace);
}

void Platform::Impl::writeTraceLine(const std::string &Line) {
  if (!Trace)
    return;
  std::fwrite(Line.data(), 1, Line.size(), Trace);
  std::fputc('\n', Trace);
  LogsDirty = true;
}

void Platform::Impl::flushLog(FunctionState &F) {
  std::string_view Left = F.LogBuf;
  while (!Left.empty() && F.LogFd >= 0) {
    ssize_t N = ::write(F.LogFd, Left.data(), Left.size());
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      break; // a full disk loses log lines, not invocations
    Left.remove_prefix(static_cast<size_t>(N));
  }
  F.LogBuf.clear();
}

void Platform::Impl::flushLogs() {
  if (!LogsDirty)
    return;
  LogsDirty = false;
  for (auto &[Name, F] : Functions)
    if (!F->LogBuf.empty())
      flushLog(*F);
  if (Trace)
    std::fflush(Trace);
}

static void appendUnsigned(std::string &Out, unsigned V) {
  char Buf[16];
  auto [End, Ec] = std::to_chars(Buf, Buf + sizeof Buf, V);
  Out.append(Buf, static_cast<size_t>(End - Buf));
}

/// "2026-11-28T05:05:01.299Z" into `Out` (24 characters); the seconds are
/// formatted once per second.
static void timestamp(char *Out) {
  thread_local std::time_t CachedSecond = -1;
  thread_local char Prefix[24];
  std::int64_t Ns = wallNs();
  std::time_t S = static_cast<std::time_t>(Ns / 1000000000);
  if (S != CachedSecond) {
    std::tm Tm{};
    gmtime_r(&S, &Tm);
    std::strftime(Prefix, sizeof Prefix, "%Y-%m-%dT%H:%M:%S.", &Tm);
    CachedSecond = S;
  }
  std::memcpy(Out, Prefix, 20);
  int Ms = static_cast<int>((Ns / 1000000) % 1000);
  Out[20] = static_cast<char>('0' + Ms / 100);
  Out[21] = static_cast<char>('0' + Ms / 10 % 10);
  Out[22] = static_cast<char>('0' + Ms % 10);
  Out[23] = 'Z';
}

void Platform::Impl::logLine(FunctionState &F,
                             std::initializer_list<std::string_view> Parts) {
  if (F.LogFd < 0)
    return;
  // Into the function's buffer (written every 50 ms).
  char Stamp[25];
  timestamp(Stamp);
  Stamp[24] = ' ';
  std::string &B = F.LogBuf;
  size_t Add = sizeof Stamp + 1;
  for (std::string_view P : Parts)
    Add += P.size();
  size_t Old = B.size();
  B.resize(Old + Add);
  char *D = B.data() + Old;
  std::memcpy(D, Stamp, sizeof Stamp);
  D += sizeof Stamp;
  for (std::string_view P : Parts) {
    std::memcpy(D, P.data(), P.size());
    D += P.size();
  }
  *D = '\n';
  if (B.size() >= LogBufferSize)
    flushLog(F);
  LogsDirty = true;
}

void Platform::Impl::logLine(FunctionState &F, const std::string &Line) {
  logLine(F, {std::string_view(Line)});
}

void Platform::Impl::logOutput(Instance &I, const std::string &Line) {
  FunctionState &F = *I.Fn;
  logLine(F, "[" + I.Name + "] " + Line);
  if (Opts.EchoLogs && Opts.Diagnostics)
    *Opts.Diagnostics << "[" << I.Name << "] " << Line << std::endl;
  if (I.Current && I.Current->TailLog && I.Current->LogTail.size() < 65536)
    I.Current->LogTail += Line + "\n";
}

namespace {
Json attr(const char *Key, const std::string &V) {
  return Json{{"key", Key}, {"value", Json{{"stringValue", V}}}};
}
Json attr(const char *Key, bool V) {
  return Json{{"key", Key}, {"value", Json{{"boolValue", V}}}};
}
Json attrInt(const char *Key, std::int64_t V) {
  // OTLP/JSON encodes 64-bit integers as decimal strings.
  return Json{{"key", Key}, {"value", Json{{"intValue", std::to_string(V)}}}};
}
Json attrDouble(const char *Key, double V) {
  return Json{{"key", Key}, {"value", Json{{"doubleValue", V}}}};
}
/// Milliseconds and megabytes to the microsecond (kilobyte).
Json attrMs(const char *Key, double V) {
  return attrDouble(Key, std::round(V * 1000) / 1000);
}
} // namespace

void Platform::Impl::record(Invocation *Inv, const Outcome &O,
                            double DurationMs, double PeakMB,
                            bool FinalAttempt) {
  FunctionState &F = *Inv->Fn;
  const ManifestFunction &MF = *F.Spec;
  std::int64_t Now = monoNs();
  std::int64_t EndWall = Inv->ReceivedWallNs + (Now - Inv->ReceivedMono);
  double BilledDuration = DurationMs;
  if (Opts.BillInit && Inv->ColdStart)
    BilledDuration += Inv->RuntimeInitMs;
  Bill B = billInvocation(Opts.Emulation.Price, BilledDuration, MF.MemoryMB);
  B.DurationMs = DurationMs;

  InvocationRecord R;
  R.Function = F.Name;
  R.Group = F.Group;
  R.RequestId = Inv->RequestId;
  R.TraceId = Inv->TraceId;
  R.Sync = Inv->Sync;
  R.Root = Inv->Root;
  R.ColdStart = Inv->ColdStart;
  R.Error = O.Error;
  R.ErrorType = O.ErrorType;
  R.Attempt = Inv->Attempt;
  R.FinalAttempt = FinalAttempt;
  R.MemoryMB = MF.MemoryMB;
  R.PeakMemoryMB = PeakMB;
  R.LatencyMs = (Now - Inv->ReceivedMono) / 1e6;
  R.InitMs = Inv->InitMs;
  std::int64_t Dispatch = Inv->DispatchMono ? Inv->DispatchMono : Now;
  R.QueueMs = Inv->ReadyMono ? (Dispatch - Inv->ReadyMono) / 1e6 : 0;
  R.Billing = B;
  R.ReceivedNs = Inv->Sync ? Inv->ReceivedWallNs : Inv->EnqueuedMs * 1000000;
  R.EndNs = EndWall;
  double QueueMs = R.QueueMs;
  {
    std::lock_guard<std::mutex> G(StatsLock);
    Stats.add(std::move(R));
  }

  // Lambda's REPORT line, numbers as printf's %.2f and %.0f would print
  // them (std::to_chars rounds the same way, without the locale machinery).
  std::string &ReportLine = ReportScratch;
  ReportLine.assign("REPORT RequestId: ").append(Inv->RequestId);
  ReportLine.append("\tDuration: ");
  appendFixed(ReportLine, B.DurationMs, 2);
  ReportLine.append(" ms\tBilled Duration: ");
  appendFixed(ReportLine, B.BilledMs, 0);
  ReportLine.append(" ms\tMemory Size: ");
  appendUnsigned(ReportLine, MF.MemoryMB);
  ReportLine.append(" MB\tMax Memory Used: ");
  appendFixed(ReportLine, std::ceil(PeakMB), 0);
  ReportLine.append(" MB");
  if (Inv->ColdStart) {
    ReportLine.append("\tInit Duration: ");
    appendFixed(ReportLine, Inv->InitMs, 2);
    ReportLine.append(" ms");
  }
  if (O.Error)
    ReportLine.append("\tStatus: error\tError Type: ").append(O.ErrorType);
  if (Inv->DispatchMono)
    logLine(F, {"END RequestId: ", Inv->RequestId});
  logLine(F, ReportLine);
  if (Inv->TailLog)
    Inv->LogTail +=
        "END RequestId: " + Inv->RequestId + "\n" + ReportLine + "\n";

  if (!Trace || !Inv->Sampled)
    return;
  Json Attrs = Json::array({
      attr("fusion.source", std::string("platform")),
      attr("faas.trigger", std::string("other")),
      attr("faas.coldstart", Inv->ColdStart),
      attr("faas.invocation_id", Inv->RequestId),
      attr("faas.name", F.Name),
      attr("fusion.task", MF.Handler),
      attr("fusion.group", F.Group),
      attr("fusion.sync", Inv->Sync),
      attr("fusion.root", Inv->Root),
      attrInt("fusion.billed_ms", static_cast<std::int64_t>(B.BilledMs)),
      attrMs("fusion.duration_ms", B.DurationMs),
      attrInt("fusion.memory_mb", MF.MemoryMB),
      attrMs("fusion.peak_memory_mb", PeakMB),
      attrMs("fusion.init_ms", Inv->InitMs),
      attrMs("fusion.queue_ms", QueueMs),
      attrDouble("fusion.cost_usd", B.CostUsd),
      attrInt("fusion.bytes_req", static_cast<std::int64_t>(Inv->PayloadBytes)),
      attrInt("fusion.bytes_resp",
              static_cast<std::int64_t>(O.Error ? 0 : O.Body.size())),
  });
  if (!Inv->Sync)
    Attrs.push_back(attrInt("fusion.attempt", Inv->Attempt));
  // The process's own memory before any task ran: what the tasks used
  // is the peak above it (the planner prices a quota stop by it).
  if (Inv->InitMemoryMB > 0)
    Attrs.push_back(attrMs("fusion.init_memory_mb", Inv->InitMemoryMB));
  if (Inv->Inst)
    Attrs.push_back(attr("faas.instance", Inv->Inst->Name));
  Json Status = Json{{"code", 1}};
  if (O.Error) {
    Attrs.push_back(attr("exception.type", O.ErrorType));
    Attrs.push_back(attr("exception.message", O.ErrorMessage));
    Status = Json{{"code", 2}, {"message", O.ErrorType}};
  }
  Json Span{{"traceId", Inv->TraceId}, {"spanId", Inv->SpanId}};
  if (!Inv->ParentSpanId.empty())
    Span["parentSpanId"] = Inv->ParentSpanId;
  Span["name"] = F.Name;
  Span["kind"] = 2;
  Span["startTimeUnixNano"] = std::to_string(Inv->ReceivedWallNs);
  Span["endTimeUnixNano"] = std::to_string(EndWall);
  Span["attributes"] = std::move(Attrs);
  Span["status"] = std::move(Status);
  Json Doc{
      {"resourceSpans",
       Json::array({Json{
           {"resource",
            Json{{"attributes",
                  Json::array(
                      {attr("service.name", std::string("fusionize-platform")),
                       attr("cloud.provider", std::string("fusionize")),
                       attr("fusion.emulation", Opts.Emulation.Name),
                       attrInt("fusion.host_cpus", HostCpus)})}}},
           {"scopeSpans",
            Json::array({Json{{"scope", Json{{"name", "fusionize-platform"},
                                             {"version", "0.1.0"}}},
                              {"spans", Json::array({Span})}}})}}})}};
  writeTraceLine(Doc.dump());
}

void Platform::Impl::onOtlp(HttpConnection &C) {
  const HttpRequest &R = C.request();
  if (R.headerOr("Content-Type").find("protobuf") != std::string_view::npos)
    return C.respond(415,
                     R"({"code":3,"message":"only OTLP/JSON is accepted; set )"
                     R"(OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json"})");
  Json Doc = Json::parse(R.Body, nullptr, false);
  if (!Doc.is_object() || !Doc.contains("resourceSpans") ||
      !Doc["resourceSpans"].is_array())
    return C.respond(
        400, R"({"code":3,"message":"expected an OTLP/JSON )"
             R"(ExportTraceServiceRequest {\"resourceSpans\": [...]}"})");
  if (!Doc["resourceSpans"].empty())
    writeTraceLine(Doc.dump());
  C.respond(200, "{}");
}

} // namespace fusionize::platform
