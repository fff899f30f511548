#include "TestUtil.h"

#include <cstdio>
#include <fstream>
#include <unistd.h>

namespace fusionize::test {

Graph graph(const std::vector<std::string> &Edges,
            const std::vector<std::string> &Extra) {
  Graph G;
  auto Add = [&](const std::string &N) {
    if (!G.findTask(N)) {
      TaskNode T;
      T.Name = N;
      T.Returns = "int";
      T.SelfCost = 100;
      G.Tasks.push_back(T);
    }
  };
  for (const std::string &E : Edges) {
    size_t P = E.find_first_of(">~");
    std::string A = E.substr(0, P), B = E.substr(P + 1);
    Add(A);
    Add(B);
    Edge Ed;
    Ed.Caller = A;
    Ed.Callee = B;
    Ed.Kind = E[P] == '>' ? EdgeKind::Sync : EdgeKind::Async;
    Ed.Calls = 1;
    if (Ed.Kind == EdgeKind::Async) {
      G.findTask(B)->Returns = "void";
      G.findTask(B)->ReturnsVoid = true;
    }
    G.Edges.push_back(Ed);
  }
  for (const std::string &N : Extra)
    Add(N);
  G.computeTotalCosts();
  return G;
}

std::string str(const char *K, const std::string &V) {
  return std::string("{\"key\":\"") + K + "\",\"value\":{\"stringValue\":\"" +
         V + "\"}}";
}
std::string num(const char *K, double V) {
  return std::string("{\"key\":\"") + K + "\",\"value\":{\"doubleValue\":" +
         std::to_string(V) + "}}";
}
std::string flag(const char *K, bool V) {
  return std::string("{\"key\":\"") + K + "\",\"value\":{\"boolValue\":" +
         (V ? "true" : "false") + "}}";
}

static std::string hex16(const std::string &Id) {
  std::string H = Id;
  while (H.size() < 16)
    H = "0" + H;
  return H;
}

std::string doc(const std::vector<S> &Spans, const std::string &Trace) {
  std::string Out = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[]},"
                    "\"scopeSpans\":[{\"spans\":[";
  bool First = true;
  for (const S &X : Spans) {
    if (!First)
      Out += ",";
    First = false;
    std::string T = Trace;
    while (T.size() < 32)
      T = "0" + T;
    Out += "{\"traceId\":\"" + T + "\",\"spanId\":\"" + hex16(X.Id) +
           "\",\"parentSpanId\":\"" + (X.Parent.empty() ? "" : hex16(X.Parent)) +
           "\",\"name\":\"" + X.Name + "\",\"kind\":" + std::to_string(X.Kind) +
           ",\"startTimeUnixNano\":\"" +
           std::to_string((long long)(1e15 + X.StartMs * 1e6)) +
           "\",\"endTimeUnixNano\":\"" +
           std::to_string((long long)(1e15 + X.EndMs * 1e6)) +
           "\",\"attributes\":[";
    for (size_t I = 0; I < X.Attrs.size(); ++I)
      Out += (I ? "," : "") + X.Attrs[I];
    Out += "]}";
  }
  return Out + "]}]}]}\n";
}

Profile profileOf(const Graph &G, const std::string &Text,
                  const EmulationProfile &TraceEmu) {
  TraceSet TS;
  readOtlpText(Text, "test.json", TS);
  ProfileOptions O;
  O.TraceEmulation = TraceEmu;
  return buildProfile(G, TS, O);
}

TempFile::TempFile(const std::string &Text) {
  char Name[] = "/tmp/fusionize-planner-test-XXXXXX";
  int Fd = ::mkstemp(Name);
  ::close(Fd);
  Path = Name;
  std::ofstream(Path) << Text;
}

TempFile::~TempFile() { std::remove(Path.c_str()); }

} // namespace fusionize::test
