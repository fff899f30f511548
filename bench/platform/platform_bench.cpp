//===- bench/platform/platform_bench.cpp - Platform overhead benchmarks ---===//
//
//   fusionize-bench-platform http URL [--requests N] [--threads C] [--seconds
//   S]
//       Sequential keep-alive POSTs of "null" to URL (p50/p90/p99 of N round
//       trips), then a closed loop with C connections for S seconds
//       (throughput). The same minimal client measures every server, so the
//       ratio between two URLs is the ratio of the servers' costs.
//   fusionize-bench-platform interleave URL... [--requests N]
//       One keep-alive connection per URL; N times, one round trip to each
//       URL in turn, each timed. Per URL p50/p90/p99, and each p50 divided
//       by the first URL's: load that comes and goes hits every server
//       alike, request by request.
//   fusionize-bench-platform coldstart MANIFEST FUNCTION [--runs N]
//       Spawning /bin/true and waiting for it, against a cold start of
//       FUNCTION in an in-process platform (--emulate none, idle timeout 0,
//       so every invocation starts an instance): spawn until the instance's
//       first GET /next, as the platform measures it (fusion.init_ms).
//
// Prints one JSON object per mode on stdout (bench/platform/run.sh makes the
// table).
//
//===----------------------------------------------------------------------===//
#include "platform/Platform.h"
#include "platform/Process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace fusionize;
using namespace fusionize::platform;
using Clock = std::chrono::steady_clock;

namespace {

struct Url {
  std::string Host = "127.0.0.1";
  unsigned Port = 80;
  std::string Path = "/";
};

Url parseUrl(std::string S) {
  Url U;
  if (S.rfind("http://", 0) == 0)
    S = S.substr(7);
  auto Slash = S.find('/');
  if (Slash != std::string::npos) {
    U.Path = S.substr(Slash);
    S = S.substr(0, Slash);
  }
  auto Colon = S.rfind(':');
  U.Host = S.substr(0, Colon);
  if (Colon != std::string::npos)
    U.Port = static_cast<unsigned>(std::stoul(S.substr(Colon + 1)));
  return U;
}

/// A keep-alive HTTP/1.1 connection that POSTs one fixed request and reads
/// one Content-Length response at a time.
class Conn {
public:
  explicit Conn(const Url &U) {
    Request = "POST " + U.Path + " HTTP/1.1\r\nHost: " + U.Host +
              "\r\nContent-Type: application/json\r\nContent-Length: "
              "4\r\n\r\nnull";
    Fd = socket(AF_INET, SOCK_STREAM, 0);
    int One = 1;
    setsockopt(Fd, IPPROTO_TCP, TCP_NODELAY, &One, sizeof One);
    sockaddr_in A{};
    A.sin_family = AF_INET;
    A.sin_port = htons(static_cast<uint16_t>(U.Port));
    inet_pton(AF_INET, U.Host.c_str(), &A.sin_addr);
    if (connect(Fd, reinterpret_cast<sockaddr *>(&A), sizeof A) != 0) {
      perror("connect");
      std::exit(1);
    }
  }
  ~Conn() { close(Fd); }

