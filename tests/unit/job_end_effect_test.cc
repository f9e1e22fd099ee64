// A job's end as an effect (coordinator/effects.h): the tick submits it to
// the executor once, the job stays running and "ending" until the effect's
// completion runs on the loop, and a stop asked for meanwhile waits for the
// end's outcome. The executor here holds effects and completions until the
// test releases them; the ledger runs over a MemoryStore, the output
// directory is real.
#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <fstream>

#include "common/store/memory_store.h"
#include "coordinator/admission.h"
#include "coordinator/core.h"
#include "coordinator/output_paths.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

class HeldExecutor final : public EffectExecutor {
 public:
  bool submit(Effect effect) override {
    if (full) return false;
    effects.push_back(std::move(effect));
    return true;
  }
  void wait_until(const std::function<bool()>& done) override {
    while (!done() && !effects.empty()) run_effect();
  }
  // Runs the oldest effect; its completion waits.
  void run_effect() {
    Effect effect = std::move(effects.front());
    effects.pop_front();
    if (Completion completion = effect()) completions.push_back(std::move(completion));
  }
  void run_completion() {
    Completion completion = std::move(completions.front());
    completions.pop_front();
    completion();
  }
  std::deque<Effect> effects;
  std::deque<Completion> completions;
  bool full = false;  // refuses every effect, as a full queue does
};

class SilentOutbox final : public Outbox {
 public:
  void send_task(const std::string&, const JobRecord&, const PartitionRecord&, uint32_t,
                 bool) override {
    tasks++;
  }
  void send_abort(const std::string&, const AttemptRef&) override {}
  void send_commit_decision(const std::string&, const AttemptRef&, const DoneOutcome&) override {}
  void send_register_again(const std::string&) override {}
  int tasks = 0;
};

class JobEndEffect : public ::testing::Test {
 protected:
  // A job of one partition, run and published: finishable at the next tick.
  void SetUp() override {
    commit_the_partition();
    if (HasFatalFailure()) return;
    ASSERT_EQ(executor_.effects.size(), 1u) << "no rename submitted";
    executor_.run_effect();
    executor_.run_completion();
    ASSERT_EQ(scheduler_.partition(job_.id, 0)->state, PartitionState::kPublished);
  }

  // The job's one partition run and committed, its rename submitted and held.
  void commit_the_partition() {
    std::ofstream(dir_ / "input.csv") << "id,value\n1,a\n2,b\n";
    const std::string yaml = "name: end\ninput:\n  path: input.csv\noutput:\n  path: out/\n";
    ASSERT_TRUE(scheduler_.load().is_ok());
    ASSERT_TRUE(core_.recover().is_ok());
    auto admitted = admit_job(yaml, dir_ / "job.yaml", dir_.path());
    ASSERT_TRUE(admitted.is_ok()) << admitted.status().to_string();
    ASSERT_EQ(admitted->partitions.size(), 1u);
    job_ = admitted->record;
    ASSERT_TRUE(scheduler_.submit(admitted->record, admitted->partitions).is_ok());
    scheduler_.register_worker("w", 1);
    scheduler_.set_credit("w", 1);
    ASSERT_TRUE(core_.assign_tasks().is_ok());
    ASSERT_TRUE(core_.flush().is_ok());
    ASSERT_EQ(outbox_.tasks, 1);
    const uint32_t attempt = scheduler_.partition(job_.id, 0)->attempt;
    const std::string temp = temp_part_path(job_, 0, attempt);
    fs::create_directories(fs::path(temp).parent_path());
    std::ofstream(temp).close();
    DoneReport report;
    report.attempt = AttemptRef{job_.id, 0, attempt};
    report.stats.start_offset = admitted->partitions[0].range.begin_offset;
    report.stats.end_offset = admitted->partitions[0].range.end_offset;
    scheduler_.on_attempt_finished("w", report.attempt);
    ASSERT_TRUE(core_.on_done("w", report).is_ok());
    ASSERT_TRUE(core_.flush().is_ok());
    ASSERT_EQ(scheduler_.partition(job_.id, 0)->state, PartitionState::kCommitted);
  }

  std::string part() const { return (fs::path(job_.output_dir) / "part-00000.csv").string(); }

