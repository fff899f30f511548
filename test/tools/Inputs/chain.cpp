// A small application for the optimize tests: handle records its input
// asynchronously, then calls prepare and compute synchronously.
#include <fusionize/fusionize.h>

#include <cstdint>

// In chain_spin.cpp, a file without tasks: linked into every group as it
// is, and kept so by every rebuild of fusionize optimize.
std::uint64_t spin(int N);

[[fusionize::task]] void record(int n) { (void)spin(n); }
[[fusionize::task]] int prepare(int n) { return n + 1; }
[[fusionize::task]] std::uint64_t compute(int n) { return spin(n * 100); }

[[fusionize::task]] std::uint64_t handle(int n) {
  fusionize::async(record, n);
  int m = prepare(n);
  return compute(m);
}
