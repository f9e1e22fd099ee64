#include "tests/sim/sim_worker.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "common/base/hash.h"
#include "common/base/limits.h"
#include "coordinator/output_paths.h"

namespace sluice::sim {
namespace {

void write_file(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return;  // the coordinator finds it missing
  std::fwrite(content.data(), 1, content.size(), file);
  std::fclose(file);
}

std::string attempt_text(const AttemptRef& attempt) {
  return fmt::format("{}#{}", attempt.partition, attempt.attempt);
}

}  // namespace

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
  world_.note("{} loses {} with the job file", identity_, attempt_text(message.attempt));
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
        world_.note("{} refuses {}: no job file", identity_, attempt_text(message.attempt));
        send(Kind::kFailed, kFailedNoJobFile, message.attempt);  // retryable, no attempt counted
        return;
      }
      // Most attempts take a fraction of a lease; some take longer than one.
      const int64_t duration_ms = world_.rng.chance(100'000) ? world_.rng.between(3000, 9000)
                                                             : world_.rng.between(20, 1500);
      started_.insert(message.attempt);
      running_.push_back(Running{message, world_.now_ms() + duration_ms});
      world_.note("{} runs {} for {} ms", identity_, attempt_text(message.attempt), duration_ms);
      return;
    }
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
    world_.note("{} fails {}", identity_, attempt_text(attempt));
    send(Kind::kFailed, kFailedTask, attempt);
    return;
  }
  const Input& input = world_.input;
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
  const size_t end = std::max(first, input.first_at_or_after(task.range.end_offset));
  std::string part = fmt::format("attempt {}\n", attempt.attempt);
  std::string rejects;
  PartStats stats;
  for (size_t record = first; record < end; ++record) {
    const std::string line = input.text.substr(input.offsets[record],
                                               input.offset_of(record + 1) - input.offsets[record]);
    stats.rows_in++;
    if (input.rejected[record]) {
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
  write_file(temp_part_path(world_.job, attempt.partition, attempt.attempt), part);
  if (stats.rows_rejected > 0) {
    write_file(temp_rejects_path(world_.job, attempt.partition, attempt.attempt), rejects);
  }
  world_.note("{} done {} rows={} start={} end={}", identity_, attempt_text(attempt), stats.rows_in,
              stats.start_offset, stats.end_offset);
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
    if (it->finish_at_ms > now) {
      ++it;
      continue;
    }
    const Running running = *it;
    it = running_.erase(it);
    finish(running);
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

void SimWorker::crash() {
  world_.note("{} crashes running={}", identity_, running_.size());
  // An attempt in the middle of writing leaves half of a file.
  for (const Running& running : running_) {
    if (world_.rng.chance(500'000)) {
      const AttemptRef& attempt = running.task.attempt;
      write_file(temp_part_path(world_.job, attempt.partition, attempt.attempt),
                 fmt::format("attempt {}\n", attempt.attempt));
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
