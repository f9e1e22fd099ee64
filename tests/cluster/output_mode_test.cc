// An output directory belongs to one job. A job whose output directory holds
// another job's output is refused at submission, before any work, naming the
// other job; output.mode: overwrite replaces it whole once the new output is
// complete (a crash at the swap is finished by the next run), append adds
// parts numbered after the existing ones under one manifest. The same job
// again is accepted, and a job that failed leaves no temporary files.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/cluster/job_files.h"
#include "tests/support/cluster.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

class OutputMode : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run({sluice_binary(), "gen", "parking", "--rows", "6000", "--seed", "23", "--out",
                   dir_ / "parking.csv"})
                  .exit_code,
              0);
  }

  // `sluice run` of dir/<job_file> with a state directory of its own.
  CommandResult run_job(const std::string& job_file, const std::string& env = "") {
    std::vector<std::string> command = {sluice_binary(),
                                        "run",
                                        dir_ / job_file,
                                        "--workers",
                                        "2",
                                        "--state",
                                        dir_ / ("state-" + job_file),
                                        "--no-progress"};
    if (!env.empty()) command.insert(command.begin(), {"env", env});
    return run(command, dir_.path());
  }

  std::string reference(const std::string& workload, const std::string& input) {
    const std::string path = dir_ / (workload + "-reference.csv");
    EXPECT_EQ(
        run({"python3", source_dir() + "/tests/reference/reference.py", workload, input, path})
            .exit_code,
        0);
    return read_file(path);
  }

  // Every file under `root` (relative name -> contents).
  static std::map<std::string, std::string> snapshot(const std::string& root) {
    std::map<std::string, std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      const std::string name = fs::relative(entry.path(), root).string();
      files[name] = entry.is_regular_file() ? read_file(entry.path().string()) : "<dir>";
    }
    return files;
  }

  // Nothing beside `output` but what the test made (no staging directory).
  std::vector<std::string> siblings_of_out() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_.path())) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("out.", 0) == 0) names.push_back(name);
    }
    return names;
  }

  void expect_clean_and_verified(const std::string& output) {
    auto verified = run({sluice_binary(), "verify", output});
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
    EXPECT_FALSE(fs::exists(output + "/_temporary"));
    EXPECT_FALSE(fs::exists(output + "/_partials"));
    EXPECT_FALSE(fs::exists(output + "/_OVERWRITE"));
    EXPECT_TRUE(siblings_of_out().empty()) << siblings_of_out().front();
  }

  std::string job_id_in(const std::string& output) {
    return nlohmann::json::parse(read_file(output + "/_MANIFEST.json")).at("job_id");
  }

  TempDir dir_;
};

TEST_F(OutputMode, JobIntoAnotherJobsOutputIsRefusedAtSubmitNamingIt) {
  write_file(dir_ / "w1.yaml", w1_job(dir_ / "parking.csv", "out/", "64KiB"));
  ASSERT_EQ(run_job("w1.yaml").exit_code, 0);
  const std::string w1_id = job_id_in(dir_ / "out");
  const auto before = snapshot(dir_ / "out");

  write_file(dir_ / "w3.yaml", w3_job(dir_ / "parking.csv", "out/"));
  auto refused = run_job("w3.yaml");
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find(w1_id), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("output.mode"), std::string::npos) << refused.err;
  EXPECT_EQ(snapshot(dir_ / "out"), before) << "the refused job wrote into the directory";
  expect_clean_and_verified(dir_ / "out");
}

TEST_F(OutputMode, PartFilesNoManifestListsRefuseTheDirectory) {
  fs::create_directories(dir_ / "out");
  write_file(dir_ / "out/part-00000.csv", "a\n1\n");
  write_file(dir_ / "w1.yaml", w1_job(dir_ / "parking.csv", "out/", "64KiB"));
  auto refused = run_job("w1.yaml");
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("no _MANIFEST.json lists"), std::string::npos) << refused.err;
  EXPECT_EQ(read_file(dir_ / "out/part-00000.csv"), "a\n1\n");
}

TEST_F(OutputMode, SameJobAgainIntoItsOwnOutputIsAccepted) {
  write_file(dir_ / "w1.yaml", w1_job(dir_ / "parking.csv", "out/", "64KiB"));
  ASSERT_EQ(run_job("w1.yaml").exit_code, 0);
  const auto before = snapshot(dir_ / "out");
  auto again = run_job("w1.yaml");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("nothing to do"), std::string::npos) << again.err;
  EXPECT_EQ(snapshot(dir_ / "out"), before);
  expect_clean_and_verified(dir_ / "out");
}

