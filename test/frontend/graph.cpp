// The static graph: edges through helpers, lambdas, member functions and
// constructors, loops multiplying the call estimate (constant trip counts
// exactly, others by 10), fusionize::async as an async edge, and costs.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %fz -c %s -o %t/a.o -fplugin-arg-fusionize-graph=%t/graph.json -fplugin-arg-fusionize-no-split
// RUN: %validate fusionize-graph.schema.json %t/graph.json
// RUN: %python -c "import json; g = json.load(open('%t/graph.json')); \
// RUN:   [print('edge', e['caller'], e['callee'], e['kind'], e['calls'], \
// RUN:          '|'.join(','.join(s.get('via', [])) or '-' for s in e['sites'])) \
// RUN:    for e in sorted(g['edges'], key=lambda e: (e['caller'], e['callee']))]; \
// RUN:   t = {x['name']: x for x in g['tasks']}; \
// RUN:   print('cost-order', t['heavy']['cost']['self'] > 10 * t['light']['cost']['self']); \
// RUN:   print('total', t['root']['cost']['total'] > t['root']['cost']['self']); \
// RUN:   print('params', t['light']['params'], t['light']['signature'])" | FileCheck %s
#include <fusionize/fusionize.h>
#include <algorithm>
#include <string>
#include <vector>

[[fusionize::task]] int light(int x) { return x + 1; }
[[fusionize::task]] void sink(std::string s) { (void)s; }
[[fusionize::task]] int heavy(int n) {
  int acc = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < 1000; ++j)
      acc += (i * j) % 7;
  return acc;
}
[[fusionize::task]] int viaMember(int x) { return x; }
[[fusionize::task]] int viaCtor(int x) { return x; }
[[fusionize::task]] int viaLambda(int x) { return x; }

namespace {
int helper(int x) { return light(x) + light(x + 1); } // two calls per helper call
struct Box {
  int v;
  explicit Box(int v) : v(viaCtor(v)) {}
  int get() const { return viaMember(v); }
};
void notify(const std::string &s) { fusionize::async(sink, s); }
} // namespace

[[fusionize::task]] int root(int n) {
  int sum = helper(n);                     // light x2 via helper (2)
  for (int i = 0; i < 4; ++i)              // constant trip count: 4
    sum += light(i);                       // (4)
  for (int i = 0; i < n; ++i)              // unknown trip count: 10
    for (int j = 0; j < 3; ++j)            // x3
      sum += light(j);                     // (30)
  Box b(n);
  sum += b.get();
  auto f = [](int x) { return viaLambda(x); };
  sum += f(n);                             // called by name: once
  auto g = [](int x) { return viaLambda(x) * 2; };
  std::vector<int> w{4};
  std::transform(w.begin(), w.end(), w.begin(), g); // only created: once
  std::vector<int> v{1, 2, 3};
  for (int x : v)                          // range-for over a vector: 10
    notify(std::to_string(x));
  sum += heavy(n);
  return sum;
}

// CHECK: edge root heavy sync 1.0 -
// CHECK-NEXT: edge root light sync 36.0 {{.*}}helper|{{.*}}helper|-|-
// CHECK-NEXT: edge root sink async 10.0 {{.*}}notify
// CHECK-NEXT: edge root viaCtor sync 1.0 {{.*}}Box::Box
// CHECK-NEXT: edge root viaLambda sync 2.0 lambda at {{.*}}graph.cpp:{{[0-9]+}}|lambda at {{.*}}graph.cpp:{{[0-9]+}}
// CHECK-NEXT: edge root viaMember sync 1.0 {{.*}}Box::get
// CHECK-NEXT: cost-order True
// CHECK-NEXT: total True
// CHECK-NEXT: params [{'name': 'x', 'type': 'int'}] int (int)
