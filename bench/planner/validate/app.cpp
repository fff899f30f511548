// A small program for checking the cost model against `fusionize run`:
// CPU work (a sieve), waiting (a sleep), a synchronous chain and an
// asynchronous Event. validate.sh builds it under two plans, runs both on
// the local platform and compares predictions with measurements.
#include <fusionize/fusionize.h>
#include <chrono>
#include <thread>
#include <vector>

static int sieve(int n) {
  std::vector<char> c(n + 1, 1);
  int k = 0;
  for (int i = 2; i <= n; ++i)
    if (c[i]) {
      ++k;
      for (long j = long(i) * i; j <= n; j += i)
        c[j] = 0;
    }
  return k;
}

[[fusionize::task]] int check(int x) { return sieve(2000000) + x; }
[[fusionize::task]] int store(int x) {
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return x;
}
[[fusionize::task]] void notify(int x) { (void)sieve(1000000 + x % 2); }
[[fusionize::task]] int handle(int x) {
  int a = check(x);
  int b = store(a);
  fusionize::async(notify, b);
  return a + b;
}
