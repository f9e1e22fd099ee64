#include "worker/s3_output_task.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include "common/base/crash_point.h"
#include "common/job/inputs.h"
#include "common/job/job_file.h"
#include "common/job/s3_inputs.h"
#include "common/layout/partitioned_writer.h"
#include "common/s3/upload.h"
#include "common/spec/job_spec.h"
#include "worker/compiled_jobs.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

// The client for the job's output.s3 (credentials_file against base_dir).
Result<std::unique_ptr<S3Client>> output_client(const TaskSpec& task, const JobSpec& spec) {
  S3Options options = spec.output.s3;
  if (!options.credentials_file.empty()) {
    options.credentials_file =
        absolute_path(options.credentials_file, task.base_dir.empty() ? "." : task.base_dir);
  }
  return open_s3_client(options);
}

// The URL of partition file `file` of a part whose own URL is `part_url`:
// .../<dir>/part-NNNNN.<ext> beside .../part-NNNNN.<ext>, as locally.
std::string partition_file_url(const std::string& part_url, const PartitionFile& file) {
  const size_t slash = part_url.rfind('/');
  return part_url.substr(0, slash + 1) + file.dir + part_url.substr(slash);
}

// Uploads the attempt's files, in the order the coordinator checks them:
// the part (or each partition file), then the rejects. The first error
// fails the attempt (the uploads done before it are aborted: they will
// never be reported).
Status upload_outputs(const TaskSpec& task, const JobFile& job, TaskOutcome& outcome) {
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const JobSpec> spec, job.compiled());
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client, output_client(task, *spec));
  std::vector<std::pair<std::string, std::string>> files;  // local path, URL
  if (!task.output_url.empty()) {
    if (spec->output.partition_by.empty()) {
      files.emplace_back(task.temp_path, task.output_url);
    } else {
      const std::string dir = partition_files_dir(task.temp_path);
      for (size_t i = 0; i < outcome.stats.files.size(); ++i) {
        files.emplace_back(PartitionedWriter::file_path(dir, i),
                           partition_file_url(task.output_url, outcome.stats.files[i]));
      }
    }
  }
  if (outcome.stats.rows_rejected > 0 && !task.rejects_url.empty()) {
    files.emplace_back(task.rejects_temp_path, task.rejects_url);
  }
  std::vector<S3UploadRecord> uploads;
  for (const auto& [path, url] : files) {
    auto upload = upload_file_parts(*client, path, url);
    if (!upload.is_ok()) {
      for (const S3UploadRecord& done : uploads) (void)abort_upload_quietly(*client, done);
      return upload.status();
    }
    uploads.push_back(std::move(upload).value());
    // tests: a worker killed with its upload not reported
    if (uploads.size() == 1) crash_point("s3-part-uploaded");
  }
  outcome.stats.uploads = std::move(uploads);
  return Status::ok();
}

}  // namespace

TaskOutcome run_task_to_output(const TaskSpec& task, const JobFile& job, TaskControl& control) {
  if (task.output_url.empty() && task.rejects_url.empty()) return run_task(task, job, control);
  TaskSpec local = task;
  // One directory per attempt, $TMPDIR/sluice-worker-<pid>-<job>-<partition>-<attempt>,
  // removed whole after it (a worker killed leaves it).
  const fs::path dir =
      fs::temp_directory_path() / fmt::format("sluice-worker-{}-{}-{}-{}", ::getpid(), task.job_id,
                                              task.partition, task.attempt);
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return failure("cannot create " + dir.string() + ": " + error.message(), true);
  // The part (and its spill files) in it; a map output of an exchange stays
  // where the coordinator renames it from (its exchange directory).
  if (!task.output_url.empty()) {
    local.temp_path = (dir / fs::path(task.temp_path).filename()).string();
  }
  if (!task.rejects_temp_path.empty()) {
    local.rejects_temp_path = (dir / fs::path(task.rejects_temp_path).filename()).string();
  }
  TaskOutcome outcome = run_task(local, job, control);
  if (outcome.ok && !control.abort.load(std::memory_order_relaxed)) {
    Status uploaded = upload_outputs(local, job, outcome);
    if (!uploaded.is_ok()) outcome = failure("upload: " + uploaded.message(), true);
  }
  fs::remove_all(dir, error);
  return outcome;
}

}  // namespace sluice
