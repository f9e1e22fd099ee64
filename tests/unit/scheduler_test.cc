// The scheduler and ledger with a fake clock and a real RocksDB in a
// temporary directory: leases, expiry, verification of speculative starts,
// duplicate and late reports, restart.
#include "coordinator/scheduler.h"

#include <gtest/gtest.h>

#include "common/base/limits.h"
#include "coordinator/compiled_job.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger_ = std::move(PartitionLedger::open(dir_ / "state")).value();
    scheduler_ = std::make_unique<Scheduler>(*ledger_, clock_);
    ASSERT_TRUE(scheduler_->load().is_ok());
  }

  // A job over one file of 300 bytes split in 3 partitions of 100.
  void submit(uint32_t max_attempts = 3, bool speculative = false) {
    JobRecord job;
    job.speculative = speculative;
    job.id = "job1";
    job.name = "test";
    job.spec_yaml = "name: test\ninput: {path: x}\noutput: {path: out}\n";
    job.inputs = {{"/in.csv", 300, 1}};
    job.partitions_total = 3;
    job.max_attempts = max_attempts;
    std::vector<PartitionRecord> partitions;
    for (uint32_t i = 0; i < 3; ++i) {
      PartitionRecord p;
      p.index = i;
      p.range = PlannedRange{0, i * 100ull, (i + 1) * 100ull};
      partitions.push_back(p);
    }
    job.compiled = compile_job_file(job).value();
    auto created = scheduler_->submit(job, partitions);
    ASSERT_TRUE(created.is_ok());
    ASSERT_TRUE(created.value());
  }

  std::vector<Assignment> assign() {
    auto assignments = scheduler_->assign();
    EXPECT_TRUE(assignments.is_ok());
    return assignments.value();
  }

  DoneOutcome done(const std::string& worker, const AttemptRef& ref, uint64_t start, uint64_t end) {
    DoneReport report;
    report.attempt = ref;
    report.stats.rows_in = 10;
    report.stats.rows_out = 10;
    report.stats.start_offset = start;
    report.stats.end_offset = end;
    auto outcome = scheduler_->on_done(worker, report);
    EXPECT_TRUE(outcome.is_ok());
    return outcome.value();
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<PartitionLedger> ledger_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerTest, GivesEachWorkerAtMostItsCredit) {
  submit();
  scheduler_->register_worker("w1", 2);
  scheduler_->set_credit("w1", 2);
  EXPECT_EQ(assign().size(), 2u);
  EXPECT_EQ(assign().size(), 0u);
}

TEST_F(SchedulerTest, IdleHeartbeatGivesAWorkerWithoutCreditItsSlotsBack) {
  // Its RequestWork was lost (a reconnect): registered, idle, no credit.
  submit();
  scheduler_->register_worker("w1", 2);
  EXPECT_TRUE(assign().empty());
  scheduler_->on_idle_heartbeat("w1");
  auto assigned = assign();
  ASSERT_EQ(assigned.size(), 2u);
  // While attempts of ours run on it, a heartbeat saying 0 (sent before
  // the Tasks arrived) gives nothing more.
  scheduler_->on_idle_heartbeat("w1");
  EXPECT_TRUE(assign().empty());
}

// Found by the simulation's soak (seed 28652): a worker that refuses Tasks
// for lack of a slot must not use up a partition's attempts.
TEST_F(SchedulerTest, ANoFreeSlotRefusalCountsNoAttemptAndStopsStaleCredit) {
  submit(/*max_attempts=*/1);
  scheduler_->register_worker("w1", 1);
  for (int refusal = 0; refusal < 3; ++refusal) {
    scheduler_->on_idle_heartbeat("w1");  // a stale one, once the last refusal is a lease old
    auto assigned = assign();
    ASSERT_EQ(assigned.size(), 1u);
    ASSERT_TRUE(
        scheduler_->on_refused("w1", assigned[0].attempt, "worker has no free slot").is_ok());
    const PartitionRecord* p0 = scheduler_->partition("job1", assigned[0].attempt.partition);
    EXPECT_EQ(p0->attempts_failed, 0u);
    EXPECT_EQ(p0->state, PartitionState::kPlanned);
    // Idle Heartbeats within a lease of the refusal are old: no credit.
    scheduler_->on_idle_heartbeat("w1");
    EXPECT_TRUE(assign().empty());
    clock_.advance_ms(limits::kLeaseMs + 1);
    scheduler_->touch("w1");
  }
  EXPECT_EQ(scheduler_->job("job1")->state, JobState::kRunning);
  // Its RequestWork gives credit at once.
  scheduler_->set_credit("w1", 1);
  EXPECT_EQ(assign().size(), 1u);
}

