//===- core/CommandLine.h - Options of the fusionize subcommands
//-----------===//
//
// A small option parser shared by the subcommands, so that every one of them
// answers --help the same way and rejects bad arguments with the same kind of
// message:
//
//   fusionize plan: unknown option '--objectiv' (did you mean --objective?)
//
// Usage:
//   ArgParser P("fusionize plan", "Plans fusion groups from traces.");
//   auto &Graph = P.option("graph", "FILE", "task graph (fusionize-graph/1)");
//   auto &Prof  = P.multi("profile", "TRACE", "OTLP/JSON trace file");
//   auto &Verbose = P.flag("verbose", "print more");
//   if (int Rc = P.parse(Argc, Argv); Rc >= 0) return Rc; // --help or error
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_CORE_COMMANDLINE_H
#define FUSIONIZE_CORE_COMMANDLINE_H

#include <memory>
#include <string>
#include <vector>

namespace fusionize {

class ArgParser {
public:
  struct Arg {
    std::string Name; // without dashes; empty for positionals
    std::string Meta; // value placeholder, empty for flags
    std::string Help;
    std::string Default;
    bool Multi = false;
    bool Required = false;
    bool IsFlag = false;
    bool Seen = false;
    char Short = 0;
    std::vector<std::string> Values;

    const std::string &value() const {
      return Values.empty() ? Default : Values.back();
    }
    bool isSet() const { return Seen; }
    explicit operator bool() const { return Seen; }
  };

  ArgParser(std::string Command, std::string Description);

  /// `--name VALUE` or `--name=VALUE`; the last one wins.
  Arg &option(const std::string &Name, const std::string &Meta,
              const std::string &Help, const std::string &Default = "",
              char Short = 0);
  /// May be given several times; all values are kept.
  Arg &multi(const std::string &Name, const std::string &Meta,
             const std::string &Help);
  /// `--name` without value.
  Arg &flag(const std::string &Name, const std::string &Help, char Short = 0);
  /// Positional arguments in order; `Multi` takes the rest.
  Arg &positional(const std::string &Meta, const std::string &Help,
                  bool Required = true, bool Multi = false);
  /// Extra text for --help (examples, notes).
  void epilog(const std::string &Text) { Epilog = Text; }

  /// Parses argv[1..]. Returns -1 when the command should run, 0 after
  /// printing --help, 2 after printing an error.
  int parse(int Argc, char **Argv);

  std::string usage() const;
  /// Prints "COMMAND: MESSAGE" to stderr and returns 2, for checks that come
  /// after parsing (e.g. a value out of range).
  int error(const std::string &Message) const;

  /// Parses a number option or reports an error; returns false on error.
  bool getDouble(const Arg &A, double &Out) const;
  bool getUnsigned(const Arg &A, unsigned long long &Out) const;

private:
  Arg *find(const std::string &Name);
  std::string suggest(const std::string &Name) const;

  std::string Command;
  std::string Description;
  std::string Epilog;
  std::vector<std::unique_ptr<Arg>> Options;
  std::vector<std::unique_ptr<Arg>> Positionals;
};

} // namespace fusionize

#endif // FUSIONIZE_CORE_COMMANDLINE_H
