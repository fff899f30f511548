//===- CodecTest.cpp - Payloads: round trips and every way to get them wrong
//===//
#include "TestTasks.h"

#include "dispatch.h"
#include "registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <deque>
#include <list>
#include <random>
#include <set>
#include <tuple>
#include <unordered_map>

using namespace fusionize::detail;
using fz_test::Color;
using fz_test::Order;
using fz_test::Point;
using testing::HasSubstr;

namespace {

enum Plain { plain_a, plain_b = 7 }; // no serializer: travels as its number

template <class T> T round_trip(const T &v) {
  std::string text = dump(encode_value(v));
  return decode_value<T>(json::parse(text), "value");
}

/// Encodes with encode_args, decodes through a registration as the entry
/// wrapper would.
template <class... T> std::tuple<T...> through_payload(const T &...v) {
  static const char *const names[] = {"p0", "p1", "p2", "p3", "p4", "p5"};
  static const task_info info = {"codec", 0, kAbiVersion};
  task_registration reg{&info, nullptr, names, sizeof...(T), kAbiVersion};
  std::string payload = encode_args(v...);
  invocation inv;
  inv.payload = payload;
  inv.task = &reg;
  return decode_args<T...>(inv);
}

const task_registration &reg(const char *name) {
  const task_registration *r = find_task(name);
  EXPECT_NE(r, nullptr) << name;
  return *r;
}

/// Runs a registered task's entry on a payload; the error message if it
/// throws payload_error.
std::string entry_error(const char *task, std::string_view payload) {
  invocation inv;
  inv.payload = payload;
  inv.task = &reg(task);
  try {
    inv.task->entry(inv);
  } catch (const payload_error &e) {
    return e.what();
  }
  ADD_FAILURE() << "payload " << payload << " was accepted by " << task;
  return "";
}

std::string entry_result(const char *task, std::string_view payload) {
  invocation inv;
  inv.payload = payload;
  inv.task = &reg(task);
  inv.task->entry(inv);
  return inv.result;
}

// --- Random values
// ------------------------------------------------------------

struct random_values {
  std::mt19937_64 rng;
  explicit random_values(std::uint64_t seed) : rng(seed) {}

  template <class I> I integer() {
    return std::uniform_int_distribution<I>(std::numeric_limits<I>::min(),
                                            std::numeric_limits<I>::max())(rng);
  }
  double real() {
    // Mix magnitudes; any finite double must survive.
    std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
    std::uniform_int_distribution<int> exponent(-300, 300);
    return std::ldexp(mantissa(rng), exponent(rng));
  }
  std::size_t size(std::size_t max) {
    return std::uniform_int_distribution<std::size_t>(0, max)(rng);
  }
  /// Valid UTF-8 over the whole code point range, controls and quotes
  /// included.
  std::string text() {
    std::string out;
    for (std::size_t n = size(24); n > 0; --n) {
      std::uint32_t cp;
      switch (size(3)) {
      case 0:
        cp = std::uint32_t(size(0x7f));
        break;
      case 1:
        cp = 0x80 + std::uint32_t(size(0x7ff - 0x80));
        break;
      case 2:
        cp = std::uint32_t(size(0xfffd));
        break;
      default:
        cp = 0x10000 + std::uint32_t(size(0x10ffff - 0x10000));
        break;
      }
      if (cp >= 0xd800 && cp <= 0xdfff)
        cp = 'x';
      if (cp < 0x80) {
        out.push_back(char(cp));
      } else if (cp < 0x800) {
        out.push_back(char(0xc0 | cp >> 6));
        out.push_back(char(0x80 | (cp & 0x3f)));
      } else if (cp < 0x10000) {
        out.push_back(char(0xe0 | cp >> 12));
        out.push_back(char(0x80 | (cp >> 6 & 0x3f)));
        out.push_back(char(0x80 | (cp & 0x3f)));
      } else {
        out.push_back(char(0xf0 | cp >> 18));
        out.push_back(char(0x80 | (cp >> 12 & 0x3f)));
        out.push_back(char(0x80 | (cp >> 6 & 0x3f)));
        out.push_back(char(0x80 | (cp & 0x3f)));
      }
    }
    return out;
  }
  std::vector<std::uint8_t> bytes(std::size_t max) {
    std::vector<std::uint8_t> b(size(max));
    for (auto &x : b)
      x = std::uint8_t(integer<unsigned>());
    return b;
  }
  Point point() { return {integer<int>(), integer<int>()}; }
  Order order() {
    Order o;
    o.id = text();
    for (std::size_t n = size(5); n > 0; --n)
      o.path.push_back(point());
    if (size(1))
      o.note = text();
    for (std::size_t n = size(4); n > 0; --n)
      o.counts[text()] = integer<int>();
    o.color = Color(size(2));
    return o;
  }
};

constexpr std::uint64_t kSeed = 20240611;
constexpr int kRounds = 200;

} // namespace

