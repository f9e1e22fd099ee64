#include "worker/compiled_jobs.h"

#include <algorithm>
#include <atomic>
#include <list>
#include <mutex>

#include "common/job/job_file.h"

namespace sluice {
namespace {

struct Entry {
  std::string spec_yaml;
  std::shared_ptr<const JobSpec> spec;
};

std::mutex cache_mutex;
std::list<Entry> cache;  // most recently used first
std::atomic<uint64_t> compilations = 0;

}  // namespace

Result<std::shared_ptr<const JobSpec>> compiled_job(const std::string& spec_yaml) {
  {
    std::lock_guard lock(cache_mutex);
    auto hit = std::find_if(cache.begin(), cache.end(),
                            [&](const Entry& entry) { return entry.spec_yaml == spec_yaml; });
    if (hit != cache.end()) {
      cache.splice(cache.begin(), cache, hit);
      return hit->spec;
    }
  }
  // Parsed outside the lock: two tasks of a new job may both parse it once.
  compilations++;
  SLUICE_ASSIGN_OR_RETURN(JobSpec parsed, parse_job_spec(spec_yaml, "job"));
  auto spec = std::make_shared<const JobSpec>(std::move(parsed));
  std::lock_guard lock(cache_mutex);
  cache.push_front(Entry{spec_yaml, spec});
  if (cache.size() > kCompiledJobsCached) cache.pop_back();
  return spec;
}

uint64_t job_compilations() { return compilations.load(); }

}  // namespace sluice
