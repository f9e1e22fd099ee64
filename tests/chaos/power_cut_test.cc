// Power cut: the job's state (RocksDB) and output live on a loop-mounted
// ext4 image that is shut down mid-job without flushing its log (xfs_io
// shutdown, as if the machine lost power). Every process stops, the image is
// unmounted and mounted again (the journal replays), and the coordinator
// restarts on the same state: the job finishes, every file published before
// the cut is still there, whole and unchanged, and `sluice verify` passes.
// Needs root (mount -o loop); skipped with the reason otherwise.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "tests/chaos/chaos_fixture.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

class PowerCut : public ChaosTest {};

TEST_F(PowerCut, ShutdownMidJobThenRemountFinishesWithWholeFiles) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  LoopMount disk(dir_.path(), 128);
  if (!disk.ok()) GTEST_SKIP() << disk.error();
  generate(long_tests() ? 100000 : 20000, seed % 100000 + 1, 0.002);
  ChaosJob job = make_job("passthrough", disk.path() + "/out", "16KiB");

  auto coordinator =
      std::make_unique<RestartableCoordinator>("127.0.0.1", disk.path() + "/state", dir_.path());
  ASSERT_TRUE(coordinator->start()) << coordinator->logs();
  auto start_workers = [&](const std::string& round) {
    std::vector<std::unique_ptr<Process>> workers;
    for (int i = 0; i < 2; ++i) {
      workers.push_back(std::make_unique<Process>(
          std::vector<std::string>{sluice_binary(), "worker", "--coordinator",
                                   coordinator->endpoint(), "--slots", "1"},
          dir_ / ("worker-" + round + "-" + std::to_string(i) + ".log")));
    }
    return workers;
  };
  auto workers = start_workers("before");
  auto submitted = submit(job, coordinator->endpoint(), false);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;

  // Cut the power once a random number of parts are published.
  const size_t cut_after = std::uniform_int_distribution<size_t>(1, 40)(random);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (part_files(job.output).size() < cut_after && !fs::exists(job.output + "/_SUCCESS") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_FALSE(fs::exists(job.output + "/_SUCCESS")) << "the job ended before the cut";
  auto cut = disk.shutdown();
  ASSERT_EQ(cut.exit_code, 0) << "xfs_io -x -c shutdown failed (xfsprogs installed?): " << cut.err;
  // The cut is real: the filesystem takes no write any more.
  auto written = shell("echo x > " + disk.path() + "/after-the-cut");
  ASSERT_NE(written.exit_code, 0) << "a write succeeded after the shutdown: no power cut";
  const size_t published_at_cut = part_files(job.output).size();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // The machine is down: nothing runs on.
  for (auto& worker : workers) worker->signal(SIGKILL);
  workers.clear();
  coordinator->kill();

  auto remounted = disk.remount();
  ASSERT_EQ(remounted.exit_code, 0) << remounted.err;
  // What survived the cut, before anything touches it again.
  std::map<std::string, std::string> survived;
  for (const std::string& name : part_files(job.output)) {
    survived[name] = read_file(job.output + "/" + name);
  }

  ASSERT_TRUE(coordinator->start()) << "restart on the same state failed:\n" << coordinator->logs();
  workers = start_workers("after");
  auto waited = submit(job, coordinator->endpoint(), true);
  if (waited.exit_code != 0) {
    std::fprintf(stderr, "power cut: seed=%llu RUN FAILED jobs=1 failed jobs=1 power cuts=1\n",
                 static_cast<unsigned long long>(seed));
  }
  ASSERT_EQ(waited.exit_code, 0) << waited.out << waited.err << coordinator->logs();
  EXPECT_EQ(waited.out.substr(0, waited.out.find('\n')),
            submitted.out.substr(0, submitted.out.find('\n')));

  const ::testing::TestResult* result =
      ::testing::UnitTest::GetInstance()->current_test_info()->result();
  const int parts_before = result->total_part_count();
  const RowDiff diff = expect_exact(job);  // also: no temporary left
  // A file published before the cut was committed: it is the one in the
  // final output, byte for byte (never replaced, never partial).
  for (const auto& [name, bytes] : survived) {
    EXPECT_TRUE(read_file(job.output + "/" + name) == bytes) << name << " changed after the cut";
  }
  const int failed_jobs = result->total_part_count() != parts_before ? 1 : 0;
  std::fprintf(stderr,
               "power cut: seed=%llu cut after %zu parts published (%zu seen at the cut, %zu "
               "after remount) power cuts=1 jobs=1 failed jobs=%d rows=%llu rows lost=%llu rows "
               "duplicated=%llu\n",
               static_cast<unsigned long long>(seed), cut_after, published_at_cut, survived.size(),
               failed_jobs, static_cast<unsigned long long>(diff.actual),
               static_cast<unsigned long long>(diff.lost),
               static_cast<unsigned long long>(diff.duplicated));
}

}  // namespace
}  // namespace sluice::testing
