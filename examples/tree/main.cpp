//===- main.cpp - Runs the tree application as an ordinary program --------===//
//
//   tree_plain [PAYLOADS.jsonl]   run requests through A
//   tree_plain --report           only print the database
//
// Sends each request (the built-in ones, or one payload per line of the
// file) to A, prints each response as a line of JSON, then every row of the
// database. Every call is a plain C++ call here; the output is what every
// fusion plan of the application must reproduce. Set FUSIONIZE_TREE_DB to
// choose the database file; start from a fresh file to compare runs.
//
//===----------------------------------------------------------------------===//
#include "payloads.h"
#include "store.h"
#include "tree.h"

#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {

/// The requests of workloads/requests-smoke.jsonl (a test checks that both
/// give the same output): short waits and small sieves.
std::vector<tree::TreeRequest> builtinRequests() {
  return {{1, 20, 100'000}, {2, 10, 200'000}, {3, 0, 1'000}};
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 1 && args[0] == "--report") {
      tree::printDatabase(std::cout);
      return 0;
    }
    if (args.size() > 1 || (args.size() == 1 && args[0].rfind("-", 0) == 0)) {
      std::cerr << "usage: tree_plain [PAYLOADS.jsonl] | --report\n";
      return 2;
    }

    std::vector<tree::TreeRequest> requests;
    if (args.empty()) {
      requests = builtinRequests();
    } else {
      for (const nlohmann::json &payload : examples::readPayloads(args[0]))
        requests.push_back(
            examples::argument<tree::TreeRequest>(payload, 0, "request"));
    }

    for (const tree::TreeRequest &request : requests) {
      tree::TreeResult result = tree::A(request);
      std::cout << "A " << nlohmann::json(result).dump() << "\n";
    }
    tree::printDatabase(std::cout);
  } catch (const std::exception &error) {
    std::cerr << "tree_plain: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
