// The coordinator's routing (coordinator/router.h): which message calls
// what, and a round's order — every message, then the round's leases, then
// its Done reports, then the tick. The scheduler and core are the product's,
// the ledger over a MemoryStore, the output directory real.
#include "coordinator/router.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/store/memory_store.h"
#include "coordinator/output_paths.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

// Both ways out of the coordinator, recorded: the core's Outbox (Tasks,
// decisions, "register") and the router's replies.
class Recorder final : public Outbox, public RouterPort {
 public:
  void send_task(const std::string&, const JobRecord& job, const PartitionRecord& partition,
                 uint32_t attempt, bool) override {
    tasks.push_back(AttemptRef{job.id, partition.index, attempt});
  }
  void send_abort(const std::string&, const AttemptRef& attempt) override {
    aborts.push_back(attempt);
  }
  void send_commit_decision(const std::string&, const AttemptRef& attempt,
                            const DoneOutcome&) override {
    decisions.push_back(attempt);
  }
  void send_register_again(const std::string& worker) override { register_again.push_back(worker); }
  void send_to(const std::string& peer, const proto::Message& message) override {
    replies.emplace_back(peer, message);
  }
  void admit(const std::string& peer, const proto::SubmitJob&) override {
    admissions.push_back(peer);
  }

  std::vector<AttemptRef> tasks, aborts, decisions;
  std::vector<std::string> register_again, admissions;
  std::vector<std::pair<std::string, proto::Message>> replies;
};

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream input(dir_ / "input.csv");
    input << "id,value\n";
    for (int i = 0; i < 100; ++i) input << i << ",abcdefgh\n";
    input.close();
    ASSERT_TRUE(scheduler_.load().is_ok());
    ASSERT_TRUE(core_.recover().is_ok());
  }

  // Submitted through the router, as an admission's completion is.
  JobRecord submit() {
    const std::string yaml =
        "name: routed\ninput:\n  path: input.csv\n  split_size: 256\noutput:\n  path: out/\n";
    Result<AdmittedJob> admitted = admit_job(yaml, dir_ / "job.yaml", dir_.path());
    EXPECT_TRUE(admitted.is_ok()) << admitted.status().to_string();
    partitions_ = admitted->partitions;
    const JobRecord job = admitted->record;
    EXPECT_TRUE(router_.finish_submit("client", admitted, {}).is_ok());
    return job;
  }

  template <typename Kind>
  std::vector<Kind> replies_of_kind() const {
    std::vector<Kind> found;
    for (const auto& [peer, message] : recorder_.replies) {
      if (const Kind* kind = std::get_if<Kind>(&message)) found.push_back(*kind);
    }
    return found;
  }

  testing::TempDir dir_;
  std::shared_ptr<MemoryDisk> disk_ = std::make_shared<MemoryDisk>();
  std::unique_ptr<PartitionLedger> ledger_ =
      PartitionLedger::over(std::make_unique<MemoryStore>(disk_));
  FakeClock clock_;
  Scheduler scheduler_{*ledger_, clock_};
  Recorder recorder_;
  CoordinatorCore core_{scheduler_, clock_, recorder_};
  Router router_{scheduler_, core_, clock_, recorder_};
  std::vector<PartitionRecord> partitions_;
};

TEST_F(RouterTest, WelcomesARegisteredWorkerAndAsksAnUnknownOneToRegister) {
  router_.set_coordinator_id("tcp://coordinator");
  router_.receive("stranger", proto::Message(proto::Heartbeat{0, 0}));
  EXPECT_EQ(recorder_.register_again, std::vector<std::string>{"stranger"});
  proto::Register registration;
  registration.worker_id = "w";
  registration.slots = 2;
  router_.receive("w", proto::Message(registration));
  ASSERT_TRUE(scheduler_.is_registered("w"));
  const auto welcomes = replies_of_kind<proto::Welcome>();
  ASSERT_EQ(welcomes.size(), 1u);
  EXPECT_EQ(welcomes[0].coordinator_id, "tcp://coordinator");
  // A routing id ZeroMQ made up is no worker's.
  router_.receive(std::string("\0abc", 4), proto::Message(registration));
  EXPECT_EQ(scheduler_.workers().size(), 1u);
}

