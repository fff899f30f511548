//===- context.cpp - What the runtime knows about the running code --------===//
#include "context.h"

namespace fusionize::detail {

void work_tracker::add() noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  ++count_;
}

void work_tracker::done() noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  --count_;
  // Notify under the lock: a waiter may destroy the tracker as soon as it
  // sees the count it waits for.
  cv_.notify_all();
}

void work_tracker::wait(std::size_t limit) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return count_ <= limit; });
}

std::size_t work_tracker::outstanding() {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

static thread_local std::shared_ptr<invocation_context> t_invocation;

std::shared_ptr<invocation_context> current_invocation() {
  return t_invocation;
}

void set_current_invocation(std::shared_ptr<invocation_context> inv) {
  t_invocation = std::move(inv);
}

const std::shared_ptr<invocation_context> &process_context() {
  static auto *ctx = new std::shared_ptr<invocation_context>(
      std::make_shared<invocation_context>());
  return *ctx;
}

scoped_context::scoped_context(std::shared_ptr<invocation_context> inv,
                               const span_context &trace, const char *task)
    : saved_inv_(std::move(t_invocation)), saved_(t_hot) {
  t_invocation = std::move(inv);
  t_hot.trace = trace;
  t_hot.task = task;
  t_hot.open_local = nullptr;
  t_hot.dispatched = 0;
}

scoped_context::~scoped_context() {
  t_invocation = std::move(saved_inv_);
  t_hot.trace = saved_.trace;
  t_hot.task = saved_.task;
  t_hot.open_local = saved_.open_local;
  t_hot.dispatched = saved_.dispatched;
}

} // namespace fusionize::detail
