#include "tests/sim/sim_exchange.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/base/hash.h"
#include "common/layout/hive_path.h"
#include "coordinator/output_paths.h"
#include "tests/sim/sim_files.h"

namespace sluice::sim {
namespace {

namespace fs = std::filesystem;

// The lines after "attempt N", split at commas.
std::vector<std::vector<std::string>> rows_after_attempt(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    size_t from = 0;
    for (size_t comma = line.find(','); comma != std::string::npos; comma = line.find(',', from)) {
      fields.push_back(line.substr(from, comma - from));
      from = comma + 1;
    }
    fields.push_back(line.substr(from));
    rows.push_back(std::move(fields));
  }
  return rows;
}

uint64_t number(const std::string& text) { return std::strtoull(text.c_str(), nullptr, 10); }

}  // namespace

std::string group_key(const Input& input, size_t record) {
  const size_t comma = input.text.find(',', input.offsets[record]);
  const char first = input.text[comma + 1];
  return first == '\n' ? std::string() : std::string(1, first);
}

uint32_t bucket_of(const std::string& key, uint32_t buckets) {
  return static_cast<uint32_t>(hash64(key) % buckets);
}

std::string partition_dir_of(const Input& input, size_t record) {
  const std::string key = group_key(input, record);
  return hive_component("key", key.empty() ? std::nullopt : std::optional<std::string_view>(key));
}

PartitionedOutput partitioned_part(const Input& input, size_t first, size_t end, uint32_t attempt) {
  PartitionedOutput output;
  std::map<std::string, std::pair<std::string, uint64_t>> files;  // dir -> (text, rows)
  for (size_t record = first; record < end; ++record) {
    const std::string line = input.text.substr(input.offsets[record],
                                               input.offset_of(record + 1) - input.offsets[record]);
    output.stats.rows_in++;
    if (input.rejected[record]) {
      output.stats.rows_rejected++;
      output.rejects += line;
      continue;
    }
    output.stats.rows_out++;
    auto [it, added] = files.try_emplace(partition_dir_of(input, record));
    if (added) it->second.first = fmt::format("attempt {}\n", attempt);
    it->second.first += line;
    it->second.second++;
  }
  for (auto& [dir, file] : files) {
    output.stats.files.push_back(
        PartitionFile{dir, file.second, file.first.size(), hash64(file.first)});
    output.stats.bytes_written += file.first.size();
    output.texts.push_back(std::move(file.first));
  }
  output.stats.rejects_bytes = output.stats.rows_rejected > 0 ? output.rejects.size() : 0;
  output.stats.rejects_checksum = hash64(output.rejects);
  return output;
}

MapOutput aggregate_map(const Input& input, size_t first, size_t end, uint32_t buckets,
                        uint32_t attempt) {
  MapOutput output;
  std::map<std::pair<uint32_t, std::string>, Group> groups;
  for (size_t record = first; record < end; ++record) {
    output.stats.rows_in++;
    if (input.rejected[record]) {
      output.stats.rows_rejected++;
      output.rejects += input.text.substr(input.offsets[record],
                                          input.offset_of(record + 1) - input.offsets[record]);
      continue;
    }
    output.stats.rows_out++;
    const std::string key = group_key(input, record);
    Group& group = groups[{bucket_of(key, buckets), key}];
    group.count++;
    group.sum += number(input.ids[record]);
  }
  output.text = fmt::format("attempt {}\n", attempt);
  for (const auto& [where, group] : groups) {
    output.text += fmt::format("{},{},{},{}\n", where.first, where.second, group.count, group.sum);
  }
  output.stats.bytes_written = output.text.size();
  output.stats.checksum = hash64(output.text);
  output.stats.rejects_bytes = output.stats.rows_rejected > 0 ? output.rejects.size() : 0;
  output.stats.rejects_checksum = hash64(output.rejects);
  return output;
}

BucketOutput aggregate_bucket(const JobRecord& job, uint32_t bucket_begin, uint32_t bucket_end,
                              uint32_t attempt) {
  BucketOutput output;
  std::map<std::string, Group> groups;
  for (uint32_t map = 0; map < job.map_tasks; ++map) {
    const std::optional<std::string> text = read_sim_file(map_output_path(job, map));
    if (!text || !attempt_of(*text)) {
      output.lost_map_task = map;
      return output;
    }
    for (const std::vector<std::string>& row : rows_after_attempt(*text)) {
      const uint32_t bucket = static_cast<uint32_t>(number(row.at(0)));
      if (bucket < bucket_begin || bucket >= bucket_end) continue;
      Group& group = groups[row.at(1)];
      group.count += number(row.at(2));
      group.sum += number(row.at(3));
    }
  }
  output.text = fmt::format("attempt {}\n", attempt);
  for (const auto& [key, group] : groups) {
    output.text += fmt::format("{},{},{}\n", key, group.count, group.sum);
  }
  output.stats.rows_in = groups.size();
  output.stats.rows_out = groups.size();
  output.stats.bytes_written = output.text.size();
  output.stats.checksum = hash64(output.text);
  output.stats.rejects_checksum = hash64("");
  return output;
}