// The same job with its state directory gone: refused at submission (it
// could only fail to publish its parts again), unless it may overwrite.
TEST_F(OutputMode, SameFinishedJobWithItsStateGoneIsRefusedUnlessOverwrite) {
  write_file(dir_ / "w1.yaml", w1_job(dir_ / "parking.csv", "out/", "64KiB"));
  ASSERT_EQ(run_job("w1.yaml").exit_code, 0);
  const auto before = snapshot(dir_ / "out");
  fs::remove_all(dir_ / "state-w1.yaml");
  auto again = run_job("w1.yaml");
  EXPECT_EQ(again.exit_code, 2) << again.err;
  EXPECT_NE(again.err.find("finished output of this same job"), std::string::npos) << again.err;
  EXPECT_EQ(snapshot(dir_ / "out"), before);

  std::string overwrite = w1_job(dir_ / "parking.csv", "out/", "64KiB");
  const size_t path = overwrite.find("  path: out/\n");
  ASSERT_NE(path, std::string::npos) << overwrite;
  overwrite.insert(path + std::string("  path: out/\n").size(), "  mode: overwrite\n");
  write_file(dir_ / "w1o.yaml", overwrite);
  auto overwritten = run_job("w1o.yaml");
  EXPECT_EQ(overwritten.exit_code, 0) << overwritten.err;
  expect_clean_and_verified(dir_ / "out");
}

TEST_F(OutputMode, OverwriteReplacesTheOldOutputWhole) {
  write_file(dir_ / "w1.yaml", w1_job(dir_ / "parking.csv", "out/", "16KiB"));
  ASSERT_EQ(run_job("w1.yaml").exit_code, 0);
  ASSERT_GT(part_files(dir_ / "out").size(), 3u);

  write_file(dir_ / "w3.yaml",
             w3_job(dir_ / "parking.csv", "out/", "64KiB", "  mode: overwrite\n"));
  auto replaced = run_job("w3.yaml");
  ASSERT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_EQ(part_files(dir_ / "out"), std::vector<std::string>{"part-00000.csv"})
      << "a part of the old output is left";
  EXPECT_EQ(read_file(dir_ / "out/part-00000.csv"), reference("w3", dir_ / "parking.csv"));
  EXPECT_EQ(nlohmann::json::parse(read_file(dir_ / "out/_MANIFEST.json")).at("name"), "w3-test");
  expect_clean_and_verified(dir_ / "out");
}

// Killed with the new output complete beside the old one, and killed after
// the exchange before the old one is deleted: a reader sees one output or
// the other, and the next run finishes the swap.
TEST_F(OutputMode, OverwriteKilledAtTheSwapIsFinishedByTheNextRun) {
  for (const char* point : {"overwrite-staged", "overwrite-swapped"}) {
    SCOPED_TRACE(point);
    fs::remove_all(dir_ / "out");
    for (const char* state : {"state-w1.yaml", "state-w3.yaml"}) fs::remove_all(dir_ / state);
    write_file(dir_ / "w1.yaml", w1_job(dir_ / "parking.csv", "out/", "16KiB"));
    ASSERT_EQ(run_job("w1.yaml").exit_code, 0);
    write_file(dir_ / "w3.yaml",
               w3_job(dir_ / "parking.csv", "out/", "64KiB", "  mode: overwrite\n"));

    auto crashed = run_job("w3.yaml", std::string("SLUICE_CRASH_AT=") + point);
    ASSERT_EQ(crashed.exit_code, 128 + 9) << "the crash point was not reached\n" << crashed.err;
    // Whole: the old output before the exchange, the new one after it.
    const bool swapped = std::string(point) == "overwrite-swapped";
    EXPECT_EQ(nlohmann::json::parse(read_file(dir_ / "out/_MANIFEST.json")).at("name"),
              swapped ? "w3-test" : "w1-test");
    auto verified = run({sluice_binary(), "verify", dir_ / "out"});
    EXPECT_EQ(verified.exit_code, 0) << verified.err;

    auto resumed = run_job("w3.yaml");
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_EQ(part_files(dir_ / "out"), std::vector<std::string>{"part-00000.csv"});
    EXPECT_EQ(read_file(dir_ / "out/part-00000.csv"), reference("w3", dir_ / "parking.csv"));
    expect_clean_and_verified(dir_ / "out");
  }
}

