#include "tests/sim/sim_join.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <sstream>

#include "common/base/hash.h"
#include "coordinator/output_paths.h"
#include "tests/sim/sim_files.h"
#include "tests/sim/sim_jobs.h"

namespace sluice::sim {
namespace {

// The lines after "attempt N", split at commas.
std::vector<std::vector<std::string>> fields_after_attempt(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::istringstream parts(line);
    for (std::string field; std::getline(parts, field, ',');) fields.push_back(field);
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    rows.push_back(std::move(fields));
  }
  return rows;
}

uint64_t number(const std::string& text) { return std::strtoull(text.c_str(), nullptr, 10); }

// A key's records of each side.
struct KeyRows {
  std::vector<uint64_t> left, right;
};

}  // namespace

Input make_right_input(Rng& rng, uint32_t partitions) {
  return make_csv_input(rng, partitions, "rid,rkey\n", [](Rng& draw, std::string& text) {
    if (!draw.chance(100'000)) text += static_cast<char>('a' + draw.below(26));
  });
}

MapOutput join_map(const Input& input, size_t first, size_t end, bool right_side, uint32_t buckets,
                   uint32_t attempt) {
  MapOutput output;
  output.text = fmt::format("attempt {}\n", attempt);
  for (size_t record = first; record < end; ++record) {
    output.stats.rows_in++;
    if (input.rejected[record]) {
      output.stats.rows_rejected++;
      output.rejects += input.text.substr(input.offsets[record],
                                          input.offset_of(record + 1) - input.offsets[record]);
      continue;
    }
    const std::string key = group_key(input, record);
    if (key.empty()) {  // matches nothing: filtered out
      output.stats.rows_filtered++;
      continue;
    }
    output.stats.rows_out++;
    output.text += fmt::format("{},{},{},{}\n", bucket_of(key, buckets), right_side ? "R" : "L",
                               key, input.ids[record]);
  }
  output.stats.bytes_written = output.text.size();
  output.stats.checksum = hash64(output.text);
  output.stats.rejects_bytes = output.stats.rows_rejected > 0 ? output.rejects.size() : 0;
  output.stats.rejects_checksum = hash64(output.rejects);
  return output;
}

BucketOutput join_bucket(const JobRecord& job, uint32_t bucket_begin, uint32_t bucket_end,
                         uint32_t map_outputs, uint32_t attempt) {
  BucketOutput output;
  std::map<std::string, KeyRows> keys;
  for (uint32_t map = 0; map < map_outputs; ++map) {
    const std::optional<std::string> text = read_sim_file(map_output_path(job, map));
    if (!text || !attempt_of(*text)) {
      output.lost_map_task = map;
      return output;
    }
    for (const std::vector<std::string>& row : fields_after_attempt(*text)) {
      const auto bucket = static_cast<uint32_t>(number(row.at(0)));
      if (bucket < bucket_begin || bucket >= bucket_end) continue;
      KeyRows& rows = keys[row.at(2)];
      (row.at(1) == "R" ? rows.right : rows.left).push_back(number(row.at(3)));
    }
  }
  output.text = fmt::format("attempt {}\n", attempt);
  uint64_t pairs = 0;
  for (const auto& [key, rows] : keys) {
    for (uint64_t left : rows.left) {
      for (uint64_t right : rows.right) {
        output.text += fmt::format("{},{}\n", left, right);
        pairs++;
      }
    }
  }
  output.stats.rows_in = pairs;
  output.stats.rows_out = pairs;
  output.stats.bytes_written = output.text.size();
  output.stats.checksum = hash64(output.text);
  output.stats.rejects_checksum = hash64("");
  return output;
}

std::vector<std::string> check_join_output(const JobRecord& job, const Scheduler& scheduler,
                                           const Input& left, const Input& right, uint32_t buckets,
                                           const std::string& out,
                                           std::vector<std::string>& violations) {
  const uint32_t right_from = job.map_tasks - job.map_tasks_right;
  std::vector<std::string> files =
      check_map_rejects(job, scheduler, left, out, violations, 0, right_from);
  for (std::string& name :
       check_map_rejects(job, scheduler, right, out, violations, right_from, job.map_tasks)) {
    files.push_back(std::move(name));
  }
  // The pairs the input makes, by key.
  std::map<std::string, KeyRows> keys;
  for (size_t record = 0; record < left.ids.size(); ++record) {
    if (!left.rejected[record]) keys[group_key(left, record)].left.push_back(record + 1);
  }
  for (size_t record = 0; record < right.ids.size(); ++record) {
    if (!right.rejected[record]) keys[group_key(right, record)].right.push_back(record + 1);
  }
  std::map<std::pair<uint64_t, uint64_t>, std::string> expected;  // pair -> its key
  for (const auto& [key, rows] : keys) {
    if (key.empty()) continue;
    for (uint64_t l : rows.left) {
      for (uint64_t r : rows.right) expected[{l, r}] = key;
    }
  }
  std::set<std::pair<uint64_t, uint64_t>> found;
  const JobRecord* current = scheduler.job(job.id);
  for (uint32_t index = job.map_tasks; index < current->partitions_total; ++index) {
    const PartitionRecord* partition = scheduler.partition(job.id, index);
    const std::string text = read_committed_part(job, scheduler, index, out, files, violations);
    const std::string name = files.back();
    for (const std::vector<std::string>& row : fields_after_attempt(text)) {
      const std::pair<uint64_t, uint64_t> pair{number(row.at(0)), number(row.at(1))};
      const auto it = expected.find(pair);
      if (it == expected.end()) {
        violations.push_back(
            fmt::format("{} joins {} with {}: no such pair", name, pair.first, pair.second));
        continue;
      }
      if (!found.insert(pair).second) {
        violations.push_back(fmt::format("pair {},{} is twice", pair.first, pair.second));
      }
      const uint32_t bucket = bucket_of(it->second, buckets);
      if (bucket < partition->bucket_begin || bucket >= partition->bucket_end) {
        violations.push_back(fmt::format("pair {},{} (bucket {}) is in {}, of buckets {}..{}",
                                         pair.first, pair.second, bucket, name,
                                         partition->bucket_begin, partition->bucket_end));
      }
    }
  }
  for (const auto& [pair, key] : expected) {
    if (found.count(pair) == 0)
      violations.push_back(
          fmt::format("pair {},{} (key '{}') is in no part", pair.first, pair.second, key));
  }
  return files;
}

}  // namespace sluice::sim