std::map<std::string, Group> expected_groups(const Input& input) {
  std::map<std::string, Group> expected;
  for (size_t record = 0; record < input.ids.size(); ++record) {
    if (input.rejected[record]) continue;
    Group& group = expected[group_key(input, record)];
    group.count++;
    group.sum += number(input.ids[record]);
  }
  return expected;
}

std::string read_committed_part(const JobRecord& job, const Scheduler& scheduler, uint32_t index,
                                const std::string& out, std::vector<std::string>& files,
                                std::vector<std::string>& violations) {
  const PartitionRecord* partition = scheduler.partition(job.id, index);
  const std::string name = part_name(job, index - job.map_tasks);
  files.push_back(name);
  std::string text = read_sim_file(out + "/" + name).value_or("");
  const std::optional<uint32_t> attempt = attempt_of(text);
  if (!attempt || *attempt != partition->attempt) {
    violations.push_back(fmt::format("{} holds attempt {}, the ledger committed attempt {}", name,
                                     attempt ? static_cast<int64_t>(*attempt) : -1,
                                     partition->attempt));
  }
  return text;
}

std::vector<std::string> check_map_rejects(const JobRecord& job, const Scheduler& scheduler,
                                           const Input& input, const std::string& out,
                                           std::vector<std::string>& violations, uint32_t first_map,
                                           uint32_t end_map) {
  std::vector<std::string> files;
  std::map<std::string, size_t> rejected_seen;
  for (uint32_t index = first_map; index < std::min(end_map, job.map_tasks); ++index) {
    const PartitionRecord* partition = scheduler.partition(job.id, index);
    if (partition == nullptr || partition->stats.rows_rejected == 0) continue;
    const std::string name = rejects_name(job, index);
    files.push_back(name);
    std::istringstream lines(read_sim_file(out + "/" + name).value_or(""));
    for (std::string line; std::getline(lines, line);) {
      const std::string id = line.substr(0, line.find(','));
      rejected_seen[id]++;
      const size_t record = number(id) - 1;
      if (record >= input.rejected.size() || !input.rejected[record])
        violations.push_back(fmt::format("record {} is in {}", id, name));
    }
  }
  for (size_t record = 0; record < input.ids.size(); ++record) {
    if (!input.rejected[record]) continue;
    const std::string& id = input.ids[record];
    const size_t times = rejected_seen.count(id) ? rejected_seen[id] : 0;
    if (times != 1) violations.push_back(fmt::format("rejected record {} is {} times", id, times));
  }
  return files;
}

std::vector<std::string> check_aggregate_output(const JobRecord& job, const Scheduler& scheduler,
                                                const Input& input, uint32_t buckets,
                                                const std::string& out,
                                                std::vector<std::string>& violations) {
  std::vector<std::string> files = check_map_rejects(job, scheduler, input, out, violations);
  const std::map<std::string, Group> expected = expected_groups(input);
  const JobRecord* current = scheduler.job(job.id);
  std::map<std::string, Group> found;
  for (uint32_t index = job.map_tasks; index < current->partitions_total; ++index) {
    const PartitionRecord* partition = scheduler.partition(job.id, index);
    const std::string text = read_committed_part(job, scheduler, index, out, files, violations);
    const std::string name = files.back();
    for (const std::vector<std::string>& row : rows_after_attempt(text)) {
      const std::string& key = row.at(0);
      const uint32_t bucket = bucket_of(key, buckets);
      if (bucket < partition->bucket_begin || bucket >= partition->bucket_end) {
        violations.push_back(fmt::format("group '{}' (bucket {}) is in {}, of buckets {}..{}", key,
                                         bucket, name, partition->bucket_begin,
                                         partition->bucket_end));
      }
      if (found.count(key) > 0) violations.push_back(fmt::format("group '{}' is twice", key));
      found[key] = Group{number(row.at(1)), number(row.at(2))};
    }
  }
  for (const auto& [key, group] : expected) {
    auto it = found.find(key);
    if (it == found.end()) {
      violations.push_back(fmt::format("group '{}' is in no part", key));
    } else if (!(it->second == group)) {
      violations.push_back(fmt::format("group '{}': count {} sum {}, the input says {} and {}", key,
                                       it->second.count, it->second.sum, group.count, group.sum));
    }
  }
  for (const auto& [key, group] : found) {
    if (expected.count(key) == 0) violations.push_back(fmt::format("group '{}' is made up", key));
  }
  return files;
}

}  // namespace sluice::sim
