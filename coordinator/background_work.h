#pragma once
// BackgroundWork runs the coordinator's slow work off its loop (two of them:
// admissions, and the effects of effects.h): admitting a
// job lists an S3 prefix, reads file headers to sniff a dialect, or asks
// PostgreSQL for a key's bounds, and that must not stop the loop from
// heartbeating, leasing and committing meanwhile. A few threads take the
// work from a bounded queue; what a piece of work returns is a completion,
// which the loop runs (run_completions) between rounds: only the loop thread
// touches the scheduler. `on_ready` wakes the loop when a completion waits.
// Thread safety: submit, run_completions and wait_idle are for the loop
// thread; the rest is internal.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "coordinator/effects.h"

namespace sluice {

class BackgroundWork final : public EffectExecutor {
 public:
  using Completion = std::function<void()>;
  using Work = std::function<Completion()>;

  BackgroundWork(size_t threads, size_t queue_max, std::function<void()> on_ready);
  // Lets running work finish (its completions are dropped); queued work is dropped.
  ~BackgroundWork() override;
  BackgroundWork(const BackgroundWork&) = delete;
  BackgroundWork& operator=(const BackgroundWork&) = delete;

  // False when queue_max pieces of work wait already: the caller refuses.
  // Work must not throw; if it does, it is logged and has no completion.
  bool submit(Work work) override;
  // Runs the completions that are ready, in the order their work finished.
  size_t run_completions();
  // Until no work is queued or running (tests and the fuzz harness).
  void wait_idle();
  // Until `done()` or idle (effects.h).
  void wait_until(const std::function<bool()>& done) override;
  size_t pending() const;

 private:
  void run_thread();

  const size_t queue_max_;
  std::function<void()> on_ready_;
  mutable std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable idle_;
  std::deque<Work> queue_;
  std::vector<Completion> completions_;
  size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sluice
