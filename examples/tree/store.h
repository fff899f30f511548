//===- store.h - Where the tree's asynchronous branch leaves its results --===//
//
// One table, `computed`: one row per run of C, F or G with the number of
// primes it counted, keyed by request and task so that a retried event
// changes nothing.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_EXAMPLES_TREE_STORE_H
#define FUSIONIZE_EXAMPLES_TREE_STORE_H

#include <cstdint>
#include <ostream>
#include <string>

namespace tree {

/// $FUSIONIZE_TREE_DB, or fusionize-tree.sqlite in $TMPDIR (or /tmp).
std::string databasePath();

/// Records that `task` counted `primes` primes for request `requestId`.
void storeComputed(std::int64_t requestId, const std::string &task,
                   std::int64_t primes);

/// Writes every row, sorted, one line per row.
void printDatabase(std::ostream &out);

} // namespace tree

#endif // FUSIONIZE_EXAMPLES_TREE_STORE_H
