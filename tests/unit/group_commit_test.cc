// Group commit (coordinator/core.h): a round's leases and commits are
// written buffered and made durable by one WAL sync in flush(); its Tasks,
// commit decisions and renames are released only after it. The ledger runs
// over a MemoryStore, whose disk tells what a power cut would leave; the
// output directory is real.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/base/crash_point.h"
#include "common/store/memory_store.h"
#include "coordinator/admission.h"
#include "coordinator/core.h"
#include "coordinator/output_paths.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

struct Sent {
  std::vector<AttemptRef> tasks;
  std::vector<AttemptRef> decisions;
};

class RecordingOutbox final : public Outbox {
 public:
  explicit RecordingOutbox(Sent& sent) : sent_(sent) {}
  void send_task(const std::string&, const JobRecord& job, const PartitionRecord& partition,
                 uint32_t attempt, bool) override {
    sent_.tasks.push_back(AttemptRef{job.id, partition.index, attempt});
  }
  void send_abort(const std::string&, const AttemptRef&) override {}
  void send_commit_decision(const std::string&, const AttemptRef& attempt,
                            const DoneOutcome&) override {
    sent_.decisions.push_back(attempt);
  }
  void send_register_again(const std::string&) override {}

 private:
  Sent& sent_;
};

// What the disk holds durably for a partition: its state, or -1.
int durable_state(const MemoryDisk& disk, const std::string& job_id, uint32_t index) {
  auto it = disk.durable().find(partition_key(job_id, index));
  if (it == disk.durable().end()) return -1;
  return static_cast<int>(decode_partition(it->second).value().state);
}

// Set at each rename ("renamed" crash point): was its commit durable then?
const MemoryDisk* g_disk = nullptr;
std::string g_job_id;
std::vector<bool> g_durable_at_rename;

void on_crash_point(const char* name) {
  if (std::string_view(name) != "renamed" || g_disk == nullptr) return;
  g_durable_at_rename.push_back(durable_state(*g_disk, g_job_id, 0) >=
                                static_cast<int>(PartitionState::kCommitted));
}

TEST(GroupCommit, TasksDecisionsAndRenamesWaitForTheRoundsSync) {
  testing::TempDir dir;
  {
    std::ofstream input(dir / "input.csv");
    input << "id,value\n";
    for (int i = 0; i < 100; ++i) input << i << ",abcdefgh\n";
  }
  const std::string yaml =
      "name: group\ninput:\n  path: input.csv\n  split_size: 256\noutput:\n  path: out/\n";
  auto disk = std::make_shared<MemoryDisk>();
  auto ledger = PartitionLedger::over(std::make_unique<MemoryStore>(disk));
  FakeClock clock;
  Scheduler scheduler(*ledger, clock);
  Sent sent;
  RecordingOutbox outbox(sent);
  CoordinatorCore core(scheduler, clock, outbox);
  ASSERT_TRUE(scheduler.load().is_ok());
  ASSERT_TRUE(core.recover().is_ok());
  auto admitted = admit_job(yaml, dir / "job.yaml", dir.path());
  ASSERT_TRUE(admitted.is_ok()) << admitted.status().to_string();
  ASSERT_GE(admitted->partitions.size(), 2u);
  const JobRecord job = admitted->record;
  ASSERT_TRUE(scheduler.submit(admitted->record, admitted->partitions).is_ok());

  scheduler.register_worker("w", 1);
  scheduler.set_credit("w", 1);
  ASSERT_TRUE(core.assign_tasks().is_ok());
  // Leased in memory, buffered on disk: no Task yet.
  EXPECT_TRUE(sent.tasks.empty());
  EXPECT_EQ(durable_state(*disk, job.id, 0), static_cast<int>(PartitionState::kPlanned));
  ASSERT_TRUE(core.flush().is_ok());
  ASSERT_EQ(sent.tasks.size(), 1u);
  EXPECT_EQ(durable_state(*disk, job.id, 0), static_cast<int>(PartitionState::kLeased));
  const AttemptRef attempt = sent.tasks[0];
  ASSERT_EQ(attempt.partition, 0u);

  // The worker's temporary part (no rows: nothing to verify but the sizes).
  const std::string temp = temp_part_path(job, 0, attempt.attempt);
  fs::create_directories(fs::path(temp).parent_path());
  std::ofstream(temp).close();
  const std::string part = job.output_dir + "/" + part_name(job, 0);
  DoneReport report;
  report.attempt = attempt;
  report.stats.start_offset = admitted->partitions[0].range.begin_offset;
  report.stats.end_offset = admitted->partitions[0].range.end_offset;
  scheduler.on_attempt_finished("w", attempt);
  ASSERT_TRUE(core.on_done("w", report).is_ok());
  // Committed in memory and in the WAL's buffers, not durable: no decision,
  // no rename.
  EXPECT_EQ(scheduler.partition(job.id, 0)->state, PartitionState::kCommitted);
  EXPECT_EQ(durable_state(*disk, job.id, 0), static_cast<int>(PartitionState::kLeased));
  EXPECT_TRUE(sent.decisions.empty());
  EXPECT_TRUE(fs::exists(temp));
  EXPECT_FALSE(fs::exists(part));

  g_disk = disk.get();
  g_job_id = job.id;
  g_durable_at_rename.clear();
  set_crash_point_hook(&on_crash_point);
  const Status flushed = core.flush();
  set_crash_point_hook(nullptr);
  g_disk = nullptr;
  ASSERT_TRUE(flushed.is_ok()) << flushed.to_string();
  ASSERT_EQ(g_durable_at_rename.size(), 1u);
  EXPECT_TRUE(g_durable_at_rename[0]) << "renamed before its commit was durable";
  ASSERT_EQ(sent.decisions.size(), 1u);
  EXPECT_TRUE(fs::exists(part));
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_EQ(scheduler.partition(job.id, 0)->state, PartitionState::kPublished);
}

TEST(GroupCommit, FlushWithNothingWaitingSyncsNothing) {
  auto disk = std::make_shared<MemoryDisk>();
  auto ledger = PartitionLedger::over(std::make_unique<MemoryStore>(disk));
  FakeClock clock;
  Scheduler scheduler(*ledger, clock);
  Sent sent;
  RecordingOutbox outbox(sent);
  CoordinatorCore core(scheduler, clock, outbox);
  ASSERT_TRUE(ledger->put_partition("j", PartitionRecord{}, Durability::kBuffered).is_ok());
  ASSERT_TRUE(core.flush().is_ok());
  // A buffered write nothing waits for (a "published" mark) stays buffered.
  EXPECT_TRUE(disk->durable().empty());
  EXPECT_FALSE(disk->current().empty());
}

}  // namespace
}  // namespace sluice