  JobState state() const { return scheduler_.job(job_.id)->state; }
  bool has_success() const { return fs::exists(fs::path(job_.output_dir) / "_SUCCESS"); }

  testing::TempDir dir_;
  std::shared_ptr<MemoryDisk> disk_ = std::make_shared<MemoryDisk>();
  std::unique_ptr<PartitionLedger> ledger_ =
      PartitionLedger::over(std::make_unique<MemoryStore>(disk_));
  FakeClock clock_;
  Scheduler scheduler_{*ledger_, clock_};
  SilentOutbox outbox_;
  HeldExecutor executor_;
  CoordinatorCore core_{scheduler_, clock_, outbox_, real_filesystem(), executor_};
  JobRecord job_;
};

TEST_F(JobEndEffect, RunsOffTheTickAndSucceedsOnlyAtItsCompletion) {
  ASSERT_TRUE(core_.tick().is_ok());
  ASSERT_EQ(executor_.effects.size(), 1u);
  EXPECT_TRUE(core_.ending(job_.id));
  EXPECT_FALSE(has_success()) << "the end ran on the loop";
  ASSERT_TRUE(core_.tick().is_ok());
  EXPECT_EQ(executor_.effects.size(), 1u) << "the end was submitted twice";

  executor_.run_effect();
  EXPECT_TRUE(has_success());
  EXPECT_EQ(state(), JobState::kRunning) << "succeeded before the completion ran";
  ASSERT_TRUE(core_.tick().is_ok());
  EXPECT_TRUE(executor_.effects.empty());

  executor_.run_completion();
  EXPECT_EQ(state(), JobState::kSucceeded);
  EXPECT_FALSE(core_.ending(job_.id));
  EXPECT_FALSE(fs::exists(temporary_dir(job_)));
}

TEST_F(JobEndEffect, AStopWhileEndingWaitsForTheEndsOutcome) {
  ASSERT_TRUE(core_.tick().is_ok());
  ASSERT_TRUE(core_.ending(job_.id));
  ASSERT_TRUE(core_.stop(job_.id, JobState::kCancelled, "cancelled by request").is_ok());
  EXPECT_EQ(state(), JobState::kRunning) << "stopped while its manifest was being written";
  executor_.run_effect();
  executor_.run_completion();
  // The end succeeded: the cancel came after it, as after any job's end.
  EXPECT_EQ(state(), JobState::kSucceeded);
  EXPECT_TRUE(has_success());
}

TEST_F(JobEndEffect, ACrashWithTheEndInFlightIsFinishedByRecovery) {
  ASSERT_TRUE(core_.tick().is_ok());
  executor_.run_effect();  // manifest and _SUCCESS written; the completion is lost
  ASSERT_TRUE(has_success());
  // And a manifest write a kill interrupted before (its temporary file).
  const fs::path interrupted = fs::path(job_.output_dir) / "_MANIFEST.json.tmp-1-0";
  std::ofstream(interrupted) << "{";
  Scheduler restarted(*ledger_, clock_);
  CoordinatorCore core(restarted, clock_, outbox_);  // inline: the end runs in the tick
  ASSERT_TRUE(restarted.load().is_ok());
  ASSERT_TRUE(core.recover().is_ok());
  EXPECT_EQ(restarted.job(job_.id)->state, JobState::kRunning);
  ASSERT_TRUE(core.tick().is_ok());
  EXPECT_EQ(restarted.job(job_.id)->state, JobState::kSucceeded);
  EXPECT_TRUE(has_success());
  EXPECT_FALSE(fs::exists(interrupted));
}

// The renames of a round's commits: an effect like a job's end.
class RenameEffect : public JobEndEffect {
 protected:
  void SetUp() override { commit_the_partition(); }
};

