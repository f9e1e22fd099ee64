#include "tests/sim/invariants.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "coordinator/ledger.h"
#include "coordinator/output_paths.h"
#include "tests/sim/sim_exchange.h"
#include "tests/sim/sim_files.h"
#include "tests/sim/sim_join.h"
#include "tests/sim/sim_sort.h"

namespace sluice::sim {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) { return read_sim_file(path).value_or(""); }

std::optional<PartitionRecord> durable_partition(const MemoryDisk& disk, const JobRecord& job,
                                                 uint32_t index) {
  auto it = disk.durable().find(partition_key(job.id, index));
  if (it == disk.durable().end()) return std::nullopt;
  Result<PartitionRecord> decoded = decode_partition(it->second);
  if (!decoded.is_ok()) return std::nullopt;
  return *decoded;
}

bool decided(PartitionState state) {
  return state == PartitionState::kCommitted || state == PartitionState::kPublished;
}

// The part number in "part-NNNNN.csv", or nullopt.
std::optional<uint32_t> part_index(const std::string& name) {
  if (!name.starts_with("part-") || name.size() < 10) return std::nullopt;
  return static_cast<uint32_t>(std::strtoul(name.c_str() + 5, nullptr, 10));
}

// Every record of a partitioned output's file belongs in its directory.
void check_partition_dir(const std::string& text, const std::string& dir, const Input& input,
                         std::vector<std::string>& violations) {
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);  // "attempt N"
  while (std::getline(lines, line)) {
    const size_t record = std::stoul(line.substr(0, line.find(','))) - 1;
    if (record < input.ids.size() && partition_dir_of(input, record) != dir) {
      violations.push_back(fmt::format("record {} is in {}/, not in {}/", input.ids[record], dir,
                                       partition_dir_of(input, record)));
    }
  }
}

// The durable record of the partition that writes part `part`: an
// exchange's parts are its bucket tasks', after the map tasks; after a
// sort's merge, part 0 is the merge task's (the last partition).
std::optional<PartitionRecord> durable_part_writer(const MemoryDisk& disk, const JobRecord& job,
                                                   uint32_t part) {
  if (!job.has_aggregate) return durable_partition(disk, job, part);
  if (!job.final_merge) return durable_partition(disk, job, job.map_tasks + part);
  for (uint32_t index = job.map_tasks;; ++index) {
    std::optional<PartitionRecord> record = durable_partition(disk, job, index);
    if (!record || record->is_final) return record;
  }
}

}  // namespace

size_t check_published_parts(const JobRecord& job, const MemoryDisk& disk, const std::string& dir,
                             std::set<std::string>& checked, std::vector<std::string>& violations) {
  size_t found = 0;
  std::error_code error;
  const std::string out = dir + "/out";
  // Parts in out/, and under output.partition_by in its key=value/ directories.
  for (auto entry = fs::recursive_directory_iterator(out, error);
       entry != fs::recursive_directory_iterator(); entry.increment(error)) {
    const std::string name = entry->path().filename().string();
    if (entry->is_directory(error) && name.starts_with("_")) {
      entry.disable_recursion_pending();  // _temporary, _partials, _rejects
      continue;
    }
    const std::optional<uint32_t> index = part_index(name);
    if (!index || !checked.insert(entry->path().string().substr(out.size())).second) continue;
    found++;
    const std::optional<uint32_t> attempt = attempt_of(read_text(entry->path()));
    const std::optional<PartitionRecord> record = durable_part_writer(disk, job, *index);
    if (!record || !decided(record->state) || !attempt || record->attempt != *attempt) {
      violations.push_back(
          fmt::format("{} (attempt {}) is published while the durable ledger says {} attempt {}",
                      name, attempt ? static_cast<int64_t>(*attempt) : -1,
                      record ? partition_state_name(record->state) : "nothing",
                      record ? static_cast<int64_t>(record->attempt) : -1));
    }
  }
  return found;
}

