#pragma once
// Time comes in through Clock so that pure logic (scheduler, ledger) is
// tested with a FakeClock and no sleeping.

#include <chrono>
#include <cstdint>

namespace sluice {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds on a monotonic clock.
  virtual int64_t now_ms() const = 0;
};

class SteadyClock final : public Clock {
 public:
  int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'000'000) : now_ms_(start_ms) {}
  int64_t now_ms() const override { return now_ms_; }
  void advance_ms(int64_t delta_ms) { now_ms_ += delta_ms; }

 private:
  int64_t now_ms_;
};

// Wall-clock seconds since the epoch, for manifests and logs.
int64_t unix_time_seconds();

}  // namespace sluice
