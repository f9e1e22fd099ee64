#include "tests/sim/sim_sort.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "common/base/hash.h"
#include "coordinator/output_paths.h"
#include "tests/sim/sim_files.h"

namespace sluice::sim {
namespace {

// A global sort's key: the record's value, then its id (input order).
struct SortKey {
  std::string value;
  uint64_t id = 0;
  auto operator<=>(const SortKey&) const = default;
};

// A record's line "id,value" (no newline): its key.
SortKey key_of_line(const std::string& line) {
  const size_t comma = line.find(',');
  return SortKey{line.substr(comma + 1), std::strtoull(line.c_str(), nullptr, 10)};
}

// The lines after "attempt N".
std::vector<std::string> lines_after_attempt(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) lines.push_back(std::move(line));
  return lines;
}

void finish_stats(BucketOutput& output, uint64_t rows) {
  output.stats.rows_in = rows;
  output.stats.rows_out = rows;
  output.stats.bytes_written = output.text.size();
  output.stats.checksum = hash64(output.text);
  output.stats.rejects_checksum = hash64("");
}

}  // namespace

MapOutput sort_map(const Input& input, size_t first, size_t end, uint32_t attempt) {
  MapOutput output;
  std::vector<std::pair<SortKey, std::string>> records;
  for (size_t record = first; record < end; ++record) {
    const std::string line = input.text.substr(
        input.offsets[record], input.offset_of(record + 1) - input.offsets[record] - 1);
    output.stats.rows_in++;
    if (input.rejected[record]) {
      output.stats.rows_rejected++;
      output.rejects += line + "\n";
      continue;
    }
    output.stats.rows_out++;
    records.emplace_back(key_of_line(line), line);
  }
  std::sort(records.begin(), records.end());
  output.text = fmt::format("attempt {}\n", attempt);
  for (const auto& [key, line] : records) output.text += line + "\n";
  output.stats.bytes_written = output.text.size();
  output.stats.checksum = hash64(output.text);
  output.stats.rejects_bytes = output.stats.rows_rejected > 0 ? output.rejects.size() : 0;
  output.stats.rejects_checksum = hash64(output.rejects);
  return output;
}

BucketOutput sort_bucket(const JobRecord& job, uint32_t task, uint32_t tasks, uint32_t attempt,
                         bool overlap) {
  BucketOutput output;
  std::vector<std::pair<SortKey, std::string>> records;
  for (uint32_t map = 0; map < job.map_tasks; ++map) {
    const std::optional<std::string> text = read_sim_file(map_output_path(job, map));
    if (!text || !attempt_of(*text)) {
      output.lost_map_task = map;
      return output;
    }
    for (std::string& line : lines_after_attempt(*text)) {
      records.emplace_back(key_of_line(line), std::move(line));
    }
  }
  std::sort(records.begin(), records.end());
  // The n-th of `tasks` equal runs of the keys (the boundaries every task
  // computes alike).
  const size_t begin = records.size() * task / std::max<uint32_t>(tasks, 1);
  const size_t end = records.size() * (task + 1) / std::max<uint32_t>(tasks, 1) + (overlap ? 1 : 0);
  output.text = fmt::format("attempt {}\n", attempt);
  for (size_t i = begin; i < end && i < records.size(); ++i)
    output.text += records[i].second + "\n";
  finish_stats(output, end - begin);
  return output;
}

BucketOutput merge_sorted_outputs(const JobRecord& job, uint32_t sorted_outputs, uint32_t attempt) {
  BucketOutput output;
  std::map<std::string, std::string> groups;  // key -> "count,sum"
  for (uint32_t bucket = 0; bucket < sorted_outputs; ++bucket) {
    const std::optional<std::string> text =
        read_sim_file(sorted_output_path(job, job.map_tasks + bucket));
    if (!text || !attempt_of(*text)) {
      output.lost_map_task = job.map_tasks + bucket;
      return output;
    }
    for (const std::string& line : lines_after_attempt(*text)) {
      const size_t comma = line.find(',');
      groups[line.substr(0, comma)] = line.substr(comma + 1);
    }
  }
  output.text = fmt::format("attempt {}\n", attempt);
  for (const auto& [key, rest] : groups) output.text += key + "," + rest + "\n";
  finish_stats(output, groups.size());
  return output;
}

std::vector<std::string> check_sort_output(const JobRecord& job, const Scheduler& scheduler,
                                           const Input& input, const std::string& out,
                                           std::vector<std::string>& violations) {
  std::vector<std::string> files = check_map_rejects(job, scheduler, input, out, violations);
  const JobRecord* current = scheduler.job(job.id);
  std::map<uint64_t, size_t> seen;  // id -> times in a part
  std::optional<SortKey> previous;
  for (uint32_t index = job.map_tasks; index < current->partitions_total; ++index) {
    const std::string text = read_committed_part(job, scheduler, index, out, files, violations);
    const std::string name = files.back();
    for (const std::string& line : lines_after_attempt(text)) {
      const SortKey key = key_of_line(line);
      seen[key.id]++;
      if (key.id == 0 || key.id > input.ids.size() || input.rejected[key.id - 1])
        violations.push_back(fmt::format("record {} is in {}", key.id, name));
      if (previous && !(*previous < key)) {
        violations.push_back(fmt::format("record {} ('{}') in {} is out of order, after {} ('{}')",
                                         key.id, key.value, name, previous->id, previous->value));
      }
      previous = key;
    }
  }
  for (size_t record = 0; record < input.ids.size(); ++record) {
    if (input.rejected[record]) continue;
    const auto it = seen.find(record + 1);
    const size_t times = it == seen.end() ? 0 : it->second;
    if (times != 1)
      violations.push_back(fmt::format("record {} is in {} parts", input.ids[record], times));
  }
  return files;
}

std::vector<std::string> check_merged_output(const JobRecord& job, const Scheduler& scheduler,
                                             const Input& input, const std::string& out,
                                             std::vector<std::string>& violations) {
  std::vector<std::string> files = check_map_rejects(job, scheduler, input, out, violations);
  const JobRecord* current = scheduler.job(job.id);
  const PartitionRecord* merge = scheduler.partition(job.id, current->partitions_total - 1);
  if (!current->final_planned || merge == nullptr || !merge->is_final) {
    violations.push_back("the merge task was never planned");
    return files;
  }
  const std::string name = part_name(job, 0);
  files.push_back(name);
  const std::string text = read_sim_file(out + "/" + name).value_or("");
  const std::optional<uint32_t> attempt = attempt_of(text);
  if (!attempt || *attempt != merge->attempt) {
    violations.push_back(fmt::format("{} holds attempt {}, the ledger committed the merge's {}",
                                     name, attempt ? static_cast<int64_t>(*attempt) : -1,
                                     merge->attempt));
  }
  std::string expected = fmt::format("attempt {}\n", merge->attempt);
  for (const auto& [key, group] : expected_groups(input)) {
    expected += fmt::format("{},{},{}\n", key, group.count, group.sum);
  }
  if (attempt && text != expected) {
    violations.push_back(fmt::format(
        "{} is not every group in key order: it holds\n{}instead of\n{}", name, text, expected));
  }
  return files;
}

}  // namespace sluice::sim
