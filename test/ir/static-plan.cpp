// Without a plan, the static plan: a cheap callee called synchronously joins
// its callers' groups (a copy in each); an asynchronously called or an
// expensive callee gets its own group, as does an entry point.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %fz -c %s -o %t/a.o -fplugin-arg-fusionize-graph=%t/graph.json
// RUN: FileCheck %s < %t/a.o.fusion/report.json
// RUN: %validate fusionize-graph.schema.json %t/graph.json
// RUN: %validate fusionize-report.schema.json %t/a.o.fusion/report.json
// RUN: ls %t/a.o.fusion | FileCheck %s --check-prefix=FILES
#include <fusionize/fusionize.h>
#include <vector>

[[fusionize::task]] int cheap(int x) { return x + 1; }

[[fusionize::task]] long expensive(int n) {
  std::vector<char> sieve(n + 1, 1);
  long count = 0;
  for (int i = 2; i <= n; ++i)
    if (sieve[i]) {
      ++count;
      for (int j = 2 * i; j <= n; j += i)
        for (int k = 0; k < 100; ++k)
          sieve[j] = 0;
    }
  return count;
}

[[fusionize::task]] void later(int x) { (void)x; }

[[fusionize::task]] int front(int x) {
  fusionize::async(later, x);
  return cheap(x) + static_cast<int>(expensive(x));
}

[[fusionize::task]] int other(int x) { return cheap(x) * 2; }

// CHECK: "plan_source": "static",
// CHECK: "groups": [
// CHECK: "name": "expensive",
// CHECK-NEXT: "tasks": [
// CHECK-NEXT: "expensive"
// CHECK-NEXT: ],
// CHECK: "name": "later",
// CHECK-NEXT: "tasks": [
// CHECK-NEXT: "later"
// CHECK-NEXT: ],
// CHECK: "name": "front",
// CHECK-NEXT: "tasks": [
// CHECK-NEXT: "front",
// CHECK-NEXT: "cheap"
// CHECK-NEXT: ],
// CHECK: "name": "other",
// CHECK-NEXT: "tasks": [
// CHECK-NEXT: "other",
// CHECK-NEXT: "cheap"
// CHECK-NEXT: ],

// FILES: expensive.o
// FILES: front.o
// FILES: later.o
// FILES: other.o
// FILES: report.json