TEST_F(RenameEffect, RunsOffTheLoopAndPublishesAtItsCompletion) {
  ASSERT_EQ(executor_.effects.size(), 1u);
  EXPECT_TRUE(core_.changing_output(job_.id));
  EXPECT_FALSE(fs::exists(part())) << "renamed on the loop";
  ASSERT_TRUE(core_.tick().is_ok());
  EXPECT_EQ(executor_.effects.size(), 1u) << "renamed twice, or the job ended before its rename";

  executor_.run_effect();
  EXPECT_TRUE(fs::exists(part()));
  EXPECT_FALSE(core_.changing_output(job_.id));
  EXPECT_EQ(scheduler_.partition(job_.id, 0)->state, PartitionState::kCommitted)
      << "published before the completion ran";
  executor_.run_completion();
  EXPECT_EQ(scheduler_.partition(job_.id, 0)->state, PartitionState::kPublished);
  EXPECT_EQ(core_.metrics().commits, 1u);
  ASSERT_TRUE(core_.tick().is_ok());
  EXPECT_TRUE(core_.ending(job_.id)) << "its end was not submitted once all was published";
}

TEST_F(RenameEffect, ACancelWaitsForTheRenameInFlightAndLeavesNothing) {
  ASSERT_TRUE(core_.changing_output(job_.id));
  ASSERT_TRUE(core_.stop(job_.id, JobState::kCancelled, "cancelled by request").is_ok());
  EXPECT_EQ(state(), JobState::kCancelled);
  EXPECT_TRUE(executor_.effects.empty()) << "the stop did not wait for the rename";
  // Collected after the rename, not under it: nothing is left.
  EXPECT_FALSE(fs::exists(part()));
  EXPECT_FALSE(fs::exists(temporary_dir(job_)));
  executor_.run_completion();  // late: changes no file
  ASSERT_TRUE(core_.tick().is_ok());
  EXPECT_EQ(state(), JobState::kCancelled);
  EXPECT_FALSE(fs::exists(part()));
}

TEST_F(RenameEffect, ARenameThatFailsFailsItsJobAtItsCompletion) {
  const uint32_t attempt = scheduler_.partition(job_.id, 0)->attempt;
  fs::remove(temp_part_path(job_, 0, attempt));  // gone before it is renamed
  executor_.run_effect();
  EXPECT_EQ(state(), JobState::kRunning);
  executor_.run_completion();
  EXPECT_EQ(state(), JobState::kFailed);
  EXPECT_NE(scheduler_.job(job_.id)->error.find("cannot publish partition 0"), std::string::npos)
      << scheduler_.job(job_.id)->error;
  EXPECT_EQ(scheduler_.partition(job_.id, 0)->state, PartitionState::kCommitted);
}

TEST_F(RenameEffect, AJobTheSchedulerFailedIsCollectedOnlyOnceItsRenameRan) {
  // As a partition that failed for good does, while another's rename is held.
  ASSERT_TRUE(scheduler_.stop_job(job_.id, JobState::kFailed, "partition 1 failed").is_ok());
  ASSERT_TRUE(core_.tick().is_ok());
  const uint32_t attempt = scheduler_.partition(job_.id, 0)->attempt;
  EXPECT_TRUE(fs::exists(temp_part_path(job_, 0, attempt)))
      << "collected under the rename in flight";
  executor_.run_effect();
  EXPECT_TRUE(fs::exists(part()));
  ASSERT_TRUE(core_.tick().is_ok());
  EXPECT_FALSE(fs::exists(temporary_dir(job_))) << "not collected once the rename ran";
  EXPECT_TRUE(fs::exists(part())) << "a failed job keeps what it published";
}

class RenameEffectOnAFullExecutor : public JobEndEffect {
 protected:
  void SetUp() override {
    executor_.full = true;
    commit_the_partition();
  }
};

TEST_F(RenameEffectOnAFullExecutor, TheRenameWaitsForALaterRound) {
  EXPECT_TRUE(executor_.effects.empty());
  EXPECT_FALSE(core_.changing_output(job_.id));
  ASSERT_TRUE(core_.tick().is_ok());
  EXPECT_FALSE(core_.ending(job_.id)) << "the job ended with a partition not renamed";
  executor_.full = false;
  ASSERT_TRUE(core_.tick().is_ok());
  ASSERT_EQ(executor_.effects.size(), 1u) << "the refused rename was not submitted again";
  executor_.run_effect();
  executor_.run_completion();
  EXPECT_EQ(scheduler_.partition(job_.id, 0)->state, PartitionState::kPublished);
  EXPECT_TRUE(fs::exists(part()));
}

}  // namespace
}  // namespace sluice
