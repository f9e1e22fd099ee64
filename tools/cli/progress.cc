#include "tools/cli/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "tools/cli/commands.h"
#include "tools/cli/report.h"

namespace sluice {

namespace {

// "42s", "3m05s", "1h02m": short enough for one terminal line.
std::string short_duration(double seconds) {
  const auto whole = static_cast<uint64_t>(seconds + 0.5);
  if (whole < 60) return fmt::format("{}s", whole);
  if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  return fmt::format("{}h{:02}m", whole / 3600, whole % 3600 / 60);
}

// "12.3k", "4.5M": rows per second.
std::string short_count(double count) {
  if (count >= 1e9) return fmt::format("{:.1f}G", count / 1e9);
  if (count >= 1e6) return fmt::format("{:.1f}M", count / 1e6);
  if (count >= 1e3) return fmt::format("{:.1f}k", count / 1e3);
  return fmt::format("{:.0f}", count);
}

}  // namespace

std::string progress_line(const JobSnapshot& job, uint32_t workers) {
  // The mean of tasks done and input bytes read (a map-only job reads as
  // it goes; an exchange job plans more tasks once its input is read).
  const double by_tasks = job.partitions_total == 0 ? 1.0
                                                    : static_cast<double>(job.partitions_done) /
                                                          static_cast<double>(job.partitions_total);
  const double by_bytes = job.bytes_total == 0
                              ? by_tasks
                              : std::min(1.0, static_cast<double>(job.bytes_read) /
                                                  static_cast<double>(job.bytes_total));
  const double fraction = by_tasks >= 1.0 ? 1.0 : std::min(0.99, (by_tasks + by_bytes) / 2);
  constexpr int kWidth = 24;
  std::string bar(static_cast<size_t>(fraction * kWidth), '#');
  bar.resize(kWidth, '.');
  const double seconds = static_cast<double>(job.elapsed_ms) / 1000.0;
  const double rows_per_s = seconds > 0 ? static_cast<double>(job.rows_in) / seconds : 0.0;
  const std::string eta = fraction > 0.01 && fraction < 1.0
                              ? short_duration(seconds * (1.0 - fraction) / fraction)
                              : std::string(fraction >= 1.0 ? "0s" : "?");
  return fmt::format("[{}] {:3.0f}%  {}/{} tasks  {} rows/s  {} elapsed  ETA {}  {} workers", bar,
                     fraction * 100, job.partitions_done, job.partitions_total,
                     short_count(rows_per_s), short_duration(seconds), eta, workers);
}

void draw_progress(const JobSnapshot& job, uint32_t workers) {
  // \r, the line, then erase to its end: a shorter line leaves nothing behind.
  fmt::print(stderr, "\r{}\x1b[K", progress_line(job, workers));
  std::fflush(stderr);
}

void clear_progress() {
  fmt::print(stderr, "\r\x1b[K");
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
