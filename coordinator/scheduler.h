#pragma once
// The Scheduler decides: which partition goes to which worker, when a lease
// has expired, which reported attempt is verified and committed, when a job
// is finished or failed. It does no socket or file I/O of its own; it writes
// its decisions to the PartitionLedger before returning them, and the loop
// carries them out (sends messages, renames files).
//
// Split verification (speculative parsing): a worker not told where its first
// record starts guesses the first line start in its range. Partition k is
// committed only once k-1 is committed and k's first record offset equals
// k-1's reported end; otherwise k is discarded and re-run with the exact start.
//
// Thread safety: owned by the coordinator loop thread.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/base/clock.h"
#include "coordinator/ledger.h"

namespace sluice {

// One attempt of one partition of one job (proto/messages.h).
using AttemptRef = proto::AttemptId;

// What an isolating attempt announced it processes next (Progress).
struct AttemptCheckpoint {
  uint64_t seq = 0;  // 0: none
  uint64_t offset = 0;
  uint32_t rows = 0;  // 0: past its last record
};

struct Assignment {
  std::string worker;  // routing identity
  AttemptRef attempt;
};

struct Abort {
  std::string worker;
  AttemptRef attempt;
};

// A Done message, read: the attempt and its PartStats.
using DoneReport = proto::Done;

struct DoneOutcome {
  bool accepted = false;
  std::string reason;                 // why it was refused
  std::vector<AttemptRef> discarded;  // attempts whose temporary files must go
  std::vector<AttemptRef> committed;  // attempts now durably committed: publish them
  std::vector<Abort> aborts;          // other attempts of a partition that just won
};

struct WorkerView {
  std::string identity;
  uint32_t slots = 0;
  uint32_t credit = 0;
  int64_t last_seen_ms = 0;
  size_t active = 0;
};

// A job's tasks of one stage: "read" (a job without exchange), or "map",
// "buckets" and "merge" (docs/ARCHITECTURE.md, "Stages and exchanges"); a
// stage not planned yet has total 0.
struct StageView {
  std::string name;
  uint32_t total = 0;
  uint32_t done = 0;     // published
  uint32_t running = 0;  // leased or written
};

struct JobTotals {
  uint32_t partitions_done = 0;  // published
  uint64_t rows_in = 0, rows_out = 0, rows_filtered = 0, rows_rejected = 0;
  uint64_t bytes_read = 0, bytes_total = 0;
  uint64_t row_groups_skipped = 0;  // Parquet input: by predicate pushdown
};

class Scheduler {
 public:
  Scheduler(PartitionLedger& ledger, const Clock& clock);

  // Loads every job from the ledger after a (re)start. Leases held before the
  // restart are void: those partitions are planned again.
  Status load();

  // Adds a planned job, or returns false when a job with this id exists.
  Result<bool> submit(const JobRecord& job, const std::vector<PartitionRecord>& partitions);
  // Runs a failed job again (it was submitted again: the cause, a full disk,
  // may be gone). Decided and written partitions stay; the others are planned
  // with a fresh attempt budget. False when the job is not failed.
  Result<bool> resume(const std::string& job_id);

  // --- workers ---
  void register_worker(const std::string& identity, uint32_t slots, const std::string& host = "",
                       uint32_t pid = 0);
  bool is_registered(const std::string& identity) const;
  void touch(const std::string& identity);
  void set_credit(const std::string& identity, uint32_t free_slots);
  // A heartbeat from a worker that runs nothing: when no attempt of ours is
  // on it either, all its slots are credit again. A RequestWork lost on a
  // reconnect (it came under the old connection's identity) would otherwise
  // leave an idle worker without credit for good.
  void on_idle_heartbeat(const std::string& identity);
  // Workers silent for longer than a lease, or known dead: removed, their
  // partitions planned again. A lost holder is the cluster's fault, not the
  // partition's: it does not count toward max_attempts (see HolderDeaths).
  std::vector<std::string> expire_workers();
  // The worker process `pid` on `host` is dead (its parent saw it exit;
  // `signal` 0: it exited, else the signal that killed it). Its leases are
  // lost at the next expire_workers(), without waiting for a lease to pass.
  void worker_died(const std::string& host, uint32_t pid, int signal);

