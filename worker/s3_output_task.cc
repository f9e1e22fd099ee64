#include "worker/s3_output_task.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include "common/base/crash_point.h"
#include "common/job/inputs.h"
#include "common/job/job_file.h"
#include "common/job/s3_inputs.h"
#include "common/s3/upload.h"
#include "common/spec/job_spec.h"
#include "worker/compiled_jobs.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

// The client for the job's output.s3 (credentials_file against base_dir).
Result<std::unique_ptr<S3Client>> output_client(const TaskSpec& task) {
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const JobSpec> spec, compiled_job(task.spec_yaml));
  S3Options options = spec->output.s3;
  if (!options.credentials_file.empty()) {
    options.credentials_file =
        absolute_path(options.credentials_file, task.base_dir.empty() ? "." : task.base_dir);
  }
  return open_s3_client(options);
}

// Uploads the attempt's files; the first error fails the attempt (an upload
// done before it is aborted: it will never be reported).
Status upload_outputs(const TaskSpec& task, TaskOutcome& outcome) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client, output_client(task));
  SLUICE_ASSIGN_OR_RETURN(S3UploadRecord part,
                          upload_file_parts(*client, task.temp_path, task.output_url));
  crash_point("s3-part-uploaded");  // tests: a worker killed with its upload not reported
  if (outcome.rows_rejected > 0) {
    auto rejects = upload_file_parts(*client, task.rejects_temp_path, task.rejects_url);
    if (!rejects.is_ok()) {
      (void)abort_upload_quietly(*client, part);
      return rejects.status();
    }
    outcome.uploads = {std::move(part), std::move(rejects).value()};
  } else {
    outcome.uploads = {std::move(part)};
  }
  return Status::ok();
}

}  // namespace

TaskOutcome run_task_to_output(const TaskSpec& task, TaskControl& control) {
  if (task.output_url.empty()) return run_task(task, control);
  TaskSpec local = task;
  // One directory per attempt, $TMPDIR/sluice-worker-<pid>-<job>-<partition>-<attempt>,
  // removed whole after it (a worker killed leaves it).
  const fs::path dir =
      fs::temp_directory_path() / fmt::format("sluice-worker-{}-{}-{}-{}", ::getpid(), task.job_id,
                                              task.partition, task.attempt);
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return failure("cannot create " + dir.string() + ": " + error.message(), true);
  local.temp_path = (dir / fs::path(task.temp_path).filename()).string();
  local.rejects_temp_path = (dir / fs::path(task.rejects_temp_path).filename()).string();
  TaskOutcome outcome = run_task(local, control);
  if (outcome.ok && !control.abort.load(std::memory_order_relaxed)) {
    Status uploaded = upload_outputs(local, outcome);
    if (!uploaded.is_ok()) outcome = failure("upload: " + uploaded.message(), true);
  }
  fs::remove_all(dir, error);
  return outcome;
}

}  // namespace sluice