void check_final(const SimJob& ran, const Scheduler& scheduler, const MemoryDisk& disk,
                 std::vector<std::string>& violations) {
  const JobRecord& job = ran.job;
  const Input& input = ran.input;
  const JobKind kind = ran.kind;
  const std::string& dir = ran.dir;
  const JobRecord* current = scheduler.job(job.id);
  if (current == nullptr || current->state != JobState::kSucceeded) {
    violations.push_back("the job did not succeed");
    return;
  }
  auto durable_job = disk.durable().find("job/" + job.id);
  if (durable_job == disk.durable().end() ||
      decode_job(durable_job->second).value().state != JobState::kSucceeded) {
    violations.push_back("a power cut now would lose the job's success");
  }
  const fs::path out = fs::path(dir) / "out";
  std::set<std::string> expected = {"_MANIFEST.json", "_SUCCESS"};
  std::map<std::string, size_t> seen;  // record id -> times found
  auto count_records = [&](const std::string& text, bool rejects, const std::string& file) {
    std::istringstream lines(text);
    std::string line;
    bool first = true;
    while (std::getline(lines, line)) {
      if (first && !rejects) {  // "attempt N"
        first = false;
        continue;
      }
      const std::string id = line.substr(0, line.find(','));
      seen[id]++;
      const size_t record = std::stoul(id) - 1;
      // The poison record is rejected once the quarantine pins it.
      if (record >= input.rejected.size() ||
          (input.rejected[record] || record == input.poison) != rejects) {
        violations.push_back(fmt::format("record {} is in {}", id, file));
      }
    }
  };
  for (uint32_t index = 0; index < current->partitions_total; ++index) {
    const PartitionRecord* partition = scheduler.partition(job.id, index);
    if (partition->state != PartitionState::kPublished) {
      violations.push_back(fmt::format("partition {} is {}, not published", index,
                                       partition_state_name(partition->state)));
      continue;
    }
    const std::optional<PartitionRecord> durable = durable_partition(disk, job, index);
    if (!durable || !decided(durable->state) || durable->attempt != partition->attempt) {
      violations.push_back(fmt::format("partition {}: its commit is not durable", index));
    }
    if (has_exchange(kind)) continue;  // below
    auto check_part = [&](const std::string& name, const std::string* partition_dir) {
      expected.insert(name);
      const std::string text = read_text(out / name);
      const std::optional<uint32_t> attempt = attempt_of(text);
      if (!attempt || *attempt != partition->attempt) {
        violations.push_back(fmt::format("{} holds attempt {}, the ledger committed attempt {}",
                                         name, attempt ? static_cast<int64_t>(*attempt) : -1,
                                         partition->attempt));
      }
      count_records(text, false, name);
      if (partition_dir != nullptr) check_partition_dir(text, *partition_dir, input, violations);
    };
    if (kind == JobKind::kPartitioned) {
      // Its part is a file per partition value it met, each in its directory.
      for (const PartitionFile& file : partition->stats.files) {
        for (fs::path up = file.dir; !up.empty(); up = up.parent_path()) expected.insert(up);
        check_part(partition_file_name(job, index, file), &file.dir);
      }
    } else {
      check_part(part_name(job, index), nullptr);
    }
    if (partition->stats.rows_rejected > 0) {
      const std::string rejects = rejects_name(job, index);
      expected.insert("_rejects");
      expected.insert(rejects);
      count_records(read_text(out / rejects), true, rejects);
    }
  }
  if (!has_exchange(kind)) {
    for (const std::string& id : input.ids) {
      const size_t times = seen.count(id) ? seen[id] : 0;
      if (times != 1)
        violations.push_back(fmt::format("record {} is published {} times", id, times));
    }
  } else {
    const std::vector<std::string> files =
        kind == JobKind::kSort ? check_sort_output(job, scheduler, input, out.string(), violations)
        : kind == JobKind::kSortedAggregate
            ? check_merged_output(job, scheduler, input, out.string(), violations)
        : kind == JobKind::kJoin
            ? check_join_output(job, scheduler, input, ran.right_input, ran.buckets, out.string(),
                                violations)
            : check_aggregate_output(job, scheduler, input, ran.buckets, out.string(), violations);
    for (const std::string& file : files) {
      if (file.starts_with("_rejects/")) expected.insert("_rejects");
      expected.insert(file);
    }
  }
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(dir, error);
       it != fs::recursive_directory_iterator(); it.increment(error)) {
    const std::string relative = it->path().string().substr(dir.size() + 1);
    if (relative == "input.csv" || relative == "right.csv" || relative == "job.yaml" ||
        relative == "out")
      continue;
    const std::string in_out = relative.substr(4);
    if (!relative.starts_with("out/") || expected.count(in_out) == 0) {
      violations.push_back("left behind: " + relative);
    }
  }
}

void check_cancelled(const JobRecord& job, const Scheduler& scheduler, const MemoryDisk& disk,
                     const std::string& dir, std::vector<std::string>& violations) {
  const JobRecord* current = scheduler.job(job.id);
  if (current == nullptr || current->state != JobState::kCancelled) {
    violations.push_back("the cancelled job is not cancelled");
    return;
  }
  auto durable_job = disk.durable().find("job/" + job.id);
  if (durable_job == disk.durable().end() ||
      decode_job(durable_job->second).value().state != JobState::kCancelled) {
    violations.push_back("a power cut now would lose the job's cancel");
  }
  std::error_code error;
  const fs::path out = fs::path(dir) / "out";
  for (auto it = fs::recursive_directory_iterator(out, error);
       it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_directory(error)) {
      violations.push_back("left behind by the cancelled job: " +
                           it->path().string().substr(dir.size() + 1));
    }
  }
}

}  // namespace sluice::sim
