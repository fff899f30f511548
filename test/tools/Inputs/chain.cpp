// A small application for the optimize tests: handle records its input
// asynchronously, then calls prepare and compute synchronously.
#include <fusionize/fusionize.h>

#include <cstdint>

static std::uint64_t spin(int N) {
  std::uint64_t X = 1;
  for (int I = 0; I < N; ++I)
    X = X * 6364136223846793005ULL + 1442695040888963407ULL;
  return X;
}

[[fusionize::task]] void record(int n) { (void)spin(n); }
[[fusionize::task]] int prepare(int n) { return n + 1; }
[[fusionize::task]] std::uint64_t compute(int n) { return spin(n * 100); }

[[fusionize::task]] std::uint64_t handle(int n) {
  fusionize::async(record, n);
  int m = prepare(n);
  return compute(m);
}
