#include "tests/sim/sim_worker.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "common/base/hash.h"
#include "common/base/limits.h"
#include "coordinator/output_paths.h"
#include "tests/sim/sim_exchange.h"
#include "tests/sim/sim_join.h"
#include "tests/sim/sim_sort.h"

namespace sluice::sim {
namespace {

void write_file(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return;  // the coordinator finds it missing
  std::fwrite(content.data(), 1, content.size(), file);
  std::fclose(file);
}

}  // namespace

const Input& SimWorker::input_of(const Message& task) const {
  static const Input kNone;
  const SimJob* job = world_.job_of(task.attempt.job_id);
  if (job == nullptr) return kNone;
  return task.join_right_side ? job->right_input : job->input;
}

SimWorker::SimWorker(World& world, int index, uint32_t slots)
    : world_(world), index_(index), slots_(slots) {
  start();
}

void SimWorker::start() {
  up_ = true;
  identity_ = fmt::format("w{}.{}", index_, incarnation_++);
  last_heard_ms_ = world_.now_ms();
  next_heartbeat_ms_ = world_.now_ms() + limits::kHeartbeatMs;
  world_.note("{} starts slots={}", identity_, slots_);
  send_register();
}

void SimWorker::send(Kind kind, uint32_t count, const AttemptRef& attempt) {
  Message message;
  message.kind = kind;
  message.from = identity_;
  message.to = kCoordinator;
  message.count = count;
  message.attempt = attempt;
  world_.network.send(world_.now_ms(), std::move(message));
}

void SimWorker::send_register() {
  send(Kind::kRegister, slots_);
  send(Kind::kRequestWork, free_slots());
}

uint32_t SimWorker::free_slots() const {
  const auto active = static_cast<uint32_t>(running_.size());
  return active >= slots_ ? 0 : slots_ - active;
}

bool SimWorker::lose_job_file_task(const Message& message) {
  if (!world_.faults.lose_first_job_file || world_.first_job_file_lost) return false;
  if (message.kind != Kind::kTask || message.job_file.empty()) return false;
  world_.first_job_file_lost = true;
  world_.note("{} loses {} with the job file", identity_, world_.attempt_name(message.attempt));
  return true;
}

bool SimWorker::take_job_file(const Message& task) {
  const std::string& job_id = task.attempt.job_id;
  if (!job_files_.empty() &&
      world_.job_files_rng.chance(world_.faults.job_file_eviction_per_million)) {
    world_.note("{} evicts its job files", identity_);
    job_files_.clear();
  }
  auto kept = std::find_if(job_files_.begin(), job_files_.end(),
                           [&](const auto& entry) { return entry.first == job_id; });
  if (kept != job_files_.end()) {
    std::rotate(job_files_.begin(), kept, kept + 1);  // the most recently used first
    if (!task.job_file.empty()) job_files_.front().second = task.job_file;
    return true;
  }
  if (task.job_file.empty()) return false;
  job_files_.insert(job_files_.begin(), {job_id, task.job_file});
  if (job_files_.size() > limits::kWorkerJobFilesMax) job_files_.pop_back();
  return true;
}

void SimWorker::receive(const Message& message) {
  if (!up_ || message.to != identity_) return;  // a message for a process that is gone
  if (lose_job_file_task(message)) return;
  last_heard_ms_ = world_.now_ms();
  switch (message.kind) {
    case Kind::kTask: {
      if (started_.count(message.attempt) > 0) return;  // a duplicate
      const bool has_job_file = take_job_file(message);
      if (free_slots() == 0) {
        send(Kind::kFailed, kFailedNoFreeSlot, message.attempt);  // retryable
        return;
      }
      if (!has_job_file) {
        world_.job_file_refusals++;
        world_.note("{} refuses {}: no job file", identity_, world_.attempt_name(message.attempt));
        send(Kind::kFailed, kFailedNoJobFile, message.attempt);  // retryable, no attempt counted
        return;
      }
      // Most attempts take a fraction of a lease; some take longer than one.
      const int64_t duration_ms = world_.rng.chance(100'000) ? world_.rng.between(3000, 9000)
                                                             : world_.rng.between(20, 1500);
      started_.insert(message.attempt);
      running_.push_back(Running{message, world_.now_ms() + duration_ms, {}, {}});
      if (message.isolating) start_isolating(running_.back());
      world_.note("{} runs {} for {} ms{}", identity_, world_.attempt_name(message.attempt),
                  duration_ms, message.isolating ? " isolating" : "");
      return;
    }
    case Kind::kProgressAck:
      on_progress_ack(message);
      return;
    case Kind::kAbort:
      std::erase_if(running_, [&](const Running& running) {
        return running.task.attempt == message.attempt;
      });
      return;
    case Kind::kRegisterAgain:
      send_register();
      return;
    default:
      return;  // Welcome, CommitDecision, heartbeats: nothing to do
  }
}

void SimWorker::finish(const Running& running) {
  const Message& task = running.task;
  const AttemptRef& attempt = task.attempt;
  if (world_.faulty() && world_.rng.chance(world_.faults.task_failure_per_million)) {
    world_.note("{} fails {}", identity_, world_.attempt_name(attempt));
    send(Kind::kFailed, kFailedTask, attempt);
    return;
  }
  const SimJob* job = world_.job_of(attempt.job_id);
  if (job == nullptr) return;  // not one of the run's jobs: never leased
  if (task.is_final) {
    finish_merge(*job, task);
    return;
  }
  if (task.is_bucket) {
    finish_bucket(*job, task);
    return;
  }
  const auto [first, end] = running.records ? *running.records : records_of(task);
  if (processes_poison(task, first, end)) {
    world_.note("{} dies on the poison record, running {}", identity_,
                world_.attempt_name(attempt));
    crash();
    return;
  }
  if (has_exchange(job->kind)) {
    finish_map(*job, task, first, end);
    return;
  }
  if (job->kind == JobKind::kPartitioned) {
    finish_partitioned(*job, task, first, end);
    return;
  }
  const Input& input = job->input;
  std::string part = fmt::format("attempt {}\n", attempt.attempt);
  std::string rejects;
  PartStats stats;
  for (size_t record = first; record < end; ++record) {
    const std::string line = input.text.substr(input.offsets[record],
                                               input.offset_of(record + 1) - input.offsets[record]);
    stats.rows_in++;
    const bool skipped = std::find(task.skip_offsets.begin(), task.skip_offsets.end(),
                                   input.offsets[record]) != task.skip_offsets.end();
    if (input.rejected[record] || skipped) {
      stats.rows_rejected++;
      rejects += line;
    } else {
      stats.rows_out++;
      part += line;
    }
  }
  stats.start_offset = input.offset_of(first);
  stats.end_offset = input.offset_of(end);
  stats.bytes_read = task.range.end_offset - task.range.begin_offset;
  stats.bytes_written = part.size();
  stats.checksum = hash64(part);
  stats.rejects_bytes = stats.rows_rejected > 0 ? rejects.size() : 0;
  stats.rejects_checksum = hash64(rejects);
  write_file(temp_part_path(job->job, attempt.partition, attempt.attempt), part);
  if (stats.rows_rejected > 0) {
    write_file(temp_rejects_path(job->job, attempt.partition, attempt.attempt), rejects);
  }
  world_.note("{} done {} rows={} start={} end={}", identity_, world_.attempt_name(attempt),
              stats.rows_in, stats.start_offset, stats.end_offset);
  send_done(attempt, stats);
}

std::pair<size_t, size_t> SimWorker::records_of(const Message& task) {
  const Input& input = input_of(task);
  // Where the first record starts: told, or guessed (sometimes wrongly, as a
  // quoted field spanning the range's start would make a worker guess).
  size_t first = 0;
  if (task.start_is_exact) {
    first = input.first_at_or_after(task.exact_start_offset);
  } else {
    first = input.first_at_or_after(std::max(task.range.begin_offset, input.header_end));
    if (task.range.begin_offset > 0 && first < input.offsets.size() &&
        world_.rng.chance(world_.faults.wrong_guess_per_million)) {
      first++;
    }
  }
  return {first, std::max(first, input.first_at_or_after(task.range.end_offset))};
}

void SimWorker::finish_map(const SimJob& job, const Message& task, size_t first, size_t end) {
  const AttemptRef& attempt = task.attempt;
  const Input& input = input_of(task);  // a join's right side reads its own
  MapOutput output =
      job.kind == JobKind::kSort ? sort_map(input, first, end, attempt.attempt)
      : job.kind == JobKind::kJoin
          ? join_map(input, first, end, task.join_right_side, job.buckets, attempt.attempt)
          : aggregate_map(input, first, end, job.buckets, attempt.attempt);
  output.stats.start_offset = input.offset_of(first);
  output.stats.end_offset = input.offset_of(end);
  output.stats.bytes_read = task.range.end_offset - task.range.begin_offset;
  write_file(temp_part_path(job.job, attempt.partition, attempt.attempt), output.text);
  if (output.stats.rows_rejected > 0) {
    write_file(temp_rejects_path(job.job, attempt.partition, attempt.attempt), output.rejects);
  }
  world_.note("{} done map {} rows={} start={} end={}", identity_, world_.attempt_name(attempt),
              output.stats.rows_in, output.stats.start_offset, output.stats.end_offset);
  send_done(attempt, output.stats);
}

void SimWorker::finish_partitioned(const SimJob& job, const Message& task, size_t first,
                                   size_t end) {
  const AttemptRef& attempt = task.attempt;
  PartitionedOutput output = partitioned_part(job.input, first, end, attempt.attempt);
  output.stats.start_offset = job.input.offset_of(first);
  output.stats.end_offset = job.input.offset_of(end);
  output.stats.bytes_read = task.range.end_offset - task.range.begin_offset;
  for (size_t i = 0; i < output.texts.size(); ++i) {
    write_file(temp_partition_file_path(job.job, attempt.partition, attempt.attempt, i),
               output.texts[i]);
  }
  if (output.stats.rows_rejected > 0) {
    write_file(temp_rejects_path(job.job, attempt.partition, attempt.attempt), output.rejects);
  }
  world_.note("{} done {} rows={} files={} start={} end={}", identity_,
              world_.attempt_name(attempt), output.stats.rows_in, output.texts.size(),
              output.stats.start_offset, output.stats.end_offset);
  send_done(attempt, output.stats);
}

void SimWorker::finish_bucket(const SimJob& job, const Message& task) {
  const AttemptRef& attempt = task.attempt;
  BucketOutput output =
      job.kind == JobKind::kSort
          ? sort_bucket(job.job, task.bucket_begin, task.bucket_tasks, attempt.attempt,
                        world_.planted == PlantedBug::kSortRangesOverlap)
      : job.kind == JobKind::kJoin
          ? join_bucket(
                job.job, task.bucket_begin, task.bucket_end,
                job.job.map_tasks - (world_.planted == PlantedBug::kJoinMissesAMapOutput ? 1 : 0),
                attempt.attempt)
          : aggregate_bucket(job.job, task.bucket_begin, task.bucket_end, attempt.attempt);
  if (output.lost_map_task) {
    world_.note("{} finds map output {} lost, for {}", identity_, *output.lost_map_task,
                world_.attempt_name(attempt));
    Message failed;
    failed.kind = Kind::kFailed;
    failed.from = identity_;
    failed.to = kCoordinator;
    failed.count = 1;
    failed.attempt = attempt;
    failed.map_output_lost = true;
    failed.lost_map_task = *output.lost_map_task;
    world_.network.send(world_.now_ms(), std::move(failed));
    return;
  }
  write_file(task.temp_path, output.text);
  world_.note("{} done bucket {} rows={}", identity_, world_.attempt_name(attempt),
              output.stats.rows_out);
  send_done(attempt, output.stats);
}

void SimWorker::finish_merge(const SimJob& job, const Message& task) {
  const AttemptRef& attempt = task.attempt;
  BucketOutput output = merge_sorted_outputs(job.job, task.sorted_output_count, attempt.attempt);
  if (output.lost_map_task) {
    // As worker/bucket_task.cc: a sorted output it cannot read fails the
    // attempt (retryable).
    world_.note("{} finds sorted output {} missing, for {}", identity_, *output.lost_map_task,
                world_.attempt_name(attempt));
    send(Kind::kFailed, kFailedTask, attempt);
    return;
  }
  write_file(task.temp_path, output.text);
  world_.note("{} done merge {} groups={}", identity_, world_.attempt_name(attempt),
              output.stats.rows_out);
  send_done(attempt, output.stats);
}

void SimWorker::send_done(const AttemptRef& attempt, const PartStats& stats) {
  Message done;
  done.kind = Kind::kDone;
  done.from = identity_;
  done.to = kCoordinator;
  done.attempt = attempt;
  done.stats = stats;
  world_.network.send(world_.now_ms(), std::move(done));
}

void SimWorker::step() {
  const int64_t now = world_.now_ms();
  if (!up_) {
    if (now >= restart_at_ms_) start();
    return;
  }
  bool freed = false;
  for (auto it = running_.begin(); it != running_.end();) {
    if (it->isolation && !step_isolating(*it)) return;  // it died
    if (it->finish_at_ms > now) {
      ++it;
      continue;
    }
    const Running running = *it;
    it = running_.erase(it);
    finish(running);
    if (!up_) return;  // it died on the poison record
    freed = true;
  }
  if (freed) send(Kind::kRequestWork, free_slots());
  if (now >= next_heartbeat_ms_) {
    next_heartbeat_ms_ = now + limits::kHeartbeatMs;
    send(Kind::kHeartbeat, static_cast<uint32_t>(running_.size()));
    for (const Running& running : running_) send(Kind::kProgress, 0, running.task.attempt);
    // The coordinator is silent for longer than a lease: reconnect, register again.
    if (now - last_heard_ms_ > limits::kLeaseMs) {
      last_heard_ms_ = now;
      send_register();
    }
  }
}

bool SimWorker::processes_poison(const Message& task, size_t first, size_t end) const {
  const Input& input = input_of(task);
  if (input.poison < first || input.poison >= end) return false;
  return std::find(task.skip_offsets.begin(), task.skip_offsets.end(),
                   input.offsets[input.poison]) == task.skip_offsets.end();
}

void SimWorker::start_isolating(Running& running) {
  running.records = records_of(running.task);
  running.isolation =
      Isolation{running.records->first, 0, 0, false, world_.now_ms() + world_.rng.between(10, 100)};
  running.finish_at_ms = INT64_MAX;  // once every batch is processed
}

bool SimWorker::step_isolating(Running& running) {
  Isolation& isolation = *running.isolation;
  const int64_t now = world_.now_ms();
  if (now < isolation.ready_at_ms || running.finish_at_ms != INT64_MAX) return true;
  const Input& input = input_of(running.task);
  const Message& task = running.task;
  if (isolation.waiting) {
    // Acknowledged, or a lease without an ack: the batch runs.
    isolation.waiting = false;
    if (processes_poison(task, isolation.next, isolation.batch_end)) {
      world_.note("{} dies on the poison record, isolating {}", identity_,
                  world_.attempt_name(task.attempt));
      crash();
      return false;
    }
    isolation.next = isolation.batch_end;
    isolation.ready_at_ms = now + world_.rng.between(10, 100);
    return true;
  }
  const size_t end = running.records->second;
  if (isolation.next >= end) {
    running.finish_at_ms = now;
    return true;
  }
  // kIsolateBatchRows records at a time; single ones for as many from
  // isolate_from_offset on (worker/task_runner.cc isolated_slice_rows).
  const size_t batch = limits::kIsolateBatchRows;
  const size_t single_from = input.first_at_or_after(task.isolate_from_offset);
  size_t batch_end = std::min(end, isolation.next + batch);
  if (isolation.next >= single_from && isolation.next < single_from + batch) {
    batch_end = isolation.next + 1;
  } else if (isolation.next < single_from) {
    batch_end = std::min(batch_end, single_from);
  }
  isolation.batch_end = batch_end;
  isolation.seq++;
  isolation.waiting = true;
  isolation.ready_at_ms = now + limits::kLeaseMs;
  Message progress;
  progress.kind = Kind::kProgress;
  progress.from = identity_;
  progress.to = kCoordinator;
  progress.attempt = task.attempt;
  progress.checkpoint_seq = isolation.seq;
  progress.checkpoint_offset = input.offset_of(isolation.next);
  progress.checkpoint_rows = static_cast<uint32_t>(batch_end - isolation.next);
  world_.note("{} announces {} records from {} for {}", identity_, progress.checkpoint_rows,
              progress.checkpoint_offset, world_.attempt_name(task.attempt));
  world_.network.send(now, std::move(progress));
  return true;
}

void SimWorker::on_progress_ack(const Message& ack) {
  for (Running& running : running_) {
    if (running.task.attempt != ack.attempt || !running.isolation) continue;
    Isolation& isolation = *running.isolation;
    if (isolation.waiting && isolation.seq == ack.checkpoint_seq)
      isolation.ready_at_ms = world_.now_ms();
  }
}

void SimWorker::crash() {
  world_.note("{} crashes running={}", identity_, running_.size());
  // An attempt in the middle of writing leaves half of a file.
  for (const Running& running : running_) {
    const SimJob* job = world_.job_of(running.task.attempt.job_id);
    if (world_.rng.chance(500'000) && job != nullptr) {
      const AttemptRef& attempt = running.task.attempt;
      write_file(running.task.temp_path, fmt::format("attempt {}\n", attempt.attempt));
    }
  }
  running_.clear();
  started_.clear();
  job_files_.clear();  // a new process has none
  up_ = false;
  restart_at_ms_ = world_.now_ms() + world_.rng.between(50, 4000);
}

int64_t SimWorker::next_timer_ms() const {
  if (!up_) return restart_at_ms_;
  int64_t next = next_heartbeat_ms_;
  for (const Running& running : running_) next = std::min(next, running.finish_at_ms);
  return next;
}

}  // namespace sluice::sim
