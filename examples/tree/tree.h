//===- tree.h - The tree application of Fusionize++ -----------------------===//
//
// Seven tasks in a call tree that mixes waiting and computing (the "tree"
// application of Schirmer et al., "Fusionize++", IEEE TCC 2024):
//
//   A ──sync──► B ──sync──► D ──sync──► E      B, D, E wait (I/O-like)
//   A ──async─► C ──async─► F                  C, F, G compute (CPU-heavy)
//               C ──async─► G
//
// The synchronous branch returns a result to A; the asynchronous branch
// records its results in the SQLite file $FUSIONIZE_TREE_DB (default
// $TMPDIR/fusionize-tree.sqlite).
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_EXAMPLES_TREE_H
#define FUSIONIZE_EXAMPLES_TREE_H

#include <fusionize/fusionize.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tree {

/// The payload of A, passed down the whole tree.
struct TreeRequest {
  std::int64_t request_id = 0;
  int wait_ms = 500;              // how long each of B, D and E waits
  std::int64_t work = 10'000'000; // sieve size of each of C, F and G
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TreeRequest, request_id,
                                                wait_ms, work)

/// What the synchronous branch B -> D -> E returns: the tasks it passed
/// through, innermost last, and how long they waited in total.
struct BranchResult {
  std::vector<std::string> path;
  int waited_ms = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BranchResult, path, waited_ms)

/// The response of A.
struct TreeResult {
  std::int64_t request_id = 0;
  BranchResult sync_branch;
  std::vector<std::string> dispatched; // asynchronous calls started
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TreeResult, request_id,
                                                sync_branch, dispatched)

[[fusionize::task]] TreeResult A(const TreeRequest &request);
[[fusionize::task]] BranchResult B(const TreeRequest &request);
[[fusionize::task]] void C(const TreeRequest &request);
[[fusionize::task]] BranchResult D(const TreeRequest &request);
[[fusionize::task]] BranchResult E(const TreeRequest &request);
[[fusionize::task]] void F(const TreeRequest &request);
[[fusionize::task]] void G(const TreeRequest &request);

} // namespace tree

#endif // FUSIONIZE_EXAMPLES_TREE_H
