// The coordinator sends each worker a job's file once
// (coordinator/job_files_sent.h): the first Task of a job to a worker
// carries it, the next ones do not; a refusal for want of it (the Task that
// carried it lost, or the worker evicted it) costs no attempt and makes the
// next Task there carry it again; what it remembers is bounded by the
// workers it knows, the jobs running and limits::kWorkerJobFilesMax.
#include "coordinator/job_files_sent.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/base/limits.h"
#include "common/store/memory_store.h"
#include "coordinator/admission.h"
#include "coordinator/core.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

TEST(JobFilesSent, AJobsFileGoesOncePerWorker) {
  JobFilesSent sent;
  EXPECT_TRUE(sent.must_carry("w1", "job"));
  EXPECT_FALSE(sent.must_carry("w1", "job"));
  EXPECT_TRUE(sent.must_carry("w2", "job")) << "another worker has not got it";
  sent.forget("w1", "job");
  EXPECT_TRUE(sent.must_carry("w1", "job")) << "refused: the next Task carries it again";
  EXPECT_FALSE(sent.must_carry("w1", "job"));
}

TEST(JobFilesSent, ForgetsWorkersThatLeftAndJobsThatEnded) {
  JobFilesSent sent;
  sent.must_carry("w1", "a");
  sent.must_carry("w1", "b");
  sent.must_carry("w2", "a");
  EXPECT_EQ(sent.size(), 3u);
  sent.forget_job("a");
  EXPECT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent.workers(), 1u) << "a worker with nothing sent is not kept";
  sent.forget_worker("w1");
  EXPECT_EQ(sent.size(), 0u);
  EXPECT_EQ(sent.workers(), 0u);
  EXPECT_TRUE(sent.must_carry("w1", "b")) << "a worker known again (restarted) gets it again";
}

TEST(JobFilesSent, RemembersPerWorkerOnlyTheJobsItKeeps) {
  JobFilesSent sent;
  const size_t kept = limits::kWorkerJobFilesMax;
  for (size_t i = 0; i <= kept; ++i) sent.must_carry("w", "job" + std::to_string(i));
  EXPECT_EQ(sent.size(), kept);
  // job0 is the least recently sent: the worker has evicted it as well.
  EXPECT_TRUE(sent.must_carry("w", "job0"));
  EXPECT_EQ(sent.size(), kept);
  EXPECT_FALSE(sent.must_carry("w", std::string("job") + std::to_string(kept)));
}

// The core's part: which Tasks carry the file, a refusal, the bounds.
class JobFilesCore : public ::testing::Test {
 protected:
  struct Task {
    std::string worker;
    AttemptRef attempt;
    bool with_job_file = false;
  };
  class Recording final : public Outbox {
   public:
    explicit Recording(std::vector<Task>& tasks) : tasks_(tasks) {}
    void send_task(const std::string& worker, const JobRecord& job,
                   const PartitionRecord& partition, uint32_t attempt,
                   bool with_job_file) override {
      tasks_.push_back(Task{worker, AttemptRef{job.id, partition.index, attempt}, with_job_file});
    }
    void send_abort(const std::string&, const AttemptRef&) override {}
    void send_commit_decision(const std::string&, const AttemptRef&, const DoneOutcome&) override {}
    void send_register_again(const std::string&) override {}

   private:
    std::vector<Task>& tasks_;
  };

  void SetUp() override {
    {
      std::ofstream input(dir_ / "input.csv");
      input << "id,value\n";
      for (int i = 0; i < 200; ++i) input << i << ",abcdefgh\n";
    }
    ASSERT_TRUE(scheduler_.load().is_ok());
    ASSERT_TRUE(core_.recover().is_ok());
    const std::string yaml =
        "name: files\ninput:\n  path: input.csv\n  split_size: 256\noutput:\n  path: out/\n";
    auto admitted = admit_job(yaml, dir_ / "job.yaml", dir_.path());
    ASSERT_TRUE(admitted.is_ok()) << admitted.status().to_string();
    ASSERT_GE(admitted->partitions.size(), 5u);
    job_id_ = admitted->record.id;
    ASSERT_TRUE(scheduler_.submit(admitted->record, admitted->partitions).is_ok());
  }

