//===- platform/Workload.cpp - Workloads for `fusionize load`
//--------------===//
#include "platform/Workload.h"

#include "platform/TraceContext.h"

#include <chrono>
#include <cmath>
#include <sstream>

namespace fusionize::platform {

static const char *const WorkloadFormat = "fusionize-workload/1";

double Phase::length() const {
  if (!Ramp && Requests)
    return Rate > 0 ? static_cast<double>(*Requests) / Rate : 0;
  return DurationS;
}

Json Workload::toJson() const {
  Json Doc{{"format", WorkloadFormat}};
  if (!Name.empty())
    Doc["name"] = Name;
  if (!Endpoint.empty())
    Doc["endpoint"] = Endpoint;
  Doc["function"] = Function;
  Doc["invocation_type"] = InvocationType;
  Doc["arrivals"] = Arrivals;
  Doc["seed"] = Seed;
  Json Ps = Json::array();
  for (const Phase &P : Phases) {
    Json J = Json::object();
    if (P.Ramp)
      J["ramp"] = Json{{"from", P.From}, {"to", P.To}};
    else
      J["rate"] = P.Rate;
    if (!P.Ramp && P.Requests)
      J["requests"] = *P.Requests;
    else
      J["duration_s"] = P.DurationS;
    Ps.push_back(J);
  }
  Doc["phases"] = Ps;
  switch (Payload) {
  case PayloadKind::None:
    break;
  case PayloadKind::File:
    Doc["payload"] = Json{{"file", PayloadFile}};
    break;
  case PayloadKind::Template:
    Doc["payload"] = Json{{"template", Template}};
    break;
  case PayloadKind::Literal:
    Doc["payload"] = Json{{"json", Literal}};
    break;
  }
  Doc["timeout_s"] = TimeoutS;
  Doc["max_inflight"] = MaxInflight;
  return Doc;
}

Workload Workload::fromJson(const Json &Doc, const std::string &Origin,
                            const std::string &BaseDir) {
  expectFormat(Doc, WorkloadFormat, Origin);
  Workload W;
  W.Name = getString(Doc, "name", "", Origin, "");
  W.Endpoint = getString(Doc, "endpoint", "", Origin, "");
  W.Function = getString(Doc, "function", "", Origin, "");
  W.InvocationType =
      getString(Doc, "invocation_type", W.InvocationType, Origin, "");
  W.Arrivals = getString(Doc, "arrivals", W.Arrivals, Origin, "");
  W.Seed = static_cast<std::uint64_t>(getInteger(Doc, "seed", 1, Origin, ""));
  W.TimeoutS = getNumber(Doc, "timeout_s", W.TimeoutS, Origin, "");
  W.MaxInflight = static_cast<std::uint64_t>(
      getInteger(Doc, "max_inflight", static_cast<std::int64_t>(W.MaxInflight),
                 Origin, ""));
  const Json &Phases = getArray(Doc, "phases", Origin, "");
  for (size_t I = 0; I < Phases.size(); ++I) {
    std::string Path = "phases[" + std::to_string(I) + "]";
    const Json &J = Phases[I];
    if (!J.is_object())
      throw FormatError(Origin + ": " + Path + ": expected an object");
    Phase P;
    if (J.contains("ramp")) {
      const Json &R = J["ramp"];
      if (!R.is_object())
        throw FormatError(Origin + ": " + Path +
                          ".ramp: expected {\"from\": R1, \"to\": R2}");
      P.Ramp = true;
      P.From = getNumber(R, "from", -1, Origin, Path + ".ramp");
      P.To = getNumber(R, "to", -1, Origin, Path + ".ramp");
      if (P.From < 0 || P.To < 0 || (P.From == 0 && P.To == 0))
        throw FormatError(Origin + ": " + Path +
                          ".ramp: from and to must be non-negative rates, "
                          "not both zero");
      if (J.contains("requests"))
        throw FormatError(Origin + ": " + Path +
                          ": a ramp is bounded by duration_s, not requests");
    } else {
      P.Rate = getNumber(J, "rate", -1, Origin, Path);
      if (P.Rate <= 0)
        throw FormatError(Origin + ": " + Path +
                          ".rate: expected a positive number of requests per "
                          "second");
      if (J.contains("requests")) {
        std::int64_t N = getInteger(J, "requests", 0, Origin, Path);
        if (N < 0)
          throw FormatError(Origin + ": " + Path +
                            ".requests: must not be negative");
        P.Requests = static_cast<std::uint64_t>(N);
      }
    }
    if (!P.Requests) {
      P.DurationS = getNumber(J, "duration_s", -1, Origin, Path);
      if (P.DurationS <= 0)
        throw FormatError(Origin + ": " + Path +
                          ": needs \"duration_s\" (seconds)" +
                          (P.Ramp ? "" : " or \"requests\""));
    } else if (J.contains("duration_s")) {
      throw FormatError(Origin + ": " + Path +
                        ": give either requests or duration_s, not both");
    }
    W.Phases.push_back(P);
  }
  if (Doc.contains("payload")) {
    const Json &P = Doc["payload"];
    if (!P.is_object() || P.size() != 1)
      throw FormatError(Origin + ": payload: expected one of {\"file\": ...}, "
                                 "{\"template\": ...}, {\"json\": ...}");
    if (P.contains("file")) {
      W.Payload = PayloadKind::File;
      W.PayloadFile = getString(P, "file", Origin, "payload");
      if (!W.PayloadFile.empty() && W.PayloadFile[0] != '/' && !BaseDir.empty())
        W.PayloadFile = BaseDir + "/" + W.PayloadFile;
    } else if (P.contains("template")) {
      W.Payload = PayloadKind::Template;
      W.Template = getString(P, "template", Origin, "payload");
    } else if (P.contains("json")) {
      W.Payload = PayloadKind::Literal;
      W.Literal = P["json"];
    } else {
      throw FormatError(Origin + ": payload: unknown kind \"" +
                        P.begin().key() + "\" (file, template, json)");
    }
  }
  W.validate(Origin);
  return W;
}

void Workload::validate(const std::string &Origin) const {
  if (!Function.empty() && !isValidName(Function))
    throw FormatError(Origin + ": function: \"" + Function +
                      "\" is not a valid function name");
  if (InvocationType != "RequestResponse" && InvocationType != "Event")
    throw FormatError(Origin +
                      ": invocation_type: expected RequestResponse "
                      "or Event, got \"" +
                      InvocationType + "\"");
  if (Arrivals != "uniform" && Arrivals != "poisson")
    throw FormatError(Origin +
                      ": arrivals: expected uniform or poisson, got "
                      "\"" +
                      Arrivals + "\"");
  if (TimeoutS <= 0)
    throw FormatError(Origin + ": timeout_s: must be positive");
  if (MaxInflight == 0)
    throw FormatError(Origin + ": max_inflight: must be at least 1");
}

Workload Workload::load(const std::string &Path) {
  auto Slash = Path.rfind('/');
  std::string Dir = Slash == std::string::npos ? "." : Path.substr(0, Slash);
  return fromJson(readJsonFile(Path), Path, Dir);
}

/// Inverse of the expected arrival count of a phase: when the C-th arrival
/// (C may be fractional) is due, in seconds from the phase start.
static double inverseCount(const Phase &P, double C) {
  if (!P.Ramp)
    return C / P.Rate;
  double K = (P.To - P.From) / P.DurationS; // rate slope, per second^2
  if (std::fabs(K) < 1e-12)
    return C / P.From;
  // From*t + K*t^2/2 = C
  double Disc = P.From * P.From + 2 * K * C;
  return (-P.From + std::sqrt(std::max(Disc, 0.0))) / K;
}

/// Expected arrivals over the whole phase.
static double totalCount(const Phase &P) {
  if (!P.Ramp)
    return P.Requests ? static_cast<double>(*P.Requests) : P.Rate * P.DurationS;
  return (P.From + P.To) / 2 * P.DurationS;
}

std::vector<double> arrivalSchedule(const Workload &W) {
  std::vector<double> Out;
  std::mt19937_64 Rng(W.Seed);
  std::exponential_distribution<double> Gap(1.0);
  bool Poisson = W.Arrivals == "poisson";
  double Start = 0;
  for (const Phase &P : W.Phases) {
    double Total = totalCount(P);
    if (P.Requests) {
      // Exactly N requests.
      double C = Poisson ? Gap(Rng) : 0;
      for (std::uint64_t K = 0; K < *P.Requests; ++K) {
        Out.push_back(Start + inverseCount(P, C));
        C += Poisson ? Gap(Rng) : 1;
      }
    } else {
      // As many as arrive within the duration; a tiny epsilon keeps an
      // arrival that falls exactly on the end (rounding) out.
      double C = Poisson ? Gap(Rng) : 0;
      while (C < Total - 1e-9) {
        double T = inverseCount(P, C);
        if (T >= P.DurationS)
          break;
        Out.push_back(Start + T);
        C += Poisson ? Gap(Rng) : 1;
      }
    }
    Start += P.length();
  }
  return Out;
}

//===-- Templates ---------------------------------------------------------===//

static std::int64_t parseInt(const std::string &S, const std::string &Where) {
  size_t End = 0;
  std::int64_t V = 0;
  try {
    V = std::stoll(S, &End);
  } catch (...) {
    End = std::string::npos;
  }
  if (End != S.size())
    throw FormatError("payload template: " + Where + ": \"" + S +
                      "\" is not an integer");
  return V;
}

static double parseDouble(const std::string &S, const std::string &Where) {
  size_t End = 0;
  double V = 0;
  try {
    V = std::stod(S, &End);
  } catch (...) {
    End = std::string::npos;
  }
  if (End != S.size())
    throw FormatError("payload template: " + Where + ": \"" + S +
                      "\" is not a number");
  return V;
}

static std::vector<std::string> split(const std::string &S, char Sep) {
  std::vector<std::string> Out;
  size_t Pos = 0;
  while (true) {
    size_t Next = S.find(Sep, Pos);
    Out.push_back(S.substr(Pos, Next - Pos));
    if (Next == std::string::npos)
      return Out;
    Pos = Next + 1;
  }
}

PayloadTemplate PayloadTemplate::parse(const std::string &Text) {
  PayloadTemplate T;
  std::string Literal;
  auto Flush = [&] {
    if (Literal.empty())
      return;
    Piece P;
    P.Text = Literal;
    T.Pieces.push_back(std::move(P));
    Literal.clear();
  };
  size_t I = 0;
  while (I < Text.size()) {
    if (Text.compare(I, 4, "{{{{") == 0) {
      Literal += "{{";
      I += 4;
      continue;
    }
    if (Text.compare(I, 2, "{{") != 0) {
      Literal += Text[I++];
      continue;
    }
    size_t Close = Text.find("}}", I + 2);
    if (Close == std::string::npos)
      throw FormatError("payload template: unterminated placeholder at "
                        "offset " +
                        std::to_string(I));
    std::string Body = Text.substr(I + 2, Close - I - 2);
    std::string Where = "{{" + Body + "}}";
    size_t Colon = Body.find(':');
    std::string Name = Body.substr(0, Colon);
    std::string Args =
        Colon == std::string::npos ? std::string() : Body.substr(Colon + 1);
    Piece P;
    if (Name == "seq" && Args.empty()) {
      P.K = Kind::Seq;
    } else if (Name == "uuid" && Args.empty()) {
      P.K = Kind::Uuid;
    } else if (Name == "timestamp_ms" && Args.empty()) {
      P.K = Kind::TimestampMs;
    } else if (Name == "rand_int" || Name == "rand_float") {
      std::vector<std::string> A = split(Args, ':');
      if (A.size() != 2)
        throw FormatError("payload template: " + Where + ": expected {{" +
                          Name + ":LO:HI}}");
      if (Name == "rand_int") {
        P.K = Kind::RandInt;
        P.Lo = parseInt(A[0], Where);
        P.Hi = parseInt(A[1], Where);
      } else {
        P.K = Kind::RandFloat;
        P.FLo = parseDouble(A[0], Where);
        P.FHi = parseDouble(A[1], Where);
      }
      if (P.Lo > P.Hi || P.FLo > P.FHi)
        throw FormatError("payload template: " + Where + ": LO > HI");
    } else if (Name == "choice") {
      P.K = Kind::Choice;
      P.Choices = split(Args, '|');
      if (Args.empty())
        throw FormatError("payload template: " + Where +
                          ": expected {{choice:A|B|...}}");
    } else if (Name == "rand_string") {
      P.K = Kind::RandString;
      P.Lo = parseInt(Args, Where);
      if (P.Lo < 0 || P.Lo > (1 << 20))
        throw FormatError("payload template: " + Where +
                          ": length out of range");
    } else {
      throw FormatError("payload template: unknown placeholder " + Where +
                        " (seq, rand_int:LO:HI, rand_float:LO:HI, "
                        "choice:A|B, rand_string:N, uuid, timestamp_ms)");
    }
    Flush();
    T.Pieces.push_back(std::move(P));
    I = Close + 2;
  }
  Flush();
  return T;
}

std::string PayloadTemplate::expand(std::uint64_t Seq,
                                    std::mt19937_64 &Rng) const {
  std::string Out;
  for (const Piece &P : Pieces) {
    switch (P.K) {
    case Kind::Text:
      Out += P.Text;
      break;
    case Kind::Seq:
      Out += std::to_string(Seq);
      break;
    case Kind::RandInt:
      Out += std::to_string(
          std::uniform_int_distribution<std::int64_t>(P.Lo, P.Hi)(Rng));
      break;
    case Kind::RandFloat: {
      std::ostringstream OS;
      OS << std::uniform_real_distribution<double>(P.FLo, P.FHi)(Rng);
      Out += OS.str();
      break;
    }
    case Kind::Choice:
      Out += P.Choices[std::uniform_int_distribution<size_t>(
          0, P.Choices.size() - 1)(Rng)];
      break;
    case Kind::RandString: {
      static const char Alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
      std::uniform_int_distribution<int> D(0, 35);
      for (std::int64_t I = 0; I < P.Lo; ++I)
        Out += Alphabet[D(Rng)];
      break;
    }
    case Kind::Uuid:
      Out += newRequestId();
      break;
    case Kind::TimestampMs:
      Out += std::to_string(
          std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count());
      break;
    }
  }
  return Out;
}

PayloadSource PayloadSource::fromWorkload(const Workload &W) {
  PayloadSource S;
  S.Rng.seed(W.Seed ^ 0x9e3779b97f4a7c15ULL);
  switch (W.Payload) {
  case Workload::PayloadKind::None:
    S.Lines.push_back("{}");
    break;
  case Workload::PayloadKind::Literal:
    S.Lines.push_back(W.Literal.dump());
    break;
  case Workload::PayloadKind::File: {
    std::string Text = readTextFile(W.PayloadFile);
    if (Json::accept(Text)) {
      // One document (possibly pretty-printed): one payload.
      S.Lines.push_back(Json::parse(Text).dump());
      break;
    }
    std::istringstream In(Text);
    std::string Line;
    size_t No = 0;
    while (std::getline(In, Line)) {
      ++No;
      if (Line.find_first_not_of(" \t\r") == std::string::npos)
        continue;
      if (!Json::accept(Line))
        throw FormatError(W.PayloadFile + ":" + std::to_string(No) +
                          ": not a JSON document (payload files are JSON "
                          "Lines: one payload per line)");
      S.Lines.push_back(Line);
    }
    if (S.Lines.empty())
      throw FormatError(W.PayloadFile + ": no payloads");
    break;
  }
  case Workload::PayloadKind::Template: {
    S.Template = PayloadTemplate::parse(W.Template);
    std::mt19937_64 Probe(W.Seed);
    std::string First = S.Template->expand(0, Probe);
    if (!Json::accept(First))
      throw FormatError("payload template: the expansion is not JSON: " +
                        First);
    break;
  }
  }
  return S;
}

std::string PayloadSource::next(std::uint64_t Seq) {
  if (Template)
    return Template->expand(Seq, Rng);
  return Lines[Seq % Lines.size()];
}

} // namespace fusionize::platform
