#pragma once
// Which job files the coordinator has sent each worker. A Task carries its
// job's file (Task.spec_yaml) only when this worker has not been sent it:
// workers compile and cache job files per job (the last
// limits::kWorkerJobFilesMax). A Task without the file that reaches a
// worker without it — the Task that carried it was lost, the worker evicted
// it, or restarted under the same name — is refused (Failed.job_file_missing,
// no attempt counted); forget() then makes the job's next Task to that
// worker carry the file again. A lost, duplicated or reordered message so
// costs at most a refusal and a resend.
//
// Bounded: per worker the kWorkerJobFilesMax jobs sent last (an older one
// the worker has likely evicted too: a refusal tells); a worker is
// forgotten when it expires, a job when it ends.
// Thread safety: the loop thread's (CoordinatorCore).

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace sluice {

class JobFilesSent {
 public:
  // True when a Task of `job_id` to `worker` must carry the job file; the
  // file then counts as sent to that worker.
  bool must_carry(const std::string& worker, const std::string& job_id);
  // The worker has not got the job's file (it refused a Task for it).
  void forget(const std::string& worker, const std::string& job_id);
  // The worker is gone (expired, or its process died).
  void forget_worker(const std::string& worker);
  // The job ended: no Task of it goes out again.
  void forget_job(const std::string& job_id);
  // Job files noted as sent, over every worker (for tests and bounds).
  size_t size() const;
  size_t workers() const { return sent_.size(); }

 private:
  // worker -> job ids sent to it, the most recently used first.
  std::map<std::string, std::vector<std::string>> sent_;
};

}  // namespace sluice