  // Leases to workers with credit and sends the Tasks.
  void round() {
    ASSERT_TRUE(core_.assign_tasks().is_ok());
    ASSERT_TRUE(core_.flush().is_ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<PartitionLedger> ledger_ =
      PartitionLedger::over(std::make_unique<MemoryStore>(std::make_shared<MemoryDisk>()));
  FakeClock clock_;
  Scheduler scheduler_{*ledger_, clock_};
  std::vector<Task> tasks_;
  Recording outbox_{tasks_};
  CoordinatorCore core_{scheduler_, clock_, outbox_};
  std::string job_id_;
};

TEST_F(JobFilesCore, OnlyAJobsFirstTaskToAWorkerCarriesItsFile) {
  scheduler_.register_worker("w1", 2);
  scheduler_.register_worker("w2", 1);
  scheduler_.set_credit("w1", 2);
  scheduler_.set_credit("w2", 1);
  round();
  ASSERT_EQ(tasks_.size(), 3u);
  int carried_w1 = 0, carried_w2 = 0;
  for (const Task& task : tasks_)
    (task.worker == "w1" ? carried_w1 : carried_w2) += task.with_job_file;
  EXPECT_EQ(carried_w1, 1) << "two Tasks to w1, one file";
  EXPECT_EQ(carried_w2, 1);
  EXPECT_TRUE(tasks_.front().with_job_file) << "the first Task of the round carries it";
}

TEST_F(JobFilesCore, ARefusalForWantOfTheFileCountsNoAttemptAndSendsItAgain) {
  scheduler_.register_worker("w", 2);
  scheduler_.set_credit("w", 1);
  round();
  ASSERT_EQ(tasks_.size(), 1u);
  ASSERT_TRUE(tasks_[0].with_job_file);
  // That Task is lost; the worker asks for work for its other slot.
  scheduler_.set_credit("w", 1);
  round();
  ASSERT_EQ(tasks_.size(), 2u);
  const Task refused = tasks_[1];
  EXPECT_FALSE(refused.with_job_file);
  FailedReport report{
      refused.attempt, "worker has not got the job's file", true, false, 0, false, true};
  ASSERT_TRUE(core_.on_failed("w", report).is_ok());
  const PartitionRecord* partition = scheduler_.partition(job_id_, refused.attempt.partition);
  EXPECT_EQ(partition->attempts_failed, 0u) << "a refusal is not the partition's failure";
  EXPECT_EQ(partition->state, PartitionState::kPlanned);
  // Its slot is credit again: the partition goes back to it, with the file.
  round();
  ASSERT_EQ(tasks_.size(), 3u);
  EXPECT_EQ(tasks_[2].attempt.partition, refused.attempt.partition);
  EXPECT_EQ(tasks_[2].worker, "w");
  EXPECT_TRUE(tasks_[2].with_job_file);
  // A duplicate of the refusal (stale) changes no lease.
  ASSERT_TRUE(core_.on_failed("w", report).is_ok());
  EXPECT_TRUE(scheduler_.is_leased(tasks_[2].attempt));
}

TEST_F(JobFilesCore, ForgetsAWorkerThatExpiredAndAJobThatEnded) {
  scheduler_.register_worker("w", 1);
  scheduler_.set_credit("w", 1);
  round();
  EXPECT_EQ(core_.job_files_sent().size(), 1u);
  clock_.advance_ms(limits::kLeaseMs + 1);
  ASSERT_TRUE(core_.tick().is_ok());
  EXPECT_EQ(core_.job_files_sent().workers(), 0u) << "an expired worker is forgotten";

  scheduler_.register_worker("w2", 1);
  scheduler_.set_credit("w2", 1);
  round();
  EXPECT_EQ(core_.job_files_sent().size(), 1u);
  ASSERT_TRUE(core_.stop(job_id_, JobState::kCancelled, "cancelled by request").is_ok());
  ASSERT_TRUE(core_.tick().is_ok());
  EXPECT_EQ(core_.job_files_sent().size(), 0u) << "an ended job is forgotten";
}

}  // namespace
}  // namespace sluice
