#pragma once
// The PartitionLedger records, durably in RocksDB, every job and the state of
// each of its partitions. It is the single source of truth for exactly-once
// publication: a rename happens only after the ledger has durably recorded
// the winning attempt, and a second attempt can never be committed.
// Keys: "job/<id>" -> JobRecord (JSON), "part/<id>/<index, 8 digits>" ->
// PartitionRecord (binary, coordinator/partition_codec.cc: the ledger is the
// coordinator's own, a state directory of a version that wrote JSON partition
// records is not read),
// "seen/<lineage>/<path>" -> SeenFile (incremental lineages: the files whose
// output is published, written with the run that published it).
// Thread safety: owned by the coordinator loop thread.

#include <memory>
#include <string>
#include <vector>

#include "common/store/store.h"
#include "coordinator/records.h"

namespace sluice {

enum class CommitOutcome { kCommitted, kAlreadyCommitted };

class PartitionLedger {
 public:
  static Result<std::unique_ptr<PartitionLedger>> open(const std::string& state_dir);
  // Over another store (the simulation's MemoryStore, tests/sim/).
  static std::unique_ptr<PartitionLedger> over(std::unique_ptr<KeyValueStore> store);

  Result<std::vector<JobRecord>> load_jobs();
  Result<std::vector<PartitionRecord>> load_partitions(const std::string& job_id);
  Result<std::optional<JobRecord>> find_job(const std::string& job_id);

  // Writes a new job and all its planned partitions in one durable batch.
  Status create_job(const JobRecord& job, const std::vector<PartitionRecord>& partitions);
  Status put_job(const JobRecord& job);
  // Writes the job and the files it processed in one durable batch (an
  // incremental run that succeeded: it and its files are recorded together).
  Status put_job_and_seen(const JobRecord& job, const std::vector<SeenFile>& files);
  // Every SeenFile of every lineage, in key order.
  Result<std::vector<std::pair<std::string, SeenFile>>> load_seen_files();
  // Records a state change that is not a commit (leased, written, planned
  // again, published). kBuffered only where losing the change in a power cut
  // is harmless: see Scheduler (written, published).
  Status put_partition(const std::string& job_id, const PartitionRecord& partition,
                       Durability durability = Durability::kSynced);
  // Makes every buffered write so far durable (one WAL fsync): the leases of
  // one round of assignment share it.
  Status sync();
  // Makes `partition.attempt` the winner. Returns kAlreadyCommitted if
  // another attempt won; never an error to call twice for the same attempt.
  // kBuffered (group commit, the Scheduler's): durable at the next sync(),
  // and nothing that depends on it (a rename, a reply) may happen before.
  Result<CommitOutcome> commit(const std::string& job_id, const PartitionRecord& partition,
                               Durability durability = Durability::kSynced);

 private:
  explicit PartitionLedger(std::unique_ptr<KeyValueStore> store) : store_(std::move(store)) {}
  std::unique_ptr<KeyValueStore> store_;
};

std::string partition_key(const std::string& job_id, uint32_t index);
std::string seen_key(const std::string& lineage_id, const std::string& path);

}  // namespace sluice
