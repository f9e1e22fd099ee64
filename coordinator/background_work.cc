#include "coordinator/background_work.h"

#include <exception>

#include "common/base/log.h"

namespace sluice {

InlineExecutor& inline_executor() {
  static InlineExecutor executor;
  return executor;
}

BackgroundWork::BackgroundWork(size_t threads, size_t queue_max, std::function<void()> on_ready)
    : queue_max_(queue_max), on_ready_(std::move(on_ready)) {
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run_thread(); });
}

BackgroundWork::~BackgroundWork() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  work_ready_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

bool BackgroundWork::submit(Work work) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= queue_max_) return false;
    queue_.push_back(std::move(work));
  }
  work_ready_.notify_one();
  return true;
}

size_t BackgroundWork::run_completions() {
  std::vector<Completion> ready;
  {
    std::lock_guard lock(mutex_);
    ready.swap(completions_);
  }
  for (Completion& completion : ready) completion();
  return ready.size();
}

void BackgroundWork::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return queue_.empty() && running_ == 0; });
}

void BackgroundWork::wait_until(const std::function<bool()>& done) {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return done() || (queue_.empty() && running_ == 0); });
}

size_t BackgroundWork::pending() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + running_ + completions_.size();
}

void BackgroundWork::run_thread() {
  for (;;) {
    Work work;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      work = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    Completion completion;
    try {
      completion = work();
    } catch (const std::exception& error) {
      logger("coordinator")->error("background work failed: {}", error.what());
    } catch (...) {
      logger("coordinator")->error("background work failed: unknown exception");
    }
    bool ready = false;
    {
      std::lock_guard lock(mutex_);
      ready = completion && !stopping_;
      if (ready) completions_.push_back(std::move(completion));
    }
    if (ready && on_ready_) on_ready_();
    {
      std::lock_guard lock(mutex_);
      --running_;
    }
    idle_.notify_all();
  }
}

}  // namespace sluice
