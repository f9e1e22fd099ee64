// `sluice submit`, `status`, `cancel`: clients of a running coordinator.
#include <fmt/format.h>
#include <unistd.h>

#include "common/spec/job_spec.h"
#include "tools/cli/client.h"
#include "tools/cli/commands.h"
#include "tools/cli/job_file.h"
#include "tools/cli/progress.h"
#include "tools/cli/report.h"

namespace sluice {

namespace {

bool connect_flags_ok(const ConnectFlags& connect) {
  return endpoint_flag_ok("--coordinator", connect.coordinator, proto::EndpointUse::kConnect);
}

}  // namespace

int submit_command(const SubmitFlags& flags) {
  if (!connect_flags_ok(flags.connect)) return kExitUsage;
  std::optional<LoadedJob> job = load_checked_job(flags.job_file);
  if (!job) return kExitUsage;
  CoordinatorClient client(flags.connect.coordinator, flags.connect.curve_secret,
                           flags.connect.coordinator_key);
  auto submitted = client.submit(job->spec.source_text, flags.job_file, job->base_dir);
  if (!submitted.is_ok()) {
    report_error("submit failed: " + submitted.status().message());
    return submitted.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitJobFailed;
  }
  fmt::print("{}\n", submitted->job_id);
  std::fflush(stdout);
  if (!submitted->created) {
    report_info(fmt::format("the same job exists already job={} state={}", submitted->job_id,
                            submitted->state));
  }
  if (!flags.wait) return kExitOk;
  const bool bar = !flags.no_progress && ::isatty(STDERR_FILENO);
  auto final_job = follow_job(client, submitted->job_id, bar, [] {});
  if (!final_job.is_ok()) {
    report_error("lost the coordinator: " + final_job.status().message());
    return kExitJobFailed;
  }
  print_summary(final_job.value());
  return exit_code_for(final_job.value());
}

int status_command(const std::string& job_id, const ConnectFlags& connect) {
  if (!connect_flags_ok(connect)) return kExitUsage;
  CoordinatorClient client(connect.coordinator, connect.curve_secret, connect.coordinator_key);
  auto status = client.status(job_id);
  if (!status.is_ok()) {
    report_error(status.status().message());
    return kExitJobFailed;
  }
  fmt::print("workers connected: {}\n", status->workers_connected);
  fmt::print("{:<16}  {:<20}  {:<10}  {:>11}  {:>12}  {:>12}  {:>10}  {:>8}\n", "JOB", "NAME",
             "STATE", "PARTITIONS", "ROWS IN", "ROWS OUT", "REJECTED", "MB/S");
  for (const JobSnapshot& job : status->jobs) {
    const double seconds = static_cast<double>(job.elapsed_ms) / 1000.0;
    const double mb_per_s = seconds > 0 ? static_cast<double>(job.bytes_read) / 1e6 / seconds : 0;
    fmt::print("{:<16}  {:<20}  {:<10}  {:>11}  {:>12}  {:>12}  {:>10}  {:>8.1f}\n", job.job_id,
               job.name.substr(0, 20), job.state,
               fmt::format("{}/{}", job.partitions_done, job.partitions_total), job.rows_in,
               job.rows_out, job.rows_rejected, mb_per_s);
    if (!job.stages.empty()) fmt::print("  stages: {}\n", job.stages);
    if (!job.error.empty()) fmt::print("  error: {}\n", job.error);
    if (!job.output_path.empty()) fmt::print("  output: {}\n", job.output_path);
  }
  return kExitOk;
}

int cancel_command(const std::string& job_id, const ConnectFlags& connect) {
  if (!connect_flags_ok(connect)) return kExitUsage;
  CoordinatorClient client(connect.coordinator, connect.curve_secret, connect.coordinator_key);
  auto status = client.cancel(job_id);
  if (!status.is_ok()) {
    report_error(status.status().message());
    return kExitJobFailed;
  }
  for (const JobSnapshot& job : status->jobs) fmt::print("{} {}\n", job.job_id, job.state);
  return kExitOk;
}

}  // namespace sluice
