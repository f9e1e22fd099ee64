// Disk full: the output lives on a small tmpfs, most of it taken by a filler
// file, so the workers run out of space mid-job. The job must fail with a
// clear message and publish nothing partial (no _SUCCESS, no manifest, every
// part file present is whole); once space is freed, running the job again
// resumes it and it finishes exact. The state directory is elsewhere.
// Needs root (mount -t tmpfs); skipped with the reason otherwise.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>

#include "tests/chaos/chaos_fixture.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

class DiskFull : public ChaosTest {
 protected:
  CommandResult run_job(const ChaosJob& job) {
    return run({"timeout", "180", sluice_binary(), "run", job.job_file, "--workers", "2", "--state",
                dir_ / "state", "--no-progress"},
               dir_.path());
  }
};

TEST_F(DiskFull, FullOutputFailsCleanlyAndFinishesOnceSpaceIsFreed) {
  generate(20000, test_seed() % 100000 + 1, 0.002);
  const uint64_t input_bytes = fs::file_size(input_);
  const int size_kb = static_cast<int>(input_bytes * 2 / 1024);
  TmpfsMount tmpfs(dir_.path(), size_kb);
  if (!tmpfs.ok()) GTEST_SKIP() << tmpfs.error();
  // Leave room for about half the output.
  const std::string filler = tmpfs.path() + "/filler";
  auto filled = shell("head -c " + std::to_string(input_bytes * 3 / 2) + " /dev/zero > " + filler);
  ASSERT_EQ(filled.exit_code, 0) << filled.err;
  ChaosJob job = make_job("passthrough", tmpfs.path() + "/out", "64KiB");

  auto failed = run_job(job);
  ASSERT_EQ(failed.exit_code, 1) << "a job that cannot write must fail\n"
                                 << failed.out << failed.err;
  EXPECT_NE((failed.out + failed.err).find("No space left on device"), std::string::npos)
      << failed.out << failed.err;
  EXPECT_FALSE(fs::exists(job.output + "/_SUCCESS"));
  EXPECT_FALSE(fs::exists(job.output + "/_MANIFEST.json"));
  std::map<std::string, std::string> published;
  for (const std::string& name : part_files(job.output)) {
    published[name] = read_file(job.output + "/" + name);
  }

  fs::remove(filler);
  auto resumed = run_job(job);
  ASSERT_EQ(resumed.exit_code, 0) << "running the job again after space was freed\n"
                                  << resumed.out << resumed.err;
  const RowDiff diff = expect_exact(job);
  // What was published while the disk was full was whole: it is the final file.
  for (const auto& [name, bytes] : published) {
    EXPECT_TRUE(read_file(job.output + "/" + name) == bytes) << name << " was partial";
  }
  std::fprintf(stderr,
               "disk full: %zu parts published before the disk filled; resumed: rows=%llu rows "
               "lost=%llu rows duplicated=%llu\n",
               published.size(), static_cast<unsigned long long>(diff.actual),
               static_cast<unsigned long long>(diff.lost),
               static_cast<unsigned long long>(diff.duplicated));
}

}  // namespace
}  // namespace sluice::testing
