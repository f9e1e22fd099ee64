#include "tools/cli/progress.h"

#include <fmt/format.h>

#include <cstdio>

#include "tools/cli/commands.h"
#include "tools/cli/report.h"

namespace sluice {

void draw_progress(const JobSnapshot& job, uint32_t workers) {
  const double fraction = job.partitions_total == 0
                              ? 1.0
                              : static_cast<double>(job.partitions_done) / job.partitions_total;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  const double seconds = static_cast<double>(job.elapsed_ms) / 1000.0;
  const double mb_per_s = seconds > 0 ? static_cast<double>(job.bytes_read) / 1e6 / seconds : 0.0;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  fmt::print(stderr, "\r[{}] {:5.1f}%  {}/{} partitions  {} rows out  {:.0f} MB/s  {} workers ",
             bar, fraction * 100, job.partitions_done, job.partitions_total, job.rows_out, mb_per_s,
             workers);
  std::fflush(stderr);
}

void clear_progress() {
  fmt::print(stderr, "\r{:100}\r", "");
  std::fflush(stderr);
}

void print_summary(const JobSnapshot& job) {
  const double seconds = static_cast<double>(job.elapsed_ms) / 1000.0;
  fmt::print("job {} ({}) {}\n", job.job_id, job.name, job.state);
  fmt::print("  partitions  {}/{}\n", job.partitions_done, job.partitions_total);
  fmt::print("  rows        in {}  out {}  filtered {}  rejected {}\n", job.rows_in, job.rows_out,
             job.rows_filtered, job.rows_rejected);
  fmt::print("  input       {:.1f} MB in about {:.0f} s\n",
             static_cast<double>(job.bytes_total) / 1e6, seconds);
  fmt::print("  output      {}\n", job.output_path);
  if (!job.error.empty()) fmt::print("  error       {}\n", job.error);
}

int exit_code_for(const JobSnapshot& job) {
  if (job.state == "succeeded") return kExitOk;
  report_error(fmt::format("job {} {}: {}", job.job_id, job.state, job.error));
  return kExitJobFailed;
}

}  // namespace sluice