TEST_F(SchedulerTest, CommitsInOrderOnlyWhenStartMatchesPreviousEnd) {
  submit();
  scheduler_->register_worker("w1", 3);
  scheduler_->set_credit("w1", 3);
  auto assignments = assign();
  ASSERT_EQ(assignments.size(), 3u);
  // Partition 1 reports first: it waits for partition 0.
  auto second = done("w1", assignments[1].attempt, 105, 210);
  EXPECT_TRUE(second.accepted);
  EXPECT_TRUE(second.committed.empty());
  // Partition 0 ends at 105: both commit.
  auto first = done("w1", assignments[0].attempt, 0, 105);
  ASSERT_EQ(first.committed.size(), 2u);
  EXPECT_EQ(first.committed[0].partition, 0u);
  EXPECT_EQ(first.committed[1].partition, 1u);
  // Partition 2 guessed 200 but the true start is 210: discarded and re-run exact.
  auto third = done("w1", assignments[2].attempt, 200, 300);
  EXPECT_TRUE(third.committed.empty());
  ASSERT_EQ(third.discarded.size(), 1u);
  scheduler_->set_credit("w1", 1);
  auto rerun = assign();
  ASSERT_EQ(rerun.size(), 1u);
  EXPECT_EQ(rerun[0].attempt.partition, 2u);
  EXPECT_EQ(rerun[0].attempt.attempt, 2u);
  const PartitionRecord* p2 = scheduler_->partition("job1", 2);
  EXPECT_TRUE(p2->start_is_exact);
  EXPECT_EQ(p2->exact_start_offset, 210u);
  EXPECT_EQ(p2->attempts_failed, 0u) << "a refuted guess is not a failure";
  auto final_outcome = done("w1", rerun[0].attempt, 210, 300);
  ASSERT_EQ(final_outcome.committed.size(), 1u);
}

// Found by the simulation (tests/sim, a duplicated Done): the second copy of
// a written attempt's report was refused, and its refusal discarded the
// temporary file the attempt was about to be committed with.
TEST_F(SchedulerTest, RepeatedDoneOfAWrittenAttemptKeepsItsFiles) {
  submit();
  scheduler_->register_worker("w1", 3);
  scheduler_->set_credit("w1", 3);
  auto assignments = assign();
  ASSERT_EQ(assignments.size(), 3u);
  auto second = done("w1", assignments[1].attempt, 105, 210);  // written: waits for partition 0
  ASSERT_TRUE(second.accepted);
  auto again = done("w1", assignments[1].attempt, 105, 210);
  EXPECT_TRUE(again.accepted);
  EXPECT_TRUE(again.discarded.empty()) << again.reason;
  auto first = done("w1", assignments[0].attempt, 0, 105);
  ASSERT_EQ(first.committed.size(), 2u);
  EXPECT_EQ(first.committed[1].attempt, assignments[1].attempt.attempt);
}

TEST_F(SchedulerTest, ExpiredLeaseIsReassignedAndLateReportRefused) {
  submit();
  scheduler_->register_worker("slow", 1);
  scheduler_->set_credit("slow", 1);
  auto first = assign();
  ASSERT_EQ(first.size(), 1u);
  clock_.advance_ms(limits::kLeaseMs + 1);
  scheduler_->register_worker("fast", 1);
  auto expired = scheduler_->expire_workers();
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], "slow");
  scheduler_->set_credit("fast", 1);
  clock_.advance_ms(10'000);  // past the retry backoff
  scheduler_->touch("fast");
  auto second = assign();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].attempt.partition, first[0].attempt.partition);
  EXPECT_EQ(second[0].attempt.attempt, 2u);

  auto late = done("slow", first[0].attempt, 0, 100);
  EXPECT_FALSE(late.accepted);
  ASSERT_EQ(late.discarded.size(), 1u);
  EXPECT_EQ(late.discarded[0].attempt, 1u);
  auto winner = done("fast", second[0].attempt, 0, 100);
  EXPECT_TRUE(winner.accepted);
  ASSERT_EQ(winner.committed.size(), 1u);
  // A duplicate report of the winner changes nothing and deletes nothing.
  auto duplicate = done("fast", second[0].attempt, 0, 100);
  EXPECT_TRUE(duplicate.accepted);
  EXPECT_TRUE(duplicate.discarded.empty());
  EXPECT_TRUE(duplicate.committed.empty());
}

