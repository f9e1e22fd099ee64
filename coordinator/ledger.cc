#include "coordinator/ledger.h"

#include <fmt/format.h>

namespace sluice {

std::string partition_key(const std::string& job_id, uint32_t index) {
  return fmt::format("part/{}/{:08}", job_id, index);
}

std::string seen_key(const std::string& lineage_id, const std::string& path) {
  return "seen/" + lineage_id + "/" + path;
}

Result<std::unique_ptr<PartitionLedger>> PartitionLedger::open(const std::string& state_dir) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::open(state_dir));
  return std::unique_ptr<PartitionLedger>(new PartitionLedger(std::move(store)));
}

std::unique_ptr<PartitionLedger> PartitionLedger::over(std::unique_ptr<KeyValueStore> store) {
  return std::unique_ptr<PartitionLedger>(new PartitionLedger(std::move(store)));
}

Result<std::vector<JobRecord>> PartitionLedger::load_jobs() {
  SLUICE_ASSIGN_OR_RETURN(auto pairs, store_->scan("job/"));
  std::vector<JobRecord> jobs;
  for (const auto& [key, value] : pairs) {
    SLUICE_ASSIGN_OR_RETURN(JobRecord job, decode_job(value));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

Result<std::vector<PartitionRecord>> PartitionLedger::load_partitions(const std::string& job_id) {
  SLUICE_ASSIGN_OR_RETURN(auto pairs, store_->scan("part/" + job_id + "/"));
  std::vector<PartitionRecord> partitions;
  for (const auto& [key, value] : pairs) {
    SLUICE_ASSIGN_OR_RETURN(PartitionRecord partition, decode_partition(value));
    partitions.push_back(std::move(partition));
  }
  return partitions;
}

Result<std::optional<JobRecord>> PartitionLedger::find_job(const std::string& job_id) {
  SLUICE_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->get("job/" + job_id));
  if (!value) return std::optional<JobRecord>();
  SLUICE_ASSIGN_OR_RETURN(JobRecord job, decode_job(*value));
  return std::optional<JobRecord>(std::move(job));
}

Status PartitionLedger::create_job(const JobRecord& job,
                                   const std::vector<PartitionRecord>& partitions) {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(partitions.size() + 1);
  for (const PartitionRecord& partition : partitions) {
    pairs.emplace_back(partition_key(job.id, partition.index), encode_partition(partition));
  }
  // The job record goes in the same batch: a job is never seen half-planned.
  pairs.emplace_back("job/" + job.id, encode_job(job));
  return store_->put_all(pairs);
}

Status PartitionLedger::put_job(const JobRecord& job) {
  return store_->put("job/" + job.id, encode_job(job));
}

Status PartitionLedger::put_job_and_seen(const JobRecord& job, const std::vector<SeenFile>& files) {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(files.size() + 1);
  for (const SeenFile& file : files) {
    pairs.emplace_back(seen_key(job.lineage_id, file.identity.path), encode_seen_file(file));
  }
  pairs.emplace_back("job/" + job.id, encode_job(job));
  return store_->put_all(pairs);
}

Result<std::vector<std::pair<std::string, SeenFile>>> PartitionLedger::load_seen_files() {
  SLUICE_ASSIGN_OR_RETURN(auto pairs, store_->scan("seen/"));
  std::vector<std::pair<std::string, SeenFile>> files;
  for (const auto& [key, value] : pairs) {
    const size_t slash = key.find('/', 5);
    if (slash == std::string::npos) return internal_error("corrupt seen-file key " + key);
    SLUICE_ASSIGN_OR_RETURN(SeenFile file, decode_seen_file(value));
    files.emplace_back(key.substr(5, slash - 5), std::move(file));
  }
  return files;
}

Status PartitionLedger::put_partition(const std::string& job_id, const PartitionRecord& partition,
                                      Durability durability) {
  return store_->put(partition_key(job_id, partition.index), encode_partition(partition),
                     durability);
}

Status PartitionLedger::sync() { return store_->sync(); }

Result<CommitOutcome> PartitionLedger::commit(const std::string& job_id,
                                              const PartitionRecord& partition,
                                              Durability durability) {
  const std::string key = partition_key(job_id, partition.index);
  SLUICE_ASSIGN_OR_RETURN(std::optional<std::string> existing, store_->get(key));
  if (existing) {
    SLUICE_ASSIGN_OR_RETURN(PartitionRecord stored, decode_partition(*existing));
    const bool decided =
        stored.state == PartitionState::kCommitted || stored.state == PartitionState::kPublished;
    if (decided) {
      return stored.attempt == partition.attempt ? CommitOutcome::kCommitted
                                                 : CommitOutcome::kAlreadyCommitted;
    }
  }
  PartitionRecord committed = partition;
  committed.state = PartitionState::kCommitted;
  SLUICE_RETURN_IF_ERROR(store_->put(key, encode_partition(committed), durability));
  return CommitOutcome::kCommitted;
}

}  // namespace sluice
