#include "coordinator/publisher.h"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/base/hash.h"
#include "common/base/log.h"
#include "common/io/publish.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

std::string in_output(const JobRecord& job, const std::string& name) {
  return (fs::path(job.output_dir) / name).string();
}

Status publish_or_missing(const std::string& temp, const std::string& final_path) {
  auto outcome = publish_file(temp, final_path);
  if (!outcome.is_ok()) return outcome.status();
  return Status::ok();
}

}  // namespace

std::string temporary_dir(const JobRecord& job) {
  return in_output(job, "_temporary/" + job.id);
}

std::string temp_part_path(const JobRecord& job, uint32_t partition, uint32_t attempt) {
  return fmt::format("{}/part-{:05}-attempt-{}{}", temporary_dir(job), partition, attempt,
                     job.extension);
}

std::string temp_rejects_path(const JobRecord& job, uint32_t partition, uint32_t attempt) {
  return fmt::format("{}/rejects-{:05}-attempt-{}.csv", temporary_dir(job), partition, attempt);
}

std::string part_name(const JobRecord& job, uint32_t partition) {
  return fmt::format("part-{:05}{}", partition, job.extension);
}

std::string rejects_name(uint32_t partition) {
  return fmt::format("_rejects/part-{:05}.csv", partition);
}

Status publish_partition(const JobRecord& job, const PartitionRecord& partition) {
  const uint32_t attempt = partition.attempt;
  SLUICE_RETURN_IF_ERROR(publish_or_missing(temp_part_path(job, partition.index, attempt),
                                            in_output(job, part_name(job, partition.index))));
  const std::string temp_rejects = temp_rejects_path(job, partition.index, attempt);
  if (partition.stats.rows_rejected > 0) {
    SLUICE_RETURN_IF_ERROR(make_directories(in_output(job, "_rejects")));
    SLUICE_RETURN_IF_ERROR(
        publish_or_missing(temp_rejects, in_output(job, rejects_name(partition.index))));
  } else {
    std::error_code ignored;
    fs::remove(temp_rejects, ignored);
  }
  return Status::ok();
}

void discard_attempt(const JobRecord& job, uint32_t partition, uint32_t attempt) {
  std::error_code ignored;
  fs::remove(temp_part_path(job, partition, attempt), ignored);
  fs::remove(temp_rejects_path(job, partition, attempt), ignored);
}

Status finish_output(const JobRecord& job, const std::vector<PartitionRecord>& partitions) {
  using nlohmann::json;
  json parts = json::array();
  uint64_t rows_in = 0, rows_out = 0, rows_filtered = 0, rows_rejected = 0;
  for (const PartitionRecord& p : partitions) {
    json part = {{"partition", p.index},
                 {"file", part_name(job, p.index)},
                 {"rows", p.stats.rows_out},
                 {"bytes", p.stats.bytes_written},
                 {"checksum", hex64(p.stats.checksum)},
                 {"rows_in", p.stats.rows_in},
                 {"rows_filtered", p.stats.rows_filtered},
                 {"rows_rejected", p.stats.rows_rejected},
                 {"input_file", job.inputs[p.range.file_index].path},
                 {"input_range", {p.range.begin_offset, p.range.end_offset}},
                 {"attempt", p.attempt}};
    if (p.stats.rows_rejected > 0) {
      part["rejects"] = {{"file", rejects_name(p.index)},
                         {"rows", p.stats.rows_rejected},
                         {"bytes", p.stats.rejects_bytes},
                         {"checksum", hex64(p.stats.rejects_checksum)}};
    }
    parts.push_back(part);
    rows_in += p.stats.rows_in;
    rows_out += p.stats.rows_out;
    rows_filtered += p.stats.rows_filtered;
    rows_rejected += p.stats.rows_rejected;
  }
  json inputs = json::array();
  for (const InputFile& input : job.inputs) {
    inputs.push_back({{"path", input.path}, {"size", input.size_bytes}, {"mtime_ns", input.mtime_ns}});
  }
  json manifest = {{"format_version", 1},
                   {"job_id", job.id},
                   {"name", job.name},
                   {"spec_hash", hex64(hash64(job.spec_yaml))},
                   {"extension", job.extension},
                   {"has_header", true},
                   {"inputs", inputs},
                   {"rows_in", rows_in},
                   {"rows_out", rows_out},
                   {"rows_filtered", rows_filtered},
                   {"rows_rejected", rows_rejected},
                   {"parts", parts}};
  SLUICE_RETURN_IF_ERROR(
      write_file_atomically(in_output(job, "_MANIFEST.json"), manifest.dump(2) + "\n"));
  SLUICE_RETURN_IF_ERROR(write_file_atomically(in_output(job, "_SUCCESS"), ""));
  collect_temporary(job);
  return Status::ok();
}

void collect_temporary(const JobRecord& job) {
  std::error_code ignored;
  fs::remove_all(temporary_dir(job), ignored);
  // _temporary itself goes when no other job uses it.
  fs::remove(in_output(job, "_temporary"), ignored);
}

}  // namespace sluice
