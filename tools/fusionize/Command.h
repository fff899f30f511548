//===- fusionize/Command.h - Subcommands of the fusionize command
//----------===//
//
// Each subcommand lives in its own cmd_<name>.cpp and registers itself:
//
//   static int runPlan(int Argc, char **Argv);
//   FUSIONIZE_COMMAND(plan, "trace + graph -> plan, with an explanation",
//                     runPlan, 20)
//
// main() dispatches `fusionize NAME ARGS...` to it with argv[0] = "fusionize
// NAME". The number orders `fusionize --help`.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_TOOLS_COMMAND_H
#define FUSIONIZE_TOOLS_COMMAND_H

namespace fusionize {

struct Command {
  const char *Name;
  const char *Summary;
  int (*Run)(int Argc, char **Argv);
  int Order;
};

struct CommandRegistrar {
  explicit CommandRegistrar(const Command &C);
};

} // namespace fusionize

#define FUSIONIZE_COMMAND(NAME, SUMMARY, FN, ORDER)                            \
  static ::fusionize::CommandRegistrar FusionizeCommand_##NAME(                \
      ::fusionize::Command{#NAME, SUMMARY, FN, ORDER});

#endif // FUSIONIZE_TOOLS_COMMAND_H
