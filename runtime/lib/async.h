//===- async.h - The runtime's side of fusionize::async -------------------===//
#ifndef FUSIONIZE_RUNTIME_ASYNC_H
#define FUSIONIZE_RUNTIME_ASYNC_H

#include <cstddef>

namespace fusionize::detail {

/// Blocks until at most `limit` pieces of asynchronous work are outstanding
/// in the whole process.
void wait_for_all_async_work(std::size_t limit = 0);

} // namespace fusionize::detail

#endif // FUSIONIZE_RUNTIME_ASYNC_H