TEST_F(SchedulerTest, LedgerNeverCommitsTwoAttemptsOfOnePartition) {
  submit();
  PartitionRecord p = *scheduler_->partition("job1", 0);
  p.attempt = 1;
  auto first = ledger_->commit("job1", p);
  ASSERT_TRUE(first.is_ok());
  EXPECT_EQ(first.value(), CommitOutcome::kCommitted);
  auto again = ledger_->commit("job1", p);
  EXPECT_EQ(again.value(), CommitOutcome::kCommitted) << "the same attempt twice is harmless";
  p.attempt = 2;
  auto other = ledger_->commit("job1", p);
  EXPECT_EQ(other.value(), CommitOutcome::kAlreadyCommitted);
}

TEST_F(SchedulerTest, FailsJobAfterMaxAttempts) {
  submit(2);
  scheduler_->register_worker("w", 1);
  for (int i = 0; i < 2; ++i) {
    clock_.advance_ms(10'000);
    scheduler_->touch("w");
    scheduler_->set_credit("w", 1);
    auto assignments = assign();
    ASSERT_EQ(assignments.size(), 1u);
    ASSERT_TRUE(scheduler_->on_failed("w", assignments[0].attempt, "disk on fire", true).is_ok());
  }
  const JobRecord* job = scheduler_->job("job1");
  EXPECT_EQ(job->state, JobState::kFailed);
  EXPECT_NE(job->error.find("partition 0 failed after 2 attempts: disk on fire"), std::string::npos)
      << job->error;
}

TEST_F(SchedulerTest, CompilesEachJobOnceAtLoad) {
  submit();
  const CompiledJob* admitted = scheduler_->job("job1")->compiled.get();
  ASSERT_NE(admitted, nullptr);
  scheduler_ = std::make_unique<Scheduler>(*ledger_, clock_);
  ASSERT_TRUE(scheduler_->load().is_ok());
  const JobRecord* loaded = scheduler_->job("job1");
  ASSERT_NE(loaded->compiled, nullptr) << "the ledger's job file is compiled at load";
  EXPECT_EQ(loaded->compiled->spec.name, "test");
  EXPECT_EQ(loaded->state, JobState::kRunning);
}

TEST_F(SchedulerTest, AJobWhoseFileNoLongerCompilesFailsAtLoadAndResumesWhenSubmitted) {
  // As another version's job file would be: the ledger holds text this
  // build does not read.
  JobRecord job;
  job.id = "old";
  job.name = "old";
  job.spec_yaml = "name: old\ninput: {path: x}\nsteps:\n  - filter: \"n >\"\n";
  job.max_attempts = 3;
  job.partitions_total = 1;
  PartitionRecord partition;
  partition.range = PlannedRange{0, 0, 100};
  job.inputs = {{"/in.csv", 100, 1}};
  ASSERT_TRUE(ledger_->create_job(job, {partition}).is_ok());
  scheduler_ = std::make_unique<Scheduler>(*ledger_, clock_);
  ASSERT_TRUE(scheduler_->load().is_ok()) << "one bad job does not stop the coordinator";
  const JobRecord* loaded = scheduler_->job("old");
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(loaded->state, JobState::kFailed);
  EXPECT_NE(loaded->error.find("does not compile"), std::string::npos) << loaded->error;
  EXPECT_EQ(loaded->compiled, nullptr);
  // Submitted again (admission compiled it: here a file that compiles).
  job.spec_yaml = "name: old\ninput: {path: x}\noutput: {path: out}\n";
  job.compiled = compile_job_file(job).value();
  EXPECT_FALSE(scheduler_->submit(job, {partition}).value());
  ASSERT_TRUE(scheduler_->resume("old").value());
  EXPECT_NE(scheduler_->job("old")->compiled, nullptr);
}

TEST_F(SchedulerTest, RestartVoidsLeasesButKeepsCommits) {
  submit();
  scheduler_->register_worker("w", 2);
  scheduler_->set_credit("w", 2);
  auto assignments = assign();
  ASSERT_EQ(assignments.size(), 2u);
  done("w", assignments[0].attempt, 0, 100);
  // Restart: a new scheduler over the same ledger.
  scheduler_ = std::make_unique<Scheduler>(*ledger_, clock_);
  ASSERT_TRUE(scheduler_->load().is_ok());
  EXPECT_EQ(scheduler_->partition("job1", 0)->state, PartitionState::kCommitted);
  EXPECT_EQ(scheduler_->partition("job1", 1)->state, PartitionState::kPlanned);
  EXPECT_EQ(scheduler_->unpublished().size(), 1u);
  // The old attempt of partition 1 reports after the restart: refused.
  auto late = done("w", assignments[1].attempt, 100, 200);
  EXPECT_FALSE(late.accepted);
  // A new lease uses a new attempt number and the exact start.
  scheduler_->register_worker("w2", 1);
  scheduler_->set_credit("w2", 1);
  auto again = assign();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt.partition, 1u);
  EXPECT_EQ(again[0].attempt.attempt, 2u);
  EXPECT_TRUE(scheduler_->partition("job1", 1)->start_is_exact);
}

