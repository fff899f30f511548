//===- TestTasks.h - Tasks with hand-instantiated glue, for runtime tests -===//
//
// What the clang plugin and the fusion pass produce for a real program is
// written out by hand here: the tasks, their task_glue<&F>::info
// definitions and a registration table handed to __fusionize_register_tasks
// by a static constructor (TestTasks.cpp). The unit tests call the glue
// directly; fusionize_runtime_test_tasks links the same file with
// fusionize_main to get a group executable.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_TEST_TASKS_H
#define FUSIONIZE_TEST_TASKS_H

#include <fusionize/glue.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fz_test {

struct Point {
  int x = 0;
  int y = 0;
  bool operator==(const Point &o) const { return x == o.x && y == o.y; }
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Point, x, y)

enum class Color { red, green, blue };
NLOHMANN_JSON_SERIALIZE_ENUM(Color, {{Color::red, "red"},
                                     {Color::green, "green"},
                                     {Color::blue, "blue"}})

/// A struct with hand-written to_json/from_json.
struct Order {
  std::string id;
  std::vector<Point> path;
  std::optional<std::string> note;
  std::map<std::string, int> counts;
  Color color = Color::red;
  bool operator==(const Order &o) const {
    return id == o.id && path == o.path && note == o.note &&
           counts == o.counts && color == o.color;
  }
};
void to_json(nlohmann::json &j, const Order &o);
void from_json(const nlohmann::json &j, Order &o);

int add(int a, int b);
std::string greet(const std::string &name);
std::vector<std::uint8_t> reverse_bytes(std::vector<std::uint8_t> data);
Order normalize(const Order &order);
std::optional<int> half(int x);
int checked_div(int a, int b);      // std::invalid_argument for b == 0
void fail(const std::string &kind); // throws what `kind` names
int answer();                       // no parameters
/// Calls `add` remotely (its stub) and adds one: a task calling across groups.
int remote_add_one(int a, int b);
/// Calls `add` and `greet` as fused calls, nested in `add`'s frame.
std::string fused_chain(int n);
/// Starts `depth` levels of nested asynchronous `record` calls.
int fan_out(int width, int depth);
/// A void task: appends `item` to the records (see records()).
void record(const std::string &item);
/// How many numbers it got: no work beyond decoding its payload.
int count_numbers(const std::vector<int> &numbers);
/// Touches `mib` MiB of fresh pages (mapped for the call, small pages),
/// then, if `inner` > 0, calls itself fused with `inner` and 0; returns the
/// pages touched.
long touch_memory(int mib, int inner);
/// Reports a wait of `wait_us` for the shared lock, then holds it while
/// spinning for about 2 ms of CPU; then, if `inner` > 0, calls itself fused
/// with `inner` and 0.
int lock_user(int wait_us, int inner);

/// What `record` saw, for tests.
std::vector<std::string> records();
void clear_records();

} // namespace fz_test

// The glue's `info` of each task, defined in TestTasks.cpp (where the fusion
// pass would define it); declared here so every test sees the explicit
// specialization.
#define FZ_DECLARE_INFO(fn)                                                    \
  template <>                                                                  \
  const fusionize::detail::task_info fusionize::detail::glue_of<               \
      &fz_test::fn, decltype(&fz_test::fn)>::type::info;
FZ_DECLARE_INFO(add)
FZ_DECLARE_INFO(greet)
FZ_DECLARE_INFO(reverse_bytes)
FZ_DECLARE_INFO(normalize)
FZ_DECLARE_INFO(half)
FZ_DECLARE_INFO(checked_div)
FZ_DECLARE_INFO(fail)
FZ_DECLARE_INFO(answer)
FZ_DECLARE_INFO(remote_add_one)
FZ_DECLARE_INFO(fused_chain)
FZ_DECLARE_INFO(fan_out)
FZ_DECLARE_INFO(record)
FZ_DECLARE_INFO(count_numbers)
#undef FZ_DECLARE_INFO

#endif // FUSIONIZE_TEST_TASKS_H
