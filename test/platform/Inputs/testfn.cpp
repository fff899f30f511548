//===- test/platform/Inputs/testfn.cpp - A custom runtime for platform tests
//===//
//
// A small Lambda custom runtime (cpp-httplib, no Fusionize runtime) whose
// handler, chosen by _HANDLER, does one thing a test needs:
//
//   echo noop pid sleep{ms} block{until,max_ms} fail crash print{lines}
//   linger{ms} (answers at once, then waits before asking for the next)
//   memhog{mb} big{bytes}
//   call{function,payload,type,delay_ms,until} record{file,value}
//   flaky{file,fail_times}
//   hang_init init_error exit_init (these misbehave before the first /next)
//
// With OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set it exports one SERVER span per
// invocation, a child of the platform's span (Lambda-Runtime-Trace-Id), and
// a CLIENT span per `call`, the way the Fusionize runtime does.
//
//===----------------------------------------------------------------------===//
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <string>
#include <sys/file.h>
#include <thread>
#include <utility>
#include <unistd.h>
#include <vector>

using nlohmann::json;

namespace {

struct Failure {
  std::string Type, Message;
};

struct Endpoint {
  std::string Host;
  int Port = 0;
};

Endpoint parseHostPort(std::string S) {
  if (S.rfind("http://", 0) == 0)
    S = S.substr(7);
  if (auto Slash = S.find('/'); Slash != std::string::npos)
    S = S.substr(0, Slash);
  Endpoint E;
  auto Colon = S.rfind(':');
  E.Host = S.substr(0, Colon);
  E.Port = std::atoi(S.c_str() + Colon + 1);
  return E;
}

std::string hexId(size_t Digits) {
  static std::mt19937_64 Rng{std::random_device{}()};
  static const char *Hex = "0123456789abcdef";
  std::string S;
  while (S.size() < Digits)
    S += Hex[Rng() & 15];
  return S;
}

std::int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Root=1-<8>-<24>;Parent=<16>;Sampled=1 -> trace id and parent span id.
void fromXRay(const std::string &H, std::string &Trace, std::string &Parent) {
  auto Root = H.find("Root=1-");
  if (Root != std::string::npos)
    Trace = H.substr(Root + 7, 8) + H.substr(Root + 16, 24);
  auto P = H.find("Parent=");
  if (P != std::string::npos)
    Parent = H.substr(P + 7, 16);
}

json kv(const char *K, const std::string &V) {
  return {{"key", K}, {"value", {{"stringValue", V}}}};
}

void exportSpan(const std::string &Name, int Kind, const std::string &Trace,
                const std::string &Span, const std::string &Parent,
                std::int64_t Start, std::int64_t End, json Attrs) {
  const char *Url = std::getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  if (!Url || Trace.empty())
    return;
  Endpoint E = parseHostPort(Url);
  json S = {{"traceId", Trace},
            {"spanId", Span},
            {"name", Name},
            {"kind", Kind},
            {"startTimeUnixNano", std::to_string(Start)},
            {"endTimeUnixNano", std::to_string(End)},
            {"attributes", Attrs}};
  if (!Parent.empty())
    S["parentSpanId"] = Parent;
  json Doc = {
      {"resourceSpans",
       {{{"resource",
          {{"attributes",
            {kv("service.name", std::getenv("AWS_LAMBDA_FUNCTION_NAME")),
             kv("fusion.group", std::getenv("FUSIONIZE_GROUP"))}}}},
         {"scopeSpans",
          {{{"scope", {{"name", "testfn"}}}, {"spans", {S}}}}}}}}};
  httplib::Client C(E.Host, E.Port);
  C.Post("/v1/traces", Doc.dump(), "application/json");
}

// The current invocation's context, for `call`.
std::string CurTrace, CurSpan;
// `linger`: how long to wait after answering before the next /next.
int LingerMs = 0;

std::string handle(const std::string &Handler, const std::string &Body) {
  json In = Body.empty() ? json() : json::parse(Body, nullptr, false);
  if (Handler == "echo")
    return Body.empty() ? "null" : Body;
  if (Handler == "noop")
    return "null";
  if (Handler == "pid") {
    const char *Inst = std::getenv("FUSIONIZE_INSTANCE");
    return json{{"pid", getpid()}, {"instance", Inst ? Inst : ""}}.dump();
  }
  if (Handler == "env") {
    // The named variables of the instance's environment (null: unset).
    json Out = json::object();
    if (In.is_array())
      for (const json &Name : In)
        if (const char *V = std::getenv(Name.get<std::string>().c_str()))
          Out[Name.get<std::string>()] = V;
        else
          Out[Name.get<std::string>()] = nullptr;
    return Out.dump();
  }
  if (Handler == "linger") {
    LingerMs = In.is_object() ? In.value("ms", 0) : 0;
    return json{{"linger_ms", LingerMs}}.dump();
  }
  if (Handler == "sleep" || Handler == "slow") {
    int Ms = In.is_object() ? In.value("ms", 100) : 100;
    std::this_thread::sleep_for(std::chrono::milliseconds(Ms));
    return json{{"slept_ms", Ms}, {"pid", getpid()}}.dump();
  }
  if (Handler == "block") {
    // Runs until the file `until` exists: a test decides when it ends.
    std::string Until = In.value("until", "");
    int MaxMs = In.value("max_ms", 60000);
    for (int Waited = 0; Waited < MaxMs && access(Until.c_str(), F_OK) != 0;
         Waited += 5)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return json{{"released", access(Until.c_str(), F_OK) == 0}}.dump();
  }
  if (Handler == "fail")
    throw Failure{"std::runtime_error", "failed on purpose"};
  if (Handler == "crash") {
    std::fprintf(stderr, "testfn: crashing on purpose\n");
    std::fflush(stderr);
    _exit(7);
  }
  if (Handler == "print") {
    int Lines = In.is_object() ? In.value("lines", 2) : 2;
    for (int I = 0; I < Lines; ++I)
      std::printf("line %d to stdout\n", I);
    std::fprintf(stderr, "a line to stderr\n");
    std::fflush(stdout);
    std::fflush(stderr);
    return "null";
  }
  if (Handler == "memhog") {
    int Mb = In.is_object() ? In.value("mb", 300) : 300;
    // volatile: the compiler may not elide an allocation nobody reads.
    auto *Block = static_cast<volatile char *>(std::malloc(size_t(Mb) << 20));
    for (size_t I = 0; I < (size_t(Mb) << 20); I += 4096)
      Block[I] = 1;
    std::free(const_cast<char *>(Block));
    return json{{"allocated_mb", Mb}}.dump();
  }
  if (Handler == "big") {
    size_t Bytes = In.is_object() ? In.value("bytes", 1024) : 1024;
    return json(std::string(Bytes, 'x')).dump();
  }
  if (Handler == "record" || Handler == "flaky") {
    std::string File = In.value("file", "");
    int Fd = open(File.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    flock(Fd, LOCK_EX);
    std::string Line = In.contains("value") ? In["value"].dump() : "x";
    Line += "\n";
    (void)!write(Fd, Line.data(), Line.size());
    close(Fd);
    if (Handler == "record")
      return "null";
    std::ifstream F(File);
    int Count = 0;
    for (std::string L; std::getline(F, L);)
      ++Count;
    if (Count <= In.value("fail_times", 2))
      throw Failure{"Flaky", "attempt " + std::to_string(Count) + " fails"};
    return json{{"attempts", Count}}.dump();
  }
  if (Handler == "call") {
    if (int Delay = In.value("delay_ms", 0))
      std::this_thread::sleep_for(std::chrono::milliseconds(Delay));
    // Wait for a file first: the test decides when the call is made.
    for (std::string Until = In.value("until", "");
         !Until.empty() && access(Until.c_str(), F_OK) != 0;)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::string Fn = In.value("function", "echo");
    std::string Type = In.value("type", "RequestResponse");
    std::string Payload = In.contains("payload") ? In["payload"].dump() : "{}";
    Endpoint E = parseHostPort(std::getenv("FUSIONIZE_ENDPOINT"));
    httplib::Client C(E.Host, E.Port);
    C.set_read_timeout(900, 0);
    C.set_tcp_nodelay(true);
    std::string Client = hexId(16);
    httplib::Headers H = {{"X-Amz-Invocation-Type", Type}};
    if (!CurTrace.empty())
      H.emplace("traceparent", "00-" + CurTrace + "-" + Client + "-01");
    std::int64_t Start = nowNs();
    auto R = C.Post("/2015-03-31/functions/" + Fn + "/invocations", H, Payload,
                    "application/json");
    exportSpan("invoke " + Fn, 3, CurTrace, Client, CurSpan, Start, nowNs(),
               {kv("faas.invoked_name", Fn), kv("fusion.source", "testfn")});
    if (!R)
      throw Failure{"CallFailed", "no answer from " + Fn};
    json Body = json::parse(R->body, nullptr, false);
    return json{{"status", R->status},
                {"function_error", R->get_header_value("X-Amz-Function-Error")},
                {"body", Body.is_discarded() ? json(R->body) : Body}}
        .dump();
  }
  throw Failure{"UnknownHandler", "no handler " + Handler};
}

} // namespace

int main() {
  const char *Api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  const char *HandlerEnv = std::getenv("_HANDLER");
  if (!Api || !HandlerEnv) {
    std::fprintf(stderr, "testfn: run me under fusionize run\n");
    return 2;
  }
  std::string Handler = HandlerEnv;
  Endpoint E = parseHostPort(Api);
  httplib::Client C(E.Host, E.Port);
  C.set_read_timeout(24 * 3600, 0);
  C.set_tcp_nodelay(true);
  C.set_keep_alive(true);
  const std::string Base = "/2018-06-01/runtime/";

  if (Handler == "hang_init")
    for (;;)
      pause();
  if (Handler == "exit_init")
    return 3;
  if (Handler == "init_error") {
    C.Post(
        Base + "init/error",
        {{"Lambda-Runtime-Function-Error-Type", "Runtime.InitError"}},
        R"({"errorMessage":"init failed on purpose","errorType":"Runtime.InitError"})",
        "application/json");
    return 1;
  }

  for (;;) {
    auto Next = C.Get(Base + "invocation/next");
    if (!Next)
      return 0; // the platform is gone
    if (Next->status != 200)
      continue;
    std::string Id = Next->get_header_value("Lambda-Runtime-Aws-Request-Id");
    std::string Parent;
    CurTrace.clear();
    fromXRay(Next->get_header_value("Lambda-Runtime-Trace-Id"), CurTrace,
             Parent);
    CurSpan = hexId(16);
    std::int64_t Start = nowNs();
    std::string Out;
    bool Failed = false;
    Failure F;
    try {
      Out = handle(Handler, Next->body);
    } catch (const Failure &Fail) {
      Failed = true;
      F = Fail;
    }
    exportSpan(Handler, 2, CurTrace, CurSpan, Parent, Start, nowNs(),
               {kv("faas.invocation_id", Id), kv("fusion.task", Handler),
                kv("fusion.source", "testfn")});
    if (Failed)
      C.Post(Base + "invocation/" + Id + "/error",
             {{"Lambda-Runtime-Function-Error-Type", F.Type}},
             json{{"errorMessage", F.Message},
                  {"errorType", F.Type},
                  {"stackTrace", {"testfn.cpp"}}}
                 .dump(),
             "application/json");
    else
      C.Post(Base + "invocation/" + Id + "/response", Out, "application/json");
    if (LingerMs > 0)
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::exchange(LingerMs, 0)));
  }
}