TEST_F(OutputMode, AppendAddsPartsAfterTheExistingUnderOneManifest) {
  ASSERT_EQ(run({sluice_binary(), "gen", "parking", "--rows", "4000", "--seed", "24", "--out",
                 dir_ / "more.csv"})
                .exit_code,
            0);
  write_file(dir_ / "w1.yaml", w1_job(dir_ / "parking.csv", "out/", "64KiB"));
  ASSERT_EQ(run_job("w1.yaml").exit_code, 0);
  const std::vector<std::string> first_parts = part_files(dir_ / "out");
  const auto first_manifest = nlohmann::json::parse(read_file(dir_ / "out/_MANIFEST.json"));
  std::map<std::string, std::string> first_bytes;
  for (const std::string& name : first_parts) first_bytes[name] = read_file(dir_ / ("out/" + name));

  write_file(dir_ / "more.yaml", w1_job(dir_ / "more.csv", "out/", "64KiB") + "  mode: append\n");
  auto appended = run_job("more.yaml");
  ASSERT_EQ(appended.exit_code, 0) << appended.err;

  const std::vector<std::string> parts = part_files(dir_ / "out");
  ASSERT_GT(parts.size(), first_parts.size());
  for (const auto& [name, bytes] : first_bytes) {
    EXPECT_EQ(read_file(dir_ / ("out/" + name)), bytes) << name << " was touched";
  }
  // The new parts come after the old ones: the table reads old rows, then new.
  EXPECT_TRUE(std::equal(first_parts.begin(), first_parts.end(), parts.begin()));
  EXPECT_EQ(concat_parts(dir_ / "out"),
            reference("w1", dir_ / "parking.csv") +
                reference("w1", dir_ / "more.csv")
                    .substr(reference("w1", dir_ / "more.csv").find('\n') + 1));
  const auto manifest = nlohmann::json::parse(read_file(dir_ / "out/_MANIFEST.json"));
  EXPECT_EQ(manifest.at("parts").size(), parts.size());
  EXPECT_EQ(manifest.at("inputs").size(), 2u);
  EXPECT_EQ(manifest.at("job_ids").size(), 2u);
  EXPECT_EQ(manifest.at("job_ids")[0], first_manifest.at("job_id"));
  EXPECT_EQ(manifest.at("rows_in").get<uint64_t>(),
            first_manifest.at("rows_in").get<uint64_t>() + 4000);
  expect_clean_and_verified(dir_ / "out");
}

// A failed job leaves no temporary files: neither a map-only one nor an
// aggregate's partial states (here both fail on the reject limit, after
// every partition was published).
TEST_F(OutputMode, FailedJobLeavesNoTemporaryFiles) {
  std::string data = read_file(dir_ / "parking.csv");
  data += "not,a,parking,ticket\n";
  write_file(dir_ / "bad.csv", data);
  const std::string limit = "rejects:\n  max_count: 0\n";
  write_file(dir_ / "w1.yaml", w1_job(dir_ / "bad.csv", "out-w1/", "16KiB") + limit);
  write_file(dir_ / "w3.yaml", w3_job(dir_ / "bad.csv", "out-w3/") + limit);
  for (const char* job : {"w1", "w3"}) {
    SCOPED_TRACE(job);
    auto failed = run_job(std::string(job) + ".yaml");
    EXPECT_EQ(failed.exit_code, 1) << failed.err;
    EXPECT_NE(failed.err.find("too many rejects"), std::string::npos) << failed.err;
    const std::string output = dir_ / (std::string("out-") + job);
    EXPECT_FALSE(fs::exists(output + "/_temporary")) << "temporary files left";
    EXPECT_FALSE(fs::exists(output + "/_partials")) << "partial states left";
    EXPECT_FALSE(fs::exists(output + "/_SUCCESS"));
    EXPECT_FALSE(fs::exists(output + "/_MANIFEST.json"));
  }
  // The aggregate's rejects went with its partials (it runs again whole if
  // resubmitted); the map-only job's published parts stay for a resumption.
  EXPECT_FALSE(fs::exists(dir_ / "out-w3/_rejects"));
  EXPECT_FALSE(part_files(dir_ / "out-w1").empty());
  // Another job into the failed job's directory, on the coordinator state
  // that knows it, is refused naming it.
  write_file(dir_ / "other.yaml", passthrough_job(dir_ / "parking.csv", "out-w1/", "64KiB"));
  auto refused = run({sluice_binary(), "run", dir_ / "other.yaml", "--workers", "1", "--state",
                      dir_ / "state-w1.yaml", "--no-progress"},
                     dir_.path());
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("before it failed"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("w1-test"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace sluice::testing