  /// One round trip; returns the HTTP status.
  int roundTrip() {
    const char *P = Request.data();
    size_t N = Request.size();
    while (N) {
      ssize_t W = write(Fd, P, N);
      if (W <= 0)
        return 0;
      P += W;
      N -= static_cast<size_t>(W);
    }
    std::string In;
    size_t HeaderEnd;
    char Buf[8192];
    while ((HeaderEnd = In.find("\r\n\r\n")) == std::string::npos) {
      ssize_t R = read(Fd, Buf, sizeof Buf);
      if (R <= 0)
        return 0;
      In.append(Buf, static_cast<size_t>(R));
    }
    size_t Length = 0;
    std::string Head = In.substr(0, HeaderEnd);
    for (char &C : Head)
      C = static_cast<char>(std::tolower(static_cast<unsigned char>(C)));
    if (auto L = Head.find("content-length:"); L != std::string::npos)
      Length = std::stoul(Head.substr(L + 15));
    while (In.size() - HeaderEnd - 4 < Length) {
      ssize_t R = read(Fd, Buf, sizeof Buf);
      if (R <= 0)
        return 0;
      In.append(Buf, static_cast<size_t>(R));
    }
    return std::atoi(In.c_str() + 9);
  }

private:
  int Fd;
  std::string Request;
};

double pct(std::vector<double> V, double P) {
  std::sort(V.begin(), V.end());
  size_t I = static_cast<size_t>(std::ceil(P / 100 * V.size()));
  return V[std::min(V.size() - 1, I ? I - 1 : 0)];
}

const char *arg(int Argc, char **Argv, const char *Name, const char *Def) {
  for (int I = 1; I + 1 < Argc; ++I)
    if (!std::strcmp(Argv[I], Name))
      return Argv[I + 1];
  return Def;
}

int benchHttp(int Argc, char **Argv) {
  Url U = parseUrl(Argv[2]);
  int Requests = std::atoi(arg(Argc, Argv, "--requests", "5000"));
  int Threads = std::atoi(arg(Argc, Argv, "--threads", "4"));
  double Seconds = std::atof(arg(Argc, Argv, "--seconds", "3"));
  std::vector<double> Us;
  {
    Conn C(U);
    for (int I = 0; I < 200; ++I) // warm up (and start the instance)
      if (C.roundTrip() != 200) {
        std::cerr << "unexpected status from " << Argv[2] << "\n";
        return 1;
      }
    Us.reserve(Requests);
    for (int I = 0; I < Requests; ++I) {
      auto T0 = Clock::now();
      C.roundTrip();
      Us.push_back(
          std::chrono::duration<double, std::micro>(Clock::now() - T0).count());
    }
  }
  std::atomic<long> Done{0};
  std::atomic<bool> Stop{false};
  std::vector<std::thread> Pool;
  for (int T = 0; T < Threads; ++T)
    Pool.emplace_back([&] {
      Conn C(U);
      C.roundTrip();
      while (!Stop)
        if (C.roundTrip() == 200)
          ++Done;
    });
  auto T0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(Seconds));
  Stop = true;
  double Elapsed = std::chrono::duration<double>(Clock::now() - T0).count();
  for (auto &T : Pool)
    T.join();
  double Mean = 0;
  for (double V : Us)
    Mean += V;
  Mean /= Us.size();
  Json R{{"url", Argv[2]},        {"requests", Requests},
         {"p50_us", pct(Us, 50)}, {"p90_us", pct(Us, 90)},
         {"p99_us", pct(Us, 99)}, {"mean_us", Mean},
         {"threads", Threads},    {"throughput_rps", Done / Elapsed}};
  std::cout << R.dump() << std::endl;
  return 0;
}

int benchInterleave(int Argc, char **Argv) {
  std::vector<std::string> Urls;
  for (int I = 2; I < Argc && std::strncmp(Argv[I], "--", 2) != 0; ++I)
    Urls.push_back(Argv[I]);
  int Requests = std::atoi(arg(Argc, Argv, "--requests", "5000"));
  if (Urls.empty() || Requests <= 0) {
    std::cerr << "interleave: expected URLs and --requests N > 0\n";
    return 2;
  }
  std::vector<std::unique_ptr<Conn>> Conns;
  for (const std::string &U : Urls) {
    Conns.push_back(std::make_unique<Conn>(parseUrl(U)));
    for (int I = 0; I < 200; ++I) // warm up: instance, caches, connection
      if (Conns.back()->roundTrip() != 200) {
        std::cerr << "unexpected status from " << U << "\n";
        return 1;
      }
  }
  std::vector<std::vector<double>> Us(Urls.size());
  for (auto &V : Us)
    V.reserve(static_cast<size_t>(Requests));
  for (int I = 0; I < Requests; ++I)
    for (size_t K = 0; K < Conns.size(); ++K) {
      auto T0 = Clock::now();
      if (Conns[K]->roundTrip() != 200) {
        std::cerr << "unexpected status from " << Urls[K] << "\n";
        return 1;
      }
      Us[K].push_back(
          std::chrono::duration<double, std::micro>(Clock::now() - T0).count());
    }
  Json Rows = Json::array();
  double Base = pct(Us[0], 50);
  for (size_t K = 0; K < Urls.size(); ++K)
    Rows.push_back(Json{{"url", Urls[K]},
                        {"p50_us", pct(Us[K], 50)},
                        {"p90_us", pct(Us[K], 90)},
                        {"p99_us", pct(Us[K], 99)},
                        {"ratio", pct(Us[K], 50) / Base}});
  std::cout << Json{{"requests", Requests}, {"rows", Rows}}.dump()
            << std::endl;
  return 0;
}

