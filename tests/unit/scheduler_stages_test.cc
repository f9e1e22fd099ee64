// The scheduler's stages (coordinator/scheduler_stages.cc) with a fake clock
// and a real RocksDB: an aggregate job's bucket tasks are planned only once
// every map output is published, from the bytes they hold, durably (a
// restart finds the same ones); a lost map output runs that map task again
// and holds the bucket task back until it is published, counting nothing.
#include <gtest/gtest.h>

#include "common/base/limits.h"
#include "coordinator/compiled_job.h"
#include "coordinator/scheduler.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

class SchedulerStages : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open() {
    scheduler_.reset();
    ledger_.reset();
    ledger_ = std::move(PartitionLedger::open(dir_ / "state")).value();
    scheduler_ = std::make_unique<Scheduler>(*ledger_, clock_);
    ASSERT_TRUE(scheduler_->load().is_ok());
  }

  // An aggregate job over two files of 100 bytes, one map task each.
  void submit(const std::string& extra_yaml = "") {
    JobRecord job;
    job.id = "agg";
    job.name = "agg";
    job.spec_yaml = "name: agg\ninput: {path: x}\noutput: {path: out}\n" + extra_yaml;
    job.inputs = {{"/a.csv", 100, 1}, {"/b.csv", 100, 1}};
    job.partitions_total = 2;
    job.max_attempts = 3;
    job.has_aggregate = true;
    job.map_tasks = 2;
    std::vector<PartitionRecord> partitions;
    for (uint32_t i = 0; i < 2; ++i) {
      PartitionRecord p;
      p.index = i;
      p.range = PlannedRange{i, 0, 100};
      partitions.push_back(p);
    }
    job.compiled = compile_job_file(job).value();
    ASSERT_TRUE(scheduler_->submit(job, partitions).is_ok());
    scheduler_->register_worker("w", 8);
  }

  std::vector<Assignment> assign() {
    scheduler_->set_credit("w", 8);
    auto assignments = scheduler_->assign();
    EXPECT_TRUE(assignments.is_ok());
    return assignments.value();
  }

  // Reports `attempt` done (map tasks: a whole file) and publishes what commits.
  void finish(const AttemptRef& attempt, uint64_t bytes_written) {
    DoneReport report;
    report.attempt = attempt;
    report.stats.rows_in = 5;
    report.stats.rows_out = 5;
    report.stats.end_offset = 100;
    report.stats.bytes_written = bytes_written;
    auto outcome = scheduler_->on_done("w", report);
    ASSERT_TRUE(outcome.is_ok());
    ASSERT_TRUE(outcome->accepted) << outcome->reason;
    for (const AttemptRef& committed : outcome->committed) {
      ASSERT_TRUE(scheduler_->mark_published(committed).is_ok());
    }
  }

  size_t bucket_tasks() const {
    size_t count = 0;
    for (uint32_t i = 0;; ++i) {
      const PartitionRecord* p = scheduler_->partition("agg", i);
      if (p == nullptr) return count;
      count += p->is_bucket;
    }
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<PartitionLedger> ledger_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerStages, BucketTasksArePlannedFromTheMapOutputsOnceAllArePublished) {
  submit();
  auto maps = assign();
  ASSERT_EQ(maps.size(), 2u);
  finish(maps[0].attempt, 2 * limits::kBucketTargetBytes);
  EXPECT_EQ(bucket_tasks(), 0u) << "one map output is not published yet";
  EXPECT_TRUE(assign().empty());
  finish(maps[1].attempt, limits::kBucketTargetBytes / 2);
  // 2.5 targets of map output: 3 tasks over 64 buckets.
  ASSERT_EQ(bucket_tasks(), 3u);
  EXPECT_EQ(scheduler_->job("agg")->partitions_total, 5u);
  const PartitionRecord* first = scheduler_->partition("agg", 2);
  EXPECT_EQ(first->bucket_begin, 0u);
  EXPECT_EQ(scheduler_->partition("agg", 4)->bucket_end, 64u);
  EXPECT_TRUE(scheduler_->finishable_jobs().empty());

  // Durable: a restart finds them, and runs them.
  open();
  scheduler_->register_worker("w", 8);
  EXPECT_EQ(bucket_tasks(), 3u);
  auto buckets = assign();
  ASSERT_EQ(buckets.size(), 3u);
  for (const Assignment& bucket : buckets) {
    EXPECT_GE(bucket.attempt.partition, 2u);
    finish(bucket.attempt, 10);
  }
  EXPECT_EQ(scheduler_->finishable_jobs(), std::vector<std::string>{"agg"});
  // The bucket tasks' rows are not counted again.
  EXPECT_EQ(scheduler_->totals("agg").rows_in, 10u);
}

