// The Scheduler's leases: workers and their credit, assignment of planned
// partitions, speculative twins of stragglers, expiry of silent workers and
// attempts, and the release of a lease after a failure (with retry backoff).
#include <fmt/format.h>

#include <algorithm>

#include "common/base/crash_point.h"
#include "common/base/limits.h"
#include "common/base/log.h"
#include "common/base/signals.h"
#include "coordinator/scheduler.h"

namespace sluice {

void Scheduler::register_worker(const std::string& identity, uint32_t slots,
                                const std::string& host, uint32_t pid) {
  Worker& worker = workers_[identity];
  worker.host = host;
  worker.pid = pid;
  worker.slots = slots;
  worker.last_seen_ms = clock_.now_ms();
}

bool Scheduler::is_registered(const std::string& identity) const {
  return workers_.count(identity) != 0;
}

void Scheduler::touch(const std::string& identity) {
  auto it = workers_.find(identity);
  if (it != workers_.end()) it->second.last_seen_ms = clock_.now_ms();
}

void Scheduler::set_credit(const std::string& identity, uint32_t free_slots) {
  auto it = workers_.find(identity);
  if (it == workers_.end()) return;
  // Credit never exceeds what the worker can run beside its active attempts.
  const uint32_t active = static_cast<uint32_t>(it->second.attempts.size());
  const uint32_t room = it->second.slots > active ? it->second.slots - active : 0;
  it->second.credit = std::min(free_slots, room);
}

void Scheduler::on_idle_heartbeat(const std::string& identity) {
  auto it = workers_.find(identity);
  if (it == workers_.end() || !it->second.attempts.empty()) return;
  // A worker that refused a Task for lack of a slot within a lease runs
  // something we do not know of: an idle Heartbeat now is an old one.
  const int64_t refused_at_ms = it->second.refused_at_ms;
  if (refused_at_ms >= 0 && clock_.now_ms() - refused_at_ms <= limits::kLeaseMs) return;
  it->second.credit = it->second.slots;
}

void Scheduler::worker_died(const std::string& host, uint32_t pid, int signal) {
  for (auto& [identity, worker] : workers_) {
    if (worker.pid == pid && worker.host == host) worker.death_signal = signal;
  }
}

std::vector<std::string> Scheduler::expire_workers() {
  std::vector<std::string> expired;
  const int64_t now = clock_.now_ms();
  for (auto it = workers_.begin(); it != workers_.end();) {
    const int signal = it->second.death_signal;
    if (signal < 0 && now - it->second.last_seen_ms <= limits::kLeaseMs) {
      ++it;
      continue;
    }
    const std::string identity = it->first;
    const int64_t silent_ms = now - it->second.last_seen_ms;
    const std::string cause =
        signal > 0 ? fmt::format("worker {} was killed by signal {} ({})", identity, signal,
                                 signal_name(signal))
        : signal == 0
            ? fmt::format("worker {} exited", identity)
            : fmt::format("worker {} lost its lease (no message for {} ms)", identity, silent_ms);
    const std::set<AttemptRef> attempts = it->second.attempts;
    it = workers_.erase(it);
    expired.push_back(identity);
    for (const AttemptRef& attempt : attempts) {
      JobEntry* job = find(attempt.job_id);
      if (job == nullptr) continue;
      if (!is_active(*job, attempt.partition, attempt.attempt)) continue;
      Status status = lose_holder(*job, attempt, cause, signal);  // a twin goes on
      if (!status.is_ok())
        logger("coordinator")->error("lease release failed: {}", status.to_string());
    }
  }
  // A live worker that never reports on an attempt does not run it: the Task
  // was lost (a reconnect dropped it). Without this the lease never expires.
  for (auto it = attempt_heard_ms_.begin(); it != attempt_heard_ms_.end();) {
    const AttemptRef attempt = it->first;
    JobEntry* job = find(attempt.job_id);
    if (job == nullptr || !is_active(*job, attempt.partition, attempt.attempt)) {
      it = attempt_heard_ms_.erase(it);
      continue;
    }
    const int64_t silent_ms = now - it->second;
    if (silent_ms <= limits::kLeaseMs) {
      ++it;
      continue;
    }
    it = attempt_heard_ms_.erase(it);
    logger("coordinator")
        ->warn("attempt lost job={} partition={} attempt={} reason=no progress for {} ms",
               attempt.job_id, attempt.partition, attempt.attempt, silent_ms);
    if (job->leases[attempt.partition].size() > 1) {
      drop_attempt(*job, attempt.partition, attempt.attempt);  // its twin goes on
      continue;
    }
    Status status = release(
        *job, attempt.partition,
        fmt::format("attempt {} lost (no progress for {} ms)", attempt.attempt, silent_ms), false);
    if (!status.is_ok())
      logger("coordinator")->error("lease release failed: {}", status.to_string());
  }
  return expired;
}

void Scheduler::on_progress(const std::string& identity, const AttemptRef& attempt,
                            uint64_t bytes_read, const AttemptCheckpoint& checkpoint) {
  auto heard = attempt_heard_ms_.find(attempt);
  auto worker = workers_.find(identity);
  if (heard == attempt_heard_ms_.end() || worker == workers_.end()) return;
  if (worker->second.attempts.count(attempt) == 0) return;
  heard->second = clock_.now_ms();
  attempt_bytes_read_[attempt] = bytes_read;
  if (checkpoint.seq > attempt_checkpoint_[attempt].seq) attempt_checkpoint_[attempt] = checkpoint;
}

void Scheduler::on_attempt_finished(const std::string& identity, const AttemptRef& attempt) {
  auto worker = workers_.find(identity);
  if (worker == workers_.end()) return;
  worker->second.last_seen_ms = clock_.now_ms();
  worker->second.attempts.erase(attempt);
}

Result<std::vector<Assignment>> Scheduler::assign() {
  std::vector<Assignment> assignments;
  const int64_t now = clock_.now_ms();
  for (auto& [identity, worker] : workers_) {
    // An isolating attempt runs alone on its worker: a death of the worker
    // then blames the record that attempt announced, not one of another
    // attempt that happened to run beside it.
    if (runs_isolating(worker)) continue;
    bool alone = false;
    for (const std::string& job_id : job_order_) {
      JobEntry& job = jobs_.at(job_id);
      if (job.record.state != JobState::kRunning) continue;
      for (auto it = job.planned.begin(); it != job.planned.end() && worker.credit > 0;) {
        const uint32_t index = *it;
        const bool isolating = job.partitions[index].deaths.isolating;
        if (job.eligible_at_ms[index] > now || (isolating && !worker.attempts.empty())) {
          ++it;
          continue;
        }
        it = job.planned.erase(it);
        Assignment assignment;
        SLUICE_RETURN_IF_ERROR(lease(job, index, identity, assignment));
        worker.credit--;
        assignments.push_back(std::move(assignment));
        if (isolating) {
          alone = true;
          break;
        }
      }
      if (worker.credit == 0 || alone) break;
    }
    if (worker.credit > 0 && !alone)
      SLUICE_RETURN_IF_ERROR(speculate(identity, worker, assignments));
  }
  // Each lease was written buffered; the caller's sync() makes them durable,
  // with the round's commits, before any Task is sent (an attempt number is
  // never handed out twice).
  return assignments;
}

bool Scheduler::runs_isolating(const Worker& worker) const {
  for (const AttemptRef& attempt : worker.attempts) {
    const PartitionRecord* held = partition(attempt.job_id, attempt.partition);
    if (held != nullptr && held->deaths.isolating) return true;
  }
  return false;
}

Status Scheduler::speculate(const std::string& identity, Worker& worker,
                            std::vector<Assignment>& out) {
  const int64_t now = clock_.now_ms();
  for (const std::string& job_id : job_order_) {
    JobEntry& job = jobs_.at(job_id);
    if (job.record.state != JobState::kRunning || !job.speculative || !job.planned.empty())
      continue;
    // Only near the end: two thirds of the partitions finished, so the median
    // is known and idle slots would otherwise wait for the stragglers.
    const size_t total = job.partitions.size();
    if (job.durations_ms.empty() || job.durations_ms.size() * 3 < total * 2) continue;
    std::vector<int64_t> durations = job.durations_ms;
    std::nth_element(durations.begin(), durations.begin() + durations.size() / 2, durations.end());
    const int64_t median_ms = durations[durations.size() / 2];
    const int64_t slow_ms =
        std::max(limits::kSpeculationMinMs, median_ms * limits::kSpeculationFactor);
    for (auto& [index, attempts] : job.leases) {
      if (worker.credit == 0) return Status::ok();
      if (attempts.size() != 1 || attempts.begin()->second == identity) continue;
      // A partition whose holders die is no straggler: a twin would only die too.
      if (job.partitions[index].deaths.in_a_row > 0) continue;
      if (now - job.leased_at_ms[index] < slow_ms) continue;
      logger("coordinator")
          ->info("speculating job={} partition={} running_ms={} median_ms={}", job_id, index,
                 now - job.leased_at_ms[index], median_ms);
      Assignment assignment;
      SLUICE_RETURN_IF_ERROR(lease(job, index, identity, assignment, true));
      worker.credit--;
      out.push_back(std::move(assignment));
    }
  }
  return Status::ok();
}

bool Scheduler::is_leased(const AttemptRef& attempt) const {
  const JobEntry* job = find(attempt.job_id);
  return job != nullptr && is_active(*job, attempt.partition, attempt.attempt);
}

bool Scheduler::is_active(const JobEntry& job, uint32_t index, uint32_t attempt) const {
  auto attempts = job.leases.find(index);
  return attempts != job.leases.end() && attempts->second.count(attempt) != 0;
}

Status Scheduler::lease(JobEntry& job, uint32_t index, const std::string& identity, Assignment& out,
                        bool speculative) {
  PartitionRecord& partition = job.partitions[index];
  partition.state = PartitionState::kLeased;
  partition.attempts_started++;
  const uint32_t attempt = partition.attempts_started;
  if (!speculative) {
    partition.attempt = attempt;
    job.leased_at_ms[index] = clock_.now_ms();
  }
  // When the previous partition of the file is committed, its end is the
  // exact start: no guess needed.
  if (!partition.start_is_exact && index > 0) {
    const PartitionRecord& previous = job.partitions[index - 1];
    if (previous.range.file_index == partition.range.file_index && is_decided(previous.state)) {
      partition.start_is_exact = true;
      partition.exact_start_offset = previous.stats.end_offset;
    }
  }
  // Buffered: one sync() for all the leases (and commits) of a round.
  SLUICE_RETURN_IF_ERROR(ledger_.put_partition(job.record.id, partition, Durability::kBuffered));
  crash_point("leased");
  job.leases[index][attempt] = identity;
  AttemptRef ref{job.record.id, index, attempt};
  workers_.at(identity).attempts.insert(ref);
  attempt_heard_ms_[ref] = clock_.now_ms();
  out = Assignment{identity, ref};
  return Status::ok();
}

void Scheduler::drop_attempt(JobEntry& job, uint32_t index, uint32_t attempt) {
  auto attempts = job.leases.find(index);
  if (attempts == job.leases.end()) return;
  auto lease = attempts->second.find(attempt);
  if (lease == attempts->second.end()) return;
  auto worker = workers_.find(lease->second);
  if (worker != workers_.end()) {
    worker->second.attempts.erase(AttemptRef{job.record.id, index, attempt});
  }
  attempts->second.erase(lease);
  if (attempts->second.empty()) job.leases.erase(attempts);
  attempt_bytes_read_.erase(AttemptRef{job.record.id, index, attempt});
  attempt_checkpoint_.erase(AttemptRef{job.record.id, index, attempt});
}

std::vector<Abort> Scheduler::drop_all_attempts(JobEntry& job, uint32_t index) {
  std::vector<Abort> aborts;
  auto attempts = job.leases.find(index);
  if (attempts == job.leases.end()) return aborts;
  const std::map<uint32_t, std::string> live = attempts->second;
  for (const auto& [attempt, identity] : live) {
    aborts.push_back(Abort{identity, AttemptRef{job.record.id, index, attempt}});
    drop_attempt(job, index, attempt);
  }
  return aborts;
}

Status Scheduler::release(JobEntry& job, uint32_t index, const std::string& error,
                          bool count_failure) {
  drop_all_attempts(job, index);
  PartitionRecord& partition = job.partitions[index];
  partition.last_error = error;
  if (count_failure) partition.attempts_failed++;
  if (count_failure && partition.attempts_failed >= job.record.max_attempts) {
    SLUICE_RETURN_IF_ERROR(ledger_.put_partition(job.record.id, partition));
    auto stopped = stop_job(job.record.id, JobState::kFailed,
                            fmt::format("partition {} failed after {} attempts: {}", index,
                                        partition.attempts_failed, error));
    return stopped.status();
  }
  partition.state = PartitionState::kPlanned;
  SLUICE_RETURN_IF_ERROR(ledger_.put_partition(job.record.id, partition));
  const int shift = static_cast<int>(std::min<uint32_t>(partition.attempts_failed, 6));
  job.eligible_at_ms[index] =
      count_failure ? clock_.now_ms() + (limits::kRetryBackoffMsMin << shift) / 2 : 0;
  // A bucket (merge) task whose map (bucket) outputs are not all published
  // waits for them (advance_stages).
  if (runnable(job, index)) job.planned.insert(index);
  return Status::ok();
}

Status Scheduler::on_failed(const std::string& identity, const AttemptRef& attempt,
                            const std::string& message, bool retryable) {
  JobEntry* job = find(attempt.job_id);
  if (job == nullptr || attempt.partition >= job->partitions.size()) return Status::ok();
  PartitionRecord& partition = job->partitions[attempt.partition];
  if (!is_active(*job, attempt.partition, attempt.attempt)) return Status::ok();  // stale
  if (job->record.state != JobState::kRunning) {
    drop_attempt(*job, attempt.partition, attempt.attempt);
    return Status::ok();
  }
  if (retryable && job->leases[attempt.partition].size() > 1) {
    drop_attempt(*job, attempt.partition, attempt.attempt);  // its twin goes on
    return Status::ok();
  }
  if (!retryable) {
    drop_attempt(*job, attempt.partition, attempt.attempt);
    partition.last_error = message;
    return stop_job(job->record.id, JobState::kFailed,
                    fmt::format("partition {}: {}", attempt.partition, message))
        .status();
  }
  return release(*job, attempt.partition, message, true);
}

Status Scheduler::on_refused(const std::string& identity, const AttemptRef& attempt,
                             const std::string& message) {
  if (auto worker = workers_.find(identity); worker != workers_.end()) {
    worker->second.credit = 0;
    worker->second.refused_at_ms = clock_.now_ms();
  }
  JobEntry* job = find(attempt.job_id);
  if (job == nullptr || attempt.partition >= job->partitions.size()) return Status::ok();
  if (!is_active(*job, attempt.partition, attempt.attempt)) return Status::ok();  // stale
  if (job->record.state != JobState::kRunning || job->leases[attempt.partition].size() > 1) {
    drop_attempt(*job, attempt.partition, attempt.attempt);  // stopped, or its twin goes on
    return Status::ok();
  }
  return release(*job, attempt.partition, message, false);
}

Status Scheduler::on_job_file_missing(const std::string& identity, const AttemptRef& attempt,
                                      const std::string& message) {
  JobEntry* job = find(attempt.job_id);
  if (job == nullptr || attempt.partition >= job->partitions.size()) return Status::ok();
  if (!is_active(*job, attempt.partition, attempt.attempt)) return Status::ok();  // stale
  auto worker = workers_.find(identity);
  const bool on_worker = worker != workers_.end() && worker->second.attempts.count(attempt) > 0;
  if (job->record.state != JobState::kRunning || job->leases[attempt.partition].size() > 1) {
    drop_attempt(*job, attempt.partition, attempt.attempt);  // stopped, or its twin goes on
  } else {
    SLUICE_RETURN_IF_ERROR(release(*job, attempt.partition, message, false));
  }
  // The slot the Task took is free: its credit comes back (the worker asks
  // for work only when a task of its ends).
  if (on_worker) {
    Worker& holder = worker->second;
    const uint32_t active = static_cast<uint32_t>(holder.attempts.size());
    const uint32_t room = holder.slots > active ? holder.slots - active : 0;
    holder.credit = std::min(holder.credit + 1, room);
  }
  return Status::ok();
}

}  // namespace sluice
