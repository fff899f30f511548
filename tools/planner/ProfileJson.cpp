//===- planner/ProfileJson.cpp - fusionize-profile/1 ----------------------===//
#include "planner/Profile.h"

#include <algorithm>
#include <cmath>

namespace fusionize {

static double r3(double V) { return std::round(V * 1000.0) / 1000.0; }

static Json memoryJson(const std::map<unsigned, std::uint64_t> &M) {
  Json J = Json::object();
  for (auto &[Mem, N] : M)
    J[std::to_string(Mem)] = N;
  return J;
}

static Json configsJson(const TaskProfile &T) {
  Json J = Json::array();
  for (const TaskProfile::ConfigRuns &C : T.Configs) {
    double Cpu = 0, Wait = 0;
    for (auto [X, W] : C.Joint) {
      Cpu += X;
      Wait += W;
    }
    double N = double(std::max<size_t>(1, C.Joint.size()));
    J.push_back(Json{{"memory_mb", C.MemoryMB},
                     {"group", C.Group},
                     {"runs", C.Runs},
                     {"cpu_ms", r3(Cpu / N)},
                     {"wait_ms", r3(Wait / N)}});
  }
  return J;
}

Json Profile::toJson() const {
  Json Doc;
  Doc["format"] = "fusionize-profile/1";
  Doc["sources"] = Sources;
  Doc["trace_emulation"] = TraceEmulation;
  Doc["host_cpus"] = HostCpus;
  Doc["spans"] = Spans;
  Doc["traces"] = Traces;
  Doc["requests"] = Requests;
  Doc["window_s"] = r3(WindowS);
  Doc["request_rate"] = r3(RequestRate);
  Doc["peak_concurrency"] = PeakConcurrency;
  Doc["arrival_gap_ms"] = ArrivalGapMs.toJson();
  Json JE = Json::array();
  for (auto &[Name, E] : Entries)
    JE.push_back(Json{{"task", Name},
                      {"requests", E.Requests},
                      {"latency_ms", E.LatencyMs.toJson()},
                      {"completion_ms", E.CompletionMs.toJson()},
                      {"cost_usd", E.CostUsd.toJson()},
                      {"cold_starts_per_request", r3(E.ColdStartsPerRequest)},
                      {"invocations_per_request",
                       r3(E.InvocationsPerRequest)}});
  Doc["entries"] = JE;
  Json JT = Json::array();
  for (auto &[Name, T] : Tasks) {
    Json Joint = Json::array();
    for (auto &[C, W] : T.Joint)
      Joint.push_back(Json::array({r3(C), r3(W)}));
    Json Patterns = Json::array();
    for (const auto &CP : T.CallPatterns) {
      Json Calls = Json::array();
      for (const TaskProfile::CallCount &C : CP)
        Calls.push_back(Json{{"callee", C.Callee},
                             {"kind", edgeKindName(C.Kind)},
                             {"calls", C.Calls}});
      Patterns.push_back(Calls);
    }
    Json Orders = Json::array();
    for (const TaskProfile::CallOrder &CO : T.PatternOrders) {
      Json Async = Json::array();
      for (const TaskProfile::AsyncPlace &AP : CO.Async)
        Async.push_back(Json{
            {"callee", AP.Callee},
            {"after", AP.After},
            {"fraction", r3(AP.Fraction)},
            {"join_before", AP.JoinBefore == TaskProfile::AsyncPlace::NoJoin
                                ? Json()
                                : Json(AP.JoinBefore)}});
      Orders.push_back(Json{{"sync", CO.Sync}, {"async", Async}});
    }
    Json JointPattern = Json::array();
    for (std::uint8_t Id : T.JointPattern)
      JointPattern.push_back(Id == TaskProfile::NoPattern ? Json() : Json(Id));
    JT.push_back(Json{{"name", Name},
                      {"activations", T.Activations},
                      {"local", T.Local},
                      {"remote", T.Remote},
                      {"cpu_measured", T.CpuMeasured},
                      {"cold_runs", T.ColdRuns},
                      {"cold_extra_cpu_ms", r3(T.ColdExtraCpuMs)},
                      {"invoke_cpu_ms", r3(T.InvokeCpuMs)},
                      {"interrupt_cpu_ms", r3(T.InterruptCpuMs)},
                      {"interrupt_configs", T.InterruptConfigs},
                      {"interrupt_memory_mb", r3(T.InterruptMemoryMB)},
                      {"touched_memory_mb", r3(T.TouchedMemoryMB)},
                      {"lock_wait_ms", r3(T.LockWaitMs)},
                      {"lock_hold_share", r3(T.LockHoldShare)},
                      {"lock_hold_cpu_ms", r3(T.LockHoldCpuMs)},
                      {"configurations", configsJson(T)},
                      {"cpu_ms", T.CpuMs.toJson()},
                      {"wait_ms", T.WaitMs.toJson()},
                      {"self_ms", T.SelfMs.toJson()},
                      {"memory_mb", memoryJson(T.MemoryMB)},
                      {"joint_cpu_wait_ms", Joint},
                      {"call_patterns", Patterns},
                      {"call_orders", Orders},
                      {"joint_call_pattern", JointPattern}});
  }
  Doc["tasks"] = JT;
  Json JEd = Json::array();
  for (const EdgeProfile &E : Edges) {
    Json J{{"caller", E.Caller},
           {"callee", E.Callee},
           {"kind", edgeKindName(E.Kind)},
           {"in_graph", E.InGraph},
           {"calls", E.Calls},
           {"local", E.Local},
           {"remote", E.Remote},
           {"calls_per_activation", r3(E.CallsPerActivation)},
           {"calls_per_request", r3(E.CallsPerRequest)},
           {"activations_with_calls", E.ActivationsWithCalls},
           {"calls_when_called", E.CallsWhenCalled.toJson()},
           {"bytes_req", r3(E.BytesReq)},
           {"bytes_resp", r3(E.BytesResp)}};
    if (E.Kind == EdgeKind::Async) {
      J["start_fraction"] = r3(E.StartFraction);
      J["joined_share"] = r3(E.JoinedShare);
    }
    if (E.CallCpuMs > 0)
      J["call_cpu_ms"] = r3(E.CallCpuMs);
    if (E.OverheadMs.count())
      J["overhead_ms"] = E.OverheadMs.toJson();
    JEd.push_back(J);
  }
  Doc["edges"] = JEd;
  Json JF = Json::array();
  for (auto &[Name, F] : Functions)
    JF.push_back(Json{{"name", Name},
                      {"group", F.Group},
                      {"invocations", F.Invocations},
                      {"cold_starts", F.ColdStarts},
                      {"duration_ms", F.DurationMs.toJson()},
                      {"billed_ms", F.BilledMs.toJson()},
                      {"init_ms", F.InitMs.toJson()},
                      {"peak_memory_mb", r3(F.PeakMemoryMB)},
                      {"bytes_req", r3(F.BytesReq)},
                      {"bytes_resp", r3(F.BytesResp)},
                      {"memory_mb", memoryJson(F.MemoryMB)}});
  Doc["functions"] = JF;
  Json Sync = Json::array();
  for (auto &[Ms, B] : Overhead.SyncSamples)
    Sync.push_back(Json::array({r3(Ms), B}));
  Doc["overhead"] = Json{{"sync_calls", Overhead.SyncCalls},
                         {"sync_ms_bytes", Sync},
                         {"ack_ms", Overhead.AckMs.toJson()},
                         {"event_delay_ms", Overhead.EventDelayMs.toJson()},
                         {"root_overhead_ms", Overhead.RootOverheadMs.toJson()},
                         {"cold_extra_ms", Overhead.ColdExtraMs.toJson()},
                         {"bill_extra_warm_ms",
                          Overhead.BillExtraWarmMs.toJson()},
                         {"bill_extra_cold_ms",
                          Overhead.BillExtraColdMs.toJson()}};
  Json Slack = Json::array();
  for (double X : QuotaSlackMs)
    Slack.push_back(r3(X));
  Doc["quota_slack_ms"] = Slack;
  Doc["quota_runs"] = QuotaRuns;
  Json OG = Json::array();
  for (auto &[Name, G] : ObservedGroups)
    OG.push_back(
        Json{{"name", Name}, {"tasks", G.Tasks}, {"memory_mb", G.MemoryMB}});
  Doc["observed_groups"] = OG;
  Doc["observed_plans"] = ObservedPlans;
  Doc["measured"] = Json{{"latency_ms", LatencyMs.toJson()},
                         {"completion_ms", CompletionMs.toJson()},
                         {"cost_usd", CostUsd.toJson()}};
  Doc["missing_tasks"] = MissingTasks;
  Doc["unknown_tasks"] = UnknownTasks;
  Doc["warnings"] = Warnings;
  return Doc;
}

} // namespace fusionize