  // --- partitions ---
  // Group commit: the leases of assign() and the commits of on_done() (and
  // of load()) are written buffered; they are durable once sync() returns,
  // and the caller (CoordinatorCore::flush) sends no Task, commit decision
  // or rename that depends on them before. One WAL fsync for a round.
  Status sync();
  // Leases runnable partitions to workers with credit (durable at sync()).
  Result<std::vector<Assignment>> assign();
  // `committed` of the outcome: durable at sync().
  Result<DoneOutcome> on_done(const std::string& identity, const DoneReport& report);
  Status on_failed(const std::string& identity, const AttemptRef& attempt,
                   const std::string& message, bool retryable);
  // The worker refused the attempt's Task: it had no free slot (its credit
  // here was stale, e.g. an idle Heartbeat delayed past an attempt it still
  // runs). The cluster's problem, not the partition's: planned again at
  // once, no attempt counted; the worker has no credit until it asks for
  // work, and its idle Heartbeats give none for a lease.
  Status on_refused(const std::string& identity, const AttemptRef& attempt,
                    const std::string& message);
  // The worker refused the attempt's Task for want of its job's file (the
  // Task carried none: CoordinatorCore sends it once per worker). Planned
  // again at once, no attempt counted; the worker's slot is credit again.
  Status on_job_file_missing(const std::string& identity, const AttemptRef& attempt,
                             const std::string& message);
  // A bucket task found map task `map_task`'s published output missing or
  // corrupt: that map task runs again (and only it, as Spark's
  // FetchFailed), the bucket task waits for it; nothing is counted against
  // either. The loop then removes the bad file (map_output_path).
  Status on_map_output_lost(const std::string& identity, const AttemptRef& attempt,
                            uint32_t map_task, const std::string& message);
  // A worker's Progress for one of its attempts: the attempt is alive. A
  // leased attempt not heard of for a lease (its Task was lost on a
  // reconnect) is planned again by expire_workers().
  // `checkpoint` (seq > 0): an isolating attempt is about to process
  // checkpoint.rows records from the one at checkpoint.offset.
  void on_progress(const std::string& identity, const AttemptRef& attempt, uint64_t bytes_read = 0,
                   const AttemptCheckpoint& checkpoint = {});
  // A worker reported `attempt` finished (its Done is handled later): the
  // attempt no longer takes one of the worker's slots; its lease stays.
  void on_attempt_finished(const std::string& identity, const AttemptRef& attempt);
  // True while `attempt` holds a lease (it may still win).
  bool is_leased(const AttemptRef& attempt) const;
  // Records that a committed partition's file was renamed into place.
  Status mark_published(const AttemptRef& attempt);
  // Committed but not yet published partitions (after a restart).
  std::vector<AttemptRef> unpublished() const;

  // --- jobs ---
  // Running jobs whose partitions are all published.
  std::vector<std::string> finishable_jobs() const;
  // Error when the job's rejects exceed rejects.max_ratio / max_count.
  std::optional<std::string> reject_limit_error(const std::string& job_id) const;
  // For a run of an incremental lineage, its input files are recorded as
  // seen in the same durable batch (coordinator/incremental.h).
  Status mark_succeeded(const std::string& job_id);
  // The files an incremental lineage has published output for, by path.
  const std::map<std::string, SeenFile>& seen_files(const std::string& lineage_id) const;
  // Cancels a failed job that can never succeed (an incremental run whose
  // input changed since it was planned): it stays in the ledger, cancelled.
  Status supersede(const std::string& job_id, const std::string& reason);
  // Fails or cancels a job; returns the attempts still running, to abort.
  Result<std::vector<Abort>> stop_job(const std::string& job_id, JobState state,
                                      const std::string& error);
  // How many times a job left the running state (succeeded, failed,
  // cancelled) since this scheduler started: the loop wakes waiters on change.
  uint64_t jobs_ended() const { return jobs_ended_; }

  const JobRecord* job(const std::string& job_id) const;
  const PartitionRecord* partition(const std::string& job_id, uint32_t index) const;
  std::vector<const JobRecord*> jobs() const;
  JobTotals totals(const std::string& job_id) const;
  std::vector<StageView> stages(const std::string& job_id) const;
  std::vector<WorkerView> workers() const;

