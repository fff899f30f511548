//===- tree.cpp - The seven tasks of the tree application -----------------===//
//
// B, D and E stand for tasks that wait on a slow service (wait_ms each, 500
// ms in Fusionize++); C, F and G for tasks that compute (a prime sieve of
// `work` numbers each). Fusing a waiting caller with its synchronous callee
// saves the double billing of the wait; fusing the computing tasks takes
// their parallelism away. That trade-off is what the application is for.
//
//===----------------------------------------------------------------------===//
#include "tree.h"

#include "store.h"
#include "work.h"

namespace tree {

TreeResult A(const TreeRequest &request) {
  TreeResult result;
  result.request_id = request.request_id;
  auto computation = fusionize::async(C, request);
  result.dispatched = {"C"};
  result.sync_branch = B(request);
  computation.wait();
  return result;
}

BranchResult B(const TreeRequest &request) {
  examples::waitForIo(request.wait_ms);
  BranchResult result = D(request);
  result.path.insert(result.path.begin(), "B");
  result.waited_ms += request.wait_ms;
  return result;
}

BranchResult D(const TreeRequest &request) {
  examples::waitForIo(request.wait_ms);
  BranchResult result = E(request);
  result.path.insert(result.path.begin(), "D");
  result.waited_ms += request.wait_ms;
  return result;
}

BranchResult E(const TreeRequest &request) {
  examples::waitForIo(request.wait_ms);
  return BranchResult{{"E"}, request.wait_ms};
}

void C(const TreeRequest &request) {
  auto f = fusionize::async(F, request);
  auto g = fusionize::async(G, request);
  storeComputed(request.request_id, "C", examples::countPrimes(request.work));
  f.wait();
  g.wait();
}

void F(const TreeRequest &request) {
  storeComputed(request.request_id, "F", examples::countPrimes(request.work));
}

void G(const TreeRequest &request) {
  storeComputed(request.request_id, "G", examples::countPrimes(request.work));
}

} // namespace tree
