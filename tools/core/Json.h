//===- core/Json.h - JSON documents with errors a user can act on ---------===//
//
// Every file format of Fusionize is a versioned JSON document. These helpers
// read them with messages that name the file, the line and column, and the
// field that was wrong; they throw FormatError, which tools print as is.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_CORE_JSON_H
#define FUSIONIZE_CORE_JSON_H

#include <nlohmann/json.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fusionize {

/// Documents keep the order of their keys, so written files read naturally.
using Json = nlohmann::ordered_json;

/// A document that cannot be used, with a message for the user.
class FormatError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Parses `Text`; `Origin` (a file name) prefixes every error message.
Json parseJson(std::string_view Text, const std::string &Origin);

/// Reads and parses a file.
Json readJsonFile(const std::string &Path);

/// Writes `Doc` indented, atomically (a temporary file renamed into place),
/// so a reader never sees half a document.
void writeJsonFile(const std::string &Path, const Json &Doc);

/// Reads the whole file; throws FormatError naming the path.
std::string readTextFile(const std::string &Path);
/// Writes atomically like writeJsonFile.
void writeTextFile(const std::string &Path, std::string_view Text);

/// Checks `Doc["format"] == Expected` ("fusionize-plan/1"), with a message
/// that says what the document is instead.
void expectFormat(const Json &Doc, std::string_view Expected,
                  const std::string &Origin);

/// Typed field access with messages like
///   plan.json: groups[2].memory_mb: expected an integer, got "big"
/// `Path` is the JSON path of `Obj` used in messages.
const Json &requireField(const Json &Obj, const char *Key,
                         const std::string &Origin, const std::string &Path);
std::string getString(const Json &Obj, const char *Key,
                      const std::string &Origin, const std::string &Path);
std::string getString(const Json &Obj, const char *Key, std::string Default,
                      const std::string &Origin, const std::string &Path);
double getNumber(const Json &Obj, const char *Key, double Default,
                 const std::string &Origin, const std::string &Path);
std::int64_t getInteger(const Json &Obj, const char *Key, std::int64_t Default,
                        const std::string &Origin, const std::string &Path);
bool getBool(const Json &Obj, const char *Key, bool Default,
             const std::string &Origin, const std::string &Path);
const Json &getArray(const Json &Obj, const char *Key,
                     const std::string &Origin, const std::string &Path,
                     bool Required = true);

/// `[A-Za-z0-9_-]{1,64}`: valid as an AWS Lambda function name and as a file
/// name. Task, group and function names all follow it.
bool isValidName(std::string_view Name);

} // namespace fusionize

#endif // FUSIONIZE_CORE_JSON_H
