// Incremental lineages without processes: planning a run from the files on
// disk and the lineage's seen files, recording them with the run's success
// (and only then), and the records' round trips.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/spec/job_spec.h"
#include "coordinator/admission.h"
#include "coordinator/incremental.h"
#include "coordinator/scheduler.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

class IncrementalState : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "in");
    spec_ =
        "name: inc\ninput:\n  path: in/\n  incremental: true\n  split_size: 1KiB\n"
        "output:\n  path: out/\n";
    open();
  }

  void open() {
    scheduler_.reset();
    ledger_.reset();
    ledger_ = std::move(PartitionLedger::open(dir_ / "state")).value();
    scheduler_ = std::make_unique<Scheduler>(*ledger_, clock_);
    ASSERT_TRUE(scheduler_->load().is_ok());
  }

  void input(const std::string& name, const std::string& rows) {
    testing::write_file(dir_ / ("in/" + name), "a,b\n" + rows);
  }

  // A submission of the job, planned as a run of its lineage.
  AdmittedJob plan() {
    auto admitted = admit_job(spec_, "inc.yaml", dir_.path());
    EXPECT_TRUE(admitted.is_ok()) << admitted.status().to_string();
    Status planned =
        plan_incremental_run(*scheduler_, admitted.value(), unfinished_jobs(*scheduler_));
    EXPECT_TRUE(planned.is_ok()) << planned.to_string();
    return admitted.value();
  }

  // Submits the run and marks it succeeded (as the loop does once published).
  void succeed(const AdmittedJob& run) {
    ASSERT_TRUE(scheduler_->submit(run.record, run.partitions).value());
    ASSERT_TRUE(scheduler_->mark_succeeded(run.record.id).is_ok());
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::string spec_;
  std::unique_ptr<PartitionLedger> ledger_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(IncrementalState, SecondRunPlansOnlyNewFilesWithPartsNumberedOn) {
  input("a.csv", "1,2\n");
  input("b.csv", "3,4\n");
  const AdmittedJob first = plan();
  ASSERT_FALSE(first.record.lineage_id.empty());
  EXPECT_EQ(first.record.inputs.size(), 2u);
  EXPECT_EQ(first.record.generation, 1u);
  EXPECT_EQ(first.record.part_base, 0u);
  succeed(first);
  EXPECT_EQ(scheduler_->seen_files(first.record.lineage_id).size(), 2u);

  input("c.csv", "5,6\n");
  const AdmittedJob second = plan();
  ASSERT_EQ(second.record.inputs.size(), 1u);
  EXPECT_EQ(second.record.inputs[0].path, dir_ / "in/c.csv");
  EXPECT_EQ(second.record.lineage_id, first.record.lineage_id);
  EXPECT_NE(second.record.id, first.record.id);
  EXPECT_EQ(second.record.generation, 2u);
  EXPECT_EQ(second.record.part_base, first.record.partitions_total);
  EXPECT_EQ(second.partitions.size(), 1u);
}

TEST_F(IncrementalState, PlanningAndClaimingReadNothingAfterAdmission) {
  // The loop plans the run and claims the output from what admission read
  // (AdmissionFacts): the disk may change meanwhile, nothing is read again.
  input("a.csv", "1,2\n");
  input("b.csv", "3,4\n");
  auto admitted = admit_job(spec_, "inc.yaml", dir_.path());
  ASSERT_TRUE(admitted.is_ok()) << admitted.status().to_string();
  EXPECT_EQ(admitted->facts.identities.size(), 2u);
  std::filesystem::remove(dir_ / "in/a.csv");
  std::filesystem::remove(dir_ / "in/b.csv");
  // Another job's temporary files, after the admission read the directory.
  std::filesystem::create_directories(dir_ / "out/_temporary/other");
  ASSERT_TRUE(
      plan_incremental_run(*scheduler_, admitted.value(), unfinished_jobs(*scheduler_)).is_ok());
  EXPECT_EQ(admitted->record.inputs.size(), 2u);
  EXPECT_EQ(admitted->record.identities.size(), 2u);
  EXPECT_TRUE(claim_output(*scheduler_, admitted.value()).is_ok());
  // The same submission admitted now sees them.
  input("a.csv", "1,2\n");
  auto now = admit_job(spec_, "inc.yaml", dir_.path());
  ASSERT_TRUE(now.is_ok()) << now.status().to_string();
  ASSERT_TRUE(plan_incremental_run(*scheduler_, now.value(), unfinished_jobs(*scheduler_)).is_ok());
  const Status refused = claim_output(*scheduler_, now.value());
  EXPECT_NE(refused.message().find("holds temporary files"), std::string::npos)
      << refused.to_string();
}

TEST_F(IncrementalState, UnfinishedRunIsReturnedUntilItSucceeds) {
  input("a.csv", "1,2\n");
  const AdmittedJob first = plan();
  ASSERT_TRUE(scheduler_->submit(first.record, first.partitions).value());
  input("b.csv", "3,4\n");
  const AdmittedJob again = plan();
  EXPECT_EQ(again.record.id, first.record.id) << "a new run while one is unfinished";
  EXPECT_TRUE(again.partitions.empty());

  // A restart before the run succeeded: nothing is recorded as seen.
  open();
  EXPECT_TRUE(scheduler_->seen_files(first.record.lineage_id).empty());
  ASSERT_TRUE(scheduler_->mark_succeeded(first.record.id).is_ok());
  open();
  EXPECT_EQ(scheduler_->seen_files(first.record.lineage_id).size(), 1u);
  const AdmittedJob next = plan();
  ASSERT_EQ(next.record.inputs.size(), 1u);
  EXPECT_EQ(next.record.inputs[0].path, dir_ / "in/b.csv");
}

TEST_F(IncrementalState, FailedRunIsResumedUnlessItsInputChanged) {
  input("a.csv", "1,2\n");
  succeed(plan());
  input("b.csv", "3,4\n");
  const AdmittedJob second = plan();
  ASSERT_TRUE(scheduler_->submit(second.record, second.partitions).value());
  ASSERT_TRUE(scheduler_->stop_job(second.record.id, JobState::kFailed, "disk full").is_ok());
  EXPECT_EQ(plan().record.id, second.record.id) << "a failed run is resumed first";

  input("b.csv", "3,4\n5,6\n");  // it can never succeed now
  const AdmittedJob third = plan();
  EXPECT_NE(third.record.id, second.record.id);
  EXPECT_EQ(scheduler_->job(second.record.id)->state, JobState::kCancelled);
  ASSERT_EQ(third.record.inputs.size(), 1u);
  EXPECT_EQ(third.record.inputs[0].path, dir_ / "in/b.csv");
  EXPECT_EQ(third.record.generation, 2u);
  EXPECT_EQ(third.record.part_base, second.record.part_base + second.record.partitions_total);
}

TEST_F(IncrementalState, NothingNewReturnsTheLastRun) {
  input("a.csv", "1,2\n");
  const AdmittedJob first = plan();
  succeed(first);
  const AdmittedJob again = plan();
  EXPECT_EQ(again.record.id, first.record.id);
  EXPECT_EQ(again.record.state, JobState::kSucceeded);
  EXPECT_TRUE(again.partitions.empty());
}

TEST_F(IncrementalState, ChangedFileIsReportedOnceThenLeftAlone) {
  input("a.csv", "1,2\n");
  succeed(plan());
  input("a.csv", "1,2\n9,9\n");
  const AdmittedJob report = plan();
  EXPECT_TRUE(report.record.inputs.empty()) << "on_change: report does not read it again";
  ASSERT_EQ(report.record.changes.size(), 1u);
  EXPECT_FALSE(report.record.changes[0].reprocess);
  EXPECT_NE(report.record.error.find("changed after they were processed"), std::string::npos);
  succeed(report);
  const AdmittedJob again = plan();
  EXPECT_EQ(again.record.id, report.record.id) << "the same change is reported once";
}

TEST_F(IncrementalState, ReprocessPlansTheChangedFileAndItsPartsToReplace) {
  spec_ =
      "name: inc\ninput:\n  path: in/\n  incremental: true\n  on_change: reprocess\n"
      "output:\n  path: out/\n";
  input("a.csv", "1,2\n");
  input("b.csv", "3,4\n");
  const AdmittedJob first = plan();
  succeed(first);
  input("b.csv", "3,4\n5,6\n");
  const AdmittedJob second = plan();
  ASSERT_EQ(second.record.inputs.size(), 1u);
  EXPECT_EQ(second.record.inputs[0].path, dir_ / "in/b.csv");
  ASSERT_EQ(second.record.changes.size(), 1u);
  EXPECT_TRUE(second.record.changes[0].reprocess);
  EXPECT_EQ(second.record.replaced, std::vector<std::string>{"part-00001.csv"});
}

TEST_F(IncrementalState, IdentityCoversHeadAndTailBytes) {
  input("a.csv", "1,2\n");
  const InputVersion before = identify_input(InputFile{dir_ / "in/a.csv", 8, 1}).value();
  input("a.csv", "1,3\n");  // same size
  const InputVersion after = identify_input(InputFile{dir_ / "in/a.csv", 8, 1}).value();
  EXPECT_NE(before.head_checksum, after.head_checksum);
  EXPECT_NE(before.tail_checksum, after.tail_checksum);
  EXPECT_FALSE(before == after);
}

TEST(IncrementalRecords, JobAndSeenFileRoundTrip) {
  JobRecord job;
  job.id = "j";
  job.lineage_id = "l";
  job.generation = 3;
  job.part_base = 7;
  job.inputs = {{"/in/a.csv", 10, 5}};
  job.identities = {{"/in/a.csv", 10, 5, 11, 12}};
  job.changes = {{{"/in/b.csv", 1, 2, 3, 4}, {"/in/b.csv", 5, 6, 7, 8}, true}};
  job.replaced = {"part-00001.csv"};
  const JobRecord decoded = decode_job(encode_job(job)).value();
  EXPECT_EQ(decoded.lineage_id, "l");
  EXPECT_EQ(decoded.generation, 3u);
  EXPECT_EQ(decoded.part_base, 7u);
  EXPECT_TRUE(decoded.identities == job.identities);
  ASSERT_EQ(decoded.changes.size(), 1u);
  EXPECT_TRUE(decoded.changes[0].now == job.changes[0].now);
  EXPECT_TRUE(decoded.changes[0].reprocess);
  EXPECT_EQ(decoded.replaced, job.replaced);

  SeenFile file;
  file.identity = {"/in/a.csv", 10, 5, 11, 12};
  file.reported = InputVersion{"/in/a.csv", 20, 6, 13, 14};
  file.job_id = "j";
  file.generation = 3;
  file.first_part = 7;
  file.output_json = R"({"partitions":[],"parts":[],"rejects":[]})";
  const SeenFile back = decode_seen_file(encode_seen_file(file)).value();
  EXPECT_TRUE(back.identity == file.identity);
  ASSERT_TRUE(back.reported.has_value());
  EXPECT_TRUE(*back.reported == *file.reported);
  EXPECT_EQ(back.first_part, 7u);
  EXPECT_EQ(back.output_json, file.output_json);
}

}  // namespace
}  // namespace sluice
