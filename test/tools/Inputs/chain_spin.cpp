// The CPU work of chain.cpp's tasks, in a file without tasks.
#include <cstdint>

std::uint64_t spin(int N) {
  std::uint64_t X = 1;
  for (int I = 0; I < N; ++I)
    X = X * 6364136223846793005ULL + 1442695040888963407ULL;
  return X;
}
