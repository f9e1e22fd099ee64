#pragma once
// A simulated worker: the protocol of worker/service.cc (register, credit,
// heartbeats, Progress for its running attempts, one Done or Failed per
// attempt, register again when asked or when the coordinator is silent for a
// lease) with the work replaced by a deterministic function of the
// partition: the input's records that start in its range, the rejected ones
// to the rejects file. It writes real temporary files where a worker would.
// A crash loses its running attempts (sometimes leaving half a file); it
// comes back later under a new identity, as a new process would.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/sim/world.h"

namespace sluice::sim {

class SimWorker {
 public:
  SimWorker(World& world, int index, uint32_t slots);

  void receive(const Message& message);
  // Timers: finished attempts reported, heartbeats, a restart after a crash.
  void step();
  void crash();
  bool up() const { return up_; }
  bool busy() const { return !running_.empty(); }
  const std::string& identity() const { return identity_; }
  // When step() next has something to do.
  int64_t next_timer_ms() const;

 private:
  // An isolating attempt's progress through its records: each batch is
  // announced (a checkpoint) and processed once acknowledged, or after a
  // lease without an ack (as worker/task_runner.cc waits).
  struct Isolation {
    size_t next = 0, batch_end = 0;
    uint64_t seq = 0;
    bool waiting = false;
    int64_t ready_at_ms = 0;  // when the next batch is announced, or (waiting) given up on
  };
  struct Running {
    Message task;
    int64_t finish_at_ms = 0;
    std::optional<std::pair<size_t, size_t>> records;  // fixed at the start when isolating
    std::optional<Isolation> isolation;
  };
  void start();
  void send(Kind kind, uint32_t count = 0, const AttemptRef& attempt = {});
  void send_register();
  void finish(const Running& running);
  // The records of a read task's range: [first, end) (its start told, or
  // guessed, sometimes wrongly).
  std::pair<size_t, size_t> records_of(const Message& task);
  // An exchange's tasks (sim_exchange.h, sim_sort.h): a map task, a bucket
  // task, a sort's merge task.
  void finish_map(const SimJob& job, const Message& task, size_t first, size_t end);
  void finish_bucket(const SimJob& job, const Message& task);
  void finish_merge(const SimJob& job, const Message& task);
  // A partitioned output's task (sim_exchange.h).
  void finish_partitioned(const SimJob& job, const Message& task, size_t first, size_t end);
  // The input of the task's job (the run's jobs: World::jobs).
  const Input& input_of(const Message& task) const;
  void send_done(const AttemptRef& attempt, const PartStats& stats);
  // The quarantine: the poison record kills the worker that processes it.
  bool processes_poison(const Message& task, size_t first, size_t end) const;
  void start_isolating(Running& running);
  // False when the worker died.
  bool step_isolating(Running& running);
  void on_progress_ack(const Message& ack);
  uint32_t free_slots() const;
  // Job files (worker/compiled_jobs.h): a Task's file kept, by job id, the
  // limits::kWorkerJobFilesMax used last; evictions forced by the seed.
  // Whether the worker has the Task's job file now.
  bool take_job_file(const Message& task);
  // The first Task carrying a job file, lost (Faults::lose_first_job_file).
  bool lose_job_file_task(const Message& message);

  World& world_;
  int index_;
  uint32_t slots_;
  int incarnation_ = 0;
  std::string identity_;
  bool up_ = false;
  int64_t restart_at_ms_ = 0;
  int64_t last_heard_ms_ = 0;
  int64_t next_heartbeat_ms_ = 0;
  std::vector<Running> running_;
  // Attempts this process ran: a Task delivered twice (the network
  // duplicates) is not run twice.
  std::set<AttemptRef> started_;
  // Job files kept, by job id, the most recently used first.
  std::vector<std::pair<std::string, std::string>> job_files_;
};

}  // namespace sluice::sim