TEST_F(SchedulerTest, StragglerGetsASecondAttemptAndTheFirstToFinishWins) {
  submit(3, true);
  scheduler_->register_worker("fast", 1);
  scheduler_->register_worker("slow", 1);
  scheduler_->set_credit("slow", 1);
  auto slow = assign();
  ASSERT_EQ(slow.size(), 1u);  // partition 0 goes to the slow worker
  ASSERT_EQ(slow[0].attempt.partition, 0u);
  // The fast worker does partitions 1 and 2 quickly.
  for (uint32_t expected : {1u, 2u}) {
    scheduler_->set_credit("fast", 1);
    auto quick = assign();
    ASSERT_EQ(quick.size(), 1u);
    EXPECT_EQ(quick[0].attempt.partition, expected);
    clock_.advance_ms(100);
    done("fast", quick[0].attempt, expected * 100, expected * 100 + 100);
  }
  // Not yet slow enough: no second attempt.
  scheduler_->set_credit("fast", 1);
  EXPECT_TRUE(assign().empty());
  clock_.advance_ms(limits::kSpeculationMinMs);
  scheduler_->touch("fast");
  scheduler_->touch("slow");
  auto backup = assign();
  ASSERT_EQ(backup.size(), 1u);
  EXPECT_EQ(backup[0].worker, "fast");
  EXPECT_EQ(backup[0].attempt.partition, 0u);
  EXPECT_NE(backup[0].attempt.attempt, slow[0].attempt.attempt);
  // The backup finishes first: it wins, the slow attempt is aborted.
  auto won = done("fast", backup[0].attempt, 0, 100);
  EXPECT_TRUE(won.accepted);
  ASSERT_EQ(won.aborts.size(), 1u);
  EXPECT_EQ(won.aborts[0].worker, "slow");
  EXPECT_EQ(won.committed.size(), 3u);
  // The slow attempt's late report is refused and its files discarded.
  auto late = done("slow", slow[0].attempt, 0, 100);
  EXPECT_FALSE(late.accepted);
  ASSERT_EQ(late.discarded.size(), 1u);
  EXPECT_EQ(scheduler_->partition("job1", 0)->attempt, backup[0].attempt.attempt);
}

TEST_F(SchedulerTest, AHolderThatDiesWhileItsTwinRunsStillCountsAsALostHolder) {
  // Found by the simulation (seed 1070 of tests/sim): a record that kills
  // every worker in a speculative job. Each holder died while a twin of it
  // ran, so each death dropped only that attempt, none was counted, no
  // record was isolated and twins were started without end.
  submit(3, true);
  scheduler_->register_worker("slow", 1);
  scheduler_->register_worker("fast", 1);
  scheduler_->set_credit("slow", 1);
  auto slow = assign();
  ASSERT_EQ(slow.size(), 1u);
  for (uint32_t expected : {1u, 2u}) {
    scheduler_->set_credit("fast", 1);
    auto quick = assign();
    ASSERT_EQ(quick.size(), 1u);
    clock_.advance_ms(100);
    done("fast", quick[0].attempt, expected * 100, expected * 100 + 100);
  }
  clock_.advance_ms(limits::kSpeculationMinMs);
  scheduler_->touch("fast");
  scheduler_->set_credit("fast", 1);
  auto twin = assign();
  ASSERT_EQ(twin.size(), 1u);
  ASSERT_EQ(twin[0].attempt.partition, 0u);
  // The slow worker died (silent for a lease); its twin goes on.
  clock_.advance_ms(limits::kLeaseMs + 1);
  scheduler_->touch("fast");
  scheduler_->on_progress("fast", twin[0].attempt);
  const std::vector<std::string> expired = scheduler_->expire_workers();
  ASSERT_EQ(expired, std::vector<std::string>{"slow"});
  EXPECT_TRUE(scheduler_->is_leased(twin[0].attempt));
  EXPECT_EQ(scheduler_->partition("job1", 0)->deaths.in_a_row, 1u);
  // A partition whose holders die is no straggler: no twin for the twin.
  clock_.advance_ms(limits::kSpeculationMinMs * 10);
  scheduler_->register_worker("spare", 1);
  scheduler_->set_credit("spare", 1);
  scheduler_->touch("fast");
  scheduler_->on_progress("fast", twin[0].attempt);
  EXPECT_TRUE(assign().empty());
}

