//===- core/CommandLine.cpp - Options of the fusionize subcommands
//---------===//
#include "core/CommandLine.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace fusionize {

ArgParser::ArgParser(std::string Command, std::string Description)
    : Command(std::move(Command)), Description(std::move(Description)) {}

ArgParser::Arg &ArgParser::option(const std::string &Name,
                                  const std::string &Meta,
                                  const std::string &Help,
                                  const std::string &Default, char Short) {
  auto A = std::make_unique<Arg>();
  A->Name = Name;
  A->Meta = Meta;
  A->Help = Help;
  A->Default = Default;
  A->Short = Short;
  Options.push_back(std::move(A));
  return *Options.back();
}

ArgParser::Arg &ArgParser::multi(const std::string &Name,
                                 const std::string &Meta,
                                 const std::string &Help) {
  Arg &A = option(Name, Meta, Help);
  A.Multi = true;
  return A;
}

ArgParser::Arg &ArgParser::flag(const std::string &Name,
                                const std::string &Help, char Short) {
  Arg &A = option(Name, "", Help, "", Short);
  A.IsFlag = true;
  return A;
}

ArgParser::Arg &ArgParser::positional(const std::string &Meta,
                                      const std::string &Help, bool Required,
                                      bool Multi) {
  auto A = std::make_unique<Arg>();
  A->Meta = Meta;
  A->Help = Help;
  A->Required = Required;
  A->Multi = Multi;
  Positionals.push_back(std::move(A));
  return *Positionals.back();
}

ArgParser::Arg *ArgParser::find(const std::string &Name) {
  for (auto &A : Options)
    if (A->Name == Name)
      return A.get();
  return nullptr;
}

static size_t editDistance(const std::string &A, const std::string &B) {
  std::vector<size_t> Prev(B.size() + 1), Cur(B.size() + 1);
  for (size_t J = 0; J <= B.size(); ++J)
    Prev[J] = J;
  for (size_t I = 1; I <= A.size(); ++I) {
    Cur[0] = I;
    for (size_t J = 1; J <= B.size(); ++J)
      Cur[J] = std::min({Prev[J] + 1, Cur[J - 1] + 1,
                         Prev[J - 1] + (A[I - 1] == B[J - 1] ? 0 : 1)});
    std::swap(Prev, Cur);
  }
  return Prev[B.size()];
}

std::string ArgParser::suggest(const std::string &Name) const {
  std::string Best;
  size_t BestD = 3;
  for (const auto &A : Options) {
    size_t D = editDistance(Name, A->Name);
    if (D < BestD) {
      BestD = D;
      Best = A->Name;
    }
  }
  return Best;
}

std::string ArgParser::usage() const {
  std::string S = "usage: " + Command;
  if (!Options.empty())
    S += " [options]";
  for (const auto &P : Positionals) {
    std::string M = P->Meta + (P->Multi ? "..." : "");
    S += " " + (P->Required ? M : "[" + M + "]");
  }
  S += "\n\n" + Description + "\n";
  if (!Positionals.empty()) {
    S += "\narguments:\n";
    for (const auto &P : Positionals)
      S += "  " + P->Meta +
           std::string(P->Meta.size() < 24 ? 24 - P->Meta.size() : 1, ' ') +
           P->Help + "\n";
  }
  S += "\noptions:\n";
  auto Line = [&](const std::string &Left, const std::string &Help) {
    S += "  " + Left +
         std::string(Left.size() < 24 ? 24 - Left.size() : 1, ' ') + Help +
         "\n";
  };
  for (const auto &A : Options) {
    std::string Left =
        (A->Short ? std::string("-") + A->Short + ", " : "") + "--" + A->Name;
    if (!A->IsFlag)
      Left += " " + A->Meta;
    std::string Help = A->Help;
    if (!A->Default.empty())
      Help += " (default: " + A->Default + ")";
    if (A->Multi)
      Help += " (repeatable)";
    Line(Left, Help);
  }
  Line("-h, --help", "show this help");
  if (!Epilog.empty())
    S += "\n" + Epilog + (Epilog.back() == '\n' ? "" : "\n");
  return S;
}

int ArgParser::error(const std::string &Message) const {
  std::cerr << Command << ": " << Message << "\n";
  return 2;
}

int ArgParser::parse(int Argc, char **Argv) {
  size_t NextPos = 0;
  bool OnlyPositional = false;
  for (int I = 1; I < Argc; ++I) {
    std::string A = Argv[I];
    if (!OnlyPositional && A == "--") {
      OnlyPositional = true;
      continue;
    }
    if (!OnlyPositional && (A == "-h" || A == "--help")) {
      std::cout << usage();
      return 0;
    }
    if (!OnlyPositional && A.size() > 1 && A[0] == '-') {
      std::string Name, Value;
      bool HasValue = false;
      Arg *Opt = nullptr;
      if (A.rfind("--", 0) == 0) {
        Name = A.substr(2);
        if (auto Eq = Name.find('='); Eq != std::string::npos) {
          Value = Name.substr(Eq + 1);
          Name = Name.substr(0, Eq);
          HasValue = true;
        }
        Opt = find(Name);
      } else if (A.size() == 2) {
        for (auto &O : Options)
          if (O->Short == A[1])
            Opt = O.get();
        Name = A.substr(1);
      }
      if (!Opt) {
        std::string S = suggest(Name);
        return error("unknown option '" + A + "'" +
                     (S.empty() ? "" : " (did you mean --" + S + "?)") +
                     "; see " + Command + " --help");
      }
      Opt->Seen = true;
      if (Opt->IsFlag) {
        if (HasValue)
          return error("option --" + Opt->Name + " takes no value");
        Opt->Values.push_back("1");
        continue;
      }
      if (!HasValue) {
        if (I + 1 >= Argc)
          return error("option --" + Opt->Name + " needs a value (" +
                       Opt->Meta + ")");
        Value = Argv[++I];
      }
      if (!Opt->Multi)
        Opt->Values.clear();
      Opt->Values.push_back(Value);
      continue;
    }
    if (NextPos >= Positionals.size())
      return error("unexpected argument '" + A + "'; see " + Command +
                   " --help");
    Arg &P = *Positionals[NextPos];
    P.Seen = true;
    P.Values.push_back(A);
    if (!P.Multi)
      ++NextPos;
  }
  for (const auto &P : Positionals)
    if (P->Required && !P->Seen)
      return error("missing " + P->Meta + "; see " + Command + " --help");
  return -1;
}

bool ArgParser::getDouble(const Arg &A, double &Out) const {
  const std::string &V = A.value();
  char *End = nullptr;
  errno = 0;
  double D = std::strtod(V.c_str(), &End);
  if (V.empty() || *End || errno) {
    error("--" + A.Name + ": expected a number, got '" + V + "'");
    return false;
  }
  Out = D;
  return true;
}

bool ArgParser::getUnsigned(const Arg &A, unsigned long long &Out) const {
  const std::string &V = A.value();
  char *End = nullptr;
  errno = 0;
  unsigned long long N = std::strtoull(V.c_str(), &End, 10);
  if (V.empty() || *End || errno || V[0] == '-') {
    error("--" + A.Name + ": expected a non-negative integer, got '" + V + "'");
    return false;
  }
  Out = N;
  return true;
}

} // namespace fusionize
