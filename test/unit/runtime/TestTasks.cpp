//===- TestTasks.cpp - Tasks with hand-instantiated glue ------------------===//
#include "TestTasks.h"

#include <fusionize/lock.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <stdexcept>

namespace fz_test {

void to_json(nlohmann::json &j, const Order &o) {
  j = {{"id", o.id},
       {"path", o.path},
       {"note", o.note},
       {"counts", o.counts},
       {"color", o.color}};
}

void from_json(const nlohmann::json &j, Order &o) {
  j.at("id").get_to(o.id);
  j.at("path").get_to(o.path);
  o.note = j.at("note").get<std::optional<std::string>>();
  j.at("counts").get_to(o.counts);
  j.at("color").get_to(o.color);
}

int add(int a, int b) { return a + b; }

std::string greet(const std::string &name) { return "hello, " + name; }

std::vector<std::uint8_t> reverse_bytes(std::vector<std::uint8_t> data) {
  std::reverse(data.begin(), data.end());
  return data;
}

Order normalize(const Order &order) {
  Order out = order;
  std::sort(out.path.begin(), out.path.end(),
            [](const Point &a, const Point &b) {
              return a.x != b.x ? a.x < b.x : a.y < b.y;
            });
  return out;
}

std::optional<int> half(int x) {
  if (x % 2)
    return std::nullopt;
  return x / 2;
}

int checked_div(int a, int b) {
  if (b == 0)
    throw std::invalid_argument("division of " + std::to_string(a) +
                                " by zero");
  return a / b;
}

void fail(const std::string &kind) {
  if (kind == "runtime")
    throw std::runtime_error("it broke");
  if (kind == "int")
    throw 42;
  if (kind == "range")
    throw std::out_of_range("index 7 of 3");
}

int answer() { return 42; }

int count_numbers(const std::vector<int> &numbers) {
  return int(numbers.size());
}

long touch_memory(int mib, int inner) {
  const std::size_t page = std::size_t(::sysconf(_SC_PAGESIZE));
  const std::size_t size = std::size_t(mib) << 20;
  long pages = 0;
  if (size > 0) {
    void *p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      throw std::runtime_error("mmap failed");
    ::madvise(p, size, MADV_NOHUGEPAGE); // one fault per small page
    auto *bytes = static_cast<volatile char *>(p);
    for (std::size_t i = 0; i < size; i += page, ++pages)
      bytes[i] = char(i);
    ::munmap(p, size);
  }
  if (inner > 0)
    pages += fusionize::detail::task_glue<&touch_memory>::local(inner, 0);
  return pages;
}

int lock_user(int wait_us, int inner) {
  fusionize::record_lock_wait(std::chrono::microseconds(wait_us));
  int spins = 0;
  {
    fusionize::lock_hold hold;
    auto until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
    while (std::chrono::steady_clock::now() < until)
      ++spins;
  }
  if (inner > 0)
    spins += fusionize::detail::task_glue<&lock_user>::local(inner, 0);
  return spins > 0;
}

int remote_add_one(int a, int b) {
  return fusionize::detail::task_glue<&add>::remote(a, b) + 1;
}

std::string fused_chain(int n) {
  int sum = fusionize::detail::task_glue<&add>::local(n, n);
  return fusionize::detail::task_glue<&greet>::local(std::to_string(sum));
}

namespace {
std::mutex records_mu;
std::vector<std::string> &record_store() {
  static std::vector<std::string> r;
  return r;
}

void spread(int width, int depth, const std::string &prefix) {
  for (int i = 0; i < width; ++i) {
    std::string item = prefix + std::to_string(i);
    if (depth > 1)
      fusionize::async(
          +[](int w, int d, std::string p) { spread(w, d, p); }, width,
          depth - 1, item + ".");
    fusionize::async(&fusionize::detail::task_glue<&record>::local_async, item);
  }
}
} // namespace

int fan_out(int width, int depth) {
  spread(width, depth, "");
  int total = 0, level = 1;
  for (int d = 0; d < depth; ++d) {
    level *= width;
    total += level;
  }
  return total;
}

void record(const std::string &item) {
  if (item == "boom")
    throw std::runtime_error("cannot record boom");
  std::lock_guard<std::mutex> lock(records_mu);
  record_store().push_back(item);
}

std::vector<std::string> records() {
  std::lock_guard<std::mutex> lock(records_mu);
  return record_store();
}

void clear_records() {
  std::lock_guard<std::mutex> lock(records_mu);
  record_store().clear();
}

} // namespace fz_test

// --- What the fusion pass would emit
// ------------------------------------------
using fusionize::detail::kAbiVersion;
using fusionize::detail::task_info;
using fusionize::detail::task_registration;
using fusionize::detail::task_returns_void;

#define FZ_INFO(fn, flags)                                                     \
  template <>                                                                  \
  const task_info fusionize::detail::glue_of<                                  \
      &fz_test::fn, decltype(&fz_test::fn)>::type::info = {#fn, flags,         \
                                                           kAbiVersion};
#define FZ_GLUE(fn) fusionize::detail::task_glue<&fz_test::fn>

FZ_INFO(add, 0)
FZ_INFO(greet, 0)
FZ_INFO(reverse_bytes, 0)
FZ_INFO(normalize, 0)
FZ_INFO(half, 0)
FZ_INFO(checked_div, 0)
FZ_INFO(fail, task_returns_void)
FZ_INFO(answer, 0)
FZ_INFO(remote_add_one, 0)
FZ_INFO(fused_chain, 0)
FZ_INFO(fan_out, 0)
FZ_INFO(record, task_returns_void)
FZ_INFO(count_numbers, 0)
FZ_INFO(touch_memory, 0)
FZ_INFO(lock_user, 0)

namespace {
const char *const kAB[] = {"a", "b"};
const char *const kName[] = {"name"};
const char *const kData[] = {"data"};
const char *const kOrder[] = {"order"};
const char *const kX[] = {"x"};
const char *const kKind[] = {"kind"};
const char *const kN[] = {"n"};
const char *const kWidthDepth[] = {"width", "depth"};
const char *const kItem[] = {"item"};
const char *const kNumbers[] = {"numbers"};
const char *const kMibInner[] = {"mib", "inner"};
const char *const kWaitInner[] = {"wait_us", "inner"};

#define FZ_REG(fn, names, n)                                                   \
  task_registration {                                                          \
    &FZ_GLUE(fn)::info, &FZ_GLUE(fn)::entry, names, n, kAbiVersion             \
  }

const task_registration kTasks[] = {
    FZ_REG(add, kAB, 2),
    FZ_REG(greet, kName, 1),
    FZ_REG(reverse_bytes, kData, 1),
    FZ_REG(normalize, kOrder, 1),
    FZ_REG(half, kX, 1),
    FZ_REG(checked_div, kAB, 2),
    FZ_REG(fail, kKind, 1),
    FZ_REG(answer, nullptr, 0),
    FZ_REG(remote_add_one, kAB, 2),
    FZ_REG(fused_chain, kN, 1),
    FZ_REG(fan_out, kWidthDepth, 2),
    FZ_REG(record, kItem, 1),
    FZ_REG(count_numbers, kNumbers, 1),
    FZ_REG(touch_memory, kMibInner, 2),
    FZ_REG(lock_user, kWaitInner, 2),
};

[[gnu::constructor]] void register_test_tasks() {
  __fusionize_register_tasks(kTasks, sizeof kTasks / sizeof kTasks[0]);
}
} // namespace
