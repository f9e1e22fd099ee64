#pragma once
// Deaths of worker processes, reported by the process that started them
// (`sluice run` sees its children's exit status) from its own thread, and
// taken by the coordinator's loop. Thread-safe.

#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

namespace sluice {

struct WorkerExit {
  uint32_t pid = 0;
  int signal = 0;  // 0: it exited; else the signal that killed it
};

class WorkerExits {
 public:
  void push(WorkerExit exit) {
    std::lock_guard lock(mutex_);
    exits_.push_back(exit);
  }
  std::vector<WorkerExit> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(exits_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<WorkerExit> exits_;
};

}  // namespace sluice