int benchColdStart(int Argc, char **Argv) {
  std::string ManifestPath = Argv[2], Function = Argv[3];
  int Runs = std::atoi(arg(Argc, Argv, "--runs", "100"));
  std::vector<double> TrueMs;
  for (int I = 0; I < Runs; ++I) {
    SpawnRequest R;
    R.Path = "/bin/true";
    R.Env = environmentWith({}, {});
    SpawnedProcess P;
    std::string Err;
    auto T0 = Clock::now();
    if (!spawnProcess(R, P, Err)) {
      std::cerr << Err << "\n";
      return 1;
    }
    int Status;
    waitpid(P.Pid, &Status, 0);
    TrueMs.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - T0).count());
    if (P.PidFd >= 0)
      close(P.PidFd);
  }

  char Tmpl[] = "/tmp/fz-bench-XXXXXX";
  std::string State = mkdtemp(Tmpl);
  PlatformOptions O;
  O.ManifestPath = ManifestPath;
  O.Port = 0;
  O.StateDir = State;
  O.Emulation = EmulationProfile::builtin("none");
  O.IdleTimeoutS = 0; // every invocation starts an instance
  O.EnforceMemory = false;
  Platform P(O);
  P.start();
  Url U = parseUrl(P.endpoint() + "/2015-03-31/functions/" + Function +
                   "/invocations");
  std::vector<double> E2EMs;
  {
    Conn C(U);
    for (int I = 0; I < Runs; ++I) {
      // Let the previous instance ask for more work and be stopped, so this
      // invocation cannot reuse it.
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      auto T0 = Clock::now();
      if (C.roundTrip() != 200) {
        std::cerr << "invocation failed\n";
        return 1;
      }
      E2EMs.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - T0).count());
    }
  }
  P.stop();
  RunSummary S = P.summary();
  std::string Cmd = "rm -rf '" + State + "'";
  if (std::system(Cmd.c_str()) != 0)
    return 1;
  const platform::FunctionSummary *F = nullptr;
  for (const platform::FunctionSummary &X : S.Functions)
    if (X.Name == Function)
      F = &X;
  if (!F || F->ColdStarts != static_cast<size_t>(Runs)) {
    std::cerr << "expected " << Runs << " cold starts, got "
              << (F ? F->ColdStarts : 0) << "\n";
    return 1;
  }
  Json R{{"function", Function},
         {"runs", Runs},
         {"bin_true_p50_ms", pct(TrueMs, 50)},
         {"bin_true_p90_ms", pct(TrueMs, 90)},
         {"init_p50_ms", F->Init.P50},
         {"init_p90_ms", F->Init.P90},
         {"cold_invocation_p50_ms", pct(E2EMs, 50)},
         {"extra_p50_ms", F->Init.P50 - pct(TrueMs, 50)}};
  std::cout << R.dump() << std::endl;
  return 0;
}

} // namespace

int main(int Argc, char **Argv) {
  if (Argc >= 3 && !std::strcmp(Argv[1], "http"))
    return benchHttp(Argc, Argv);
  if (Argc >= 3 && !std::strcmp(Argv[1], "interleave"))
    return benchInterleave(Argc, Argv);
  if (Argc >= 4 && !std::strcmp(Argv[1], "coldstart"))
    return benchColdStart(Argc, Argv);
  std::cerr << "usage: fusionize-bench-platform http URL [--requests N] "
               "[--threads C] [--seconds S]\n"
               "       fusionize-bench-platform interleave URL... "
               "[--requests N]\n"
               "       fusionize-bench-platform coldstart MANIFEST FUNCTION "
               "[--runs N]\n";
  return 2;
}
