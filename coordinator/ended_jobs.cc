// Collecting what ended jobs leave (publisher.h, EndedJobs): working
// directories, and a failed or cancelled job's published files.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "coordinator/output_paths.h"
#include "coordinator/publisher.h"
#include "coordinator/s3_output.h"

namespace sluice {

namespace fs = std::filesystem;

// A partitioned job's files: OUT/<col=v/...>/part-NNNNN<ext> for its part
// numbers, and the partition directories left empty.
static void remove_partition_files(Filesystem& files, const JobRecord& job) {
  const fs::path root(work_dir(job));
  const size_t depth = job.partition_by.size();
  std::vector<fs::path> dirs;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(root, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    const size_t level = static_cast<size_t>(it.depth());  // 0: in OUT itself
    std::error_code ignored;
    if (it->is_directory(ignored)) {
      if (level >= depth || name.find('=') == std::string::npos || name[0] == '_') {
        it.disable_recursion_pending();
      } else {
        dirs.push_back(it->path());
      }
      continue;
    }
    if (level != depth) continue;
    unsigned number = 0;
    if (std::sscanf(name.c_str(), "part-%5u", &number) != 1) continue;
    if (number < job.part_base || number >= job.part_base + job.partitions_total) continue;
    (void)files.remove(it->path().string());
  }
  // Deepest first: a directory empties before its parent is tried.
  std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
    return a.string().size() > b.string().size();
  });
  // Only when empty; else an error, and the directory stays.
  for (const fs::path& dir : dirs) (void)files.remove(dir.string());
}

static void remove_published(Filesystem& files, const JobRecord& job) {
  // An s3:// output keeps what it published (a cancelled job's completed
  // parts too: docs/JOBS.md, "S3 output").
  if (is_s3_output(job)) return;
  if (job.output_mode == OutputMode::kOverwrite) {
    if (job.state == JobState::kCancelled) (void)files.remove_all(work_dir(job));
    if (job.state == JobState::kCancelled || !job.has_aggregate) return;
  }
  if (job.state == JobState::kFailed && !job.has_aggregate) return;
  if (!job.partition_by.empty()) remove_partition_files(files, job);
  for (uint32_t index = 0; index < job.partitions_total; ++index) {
    if (is_bucket_task(job, index)) {
      // A job that merges its buckets publishes one part, part 0.
      (void)files.remove(
          in_output(job, part_name(job, job.final_merge ? 0 : index - job.map_tasks)));
      continue;
    }
    if (!job.has_aggregate) (void)files.remove(in_output(job, part_name(job, index)));
    (void)files.remove(in_output(job, rejects_name(job, index)));
  }
  // The empty part of a job without partitions.
  if (job.partitions_total == 0) (void)files.remove(in_output(job, part_name(job, 0)));
  (void)files.remove(in_output(job, "_rejects"));  // when empty
}

// What an atomic write a crash interrupted left in `dir` ("NAME.tmp-PID-N"
// beside the manifests and _SUCCESS; the job's end is redone after it).
static void remove_interrupted_writes(Filesystem& files, const std::string& dir) {
  Result<std::vector<std::string>> names = files.list(dir);
  if (!names.is_ok()) return;
  for (const std::string& name : *names) {
    if (name.find(".tmp-") == std::string::npos) continue;
    if (name.starts_with("_MANIFEST.json.tmp-") || name.starts_with("_SUCCESS.tmp-") ||
        name.starts_with("generation-")) {
      (void)files.remove((fs::path(dir) / name).string());
    }
  }
}

void collect_temporary(Filesystem& files, const JobRecord& job) {
  if (is_s3_output(job)) {  // its exchange directory only (s3_output.h)
    remove_working_dirs(files, job);
    return;
  }
  remove_interrupted_writes(files, work_dir(job));
  remove_interrupted_writes(files, in_output(job, "_manifests"));
  if (job.state == JobState::kSucceeded) {
    // Part numbers are never reused: a replaced name is never a live file.
    for (const std::string& name : job.replaced) (void)files.remove(in_output(job, name));
  }
  remove_working_dirs(files, job);
}

void EndedJobs::seed(const std::vector<const JobRecord*>& jobs) {
  for (const JobRecord* job : jobs) {
    if (is_final(job->state)) collected_.insert(job->id);
  }
}

void EndedJobs::collect(const std::vector<const JobRecord*>& jobs, const Busy& busy) {
  for (const JobRecord* job : jobs) {
    if (!is_final(job->state)) {
      collected_.erase(job->id);  // resumed: it may end again
      continue;
    }
    if (busy && busy(job->id)) continue;  // a later call collects it
    if (!collected_.insert(job->id).second) continue;
    collect_temporary(files_, *job);
    // Once, at the job's end: by a later restart the directory may be
    // another job's (its file names the same).
    if (job->state == JobState::kFailed || job->state == JobState::kCancelled) {
      remove_published(files_, *job);
    }
  }
}

void EndedJobs::sweep(const std::vector<const JobRecord*>& jobs) const {
  for (const JobRecord* job : jobs) {
    if (is_final(job->state)) remove_working_dirs(files_, *job);
  }
}

}  // namespace sluice
