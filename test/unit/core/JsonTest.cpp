#include "core/Json.h"

#include <gtest/gtest.h>

using namespace fusionize;

static std::string errorOf(std::string_view Text) {
  try {
    parseJson(Text, "doc.json");
  } catch (const FormatError &E) {
    return E.what();
  }
  return "";
}

TEST(Json, ParseErrorNamesFileLineAndColumn) {
  std::string E = errorOf("{\n  \"a\": 1,\n  \"b\": ]\n}");
  EXPECT_NE(E.find("doc.json:3:"), std::string::npos) << E;
  EXPECT_NE(E.find("invalid JSON"), std::string::npos) << E;
  EXPECT_NE(E.find("byte offset"), std::string::npos) << E;
}

TEST(Json, TruncatedDocument) {
  std::string E = errorOf("{\"groups\": [");
  EXPECT_NE(E.find("doc.json:1:"), std::string::npos) << E;
}

TEST(Json, FieldErrorsNameThePath) {
  Json Doc = parseJson(R"({"groups": [{"memory_mb": "big"}]})", "p.json");
  try {
    getInteger(Doc["groups"][0], "memory_mb", 128, "p.json", "groups[0]");
    FAIL();
  } catch (const FormatError &E) {
    EXPECT_STREQ(
        E.what(),
        "p.json: groups[0].memory_mb: expected an integer, got \"big\"");
  }
  try {
    getString(Doc, "name", "p.json", "");
    FAIL();
  } catch (const FormatError &E) {
    EXPECT_STREQ(E.what(), "p.json: name: missing");
  }
}

TEST(Json, ExpectFormat) {
  Json Doc = parseJson(R"({"format": "fusionize-graph/1"})", "x.json");
  EXPECT_NO_THROW(expectFormat(Doc, "fusionize-graph/1", "x.json"));
  try {
    expectFormat(Doc, "fusionize-plan/1", "x.json");
    FAIL();
  } catch (const FormatError &E) {
    EXPECT_STREQ(E.what(), "x.json: this is not a fusionize-plan/1 document "
                           "(\"format\" is \"fusionize-graph/1\")");
  }
}

TEST(Json, Names) {
  EXPECT_TRUE(isValidName("AnalyzeSensor"));
  EXPECT_TRUE(isValidName("resize-image_2"));
  EXPECT_FALSE(isValidName(""));
  EXPECT_FALSE(isValidName("has space"));
  EXPECT_FALSE(isValidName("ns::f"));
  EXPECT_FALSE(isValidName(std::string(65, 'a')));
  EXPECT_TRUE(isValidName(std::string(64, 'a')));
}

TEST(Json, AtomicWriteAndRead) {
  std::string Path = ::testing::TempDir() + "/fz-json-test.json";
  writeJsonFile(Path, Json{{"a", 1}});
  EXPECT_EQ(readJsonFile(Path)["a"], 1);
  writeTextFile(Path, "   \n");
  EXPECT_THROW(readJsonFile(Path), FormatError);
  EXPECT_THROW(readJsonFile(Path + ".missing"), FormatError);
}
