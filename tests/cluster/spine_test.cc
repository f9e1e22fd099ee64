// The spine: W1 end to end through the real coordinator and worker processes,
// compared row for row with an independent reference (Python's csv module).
#include <gtest/gtest.h>
#include <re2/re2.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "tests/cluster/job_files.h"
#include "tests/support/cluster.h"
#include "tests/support/coordinator_process.h"

namespace sluice::testing {
namespace {

class Spine : public ::testing::Test {
 protected:
  void generate(uint64_t rows, uint64_t seed, double multiline_rate = 0.0) {
    input_ = dir_ / "parking.csv";
    auto result = run({sluice_binary(), "gen", "parking", "--rows", std::to_string(rows), "--seed",
                       std::to_string(seed), "--multiline-rate", std::to_string(multiline_rate),
                       "--out", input_});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  std::string reference(const std::string& workload) {
    const std::string out = dir_ / ("reference-" + workload + ".csv");
    auto result =
        run({"python3", source_dir() + "/tests/reference/reference.py", workload, input_, out});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return read_file(out);
  }

  std::string write_job(const std::string& name, const std::string& text) {
    const std::string path = dir_ / name;
    write_file(path, text);
    return path;
  }

  CommandResult run_job(const std::string& job, int workers) {
    return run({sluice_binary(), "run", job, "--workers", std::to_string(workers), "--state",
                dir_ / "state", "--no-progress"},
               dir_.path());
  }

  TempDir dir_;
  std::string input_;
};

TEST_F(Spine, EmbeddedRunOfW1MatchesReferenceRowForRow) {
  generate(20000, 7);
  const std::string job = write_job("w1.yaml", w1_job(input_, "out/", "64KiB"));
  auto result = run_job(job, 2);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_GT(part_files(dir_ / "out").size(), 40u);
  const std::string expected = reference("w1");
  ASSERT_GT(std::count(expected.begin(), expected.end(), '\n'), 10);
  EXPECT_EQ(concat_parts(dir_ / "out"), expected);

  auto verified = run({sluice_binary(), "verify", dir_ / "out"});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
}

TEST_F(Spine, SecondRunOfFinishedJobPublishesNothingNew) {
  generate(3000, 8);
  const std::string job = write_job("w1.yaml", w1_job(input_, "out/", "16KiB"));
  ASSERT_EQ(run_job(job, 2).exit_code, 0);
  struct stat before {};
  ASSERT_EQ(::stat((dir_ / "out/part-00000.csv").c_str(), &before), 0);
  const std::string manifest = read_file(dir_ / "out/_MANIFEST.json");

  auto again = run_job(job, 2);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("finished before"), std::string::npos) << again.err;
  struct stat after {};
  ASSERT_EQ(::stat((dir_ / "out/part-00000.csv").c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
  EXPECT_EQ(read_file(dir_ / "out/_MANIFEST.json"), manifest);
}

TEST_F(Spine, SeparateCoordinatorAndTwoWorkersRunW1) {
  generate(10000, 9);
  const std::string job = write_job("w1.yaml", w1_job(input_, "out/", "32KiB"));
  CoordinatorProcess coordinator(dir_);
  ASSERT_FALSE(coordinator.endpoint().empty()) << coordinator.log();
  const std::string endpoint = coordinator.endpoint();
  Process worker_a({sluice_binary(), "worker", "--coordinator", endpoint, "--slots", "1"},
                   dir_ / "worker-a.log");
  Process worker_b({sluice_binary(), "worker", "--coordinator", endpoint, "--slots", "1"},
                   dir_ / "worker-b.log");

  auto submitted =
      run({sluice_binary(), "submit", job, "--coordinator", endpoint, "--wait"}, dir_.path());
  ASSERT_EQ(submitted.exit_code, 0) << submitted.out << submitted.err;
  EXPECT_EQ(concat_parts(dir_ / "out"), reference("w1"));

  // The same spec again is the same job, already finished.
  auto resubmitted = run({sluice_binary(), "submit", job, "--coordinator", endpoint}, dir_.path());
  ASSERT_EQ(resubmitted.exit_code, 0) << resubmitted.err;
  EXPECT_EQ(resubmitted.out.substr(0, 16), submitted.out.substr(0, 16));

  auto status = run({sluice_binary(), "status", "--coordinator", endpoint});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("succeeded"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("workers connected: 2"), std::string::npos) << status.out;
}

TEST_F(Spine, WorkerKilledMidJobStillGivesCompleteIdenticalOutput) {
  generate(40000, 10);
  const std::string job = write_job("w1.yaml", w1_job(input_, "out/", "64KiB"));
  CoordinatorProcess coordinator(dir_);
  ASSERT_FALSE(coordinator.endpoint().empty()) << coordinator.log();
  const std::string endpoint = coordinator.endpoint();
  auto victim =
      std::make_unique<Process>(std::vector<std::string>{sluice_binary(), "worker", "--coordinator",
                                                         endpoint, "--slots", "1"},
                                dir_ / "victim.log");
  Process survivor({sluice_binary(), "worker", "--coordinator", endpoint, "--slots", "1"},
                   dir_ / "survivor.log");
  auto submitted = run({sluice_binary(), "submit", job, "--coordinator", endpoint}, dir_.path());
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;

  // Kill the victim with SIGKILL once the job is under way but not done.
  bool killed = false;
  for (int i = 0; i < 200 && !killed; ++i) {
    auto status = run({sluice_binary(), "status", "--coordinator", endpoint});
    int finished = 0;
    if (RE2::PartialMatch(status.out, " ([0-9]+)/[0-9]+ ", &finished)) {
      if (finished >= 3) {
        victim->signal(SIGKILL);
        killed = true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(killed) << "the job never got under way";
  EXPECT_EQ(victim->wait(), 128 + SIGKILL);

  auto waited =
      run({sluice_binary(), "submit", job, "--coordinator", endpoint, "--wait"}, dir_.path());
  ASSERT_EQ(waited.exit_code, 0) << waited.out << waited.err;
  EXPECT_EQ(concat_parts(dir_ / "out"), reference("w1"));
  EXPECT_EQ(run({sluice_binary(), "verify", dir_ / "out"}).exit_code, 0);
}

TEST_F(Spine, QuotedNewlinesGiveIdenticalOutputAtAnySplit) {
  generate(4000, test_seed() % 1000 + 1, 0.01);
  std::string single;
  for (const std::string split : {"1GiB", "1KiB", "4093", "777"}) {
    const std::string out = "out-" + split + "/";
    const std::string job =
        write_job("job-" + split + ".yaml", passthrough_job(input_, out, split));
    auto result = run({sluice_binary(), "run", job, "--workers", "2", "--state",
                       dir_ / ("state-" + split), "--no-progress"},
                      dir_.path());
    ASSERT_EQ(result.exit_code, 0) << split << result.err;
    const std::string output = concat_parts(dir_ / out);
    if (single.empty()) {
      single = output;
      EXPECT_EQ(output, read_file(input_)) << "a passthrough job must reproduce its input";
    } else {
      EXPECT_EQ(output, single) << "split_size " << split;
    }
  }
}

TEST_F(Spine, SpecErrorExitsTwoNamingFileLineAndKey) {
  generate(10, 1);
  const std::string job =
      write_job("bad.yaml", "name: bad\ninput:\n  path: " + input_ +
                                "\n  split_size: 12 parsecs\noutput:\n  path: out/\n");
  auto result = run_job(job, 1);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("bad.yaml:4: input.split_size"), std::string::npos) << result.err;

  const std::string unknown = write_job(
      "unknown.yaml",
      "name: bad\ninput:\n  path: " + input_ +
          "\nsteps:\n  - filter: \"\\\"Registraton State\\\" = 'NJ'\"\noutput:\n  path: out/\n");
  auto unknown_result = run_job(unknown, 1);
  EXPECT_EQ(unknown_result.exit_code, 2);
  EXPECT_NE(unknown_result.err.find("Registraton State"), std::string::npos) << unknown_result.err;
}

}  // namespace
}  // namespace sluice::testing
