#pragma once
// CoordinatorCore is the loop's protocol without sockets: it hands the
// scheduler what workers report and carries out its decisions. A commit
// becomes a rename (publisher.cc) only once the ledger has made it durable;
// a refused or discarded attempt's temporary files go; the other attempts of
// a partition that won are aborted; a finished job gets its manifest and
// _SUCCESS; after a restart, what was committed is published and temporary
// files no written attempt owns are collected. Messages go out through an
// Outbox: ZeroMQ in service.cc, the simulated network in tests/sim/, so the
// coordinator and the simulation run this same code.
//
// Group commit: the leases (assign_tasks) and commits (on_done) of a round
// are written to the ledger buffered and made durable together by flush(),
// one WAL fsync; only then does it release what must follow their
// durability — the round's Tasks, its commit decisions, its renames — in
// that order. tick() flushes first and again after its own leases. The
// renames (and an s3:// output's completed uploads) run off the loop, one
// effect per round (core_renames.cc); their completion records the
// partitions published.
// Thread safety: owned by the loop thread.

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/clock.h"
#include "common/io/filesystem.h"
#include "coordinator/effects.h"
#include "coordinator/job_files_sent.h"
#include "coordinator/publisher.h"
#include "coordinator/scheduler.h"
#include "coordinator/status_board.h"

namespace spdlog {
class logger;
}

namespace sluice {

// Where the core's messages to workers go.
class Outbox {
 public:
  virtual ~Outbox() = default;
  // `with_job_file`: the Task carries the job's file (JobFilesSent).
  virtual void send_task(const std::string& worker, const JobRecord& job,
                         const PartitionRecord& partition, uint32_t attempt,
                         bool with_job_file) = 0;
  virtual void send_abort(const std::string& worker, const AttemptRef& attempt) = 0;
  virtual void send_commit_decision(const std::string& worker, const AttemptRef& attempt,
                                    const DoneOutcome& outcome) = 0;
  // A worker we do not know (we restarted, or expired it) registers again.
  virtual void send_register_again(const std::string& worker) = 0;
};

// A Failed message, read (no_free_slot: the worker refused the Task for
// want of a slot; job_file_missing: for want of the job's file; in both
// nothing ran and no attempt is counted).
using FailedReport = proto::Failed;

class CoordinatorCore {
 public:
  // `files`: the output directories' (publishing, job ends, collection);
  // `effects`: where a job's end runs (effects.h), its completion back on
  // the loop.
  CoordinatorCore(Scheduler& scheduler, const Clock& clock, Outbox& outbox,
                  Filesystem& files = real_filesystem(),
                  EffectExecutor& effects = inline_executor());

  // After Scheduler::load(): publish what was committed, collect the
  // temporary files no written attempt owns, and what ended jobs left.
  Status recover();
  // Any message from a worker counts as a heartbeat; an unknown worker is
  // asked to register again.
  Status on_worker_message(const std::string& identity);
  // The decision is sent, and a committed attempt's rename submitted, at flush().
  Status on_done(const std::string& identity, const DoneReport& report);
  Status on_failed(const std::string& identity, const FailedReport& report);
  // A failed job submitted again: before Scheduler::resume, its renames in
  // flight end and what it left is collected; after, what it committed and
  // did not publish is renamed (at the next flush).
  void before_resume(const std::string& job_id);
  void publish_committed(const std::string& job_id);
  // Removes files no job owns any more (an incremental lineage's cancelled
  // runs' parts), as an effect: best effort, no completion.
  void remove_files(std::vector<std::string> paths);
  // Fails or cancels a job: its renames in flight end first, its running
  // attempts are aborted, its leftovers collected. A job whose end is in
  // flight is stopped only if its end fails.
  Status stop(const std::string& job_id, JobState state, const std::string& error);
  // One round's housekeeping: the round flushed, expired workers, leases
  // (flushed), finished jobs: each one's end submitted as an effect (its
  // completion records it succeeded).
  Status tick();
  // Leases for workers with credit; their Tasks are sent at flush().
  Status assign_tasks();
  // One WAL sync for everything the round wrote, then its Tasks (of leases
  // still held), commit decisions and renames, in that order. Nothing is
  // synced when nothing waits for it.
  Status flush();
  // At shutdown (not at a crash): once the renames in flight are done, what
  // a worker stopped in the middle of an attempt of an ended job left goes.
  void sweep();

