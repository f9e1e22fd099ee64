// The Scheduler's answer to lost holders: a partition whose worker died or
// went silent is planned again without counting an attempt against it (the
// cluster's fault, not the partition's). When its holders keep dying near
// the same place, a record may be what kills them; it is found as Hadoop's
// skip mode finds one (SkipBadRecords), in three steps:
//
//   1. two deaths within kCrashNearBytes of each other: the next attempts
//      are *isolating*: they announce every kIsolateBatchRows records before
//      processing them, and wait for the coordinator's ack;
//   2. a death while such a batch ran: from the batch's first record on,
//      kIsolateBatchRows records are announced one at a time;
//   3. two deaths while the same single record ran: that record is pinned.
//      Every later attempt rejects it ("worker crashed on this record") and
//      the job goes on.
//
// A partition that loses kLeasesLostMax holders in a row without a record
// being pinned fails the job, saying so.
#include <fmt/format.h>

#include "common/base/limits.h"
#include "common/base/log.h"
#include "common/base/signals.h"
#include "coordinator/scheduler.h"

namespace sluice {
namespace {

bool near(uint64_t a, uint64_t b) { return (a > b ? a - b : b - a) <= limits::kCrashNearBytes; }

std::string crash_reason(int signal) {
  if (signal > 0) {
    return fmt::format("worker crashed on this record (signal {}, {})", signal,
                       signal_name(signal));
  }
  return "worker crashed on this record (its worker died each time it processed it)";
}

}  // namespace

Status Scheduler::lose_holder(JobEntry& job, const AttemptRef& attempt, const std::string& cause,
                              int signal) {
  // A holder that dies while a speculative twin of it runs is a death all
  // the same: counted (else a record that kills every worker would make
  // twins without end, never isolated); the twin goes on.
  const bool twin_runs = job.leases[attempt.partition].size() > 1;
  if (twin_runs) drop_attempt(job, attempt.partition, attempt.attempt);
  PartitionRecord& partition = job.partitions[attempt.partition];
  HolderDeaths& deaths = partition.deaths;
  auto log = logger("coordinator");
  deaths.in_a_row++;
  const auto checkpoint = attempt_checkpoint_.find(attempt);
  const bool announced = checkpoint != attempt_checkpoint_.end() && checkpoint->second.rows > 0;
  if (deaths.isolating && announced && checkpoint->second.rows == 1) {
    const uint64_t offset = checkpoint->second.offset;
    if (deaths.last_single_death == offset) {
      partition.skipped.push_back(SkippedRecord{offset, crash_reason(signal)});
      log->error("record quarantined job={} partition={} offset={} reason=\"{}\" holders_lost={}",
                 job.record.id, attempt.partition, offset, partition.skipped.back().reason,
                 deaths.in_a_row);
      deaths = HolderDeaths{};
    } else {
      deaths.last_single_death = offset;
    }
  } else if (deaths.isolating && announced) {
    deaths.single_from = checkpoint->second.offset;
    deaths.last_single_death.reset();
    log->warn("isolating job={} partition={} single_records_from={}", job.record.id,
              attempt.partition, checkpoint->second.offset);
  } else if (!deaths.isolating) {
    const auto read = attempt_bytes_read_.find(attempt);
    const uint64_t reached =
        partition.range.begin_offset + (read == attempt_bytes_read_.end() ? 0 : read->second);
    if (deaths.last_offset && near(*deaths.last_offset, reached)) {
      deaths.isolating = true;
      log->warn("isolating job={} partition={} reason=two holders died near byte {}", job.record.id,
                attempt.partition, reached);
    }
    deaths.last_offset = reached;
  }
  log->warn("holder lost job={} partition={} attempt={} in_a_row={} cause=\"{}\"", job.record.id,
            attempt.partition, attempt.attempt, deaths.in_a_row, cause);
  if (deaths.in_a_row >= limits::kLeasesLostMax) {
    drop_all_attempts(job, attempt.partition);
    partition.last_error = cause;
    SLUICE_RETURN_IF_ERROR(ledger_.put_partition(job.record.id, partition));
    return stop_job(job.record.id, JobState::kFailed,
                    fmt::format("partition {} lost its worker {} times in a row, no record found "
                                "to blame; last: {}",
                                attempt.partition, deaths.in_a_row, cause))
        .status();
  }
  if (twin_runs) {
    // Its record keeps the deaths (buffered: losing them costs only time).
    return ledger_.put_partition(job.record.id, partition, Durability::kBuffered);
  }
  return release(job, attempt.partition, cause, false);
}

}  // namespace sluice
