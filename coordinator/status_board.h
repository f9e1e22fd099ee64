#pragma once
// What the HTTP thread may read: the loop thread renders a snapshot of jobs,
// workers and metrics a few times a second and publishes it here. The HTTP
// thread never touches the scheduler.
// Thread safety: publish() from the loop, read() from any thread.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace sluice {

struct BoardSnapshot {
  bool ready = false;                                 // state loaded and socket bound
  std::string jobs_json = "[]";                       // /api/jobs
  std::map<std::string, std::string> job_json;        // /api/jobs/ID (with samples and grid)
  std::map<std::string, std::string> job_output_dir;  // where /api/jobs/ID/rejects reads
  std::string workers_json = "{}";                    // /api/workers (memory series)
  std::string metrics_text;                           // /metrics (Prometheus text format)
};

class StatusBoard {
 public:
  void publish(BoardSnapshot snapshot) {
    auto shared = std::make_shared<const BoardSnapshot>(std::move(snapshot));
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(shared);
  }
  // The last snapshot, shared (a request copies no JSON).
  std::shared_ptr<const BoardSnapshot> read() const {
    std::lock_guard lock(mutex_);
    return snapshot_;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const BoardSnapshot> snapshot_ = std::make_shared<const BoardSnapshot>();
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
