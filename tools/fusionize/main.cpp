//===- fusionize/main.cpp - The fusionize command -------------------------===//
//
//   fusionize <command> [options]      fusionize <command> --help
//
// Subcommands register themselves (see Command.h).
//
//===----------------------------------------------------------------------===//
#include "Command.h"

#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace fusionize {

static std::vector<Command> &commands() {
  static std::vector<Command> All;
  return All;
}

CommandRegistrar::CommandRegistrar(const Command &C) {
  commands().push_back(C);
}

} // namespace fusionize

using namespace fusionize;

static void printHelp(std::ostream &OS) {
  auto Cmds = commands();
  std::sort(Cmds.begin(), Cmds.end(), [](const Command &A, const Command &B) {
    return A.Order < B.Order;
  });
  OS << "usage: fusionize <command> [options]\n\n"
        "Fusionize for C++: split one C++ program into serverless functions,\n"
        "run them locally like AWS Lambda, and re-plan them from traces.\n\n"
        "commands:\n";
  for (const Command &C : Cmds) {
    std::string N = C.Name;
    OS << "  " << N << std::string(N.size() < 12 ? 12 - N.size() : 1, ' ')
       << C.Summary << "\n";
  }
  OS << "\nRun 'fusionize <command> --help' for the options of a command.\n";
}

int main(int Argc, char **Argv) {
  if (Argc < 2) {
    printHelp(std::cerr);
    return 2;
  }
  std::string Name = Argv[1];
  if (Name == "-h" || Name == "--help" || Name == "help") {
    printHelp(std::cout);
    return 0;
  }
  if (Name == "--version") {
    std::cout << "fusionize 0.1.0 (LLVM 19)\n";
    return 0;
  }
  for (const Command &C : commands()) {
    if (Name != C.Name)
      continue;
    std::string Full = std::string("fusionize ") + C.Name;
    std::vector<char *> Args(Argv + 1, Argv + Argc);
    Args[0] = Full.data();
    Args.push_back(nullptr);
    return C.Run(Argc - 1, Args.data());
  }
  std::cerr << "fusionize: unknown command '" << Name
            << "'; run 'fusionize --help' for the list\n";
  return 2;
}