TEST_F(SchedulerTest, AnIsolatingAttemptRunsAloneOnItsWorker) {
  // Found by the simulation (seed 5436 of tests/sim): a worker of two slots
  // ran an isolating attempt of the partition holding a record that kills
  // workers beside one of another partition, in step. Each death was
  // blamed on both, and the other partition's innocent record was pinned:
  // a good record went to the rejects.
  submit();
  for (const char* holder : {"w1", "w2"}) {
    scheduler_->register_worker(holder, 1);
    scheduler_->set_credit(holder, 1);
    auto leased = assign();
    ASSERT_EQ(leased.size(), 1u);
    ASSERT_EQ(leased[0].attempt.partition, 0u);
    clock_.advance_ms(limits::kLeaseMs + 1);
    scheduler_->expire_workers();  // the holder died
  }
  ASSERT_TRUE(scheduler_->partition("job1", 0)->deaths.isolating);
  scheduler_->register_worker("w3", 2);
  scheduler_->set_credit("w3", 2);
  auto leased = assign();
  ASSERT_EQ(leased.size(), 1u);  // nothing beside it
  EXPECT_EQ(leased[0].attempt.partition, 0u);
  EXPECT_TRUE(assign().empty());  // not while it runs either
  // Once it is done, the worker takes other partitions again.
  scheduler_->on_attempt_finished("w3", leased[0].attempt);
  scheduler_->set_credit("w3", 2);
  EXPECT_EQ(assign().size(), 2u);
}

TEST_F(SchedulerTest, NoSecondAttemptWithoutSpeculation) {
  submit(3, false);
  scheduler_->register_worker("slow", 1);
  scheduler_->register_worker("fast", 1);
  scheduler_->set_credit("slow", 1);
  ASSERT_EQ(assign().size(), 1u);
  for (int i = 0; i < 2; ++i) {
    scheduler_->set_credit("fast", 1);
    auto quick = assign();
    ASSERT_EQ(quick.size(), 1u);
    done("fast", quick[0].attempt, quick[0].attempt.partition * 100,
         quick[0].attempt.partition * 100 + 100);
  }
  clock_.advance_ms(limits::kSpeculationMinMs * 10);
  scheduler_->touch("fast");
  scheduler_->set_credit("fast", 1);
  EXPECT_TRUE(assign().empty());
}

// --- lost holders and the quarantine (coordinator/scheduler_quarantine.cc) ---

class SchedulerHoldersTest : public SchedulerTest {
 protected:
  // Partition 0 goes to a new worker process, which reports `bytes_read` and
  // `checkpoint`, then dies of `signal`; the coordinator hears of its death.
  void lose_holder(uint64_t bytes_read, AttemptCheckpoint checkpoint = {}, int signal = 9) {
    const uint32_t pid = ++pid_;
    const std::string worker = "w" + std::to_string(pid);
    scheduler_->register_worker(worker, 1, "host", pid);
    scheduler_->set_credit(worker, 1);
    auto assignments = assign();
    ASSERT_EQ(assignments.size(), 1u);
    ASSERT_EQ(assignments[0].attempt.partition, 0u);
    if (checkpoint.seq > 0) checkpoint.seq = ++seq_;
    scheduler_->on_progress(worker, assignments[0].attempt, bytes_read, checkpoint);
    scheduler_->worker_died("host", pid, signal);
    auto expired = scheduler_->expire_workers();
    ASSERT_EQ(expired.size(), 1u);
    EXPECT_EQ(expired[0], worker);
  }
  static AttemptCheckpoint announced(uint64_t offset, uint32_t rows) {
    return AttemptCheckpoint{1, offset, rows};
  }
  uint32_t pid_ = 100;
  uint64_t seq_ = 0;
};

