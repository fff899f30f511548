// Ordinary C++ without any task: the standard library at full stretch.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

namespace {
struct Shape {
  virtual ~Shape() = default;
  virtual double area() const = 0;
};
struct Square : Shape {
  double s;
  explicit Square(double s) : s(s) {}
  double area() const override { return s * s; }
};
} // namespace

std::map<std::string, double> summarize(const std::vector<std::string> &words) {
  std::map<std::string, double> out;
  std::regex vowel("[aeiou]");
  for (const auto &w : words)
    out[w] += std::distance(std::sregex_iterator(w.begin(), w.end(), vowel),
                            std::sregex_iterator());
  std::vector<std::unique_ptr<Shape>> shapes;
  shapes.push_back(std::make_unique<Square>(2.0));
  out["area"] = std::accumulate(shapes.begin(), shapes.end(), 0.0,
                                [](double a, const auto &s) { return a + s->area(); });
  auto f = std::async(std::launch::async, [] { return 42; });
  out["async"] = f.get();
  std::variant<int, std::string> v = std::string("x");
  out["variant"] = std::holds_alternative<std::string>(v);
  std::ostringstream os;
  os << std::filesystem::path("/tmp/x").filename();
  out[os.str()] = 1;
  return out;
}
