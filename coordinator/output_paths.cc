// Where a job's files live: its working directory, temporary and partial
// files, part and rejects names, for every kind of task (publisher.h has the
// layout).
#include "coordinator/output_paths.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <set>
#include <string_view>

#include "common/base/limits.h"
#include "common/layout/partitioned_writer.h"
#include "coordinator/output_dir.h"

namespace sluice {

namespace fs = std::filesystem;

std::string in_output(const JobRecord& job, const std::string& name) {
  return (fs::path(work_dir(job)) / name).string();
}

std::string work_dir(const JobRecord& job) {
  if (!job.exchange_dir.empty()) return job.exchange_dir;  // an s3:// output's exchange
  if (job.output_mode == OutputMode::kOverwrite) return staging_dir_of(job.output_dir, job.id);
  return job.output_dir;
}

std::string temporary_dir(const JobRecord& job) { return in_output(job, "_temporary/" + job.id); }

std::string partials_dir(const JobRecord& job) { return in_output(job, "_partials/" + job.id); }

bool is_bucket_task(const JobRecord& job, uint32_t partition) {
  return job.has_aggregate && partition >= job.map_tasks;
}

std::string map_output_path(const JobRecord& job, uint32_t partition) {
  return fmt::format("{}/map-{:05}.bin", partials_dir(job), partition);
}

bool is_merge_task(const JobRecord& job, uint32_t partition) {
  return job.final_merge && job.final_planned && partition + 1 == job.partitions_total &&
         partition > job.map_tasks;
}

std::string sorted_output_path(const JobRecord& job, uint32_t partition) {
  return fmt::format("{}/sorted-{:05}.bin", partials_dir(job), partition - job.map_tasks);
}

std::string temp_part_path(const JobRecord& job, uint32_t partition, uint32_t attempt) {
  if (is_merge_task(job, partition)) {
    return fmt::format("{}/part-{:05}-attempt-{}{}", temporary_dir(job), job.part_base, attempt,
                       job.extension);
  }
  if (is_bucket_task(job, partition) && job.final_merge) {
    return fmt::format("{}/sorted-{:05}-attempt-{}.bin", temporary_dir(job),
                       partition - job.map_tasks, attempt);
  }
  if (is_bucket_task(job, partition)) {
    return fmt::format("{}/part-{:05}-attempt-{}{}", temporary_dir(job),
                       job.part_base + partition - job.map_tasks, attempt, job.extension);
  }
  if (job.has_aggregate) {
    return fmt::format("{}/map-{:05}-attempt-{}.bin", temporary_dir(job), partition, attempt);
  }
  return fmt::format("{}/part-{:05}-attempt-{}{}", temporary_dir(job), partition, attempt,
                     job.extension);
}

std::string temp_rejects_path(const JobRecord& job, uint32_t partition, uint32_t attempt) {
  return fmt::format("{}/rejects-{:05}-attempt-{}.csv", temporary_dir(job), partition, attempt);
}

std::vector<std::string> attempt_files(const JobRecord& job, uint32_t partition, uint32_t attempt) {
  std::vector<std::string> files = {temp_part_path(job, partition, attempt),
                                    temp_rejects_path(job, partition, attempt)};
  if (!job.partition_by.empty() && writes_part(job, partition)) {
    files.push_back(partition_files_dir(temp_part_path(job, partition, attempt)));
  }
  return files;
}

bool writes_part(const JobRecord& job, uint32_t partition) {
  if (!job.has_aggregate) return true;
  if (is_merge_task(job, partition)) return true;
  return is_bucket_task(job, partition) && !job.final_merge;
}

uint32_t part_number(const JobRecord& job, uint32_t partition) {
  if (!job.has_aggregate) return job.part_base + partition;
  if (is_merge_task(job, partition)) return job.part_base;
  return job.part_base + partition - job.map_tasks;
}

std::string temp_partition_file_path(const JobRecord& job, uint32_t partition, uint32_t attempt,
                                     size_t file) {
  return PartitionedWriter::file_path(partition_files_dir(temp_part_path(job, partition, attempt)),
                                      file);
}

std::string partition_file_name(const JobRecord& job, uint32_t partition,
                                const PartitionFile& file) {
  return fmt::format("{}/part-{:05}{}", file.dir, part_number(job, partition), job.extension);
}

std::optional<std::string> partition_files_problem(const JobRecord& job, uint32_t partition,
                                                   const PartStats& stats) {
  if (job.partition_by.empty() || !writes_part(job, partition)) {
    if (stats.files.empty()) return std::nullopt;
    return fmt::format("{} partition files for output that is not partitioned", stats.files.size());
  }
  uint64_t rows = 0;
  uint64_t bytes = 0;
  std::set<std::string_view> dirs;
  for (const PartitionFile& file : stats.files) {
    if (!is_partition_dir(file.dir, job.partition_by)) {
      return fmt::format("'{}' is not a partition directory of {}", file.dir,
                         fmt::join(job.partition_by, ", "));
    }
    if (!dirs.insert(file.dir).second) return fmt::format("'{}' is listed twice", file.dir);
    rows += file.rows;
    bytes += file.bytes;
  }
  if (stats.files.size() > limits::kPartitionFilesPerTaskMax) {
    return fmt::format("{} partition files, over the limit of {}", stats.files.size(),
                       limits::kPartitionFilesPerTaskMax);
  }
  if (rows != stats.rows_out || bytes != stats.bytes_written) {
    return fmt::format("partition files of {} rows and {} bytes for {} rows and {} bytes written",
                       rows, bytes, stats.rows_out, stats.bytes_written);
  }
  return std::nullopt;
}

std::string part_name(const JobRecord& job, uint32_t partition) {
  return fmt::format("part-{:05}{}", job.part_base + partition, job.extension);
}

std::string rejects_name(const JobRecord& job, uint32_t partition) {
  return fmt::format("_rejects/part-{:05}.csv", job.part_base + partition);
}

}  // namespace sluice