  // True while the job's end is in flight (submitted, its completion not
  // yet run): all its partitions are published and it is still running.
  bool ending(const std::string& job_id) const { return ending_.count(job_id) > 0; }
  // True while effects that change the job's output (renames of its
  // commits, aborts of an S3 output's uploads) are submitted and not yet run.
  bool changing_output(const std::string& job_id) const;

  // Which job files each worker was sent (its Tasks carry the file once).
  const JobFilesSent& job_files_sent() const { return job_files_sent_; }
  LoopMetrics& metrics() { return metrics_; }
  const LoopMetrics& metrics() const { return metrics_; }

 private:
  struct Rename;  // one committed attempt to rename, as the effect sees it
  void send_aborts(const std::vector<Abort>& aborts);
  // After a restart: renames a committed attempt into place, on the loop,
  // and records it published.
  Status publish_now(const AttemptRef& ref);
  // The files of a committed attempt into place (publisher.h), or its
  // uploads completed; safe to redo. Runs off the loop.
  static Status rename_into_place(Filesystem& files, const JobRecord& job,
                                  const PartitionRecord& partition);
  // Hands unsubmitted_renames_ to the executor as one effect (when it is
  // full they wait for the next flush).
  void submit_renames();
  // The renames' completion, on the loop: the partitions renamed are
  // published; a rename that failed fails its job.
  Status on_renamed(const std::vector<Rename>& renames, const std::vector<Status>& results);
  Status publish_failed(const AttemptRef& ref, const Status& failed);
  // Aborts uploads that will never be published (s3_output.h), as an
  // effect: best effort, no completion; at once when the executor is full.
  void abort_uploads(const JobRecord& job, const std::vector<S3UploadRecord>& uploads);
  void count_output_effects(const std::map<std::string, size_t>& per_job, bool started);
  size_t output_effects_in_flight() const;
  // EndedJobs::collect, but not of a job whose renames are in flight.
  void collect_ended_jobs();
  // Submits the end of a finishable job (effects.h); false when the
  // executor is full (the next tick tries again).
  bool submit_job_end(const std::string& job_id);
  // The completion of a job's end, on the loop.
  Status on_job_end(const std::string& job_id, const Status& finished);
  // Once a job has ended, no worker needs its file from us any more.
  void forget_ended_jobs();
  // The round's commit decisions, then its renames: what must follow the
  // sync. flush() calls it after the sync; the planted bug
  // publish_before_sync (planted_bugs.h) at once.
  Status flush_decisions();

  struct Decision {
    std::string worker;
    AttemptRef attempt;
    DoneOutcome outcome;
    int64_t received_ms = 0;
  };

  Scheduler& scheduler_;
  const Clock& clock_;
  Outbox& outbox_;
  Filesystem& files_;
  EffectExecutor& effects_;
  std::shared_ptr<spdlog::logger> log_;
  LoopMetrics metrics_;
  EndedJobs ended_jobs_;  // what jobs that ended left in their output directories
  // An s3:// output: the uploads of attempts reported Done and not yet
  // committed or discarded (the scheduler forgets a discarded written
  // attempt's); aborted when discarded or when the job stops.
  std::map<AttemptRef, std::vector<S3UploadRecord>> unconfirmed_uploads_;
  JobFilesSent job_files_sent_;
  uint64_t jobs_ended_seen_ = 0;  // scheduler_.jobs_ended() at the last forget_ended_jobs()
  // What waits for the round's sync (flush()).
  std::vector<Assignment> unsent_tasks_;
  std::vector<Decision> unsent_decisions_;  // with their commits, to rename
  struct CommittedAttempt {
    AttemptRef ref;
    int64_t received_ms = 0;
  };
  // Committed, synced, not yet handed to the executor.
  std::vector<CommittedAttempt> unsubmitted_renames_;
  // By job: renames and aborts handed to the executor and not yet run
  // (counted down by the effect, off the loop).
  mutable std::mutex output_effects_mutex_;
  std::map<std::string, size_t> output_effects_;
  // Jobs whose end is in flight, and a stop asked for meanwhile (carried
  // out if the end fails; after an end that succeeded it came too late).
  std::set<std::string> ending_;
  std::map<std::string, std::pair<JobState, std::string>> stops_while_ending_;
  Status completion_failure_;  // what a completion run inside tick() hit
};

}  // namespace sluice