// --- Round trips
// ---------------------------------------------------------------

TEST(Codec, ScalarsRoundTrip) {
  EXPECT_EQ(round_trip(true), true);
  EXPECT_EQ(round_trip(false), false);
  EXPECT_EQ(round_trip(std::numeric_limits<std::int64_t>::min()),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(round_trip(std::numeric_limits<std::uint64_t>::max()),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(round_trip(std::int8_t(-128)), -128);
  EXPECT_EQ(round_trip(std::uint8_t(255)), 255);
  EXPECT_EQ(round_trip(0.1), 0.1);
  EXPECT_EQ(round_trip(-0.0f), -0.0f);
  EXPECT_EQ(round_trip(std::numeric_limits<double>::max()),
            std::numeric_limits<double>::max());
  EXPECT_EQ(round_trip(std::numeric_limits<double>::denorm_min()),
            std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(round_trip(Color::blue), Color::blue);
  EXPECT_EQ(dump(encode_value(Color::green)), "\"green\"");
  EXPECT_EQ(round_trip(plain_b), plain_b);
  EXPECT_EQ(round_trip(std::string("")), "");
  EXPECT_EQ(round_trip(std::string("quote \" backslash \\ nul \0 end", 28)),
            std::string("quote \" backslash \\ nul \0 end", 28));
}

TEST(Codec, ContainersRoundTrip) {
  std::vector<int> v = {1, -2, 3};
  EXPECT_EQ(round_trip(v), v);
  std::list<std::string> l = {"a", "b"};
  EXPECT_EQ(round_trip(l), l);
  std::deque<double> d = {1.5, -2.25};
  EXPECT_EQ(round_trip(d), d);
  std::set<int> s = {3, 1, 2};
  EXPECT_EQ(round_trip(s), s);
  std::array<int, 3> a = {7, 8, 9};
  EXPECT_EQ(round_trip(a), a);
  std::map<std::string, std::vector<double>> m = {{"x", {1.0}}, {"y", {}}};
  EXPECT_EQ(round_trip(m), m);
  std::unordered_map<std::string, int> um = {{"k", 1}, {"j", 2}};
  EXPECT_EQ(round_trip(um), um);
  std::map<int, std::string> im = {{1, "one"}, {-5, "minus five"}};
  EXPECT_EQ(round_trip(im), im);
  std::pair<int, std::string> p = {4, "four"};
  EXPECT_EQ(round_trip(p), p);
  std::tuple<int, double, std::string> t = {1, 2.5, "three"};
  EXPECT_EQ(round_trip(t), t);
  std::vector<std::vector<std::uint8_t>> nested = {{1, 2}, {}, {255}};
  EXPECT_EQ(round_trip(nested), nested);
}

TEST(Codec, OptionalsAndStructsRoundTrip) {
  EXPECT_EQ(round_trip(std::optional<int>()), std::nullopt);
  EXPECT_EQ(round_trip(std::optional<int>(0)), 0);
  EXPECT_EQ(dump(encode_value(std::optional<int>())), "null");
  std::optional<std::vector<Point>> op = std::vector<Point>{{1, 2}, {3, 4}};
  EXPECT_EQ(round_trip(op), op);
  EXPECT_EQ(round_trip(Point{5, -6}), (Point{5, -6}));
  Order o{"o-1", {{1, 1}, {0, 2}}, std::nullopt, {{"a", 1}}, Color::green};
  EXPECT_EQ(round_trip(o), o);
  std::map<std::string, std::optional<Point>> mp = {{"a", Point{1, 2}},
                                                    {"b", std::nullopt}};
  EXPECT_EQ(round_trip(mp), mp);
}

TEST(Codec, ByteBuffersTravelAsBase64) {
  std::vector<std::uint8_t> bytes = {0, 1, 2, 253, 254, 255, 'a'};
  EXPECT_EQ(dump(encode_value(bytes)), "\"AAEC/f7/YQ==\"");
  EXPECT_EQ(round_trip(bytes), bytes);
  // Arrays of numbers are accepted on input, too.
  EXPECT_EQ(
      decode_value<std::vector<std::uint8_t>>(json::parse("[1,2,3]"), "b"),
      (std::vector<std::uint8_t>{1, 2, 3}));
  // 1 MiB stays about 4/3 of its size, not up to 4x.
  std::vector<std::uint8_t> big(1 << 20, 0xff);
  std::string payload = encode_args(big);
  EXPECT_LT(payload.size(), big.size() * 4 / 3 + 16);
  EXPECT_EQ(std::get<0>(through_payload(big)), big);
}

TEST(Codec, Base64EdgeCases) {
  const char *what = "parameter 'data' (1 of 1)";
  for (std::size_t n = 0; n < 10; ++n) {
    std::vector<std::uint8_t> b(n);
    for (std::size_t i = 0; i < n; ++i)
      b[i] = std::uint8_t(i * 37 + 11);
    std::string text = base64_encode(b.data(), b.size());
    EXPECT_EQ(text.size() % 4, 0u);
    EXPECT_EQ(base64_decode(text, what), b);
    // Padding may be left out; the URL-safe alphabet is accepted.
    std::string unpadded = text.substr(0, text.find('='));
    EXPECT_EQ(base64_decode(unpadded, what), b);
  }
  EXPECT_EQ(base64_decode("-_8=", what), base64_decode("+/8=", what));
  try {
    base64_decode("AB$D", what);
    FAIL() << "accepted a '$'";
  } catch (const payload_error &e) {
    EXPECT_THAT(e.what(), HasSubstr(what));
    EXPECT_THAT(e.what(), HasSubstr("unexpected character at offset 2"));
  }
  EXPECT_THROW(base64_decode("A", what), payload_error);
  EXPECT_THROW(base64_decode("AB=C", what), payload_error);
  EXPECT_THROW(base64_decode("ABC==", what), payload_error);
}

TEST(Codec, RandomizedRoundTrips) {
  random_values r(kSeed);
  for (int i = 0; i < kRounds; ++i) {
    SCOPED_TRACE("round " + std::to_string(i) + ", seed " +
                 std::to_string(kSeed));
    auto i64 = r.integer<std::int64_t>();
    auto u64 = r.integer<std::uint64_t>();
    auto i16 = r.integer<std::int16_t>();
    double d = r.real();
    std::string s = r.text();
    EXPECT_EQ(round_trip(i64), i64);
    EXPECT_EQ(round_trip(u64), u64);
    EXPECT_EQ(round_trip(i16), i16);
    EXPECT_EQ(round_trip(d), d);
    EXPECT_EQ(round_trip(s), s);
    auto bytes = r.bytes(300);
    EXPECT_EQ(round_trip(bytes), bytes);
    Order o = r.order();
    EXPECT_EQ(round_trip(o), o);
    std::vector<std::optional<Point>> pts;
    for (std::size_t n = r.size(4); n > 0; --n)
      pts.push_back(r.size(1) ? std::optional<Point>(r.point()) : std::nullopt);
    EXPECT_EQ(round_trip(pts), pts);
    // Several parameters in one payload, as encode_args/decode_args see them.
    auto args = through_payload(i64, s, bytes, o, pts);
    EXPECT_EQ(args, std::make_tuple(i64, s, bytes, o, pts));
  }
}

TEST(Codec, RandomizedEntryCallsMatchDirectCalls) {
  random_values r(kSeed + 1);
  for (int i = 0; i < kRounds; ++i) {
    SCOPED_TRACE("round " + std::to_string(i));
    int a = r.integer<std::int16_t>(), b = r.integer<std::int16_t>();
    EXPECT_EQ(entry_result("add", encode_args(a, b)), dump(fz_test::add(a, b)));
    std::string name = r.text();
    EXPECT_EQ(entry_result("greet", encode_args(name)),
              encode_result(fz_test::greet(name)));
    auto bytes = r.bytes(200);
    EXPECT_EQ(entry_result("reverse_bytes", encode_args(bytes)),
              encode_result(fz_test::reverse_bytes(bytes)));
    Order o = r.order();
    EXPECT_EQ(entry_result("normalize", encode_args(o)),
              encode_result(fz_test::normalize(o)));
    // Keyed by parameter name, in any order.
    json keyed = {{"b", b}, {"a", a}};
    EXPECT_EQ(entry_result("add", keyed.dump()), dump(fz_test::add(a, b)));
  }
}

TEST(Codec, VoidAndNullaryTasks) {
  EXPECT_EQ(entry_result("answer", ""), "42");
  EXPECT_EQ(entry_result("answer", " \n"), "42");
  EXPECT_EQ(entry_result("answer", "null"), "42");
  EXPECT_EQ(entry_result("answer", "[]"), "42");
  EXPECT_EQ(entry_result("answer", "{}"), "42");
  EXPECT_EQ(entry_result("fail", R"(["nothing"])"), "null");
  EXPECT_EQ(entry_result("half", "[3]"), "null");
  EXPECT_EQ(entry_result("half", "[4]"), "2");
}

// --- Malformed payloads
// ------------------------------------------------------------

TEST(CodecErrors, BadJsonNamesTheTaskAndPosition) {
  std::string e = entry_error("add", "[1, 2");
  EXPECT_THAT(e, HasSubstr("task 'add'"));
  EXPECT_THAT(e, HasSubstr("not valid JSON"));
  EXPECT_THAT(e, HasSubstr("line 1, column"));
  EXPECT_THAT(e, testing::Not(HasSubstr("[json.exception")));
}

TEST(CodecErrors, WrongArityNamesTheParameters) {
  std::string e = entry_error("add", "[1, 2, 3]");
  EXPECT_THAT(e, HasSubstr("task 'add' takes 2 arguments (a, b)"));
  EXPECT_THAT(e, HasSubstr("the payload has 3"));
  EXPECT_THAT(e, HasSubstr("[a, b]"));
  EXPECT_THAT(entry_error("add", "[1]"), HasSubstr("the payload has 1"));
  EXPECT_THAT(entry_error("answer", "[1]"), HasSubstr("takes 0 arguments"));
  EXPECT_THAT(entry_error("add", "5"),
              HasSubstr("send a JSON array [a, b] or an object {\"a\": ..., "
                        "\"b\": ...}, not an integer"));
  EXPECT_THAT(entry_error("add", ""), HasSubstr("not null"));
  EXPECT_THAT(entry_error("greet", "\"bob\""), HasSubstr("not a string"));
}

TEST(CodecErrors, WrongTypeNamesParameterAndExpectation) {
  EXPECT_THAT(
      entry_error("add", R"([1, "2"])"),
      HasSubstr("parameter 'b' (2 of 2): expected integer (int), got string"));
  EXPECT_THAT(
      entry_error("greet", "[7]"),
      HasSubstr("parameter 'name' (1 of 1): expected string, got integer"));
  EXPECT_THAT(
      entry_error("add", "[1, null]"),
      HasSubstr("parameter 'b' (2 of 2): expected integer (int), got null"));
  EXPECT_THAT(entry_error("add", "[1.5, 2]"),
              HasSubstr("parameter 'a' (1 of 2): expected integer (int), got "
                        "number (1.5 is not an integer in range)"));
  EXPECT_THAT(entry_error("add", "[3000000000, 2]"),
              HasSubstr("parameter 'a' (1 of 2): expected integer (int), got "
                        "integer (3000000000 is out of range)"));
  // An integral number is an integer, however it is written.
  EXPECT_EQ(entry_result("add", "[2.0, -1]"), "1");
}

TEST(CodecErrors, ObjectPayloadFields) {
  EXPECT_THAT(
      entry_error("add", R"({"a": 1})"),
      HasSubstr(
          "task 'add': the payload object has no parameter 'b' (2 of 2)"));
  EXPECT_THAT(entry_error("add", R"({"a": 1, "b": 2, "c": 3})"),
              HasSubstr("unknown field 'c' in the payload object; the "
                        "parameters are (a, b)"));
  EXPECT_THAT(entry_error("answer", R"({"x": 1})"),
              HasSubstr("unknown field 'x'"));
}

TEST(CodecErrors, NestedProblemsNameTheParameter) {
  // A struct missing a field.
  std::string e = entry_error(
      "normalize", R"([{"id": "o", "path": [], "note": null, "counts": {}}])");
  EXPECT_THAT(
      e,
      HasSubstr(
          "parameter 'order' (1 of 1): expected fz_test::Order, got object"));
  EXPECT_THAT(e, HasSubstr("key 'color' not found"));
  // A field of the wrong type deep inside.
  e = entry_error("normalize",
                  R"([{"id": "o", "path": [{"x": 1, "y": "2"}], "note": null,
                       "counts": {}, "color": "red"}])");
  EXPECT_THAT(e, HasSubstr("parameter 'order' (1 of 1)"));
  EXPECT_THAT(e, HasSubstr("type must be number, but is string"));
  // A malformed byte buffer.
  EXPECT_THAT(entry_error("reverse_bytes", R"(["not base64!"])"),
              HasSubstr("parameter 'data' (1 of 1): invalid base64"));
  EXPECT_THAT(entry_error("reverse_bytes", R"([[1, 2, 300]])"),
              HasSubstr("parameter 'data' (1 of 1): expected base64 string "
                        "(bytes), got array"));
}

TEST(CodecErrors, ParamLabels) {
  static const task_info info = {"t", 0, kAbiVersion};
  const char *const names[] = {"x", ""};
  task_registration with{&info, nullptr, names, 2, kAbiVersion};
  EXPECT_EQ(param_label(with, 0), "parameter 'x' (1 of 2)");
  EXPECT_EQ(param_label(with, 1), "parameter 2 of 2");
  task_registration without{&info, nullptr, nullptr, 1, kAbiVersion};
  EXPECT_EQ(param_label(without, 0), "parameter 1 of 1");
  // Without names only arrays work.
  EXPECT_THROW(check_object_fields(json::object({{"x", 1}}), without),
               payload_error);
}

TEST(CodecErrors, MalformedResultsAreRemoteErrors) {
  static const task_info info = {"adder", 0, kAbiVersion};
  EXPECT_EQ(decode_result<int>(info, "41"), 41);
  try {
    decode_result<int>(info, "{oops");
    FAIL();
  } catch (const fusionize::remote_error &e) {
    EXPECT_EQ(e.task(), "adder");
    EXPECT_EQ(e.type(), "InvalidResponse");
  }
  try {
    decode_result<int>(info, "\"x\"");
    FAIL();
  } catch (const fusionize::remote_error &e) {
    EXPECT_EQ(e.type(), "InvalidResponse");
    EXPECT_THAT(e.message(),
                HasSubstr("result: expected integer (int), got string"));
  }
}

// --- Through a whole invocation
// ---------------------------------------------------

TEST(Invocation, FailuresBecomeFunctionErrors) {
  struct expectation {
    const char *task, *payload, *type, *message;
  } cases[] = {
      {"checked_div", "[1, 0]", "std::invalid_argument",
       "division of 1 by zero"},
      {"fail", R"(["runtime"])", "std::runtime_error", "it broke"},
      {"fail", R"(["range"])", "std::out_of_range", "index 7 of 3"},
      {"fail", R"(["int"])", "int", "an exception of type int was thrown"},
      {"add", "[1,", "InvalidPayload", "not valid JSON"},
      {"add", R"([1, "x"])", "InvalidPayload", "parameter 'b' (2 of 2)"},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(std::string(c.task) + " " + c.payload);
    invocation_request req;
    req.payload = c.payload;
    req.request_id = "r-1";
    invocation_outcome out = run_invocation(reg(c.task), req);
    EXPECT_FALSE(out.ok);
    EXPECT_EQ(out.error_type, c.type);
    EXPECT_THAT(out.error_message, HasSubstr(c.message));
    json body = json::parse(out.body);
    EXPECT_EQ(body["errorType"], c.type);
    EXPECT_THAT(body["errorMessage"].get<std::string>(), HasSubstr(c.message));
    EXPECT_TRUE(body["stackTrace"].is_array());
  }
  invocation_request ok;
  ok.payload = "[6, 3]";
  invocation_outcome out = run_invocation(reg("checked_div"), ok);
  EXPECT_TRUE(out.ok);
  EXPECT_EQ(out.body, "2");
}

TEST(RemoteError, WhatNamesTaskTypeAndMessage) {
  fusionize::remote_error e("resize", "std::invalid_argument", "width is 0",
                            {"at resize"});
  EXPECT_STREQ(e.what(),
               "task 'resize' failed: std::invalid_argument: width is 0");
  EXPECT_EQ(e.task(), "resize");
  EXPECT_EQ(e.type(), "std::invalid_argument");
  EXPECT_EQ(e.message(), "width is 0");
  EXPECT_EQ(e.stack_trace(), std::vector<std::string>{"at resize"});
  const std::runtime_error &base = e;
  EXPECT_STREQ(base.what(), e.what());
}