TEST_F(SchedulerStages, ParallelismGivesOneTaskPerBucket) {
  submit("parallelism: 5\n");
  auto maps = assign();
  for (const Assignment& map : maps) finish(map.attempt, 1);
  EXPECT_EQ(bucket_tasks(), 5u);
}

TEST_F(SchedulerStages, AGlobalSortPlansOneRangeTaskPer32MiBOfSortedOutput) {
  submit("steps:\n  - sort: [k]\n");
  auto maps = assign();
  ASSERT_EQ(maps.size(), 2u);
  finish(maps[0].attempt, 2 * limits::kBucketTargetBytes);
  finish(maps[1].attempt, limits::kBucketTargetBytes / 2);
  // 2.5 targets: 3 tasks, task n as buckets [n, n+1) (its key range of 3).
  ASSERT_EQ(bucket_tasks(), 3u);
  for (uint32_t n = 0; n < 3; ++n) {
    EXPECT_EQ(scheduler_->partition("agg", 2 + n)->bucket_begin, n);
    EXPECT_EQ(scheduler_->partition("agg", 2 + n)->bucket_end, n + 1);
  }
  EXPECT_FALSE(scheduler_->job("agg")->final_merge);
}

TEST_F(SchedulerStages, AGlobalSortTakesParallelism) {
  submit("parallelism: 7\nsteps:\n  - sort: [k]\n");
  for (const Assignment& map : assign()) finish(map.attempt, 1);
  EXPECT_EQ(bucket_tasks(), 7u);
}

TEST_F(SchedulerStages, ALimitAfterASortHasOneBucketTask) {
  submit("steps:\n  - sort: [k]\n  - limit: 10\n");
  for (const Assignment& map : assign()) finish(map.attempt, 5 * limits::kBucketTargetBytes);
  EXPECT_EQ(bucket_tasks(), 1u);
}

TEST_F(SchedulerStages, LostMapOutputRunsThatMapTaskAgainAndTheBucketTaskWaits) {
  submit();
  auto maps = assign();
  for (const Assignment& map : maps) finish(map.attempt, 1);
  auto buckets = assign();
  ASSERT_EQ(buckets.size(), 1u);
  ASSERT_TRUE(scheduler_->on_map_output_lost("w", buckets[0].attempt, 1, "map-00001.bin is missing")
                  .is_ok());
  EXPECT_EQ(scheduler_->partition("agg", 1)->state, PartitionState::kPlanned);
  EXPECT_EQ(scheduler_->partition("agg", 0)->state, PartitionState::kPublished);
  auto again = assign();
  ASSERT_EQ(again.size(), 1u) << "the map task, not the bucket task";
  EXPECT_EQ(again[0].attempt.partition, 1u);
  finish(again[0].attempt, 1);
  auto bucket_again = assign();
  ASSERT_EQ(bucket_again.size(), 1u);
  EXPECT_EQ(bucket_again[0].attempt.partition, 2u);
  EXPECT_EQ(scheduler_->partition("agg", 2)->attempts_failed, 0u);
  EXPECT_EQ(scheduler_->partition("agg", 1)->attempts_failed, 0u);
  finish(bucket_again[0].attempt, 10);
  EXPECT_EQ(scheduler_->finishable_jobs(), std::vector<std::string>{"agg"});
}

TEST_F(SchedulerStages, AnAggregateOverNoRangesHasItsBucketTaskAtOnce) {
  JobRecord job;
  job.id = "empty";
  job.name = "empty";
  job.spec_yaml = "name: empty\ninput: {path: x}\noutput: {path: out}\n";
  job.max_attempts = 3;
  job.has_aggregate = true;
  job.compiled = compile_job_file(job).value();
  ASSERT_TRUE(scheduler_->submit(job, {}).is_ok());
  ASSERT_NE(scheduler_->partition("empty", 0), nullptr);
  EXPECT_TRUE(scheduler_->partition("empty", 0)->is_bucket);
}

}  // namespace
}  // namespace sluice
