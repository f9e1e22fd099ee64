#include "coordinator/job_files_sent.h"

#include <algorithm>

#include "common/base/limits.h"

namespace sluice {

bool JobFilesSent::must_carry(const std::string& worker, const std::string& job_id) {
  std::vector<std::string>& jobs = sent_[worker];
  auto found = std::find(jobs.begin(), jobs.end(), job_id);
  const bool carry = found == jobs.end();
  if (carry) {
    if (jobs.size() >= limits::kWorkerJobFilesMax) jobs.pop_back();
    jobs.insert(jobs.begin(), job_id);
  } else {
    std::rotate(jobs.begin(), found, found + 1);  // most recently used first
  }
  return carry;
}

void JobFilesSent::forget(const std::string& worker, const std::string& job_id) {
  auto found = sent_.find(worker);
  if (found == sent_.end()) return;
  std::erase(found->second, job_id);
  if (found->second.empty()) sent_.erase(found);
}

void JobFilesSent::forget_worker(const std::string& worker) { sent_.erase(worker); }

void JobFilesSent::forget_job(const std::string& job_id) {
  for (auto it = sent_.begin(); it != sent_.end();) {
    std::erase(it->second, job_id);
    it = it->second.empty() ? sent_.erase(it) : std::next(it);
  }
}

size_t JobFilesSent::size() const {
  size_t count = 0;
  for (const auto& [worker, jobs] : sent_) count += jobs.size();
  return count;
}

}  // namespace sluice
