// Network partition: one worker runs in its own network namespace, joined to
// the host by a veth pair; the coordinator listens on the host end. The link
// is set down while that worker holds a partition: it loses its lease within
// about kLeaseMs, the partition runs elsewhere, and when the link comes back
// the worker's late report is refused. The output is exact.
// Needs root (ip netns add); skipped with the reason otherwise.
#include <re2/re2.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/base/limits.h"
#include "tests/chaos/chaos_fixture.h"

namespace sluice::testing {
namespace {

using Clock = std::chrono::steady_clock;

// The last "task started" of a worker's debug log: job, partition, attempt.
struct TaskStarted {
  std::string job_id;
  uint32_t partition = 0;
  uint32_t attempt = 0;
};
std::optional<TaskStarted> last_task_started(const std::string& log) {
  static const RE2 started("task started job=([0-9a-f]+) partition=([0-9]+) attempt=([0-9]+)");
  std::optional<TaskStarted> last;
  re2::StringPiece rest(log);
  TaskStarted seen;
  while (RE2::FindAndConsume(&rest, started, &seen.job_id, &seen.partition, &seen.attempt)) {
    last = seen;
  }
  return last;
}

class NetworkPartition : public ChaosTest {};

TEST_F(NetworkPartition, CutOffWorkerLosesItsLeaseAndItsLateReportIsRefused) {
  NetworkNamespace netns;
  if (!netns.ok()) GTEST_SKIP() << netns.error();
  // Few large partitions: a task runs long enough to be cut off mid-way.
  generate(100000, test_seed() % 100000 + 1, 0.0);
  ChaosJob job = make_job("passthrough", dir_ / "out", "8MiB");

  RestartableCoordinator coordinator(netns.host_address(), dir_ / "state", dir_.path());
  ASSERT_TRUE(coordinator.start()) << coordinator.logs();
  std::vector<std::string> far_argv = netns.exec_prefix();
  for (const std::string& arg :
       {std::string("env"), std::string("SLUICE_LOG_LEVEL=debug"), sluice_binary(),
        std::string("worker"), std::string("--coordinator"), coordinator.endpoint(),
        std::string("--slots"), std::string("1")}) {
    far_argv.push_back(arg);
  }
  const std::string far_log = dir_ / "far-worker.log";
  Process far(far_argv, far_log);
  const std::string registered = wait_for_text(far_log, "worker registered", 10000);
  ASSERT_NE(registered.find("worker registered"), std::string::npos) << registered;
  std::string far_id;
  ASSERT_TRUE(RE2::PartialMatch(registered, R"(worker connecting worker=(\S+))", &far_id));
  Process near({sluice_binary(), "worker", "--coordinator", coordinator.endpoint(), "--slots", "1"},
               dir_ / "near-worker.log");

  auto submitted = submit(job, coordinator.endpoint(), false);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  // Cut the link the moment the far worker starts a task.
  const std::string started_log = wait_for_text(far_log, "task started", 30000);
  auto in_flight = last_task_started(started_log);
  ASSERT_TRUE(in_flight.has_value()) << started_log;
  ASSERT_EQ(netns.set_link(false).exit_code, 0);
  const auto cut_at = Clock::now();
  const std::string job_id = in_flight->job_id;
  const uint32_t partition = in_flight->partition;
  const uint32_t attempt = in_flight->attempt;

  // The lease is lost within about kLeaseMs.
  const std::string expired_line = "worker expired worker=" + far_id;
  while (coordinator.logs().find(expired_line) == std::string::npos &&
         Clock::now() - cut_at < std::chrono::seconds(15)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto lease_lost_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - cut_at).count();
  ASSERT_NE(coordinator.logs().find(expired_line), std::string::npos) << coordinator.logs();
  EXPECT_LE(lease_lost_ms, limits::kLeaseMs + 1500);

  // Down a while longer, then back.
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  ASSERT_EQ(netns.set_link(true).exit_code, 0);

  auto waited = submit(job, coordinator.endpoint(), true);
  ASSERT_EQ(waited.exit_code, 0) << waited.out << waited.err << coordinator.logs();
  const RowDiff diff = expect_exact(job);

  // The cut-off attempt did not win, and its late report was refused.
  std::ifstream manifest_file(job.output + "/_MANIFEST.json");
  const auto manifest = nlohmann::json::parse(manifest_file);
  uint32_t winner = 0;
  for (const auto& item : manifest.at("partitions")) {
    if (item.at("partition").get<uint32_t>() == partition) winner = item.at("attempt");
  }
  EXPECT_NE(winner, attempt) << "the cut-off attempt was published";
  const std::string refused = "attempt refused job=" + job_id +
                              " partition=" + std::to_string(partition) +
                              " attempt=" + std::to_string(attempt);
  const auto refuse_deadline = Clock::now() + std::chrono::seconds(40);
  while (coordinator.logs().find(refused) == std::string::npos && Clock::now() < refuse_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(coordinator.logs().find(refused), std::string::npos)
      << "no refusal of the late report: " << refused << "\n"
      << coordinator.logs() << "\nfar worker:\n"
      << read_file(far_log);
  std::fprintf(stderr,
               "network partition: lease lost %lld ms after the cut (kLeaseMs %lld); partition %u "
               "attempt %u refused, attempt %u published; rows=%llu lost=%llu duplicated=%llu\n",
               static_cast<long long>(lease_lost_ms), static_cast<long long>(limits::kLeaseMs),
               partition, attempt, winner, static_cast<unsigned long long>(diff.actual),
               static_cast<unsigned long long>(diff.lost),
               static_cast<unsigned long long>(diff.duplicated));
}

}  // namespace
}  // namespace sluice::testing
