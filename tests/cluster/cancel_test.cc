// `sluice cancel` stops a job: it is reported cancelled, no more partitions
// are published after it returns, and neither the manifest nor _SUCCESS is
// written.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <regex>
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