TEST_F(SchedulerHoldersTest, LostHoldersDoNotCountTowardMaxAttempts) {
  submit(2);
  for (int i = 0; i < 5; ++i) lose_holder(i * 1000);
  const PartitionRecord* p0 = scheduler_->partition("job1", 0);
  EXPECT_EQ(scheduler_->job("job1")->state, JobState::kRunning);
  EXPECT_EQ(p0->attempts_failed, 0u);
  EXPECT_EQ(p0->deaths.in_a_row, 5u);
  EXPECT_EQ(p0->state, PartitionState::kPlanned);
  EXPECT_NE(p0->last_error.find("killed by signal 9 (SIGKILL)"), std::string::npos)
      << p0->last_error;
}

TEST_F(SchedulerHoldersTest, FailsTheJobWhenAPartitionKeepsLosingItsHolders) {
  submit();
  for (uint32_t i = 0; i < limits::kLeasesLostMax; ++i) lose_holder(0, {}, 0);
  const JobRecord* job = scheduler_->job("job1");
  EXPECT_EQ(job->state, JobState::kFailed);
  EXPECT_NE(job->error.find("partition 0 lost its worker 8 times in a row"), std::string::npos)
      << job->error;
}

TEST_F(SchedulerHoldersTest, PinsTheRecordItsHoldersDieOnAndKeepsItAcrossARestart) {
  submit();
  lose_holder(10);
  EXPECT_FALSE(scheduler_->partition("job1", 0)->deaths.isolating);
  lose_holder(20);  // near the first death: isolate
  EXPECT_TRUE(scheduler_->partition("job1", 0)->deaths.isolating);
  lose_holder(30, announced(40, limits::kIsolateBatchRows));  // died in a batch at 40
  EXPECT_EQ(scheduler_->partition("job1", 0)->deaths.single_from, 40u);
  lose_holder(30, announced(55, 1), 11);  // died on the record at 55, alone
  EXPECT_TRUE(scheduler_->partition("job1", 0)->skipped.empty()) << "once could be chance";
  lose_holder(30, announced(55, 1), 11);  // and again
  const PartitionRecord* p0 = scheduler_->partition("job1", 0);
  ASSERT_EQ(p0->skipped.size(), 1u);
  EXPECT_EQ(p0->skipped[0].offset, 55u);
  EXPECT_EQ(p0->skipped[0].reason, "worker crashed on this record (signal 11, SIGSEGV)");
  EXPECT_FALSE(p0->deaths.isolating) << "after the pin, attempts run at full speed again";
  EXPECT_EQ(p0->deaths.in_a_row, 0u);
  EXPECT_EQ(scheduler_->job("job1")->state, JobState::kRunning);

  scheduler_ = std::make_unique<Scheduler>(*ledger_, clock_);
  ASSERT_TRUE(scheduler_->load().is_ok());
  p0 = scheduler_->partition("job1", 0);
  ASSERT_EQ(p0->skipped.size(), 1u);
  EXPECT_EQ(p0->skipped[0].offset, 55u);
}

TEST_F(SchedulerHoldersTest, DeathsOnDifferentRecordsPinNothing) {
  submit();
  lose_holder(10);
  lose_holder(20);
  lose_holder(30, announced(40, limits::kIsolateBatchRows));
  lose_holder(30, announced(55, 1));
  lose_holder(30, announced(56, 1));  // kills at random moments land on different records
  lose_holder(30, announced(57, 1));
  const PartitionRecord* p0 = scheduler_->partition("job1", 0);
  EXPECT_TRUE(p0->skipped.empty());
  EXPECT_TRUE(p0->deaths.isolating);
}

TEST_F(SchedulerHoldersTest, DeathsFarApartDoNotIsolate) {
  submit();
  lose_holder(0);
  lose_holder(limits::kCrashNearBytes + 1);
  EXPECT_FALSE(scheduler_->partition("job1", 0)->deaths.isolating);
}

}  // namespace
}  // namespace sluice
