// BackgroundWork: the coordinator's slow work off its loop. Completions run
// only when the loop asks, in the order the work finished; the queue is
// bounded; work that throws has no completion and does not stop the threads.
#include "coordinator/background_work.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

namespace sluice {
namespace {

TEST(BackgroundWork, CompletionsRunOnlyWhenTheLoopAsks) {
  std::atomic<int> ready_calls = 0;
  BackgroundWork background(2, 8, [&] { ready_calls++; });
  std::vector<int> completed;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(background.submit([i, &completed]() -> BackgroundWork::Completion {
      return [i, &completed] { completed.push_back(i); };
    }));
  }
  background.wait_idle();
  EXPECT_TRUE(completed.empty()) << "a completion ran on a background thread";
  EXPECT_EQ(ready_calls.load(), 5);
  EXPECT_EQ(background.run_completions(), 5u);
  std::sort(completed.begin(), completed.end());
  EXPECT_EQ(completed, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(background.run_completions(), 0u);
  EXPECT_EQ(background.pending(), 0u);
}

TEST(BackgroundWork, AFullQueueRefusesMoreWork) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> started = 0;
  BackgroundWork background(1, 2, nullptr);
  auto blocking = [&]() -> BackgroundWork::Completion {
    started++;
    released.wait();
    return [] {};
  };
  ASSERT_TRUE(background.submit(blocking));  // runs, and blocks the one thread
  while (started.load() == 0) std::this_thread::yield();
  ASSERT_TRUE(background.submit(blocking));  // waits
  ASSERT_TRUE(background.submit(blocking));  // waits
  EXPECT_FALSE(background.submit(blocking)) << "the queue holds 2 at most";
  release.set_value();
  background.wait_idle();
  EXPECT_EQ(background.run_completions(), 3u);
  EXPECT_TRUE(background.submit(blocking)) << "room again once the queue drained";
  background.wait_idle();
}

TEST(BackgroundWork, WorkThatThrowsHasNoCompletionAndTheThreadsGoOn) {
  BackgroundWork background(1, 4, nullptr);
  ASSERT_TRUE(background.submit([]() -> BackgroundWork::Completion {
    throw std::runtime_error("boom");
  }));
  bool ran = false;
  ASSERT_TRUE(background.submit([&]() -> BackgroundWork::Completion {
    return [&] { ran = true; };
  }));
  background.wait_idle();
  EXPECT_EQ(background.run_completions(), 1u);
  EXPECT_TRUE(ran);
}

TEST(BackgroundWork, DestroyedWithWorkRunningDropsItsCompletion) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> started = false;
  bool ran = false;
  std::thread releaser;
  {
    BackgroundWork background(1, 4, nullptr);
    ASSERT_TRUE(background.submit([&]() -> BackgroundWork::Completion {
      started = true;
      released.wait();
      return [&] { ran = true; };
    }));
    while (!started.load()) std::this_thread::yield();
    releaser = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      release.set_value();
    });
  }  // joins its thread once the work returns
  releaser.join();
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace sluice
