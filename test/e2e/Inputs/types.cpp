// Tasks over the whole type list, and a driver task that calls every one of
// them and reports what came back, including failures. The e2e tests run the
// driver under several plans and compare with the monolith: the same results
// and the same exceptions (type and message) whether a call is local or
// remote.
#include <fusionize/fusionize.h>

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

enum class Color { red, green, blue };
NLOHMANN_JSON_SERIALIZE_ENUM(Color, {{Color::red, "red"},
                                     {Color::green, "green"},
                                     {Color::blue, "blue"}})
enum Plain { Zero, One, Two }; // an unscoped enum travels as its number

struct Point {
  double x = 0, y = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Point, x, y)

struct Shape {
  std::string name;
  std::vector<Point> points;
  std::optional<Color> color;
  std::map<std::string, int> tags;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Shape, name, points, color, tags)

struct Custom { // hand-written conversions
  int a = 0;
};
void to_json(nlohmann::json &j, const Custom &c) { j = "A=" + std::to_string(c.a); }
void from_json(const nlohmann::json &j, Custom &c) {
  c.a = std::stoi(j.get<std::string>().substr(2));
}

struct OrderError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[fusionize::task]] int add(int a, int b) { return a + b; }
[[fusionize::task]] double scale(double v, float f) { return v * f; }
[[fusionize::task]] bool negate(bool b) { return !b; }
[[fusionize::task]] std::int64_t big(std::int64_t v) { return v * 2; }
[[fusionize::task]] std::string greet(const std::string &name) { return "hello, " + name; }
[[fusionize::task]] std::vector<int> squares(std::vector<int> v) {
  for (int &x : v)
    x *= x;
  return v;
}
[[fusionize::task]] std::map<std::string, std::vector<std::string>>
invert(const std::map<std::string, std::string> &m) {
  std::map<std::string, std::vector<std::string>> r;
  for (const auto &[k, v] : m)
    r[v].push_back(k);
  return r;
}
[[fusionize::task]] std::optional<int> find(const std::vector<int> &v, int x) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] == x)
      return static_cast<int>(i);
  return std::nullopt;
}
[[fusionize::task]] Color next(Color c) {
  return c == Color::red ? Color::green : c == Color::green ? Color::blue : Color::red;
}
[[fusionize::task]] Plain bump_plain(Plain p) { return static_cast<Plain>((p + 1) % 3); }
[[fusionize::task]] Shape move(Shape s, Point by) {
  for (Point &p : s.points) {
    p.x += by.x;
    p.y += by.y;
  }
  s.tags["moved"] += 1;
  return s;
}
[[fusionize::task]] Custom bump(const Custom &c) { return Custom{c.a + 1}; }
[[fusionize::task]] std::vector<std::uint8_t> reverse_bytes(std::vector<std::uint8_t> b) {
  return std::vector<std::uint8_t>(b.rbegin(), b.rend());
}
[[fusionize::task]] std::pair<std::string, int> swap_pair(std::pair<int, std::string> p) {
  return {p.second, p.first};
}
[[fusionize::task]] void note(std::string msg) { (void)msg; }
[[fusionize::task]] int fail(int code) {
  if (code == 1)
    throw std::invalid_argument("code 1 is invalid");
  if (code == 2)
    throw OrderError("order 2 cannot be placed");
  return code;
}

namespace {

std::string errorOf(const std::exception &e) {
  // A remote failure arrives as fusionize::remote_error naming the original
  // exception type; a local one is that exception itself.
  if (const auto *r = dynamic_cast<const fusionize::remote_error *>(&e))
    return r->type() + ": " + r->message();
  const char *t = typeid(e).name();
  std::string name = t;
  if (name.find("invalid_argument") != std::string::npos)
    name = "std::invalid_argument";
  else if (name.find("OrderError") != std::string::npos)
    name = "OrderError";
  return name + ": " + e.what();
}

} // namespace

[[fusionize::task("run-all")]] std::string run_all(int seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-1000, 1000);
  nlohmann::json out;
  int a = d(rng), b = d(rng);
  out["add"] = add(a, b);
  out["scale"] = scale(d(rng) / 8.0, 0.5f);
  out["negate"] = negate(a > b);
  out["big"] = big(static_cast<std::int64_t>(d(rng)) << 40);
  out["greet"] = greet("wörld \"quoted\" \n" + std::to_string(d(rng)));
  std::vector<int> v;
  for (int i = 0; i < 20; ++i)
    v.push_back(d(rng));
  out["squares"] = squares(v);
  out["invert"] = invert({{"a", "x"}, {"b", "y"}, {"c", "x"}});
  out["find"] = find(v, v[7]);
  out["find_none"] = find(v, 5000);
  out["next"] = next(Color::blue);
  out["plain"] = bump_plain(Two);
  Shape s{"tri", {{0, 0}, {1, 0}, {0, 1}}, Color::green, {{"k", 1}}};
  out["move"] = move(s, Point{0.5, -2});
  Shape bare{"bare", {}, std::nullopt, {}};
  out["move_bare"] = move(bare, Point{1, 1});
  out["bump"] = bump(Custom{41});
  std::vector<std::uint8_t> bytes;
  for (int i = 0; i < 300; ++i)
    bytes.push_back(static_cast<std::uint8_t>(rng()));
  auto back = reverse_bytes(bytes);
  out["bytes"] = back.size() == 300 && back.front() == bytes.back() &&
                 back.back() == bytes.front();
  out["pair"] = swap_pair({7, "seven"});
  note("fire and forget");
  fusionize::async(note, std::string("async"));
  auto f = fusionize::async(add, 20, 22);
  out["async_add"] = f.get();
  for (int code : {0, 1, 2}) {
    try {
      out["fail"].push_back(fail(code));
    } catch (const std::exception &e) {
      out["fail"].push_back(errorOf(e));
    }
  }
  try {
    fusionize::async(fail, 1).get();
  } catch (const std::exception &e) {
    out["async_fail"] = errorOf(e);
  }
  return out.dump(1);
}
