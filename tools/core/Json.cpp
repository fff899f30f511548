//===- core/Json.cpp - JSON documents with errors a user can act on -------===//
#include "core/Json.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace fusionize {

namespace {

// Line and column (1-based) of byte `Offset` in `Text`.
std::pair<size_t, size_t> lineColumn(std::string_view Text, size_t Offset) {
  size_t Line = 1, Col = 1;
  for (size_t I = 0; I < Offset && I < Text.size(); ++I) {
    if (Text[I] == '\n') {
      ++Line;
      Col = 1;
    } else {
      ++Col;
    }
  }
  return {Line, Col};
}

std::string describe(const Json &V) {
  if (V.is_string())
    return "\"" + V.get<std::string>() + "\"";
  if (V.is_null())
    return "null";
  std::string S = V.dump();
  if (S.size() > 40)
    S = S.substr(0, 37) + "...";
  return std::string(V.type_name()) + " " + S;
}

std::string at(const std::string &Path, const char *Key) {
  return Path.empty() ? std::string(Key) : Path + "." + Key;
}

} // namespace

Json parseJson(std::string_view Text, const std::string &Origin) {
  try {
    return Json::parse(Text.begin(), Text.end());
  } catch (const Json::parse_error &E) {
    auto [Line, Col] = lineColumn(Text, E.byte ? E.byte - 1 : 0);
    std::string What = E.what();
    // nlohmann's message is "[json.exception.parse_error.101] parse error at
    // line 1, column 2: syntax error while parsing value - ..."; keep the part
    // after the location.
    auto Pos = What.find("syntax error");
    if (Pos == std::string::npos)
      Pos = What.find(": ");
    std::string Detail = Pos == std::string::npos ? What : What.substr(Pos);
    if (!Detail.empty() && Detail[0] == ':')
      Detail = Detail.substr(2);
    throw FormatError(Origin + ":" + std::to_string(Line) + ":" +
                      std::to_string(Col) + ": invalid JSON (byte offset " +
                      std::to_string(E.byte) + "): " + Detail);
  }
}

std::string readTextFile(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    throw FormatError(Path + ": cannot open: " + std::strerror(errno));
  std::ostringstream SS;
  SS << In.rdbuf();
  if (In.bad())
    throw FormatError(Path + ": read error");
  return SS.str();
}

Json readJsonFile(const std::string &Path) {
  std::string Text = readTextFile(Path);
  if (Text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw FormatError(Path + ": file is empty, expected a JSON document");
  return parseJson(Text, Path);
}

void writeTextFile(const std::string &Path, std::string_view Text) {
  std::string Tmp = Path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream Out(Tmp, std::ios::binary | std::ios::trunc);
    if (!Out)
      throw FormatError(Path + ": cannot write: " + std::strerror(errno));
    Out.write(Text.data(), static_cast<std::streamsize>(Text.size()));
    Out.flush();
    if (!Out) {
      std::remove(Tmp.c_str());
      throw FormatError(Path + ": write failed: " + std::strerror(errno));
    }
  }
  if (std::rename(Tmp.c_str(), Path.c_str()) != 0) {
    int Err = errno;
    std::remove(Tmp.c_str());
    throw FormatError(Path + ": cannot write: " + std::strerror(Err));
  }
}

void writeJsonFile(const std::string &Path, const Json &Doc) {
  writeTextFile(Path, Doc.dump(2) + "\n");
}

void expectFormat(const Json &Doc, std::string_view Expected,
                  const std::string &Origin) {
  if (!Doc.is_object())
    throw FormatError(Origin + ": expected a JSON object with \"format\": \"" +
                      std::string(Expected) + "\", got " + describe(Doc));
  auto It = Doc.find("format");
  if (It == Doc.end())
    throw FormatError(Origin + ": missing \"format\" (expected \"" +
                      std::string(Expected) + "\")");
  if (!It->is_string() || It->get<std::string>() != Expected)
    throw FormatError(Origin + ": this is not a " + std::string(Expected) +
                      " document (\"format\" is " + describe(*It) + ")");
}

const Json &requireField(const Json &Obj, const char *Key,
                         const std::string &Origin, const std::string &Path) {
  if (!Obj.is_object())
    throw FormatError(Origin + ": " + (Path.empty() ? "document" : Path) +
                      ": expected an object, got " + describe(Obj));
  auto It = Obj.find(Key);
  if (It == Obj.end())
    throw FormatError(Origin + ": " + at(Path, Key) + ": missing");
  return *It;
}

std::string getString(const Json &Obj, const char *Key,
                      const std::string &Origin, const std::string &Path) {
  const Json &V = requireField(Obj, Key, Origin, Path);
  if (!V.is_string())
    throw FormatError(Origin + ": " + at(Path, Key) +
                      ": expected a string, got " + describe(V));
  return V.get<std::string>();
}

std::string getString(const Json &Obj, const char *Key, std::string Default,
                      const std::string &Origin, const std::string &Path) {
  if (!Obj.contains(Key))
    return Default;
  return getString(Obj, Key, Origin, Path);
}

double getNumber(const Json &Obj, const char *Key, double Default,
                 const std::string &Origin, const std::string &Path) {
  if (!Obj.contains(Key))
    return Default;
  const Json &V = Obj[Key];
  if (!V.is_number())
    throw FormatError(Origin + ": " + at(Path, Key) +
                      ": expected a number, got " + describe(V));
  return V.get<double>();
}

std::int64_t getInteger(const Json &Obj, const char *Key, std::int64_t Default,
                        const std::string &Origin, const std::string &Path) {
  if (!Obj.contains(Key))
    return Default;
  const Json &V = Obj[Key];
  if (V.is_number_integer())
    return V.get<std::int64_t>();
  if (V.is_number_float() &&
      V.get<double>() == static_cast<double>(V.get<std::int64_t>()))
    return V.get<std::int64_t>();
  throw FormatError(Origin + ": " + at(Path, Key) +
                    ": expected an integer, got " + describe(V));
}

bool getBool(const Json &Obj, const char *Key, bool Default,
             const std::string &Origin, const std::string &Path) {
  if (!Obj.contains(Key))
    return Default;
  const Json &V = Obj[Key];
  if (!V.is_boolean())
    throw FormatError(Origin + ": " + at(Path, Key) +
                      ": expected true or false, got " + describe(V));
  return V.get<bool>();
}

const Json &getArray(const Json &Obj, const char *Key,
                     const std::string &Origin, const std::string &Path,
                     bool Required) {
  static const Json Empty = Json::array();
  if (!Required && (!Obj.is_object() || !Obj.contains(Key)))
    return Empty;
  const Json &V = requireField(Obj, Key, Origin, Path);
  if (!V.is_array())
    throw FormatError(Origin + ": " + at(Path, Key) +
                      ": expected an array, got " + describe(V));
  return V;
}

bool isValidName(std::string_view Name) {
  if (Name.empty() || Name.size() > 64)
    return false;
  for (char C : Name)
    if (!(std::isalnum(static_cast<unsigned char>(C)) || C == '_' || C == '-'))
      return false;
  return true;
}

} // namespace fusionize
