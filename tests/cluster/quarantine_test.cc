// A record that crashes every worker that processes it is found and
// quarantined (coordinator/scheduler_quarantine.cc): the job succeeds, the
// record is in _rejects/ with its byte offset and the reason, and `sluice
// verify` holds (rows in = out + filtered + rejected). The crash is real: the
// test-only trigger SLUICE_TEST_CRASH_ON_VALUE (worker/crash_trigger.h)
// makes a worker die of SIGSEGV on the marked record.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "tests/support/cluster.h"
#include "tests/support/coordinator_process.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kMarker = "crash-here-7f3a";

class Quarantine : public ::testing::Test {
 protected:
  // 3000 rows of id,name; the row `crash_row` has the marker as its name.
  void SetUp() override {
    std::string text = "id,name\n";
    for (int row = 0; row < 3000; ++row) {
      if (row == kCrashRow) crash_offset_ = text.size();
      text += std::to_string(row) + "," +
              (row == kCrashRow ? kMarker : "name" + std::to_string(row)) + "\n";
    }
    write_file(dir_ / "in.csv", text);
    write_file(dir_ / "job.yaml",
               "name: quarantine\n"
               "input: {path: in.csv, format: csv, split_size: 8KiB}\n"
               "steps:\n  - filter: \"id <> '7'\"\n"
               "output: {path: out/, format: csv}\n");
    ::setenv("SLUICE_TEST_CRASH_ON_VALUE", kMarker, 1);
  }
  void TearDown() override { ::unsetenv("SLUICE_TEST_CRASH_ON_VALUE"); }

  std::string rejects() {
    std::string all;
    for (const auto& entry : fs::directory_iterator(dir_ / "out/_rejects")) {
      all += read_file(entry.path().string());
    }
    return all;
  }

  // Every row but the marked one (filtered: row 7) in input order.
  void expect_output_without_the_record() {
    std::string expected = "id,name\n";
    for (int row = 0; row < 3000; ++row) {
      if (row == kCrashRow || row == 7) continue;
      expected += std::to_string(row) + ",name" + std::to_string(row) + "\n";
    }
    EXPECT_EQ(concat_parts(dir_ / "out"), expected);
    auto verified = run({sluice_binary(), "verify", dir_ / "out"});
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  }

  static constexpr int kCrashRow = 1234;
  TempDir dir_;
  size_t crash_offset_ = 0;
};

TEST_F(Quarantine, SluiceRunPinsTheRecordByTheSignalThatKilledItsWorkers) {
  auto result = run({sluice_binary(), "run", dir_ / "job.yaml", "--workers", "2", "--state",
                     dir_ / "state", "--no-progress"},
                    dir_.path());
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.err.find("worker killed by signal 11 (SIGSEGV)"), std::string::npos)
      << result.err;
  const std::string quarantined = rejects();
  EXPECT_NE(quarantined.find(std::to_string(crash_offset_) +
                             ",\"worker crashed on this record (signal 11, SIGSEGV)\""),
            std::string::npos)
      << quarantined;
  EXPECT_NE(quarantined.find(kMarker), std::string::npos) << quarantined;
  expect_output_without_the_record();
}

// Workers on their own (as on other hosts) are restarted by whoever runs
// them; the coordinator sees only their silence, so it cannot name the signal.
TEST_F(Quarantine, StandaloneWorkersPinTheRecordFromTheirSilence) {
  CoordinatorProcess coordinator(dir_);
  std::unique_ptr<Process> workers[2];
  int started = 0;
  auto start_worker = [&](std::unique_ptr<Process>& slot) {
    slot = std::make_unique<Process>(
        std::vector<std::string>{sluice_binary(), "worker", "--coordinator", coordinator.endpoint(),
                                 "--slots", "1"},
        dir_ / ("worker-" + std::to_string(started++) + ".log"));
  };
  for (auto& slot : workers) start_worker(slot);
  auto submitted =
      run({sluice_binary(), "submit", dir_ / "job.yaml", "--coordinator", coordinator.endpoint()},
          dir_.path());
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string job_id = submitted.out.substr(0, submitted.out.find('\n'));
  // The supervisor's part: a dead worker is replaced.
  for (int waited_ms = 0; waited_ms < 90'000; waited_ms += 200) {
    auto status = run({sluice_binary(), "status", job_id, "--coordinator", coordinator.endpoint()});
    if (status.out.find("succeeded") != std::string::npos) break;
    ASSERT_EQ(status.out.find("failed"), std::string::npos) << status.out;
    for (auto& slot : workers) {
      if (!slot->running()) start_worker(slot);
    }
    usleep(200'000);
  }
  auto status = run({sluice_binary(), "status", job_id, "--coordinator", coordinator.endpoint()});
  ASSERT_NE(status.out.find("succeeded"), std::string::npos) << status.out << coordinator.log();
  const std::string quarantined = rejects();
  EXPECT_NE(quarantined.find(std::to_string(crash_offset_) +
                             ",worker crashed on this record (its worker died each time it "
                             "processed it)"),
            std::string::npos)
      << quarantined;
  expect_output_without_the_record();
}

}  // namespace
}  // namespace sluice::testing
