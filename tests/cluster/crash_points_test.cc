// The coordinator killed at every step of its protocol — planning,
// dispatching, committing, renaming, an aggregate's map outputs published,
// its bucket tasks planned and their parts published, writing the
// manifest — and run again on the same state finishes with output identical
// to an uninterrupted run. SLUICE_CRASH_AT=<point>:<n> makes the process
// SIGKILL itself the n-th time it reaches <point> (common/base/crash_point.h).
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/cluster.h"

namespace sluice::testing {
namespace {

struct CrashCase {
  const char* point;
  const char* example;   // examples/<example>.yaml
  const char* workload;  // reference.py workload
};

class CrashPoints : public ::testing::TestWithParam<CrashCase> {};

std::string job_text(const std::string& example, const std::string& input) {
  std::string text = read_file(source_dir() + "/examples/" + example + ".yaml");
  auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  };
  replace("data/parking.csv", input);
  replace("64MiB", "48KiB");
  return text;
}

TEST_P(CrashPoints, RunKilledAtPointResumesToIdenticalOutput) {
  const CrashCase& crash = GetParam();
  TempDir dir;
  ASSERT_EQ(run({sluice_binary(), "gen", "parking", "--rows", "8000", "--seed", "41", "--out",
                 dir / "parking.csv"})
                .exit_code,
            0);
  write_file(dir / "job.yaml", job_text(crash.example, dir / "parking.csv"));
  const std::vector<std::string> command = {"env",
                                            std::string("SLUICE_CRASH_AT=") + crash.point,
                                            sluice_binary(),
                                            "run",
                                            dir / "job.yaml",
                                            "--workers",
                                            "2",
                                            "--state",
                                            dir / "state",
                                            "--no-progress"};
  auto crashed = run(command, dir.path());
  ASSERT_EQ(crashed.exit_code, 128 + 9) << "the crash point was not reached\n" << crashed.err;
  EXPECT_FALSE(
      std::filesystem::exists(dir / ("out/" + std::string(crash.workload) + "/_SUCCESS")) &&
      std::string(crash.point) != "finished-output");

  auto resumed = run({sluice_binary(), "run", dir / "job.yaml", "--workers", "2", "--state",
                      dir / "state", "--no-progress"},
                     dir.path());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const std::string output = dir / ("out/" + std::string(crash.workload));
  const std::string reference = dir / "reference.csv";
  ASSERT_EQ(run({"python3", source_dir() + "/tests/reference/reference.py", crash.workload,
                 dir / "parking.csv", reference})
                .exit_code,
            0);
  EXPECT_EQ(concat_parts(output), read_file(reference)) << "crash point " << crash.point;
  auto verified = run({sluice_binary(), "verify", output});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_FALSE(std::filesystem::exists(output + "/_temporary"));
  EXPECT_FALSE(std::filesystem::exists(output + "/_partials"));
}

INSTANTIATE_TEST_SUITE_P(
    EveryStep, CrashPoints,
    ::testing::Values(CrashCase{"planned", "w1-nj-ford-police", "w1"},
                      CrashCase{"leased:5", "w1-nj-ford-police", "w1"},
                      CrashCase{"before-commit:4", "w1-nj-ford-police", "w1"},
                      CrashCase{"committed:4", "w1-nj-ford-police", "w1"},
                      CrashCase{"renamed:4", "w1-nj-ford-police", "w1"},
                      CrashCase{"manifest-written", "w1-nj-ford-police", "w1"},
                      CrashCase{"finished-output", "w1-nj-ford-police", "w1"},
                      CrashCase{"committed:3", "w3-count-by-state-code", "w3"},
                      CrashCase{"map-renamed:2", "w3-count-by-state-code", "w3"},
                      CrashCase{"buckets-planned", "w3-count-by-state-code", "w3"},
                      CrashCase{"bucket-renamed", "w3-count-by-state-code", "w3"},
                      CrashCase{"merge-planned", "w3-count-by-state-code", "w3"},
                      CrashCase{"manifest-written", "w3-count-by-state-code", "w3"},
                      // A global sort: its sorted map outputs published, its
                      // range-merging bucket tasks planned and published.
                      CrashCase{"map-renamed:2", "w5-sort-by-date", "w5"},
                      CrashCase{"buckets-planned", "w5-sort-by-date", "w5"},
                      CrashCase{"bucket-renamed", "w5-sort-by-date", "w5"}),
    [](const ::testing::TestParamInfo<CrashCase>& info) {
      std::string name = std::string(info.param.workload) + "_" + info.param.point;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace sluice::testing
