#pragma once
// What the HTTP thread may read: the loop thread renders a snapshot of jobs,
// workers and metrics a few times a second and publishes it here. The HTTP
// thread never touches the scheduler.
// Thread safety: publish() from the loop, read() from any thread.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace sluice {

struct BoardSnapshot {
  bool ready = false;                           // state loaded and socket bound
  std::string jobs_json = "[]";                 // /api/jobs
  std::map<std::string, std::string> job_json;  // /api/jobs/ID
  std::string metrics_text;                     // /metrics (Prometheus text format)
};

class StatusBoard {
 public:
  void publish(BoardSnapshot snapshot) {
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(snapshot);
  }
  BoardSnapshot read() const {
    std::lock_guard lock(mutex_);
    return snapshot_;
  }

 private:
  mutable std::mutex mutex_;
  BoardSnapshot snapshot_;
};

// Counters kept by the loop for /metrics.
struct LoopMetrics {
  uint64_t lease_expiries = 0;
  uint64_t retries = 0;
  uint64_t tasks_dispatched = 0;
  uint64_t attempts_refused = 0;
  uint64_t messages_dropped = 0;
  uint64_t commits = 0;
  double commit_seconds_sum = 0;  // Done received -> renamed into place
};

}  // namespace sluice
