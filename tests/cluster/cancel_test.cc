// `sluice cancel` stops a job: it is reported cancelled, no more partitions
// are published after it returns, and neither the manifest nor _SUCCESS is
// written.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/cluster/job_files.h"
#include "tests/support/cluster.h"
#include "tests/support/coordinator_process.h"

namespace sluice::testing {
namespace {

TEST(Cancel, StopsTheJobAndPublishesNothingMore) {
  TempDir dir;
  ASSERT_EQ(run({sluice_binary(), "gen", "parking", "--rows", "60000", "--seed", "12", "--out",
                 dir / "parking.csv"})
                .exit_code,
            0);
  write_file(dir / "w1.yaml", w1_job(dir / "parking.csv", "out/", "4KiB"));
  CoordinatorProcess coordinator(dir);
  Process worker({sluice_binary(), "worker", "--coordinator", coordinator.endpoint()},
                 dir / "worker.log");
  auto submitted =
      run({sluice_binary(), "submit", dir / "w1.yaml", "--coordinator", coordinator.endpoint()},
          dir.path());
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string job_id = submitted.out.substr(0, 16);
  // Wait until some partitions are published, then cancel.
  for (int i = 0; i < 500 && part_files(dir / "out").size() < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto cancelled =
      run({sluice_binary(), "cancel", job_id, "--coordinator", coordinator.endpoint()});
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.err;
  EXPECT_NE(cancelled.out.find("cancelled"), std::string::npos) << cancelled.out;
  const size_t parts_at_cancel = part_files(dir / "out").size();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(part_files(dir / "out").size(), parts_at_cancel);
  EXPECT_LT(parts_at_cancel, 1000u) << "the job finished before it could be cancelled";
  EXPECT_FALSE(std::filesystem::exists(dir / "out/_SUCCESS"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out/_MANIFEST.json"));

  auto status = run({sluice_binary(), "status", job_id, "--coordinator", coordinator.endpoint()});
  EXPECT_NE(status.out.find("cancelled"), std::string::npos) << status.out;
  // Waiting on a cancelled job ends at once with exit code 1 and the reason.
  auto waited = run({sluice_binary(), "submit", dir / "w1.yaml", "--coordinator",
                     coordinator.endpoint(), "--wait"},
                    dir.path());
  EXPECT_EQ(waited.exit_code, 1);
  EXPECT_NE(waited.err.find("cancelled"), std::string::npos) << waited.err;
}

// True when a process whose command line is exactly `command` runs.
bool process_running(const std::string& command) {
  return run({"pgrep", "-x", "-f", command}).exit_code == 0;
}

template <typename Condition>
bool within_ms(int milliseconds, Condition condition) {
  for (int waited = 0; waited < milliseconds; waited += 50) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

// An exec program holding a batch does not hold the worker: a cancel kills
// it within moments, and a SIGTERM'd worker exits at once.
TEST(Cancel, KillsAnExecProgramHoldingABatchAndTheWorkerStopsAtOnce) {
  TempDir dir;
  write_file(dir / "in.csv", "a,b\n1,x\n2,y\n");
  const std::string sleep = "sleep 47.25";  // its own length: pgrep finds only ours
  write_file(dir / "slow.yaml",
             "name: slow\ninput:\n  path: in.csv\nsteps:\n"
             "  - exec: {command: [sh, -c, '" +
                 sleep + "; cat'], timeout: 120s}\noutput:\n  path: out/\n");
  CoordinatorProcess coordinator(dir);
  Process worker({sluice_binary(), "worker", "--coordinator", coordinator.endpoint()},
                 dir / "worker.log");
  auto submitted =
      run({sluice_binary(), "submit", dir / "slow.yaml", "--coordinator", coordinator.endpoint()},
          dir.path());
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  ASSERT_TRUE(within_ms(20000, [&] { return process_running(sleep); }))
      << "the program never started: " << read_file(dir / "worker.log");
  auto cancelled = run({sluice_binary(), "cancel", submitted.out.substr(0, 16), "--coordinator",
                        coordinator.endpoint()});
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.err;
  EXPECT_TRUE(within_ms(5000, [&] { return !process_running(sleep); }))
      << "the program outlived the cancel by 5 s: " << read_file(dir / "worker.log");

  // Again into another directory, and this time the worker is told to stop.
  std::string second = read_file(dir / "slow.yaml");
  second.replace(second.find("path: out/"), 10, "path: out2/");
  write_file(dir / "slow2.yaml", second);
  auto again =
      run({sluice_binary(), "submit", dir / "slow2.yaml", "--coordinator", coordinator.endpoint()},
          dir.path());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ASSERT_TRUE(within_ms(20000, [&] { return process_running(sleep); }))
      << "the program never started: " << read_file(dir / "worker.log");
  worker.signal(SIGTERM);
  EXPECT_TRUE(within_ms(5000, [&] { return !worker.running(); }))
      << "the worker outlived its SIGTERM by 5 s: " << read_file(dir / "worker.log");
  EXPECT_TRUE(within_ms(2000, [&] { return !process_running(sleep); }));
  if (worker.running()) worker.signal(SIGKILL);
}

TEST(Cancel, UnknownJobIsAnError) {
  TempDir dir;
  CoordinatorProcess coordinator(dir);
  auto result =
      run({sluice_binary(), "cancel", "0123456789abcdef", "--coordinator", coordinator.endpoint()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("no job"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace sluice::testing