 private:
  struct JobEntry {
    JobRecord record;
    std::vector<PartitionRecord> partitions;
    std::vector<int64_t> eligible_at_ms;  // retry backoff, per partition
    std::set<uint32_t> planned;           // partitions waiting for a lease
    // partition -> attempt -> worker identity; two attempts when speculating
    std::map<uint32_t, std::map<uint32_t, std::string>> leases;
    std::vector<int64_t> leased_at_ms;  // when the first live attempt started
    std::vector<int64_t> durations_ms;  // of attempts that finished, for the median
    bool speculative = false;           // job file: speculative: true
    uint64_t rejects_limit_count = 0;
    mutable uint32_t maps_scan_from = 0;  // maps_published(): map tasks before it are published
    // Where a scan starts, so that a Done or a tick costs O(1), not O(P)
    // (reset_scans() when a decided partition is planned again):
    // advance_commits(): per input file, partitions before it are decided;
    // all_published(): partitions before it are published.
    std::map<uint32_t, uint32_t> commit_scan_from;
    mutable uint32_t publish_scan_from = 0;
    // Per input file, its first partition and one past its last (where
    // advance_commits starts and stops).
    std::vector<uint32_t> file_begin;
    std::vector<uint32_t> file_end;
  };
  struct Worker {
    std::string host;
    uint32_t pid = 0;
    int death_signal = -1;  // >= 0: its process is known dead (0: it exited)
    uint32_t slots = 0;
    uint32_t credit = 0;
    int64_t last_seen_ms = 0;
    int64_t refused_at_ms = -1;  // its last "no free slot" (on_refused), or -1
    std::set<AttemptRef> attempts;
  };

  // Committed or published: the partition's output is decided.
  static bool is_decided(PartitionState state);
  JobEntry* find(const std::string& job_id);
  const JobEntry* find(const std::string& job_id) const;
  Status lease(JobEntry& job, uint32_t index, const std::string& identity, Assignment& out,
               bool speculative = false);
  // Whether the worker runs an attempt of an isolating partition (which
  // runs alone on its worker).
  bool runs_isolating(const Worker& worker) const;
  // A second attempt for a straggler, when the job allows it.
  Status speculate(const std::string& identity, Worker& worker, std::vector<Assignment>& out);
  bool is_active(const JobEntry& job, uint32_t index, uint32_t attempt) const;
  void drop_attempt(JobEntry& job, uint32_t index, uint32_t attempt);
  std::vector<Abort> drop_all_attempts(JobEntry& job, uint32_t index);
  Status release(JobEntry& job, uint32_t index, const std::string& error, bool count_failure);
  // The holder of `attempt` died or went silent: updates the partition's
  // HolderDeaths (isolating, pinning a record) and plans it again, or fails
  // the job after kLeasesLostMax in a row. scheduler_quarantine.cc.
  Status lose_holder(JobEntry& job, const AttemptRef& attempt, const std::string& cause,
                     int signal);
  Status advance_commits(JobEntry& job, uint32_t file_index, DoneOutcome& outcome);
  // Every partition published (a scan from publish_scan_from).
  static bool all_published(const JobEntry& job);
  // A decided partition of `job` is planned again: scans start over.
  static void reset_scans(JobEntry& job);
  // file_begin and file_end, from the partitions' ranges (at submission and load).
  static void index_files(JobEntry& job);
  // The exchange (scheduler_stages.cc). A bucket task reads every map
  // output, so it runs only while they are all published.
  static bool maps_published(const JobEntry& job);
  // Whether partition `index` may run now: a map task always; a bucket
  // task while every map output is published; the merge task while every
  // bucket output is too.
  static bool runnable(const JobEntry& job, uint32_t index);
  // Once every map task of an aggregate job is published: plans its bucket
  // tasks (the first time; durable with the job record) or plans again the
  // bucket tasks that waited for a map task run again.
  Status advance_stages(JobEntry& job);
  // Durably makes partition.attempt the winner (the ledger's commit).
  Status commit(JobEntry& job, PartitionRecord& partition, DoneOutcome& outcome);

  PartitionLedger& ledger_;
  const Clock& clock_;
  std::map<std::string, JobEntry> jobs_;
  std::vector<std::string> job_order_;  // submission order: earlier jobs first
  std::map<std::string, Worker> workers_;
  std::map<AttemptRef, int64_t> attempt_heard_ms_;               // leased attempts: last Progress
  std::map<AttemptRef, uint64_t> attempt_bytes_read_;            // leased attempts: last Progress
  std::map<AttemptRef, AttemptCheckpoint> attempt_checkpoint_;   // isolating attempts: last one
  std::map<std::string, std::map<std::string, SeenFile>> seen_;  // lineage -> path -> file
  uint64_t jobs_ended_ = 0;
};

}  // namespace sluice
