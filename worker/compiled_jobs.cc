#include "worker/compiled_jobs.h"

#include <algorithm>
#include <atomic>

#include "common/base/limits.h"
#include "common/job/job_file.h"

namespace sluice {
namespace {

std::atomic<uint64_t> compilations = 0;

}  // namespace

Result<std::shared_ptr<const JobSpec>> JobFile::compiled() const {
  // Under the lock: a job's concurrent first tasks parse it once.
  std::lock_guard lock(mutex_);
  if (!done_) {
    compilations++;
    auto parsed = parse_job_spec(spec_yaml_, "job");
    if (parsed.is_ok()) {
      spec_ = std::make_shared<const JobSpec>(std::move(parsed).value());
    } else {
      error_ = parsed.status();
    }
    done_ = true;
  }
  if (!error_.is_ok()) return error_;
  return spec_;
}

std::shared_ptr<const JobFile> CompiledJobs::put(const std::string& job_id,
                                                 const std::string& spec_yaml) {
  std::shared_ptr<const JobFile> kept = find(job_id);
  if (kept != nullptr && kept->spec_yaml() == spec_yaml) return kept;
  if (kept != nullptr) jobs_.pop_front();  // find() moved it to the front
  auto file = std::make_shared<const JobFile>(spec_yaml);
  jobs_.emplace_front(job_id, file);
  if (jobs_.size() > limits::kWorkerJobFilesMax) jobs_.pop_back();
  return file;
}

std::shared_ptr<const JobFile> CompiledJobs::find(const std::string& job_id) {
  auto found = std::find_if(jobs_.begin(), jobs_.end(),
                            [&](const auto& entry) { return entry.first == job_id; });
  if (found == jobs_.end()) return nullptr;
  jobs_.splice(jobs_.begin(), jobs_, found);
  return jobs_.front().second;
}

uint64_t job_compilations() { return compilations.load(); }

}  // namespace sluice
