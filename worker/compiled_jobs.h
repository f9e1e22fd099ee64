#pragma once
// A worker's job files, by job id. The coordinator sends a job's file with
// the first Task of the job it sends this worker (Task.spec_yaml; empty in
// the others); the worker keeps the files of the limits::kWorkerJobFilesMax
// jobs used last and compiles each once (parsed, checked, expressions
// parsed), by the first task that runs it. A Task without the file of a job
// the worker has not got (never received, or evicted) is refused
// (Failed.job_file_missing, worker/service.cc) and comes again with it.
// Tasks copy the compiled JobSpec before changing it for their side of a
// join.
// Thread safety: CompiledJobs is the link thread's; a JobFile is shared with
// the job's task threads, compiled() may be called from any of them.

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "common/base/status.h"
#include "common/spec/job_spec.h"

namespace sluice {

// One job's file, compiled on first use; an error is kept as a result.
class JobFile {
 public:
  explicit JobFile(std::string spec_yaml) : spec_yaml_(std::move(spec_yaml)) {}
  const std::string& spec_yaml() const { return spec_yaml_; }
  Result<std::shared_ptr<const JobSpec>> compiled() const;

 private:
  const std::string spec_yaml_;
  mutable std::mutex mutex_;
  mutable bool done_ = false;                    // guarded by mutex_
  mutable Status error_;                         // guarded by mutex_
  mutable std::shared_ptr<const JobSpec> spec_;  // guarded by mutex_
};

class CompiledJobs {
 public:
  // A Task carried the job's file: kept (a different text replaces the one
  // kept), the job now the most recently used; the oldest beyond
  // limits::kWorkerJobFilesMax goes (its running tasks keep their JobFile).
  std::shared_ptr<const JobFile> put(const std::string& job_id, const std::string& spec_yaml);
  // The job's file, now the most recently used; nullptr when not here.
  std::shared_ptr<const JobFile> find(const std::string& job_id);
  size_t size() const { return jobs_.size(); }

 private:
  std::list<std::pair<std::string, std::shared_ptr<const JobFile>>> jobs_;  // most recent first
};

// Parses done so far in this process (not answered from a JobFile), for tests.
uint64_t job_compilations();

}  // namespace sluice