TEST_F(RouterTest, RefusesAWorkerOfAnotherProtocolVersion) {
  proto::Register registration;
  registration.worker_id = "old";
  registration.slots = 1;
  registration.protocol_version = proto::kProtocolVersion + 1;
  router_.receive("old", proto::Message(registration));
  EXPECT_FALSE(scheduler_.is_registered("old"));
  EXPECT_TRUE(replies_of_kind<proto::Welcome>().empty());
  const auto errors = replies_of_kind<proto::ErrorReply>();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message.rfind(proto::kVersionMismatch, 0), 0u) << errors[0].message;
}

TEST_F(RouterTest, LeasesTheRoundBeforeHandlingItsDoneReports) {
  const JobRecord job = submit();
  ASSERT_GE(partitions_.size(), 2u);
  proto::Register registration;
  registration.slots = 1;
  router_.receive("w", proto::Message(registration));
  router_.receive("w", proto::Message(proto::RequestWork{1}));
  ASSERT_TRUE(router_.end_of_messages().is_ok());
  ASSERT_TRUE(router_.tick().is_ok());
  ASSERT_EQ(recorder_.tasks.size(), 1u);
  const AttemptRef first = recorder_.tasks[0];
  ASSERT_EQ(first.partition, 0u);

  // The worker's part (no rows), its Done and its next RequestWork, in one round.
  const std::string temp = temp_part_path(job, 0, first.attempt);
  fs::create_directories(fs::path(temp).parent_path());
  std::ofstream(temp).close();
  proto::Done done;
  done.attempt = first;
  done.stats.start_offset = partitions_[0].range.begin_offset;
  done.stats.end_offset = partitions_[0].range.end_offset;
  router_.receive("w", proto::Message(done));
  router_.receive("w", proto::Message(proto::RequestWork{1}));
  // The Done is held: its slot is free, the attempt still leased.
  EXPECT_EQ(scheduler_.partition(job.id, 0)->state, PartitionState::kLeased);
  EXPECT_EQ(scheduler_.workers()[0].active, 0u);
  ASSERT_TRUE(router_.end_of_messages().is_ok());
  // The next lease was taken before the Done was handled, then the commit.
  EXPECT_EQ(scheduler_.partition(job.id, 1)->state, PartitionState::kLeased);
  EXPECT_EQ(scheduler_.partition(job.id, 0)->state, PartitionState::kCommitted);
  // Nothing leaves before the tick's sync.
  EXPECT_EQ(recorder_.tasks.size(), 1u);
  EXPECT_TRUE(recorder_.decisions.empty());
  ASSERT_TRUE(router_.tick().is_ok());
  ASSERT_EQ(recorder_.tasks.size(), 2u);
  EXPECT_EQ(recorder_.tasks[1].partition, 1u);
  EXPECT_EQ(recorder_.decisions, std::vector<AttemptRef>{first});
  EXPECT_EQ(scheduler_.partition(job.id, 0)->state, PartitionState::kPublished);
}

TEST_F(RouterTest, ACancelStopsTheJobAndRepliesWithItsStatus) {
  const JobRecord job = submit();
  router_.handle_now("client", proto::Message(proto::CancelJob{job.id}));
  EXPECT_EQ(scheduler_.job(job.id)->state, JobState::kCancelled);
  const auto statuses = replies_of_kind<proto::StatusReply>();
  ASSERT_EQ(statuses.size(), 1u);
  ASSERT_EQ(statuses[0].jobs.size(), 1u);
  EXPECT_EQ(statuses[0].jobs[0].state, "cancelled");
  router_.handle_now("client", proto::Message(proto::CancelJob{"nope"}));
  const auto errors = replies_of_kind<proto::ErrorReply>();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "no job nope");
}

TEST_F(RouterTest, HandsSubmissionsToItsPortAndDropsWhatDoesNotDecode) {
  router_.receive("client", proto::Message(proto::SubmitJob{"name: x", "x.yaml", "/"}));
  EXPECT_EQ(recorder_.admissions, std::vector<std::string>{"client"});
  router_.receive("w", Result<proto::Message>(invalid_argument("truncated frame")));
  router_.receive("w", proto::Message(proto::Welcome{}));  // a kind only the coordinator sends
  EXPECT_EQ(core_.metrics().messages_dropped, 1u);
  EXPECT_TRUE(recorder_.replies.empty());
}

}  // namespace
}  // namespace sluice
