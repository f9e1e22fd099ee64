// Incremental runs (input.incremental: true): a run processes only the files
// no earlier run of the same job published output for, numbers its parts
// after the existing ones, leaves those untouched and publishes a new
// manifest generation. Changed files are reported, or replaced with
// input.on_change: reprocess. A run killed mid-way finishes at the next
// submission with the output of an uninterrupted run.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/support/cluster.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string incremental_job(const std::string& on_change = "") {
  return "name: incremental-test\n"
         "input:\n"
         "  path: in/\n"
         "  incremental: true\n" +
         (on_change.empty() ? "" : "  on_change: " + on_change + "\n") +
         "  split_size: 48KiB\n"
         "steps:\n"
         "  - select: [\"Summons Number\", \"Registration State\", \"Vehicle Make\"]\n"
         "output:\n"
         "  path: out/\n";
}

void generate(const TempDir& dir, const std::string& name, int rows, int seed) {
  fs::create_directories(dir / "in");
  ASSERT_EQ(run({sluice_binary(), "gen", "parking", "--rows", std::to_string(rows), "--seed",
                 std::to_string(seed), "--out", dir / ("in/" + name)})
                .exit_code,
            0);
}

// An input file under in/: `rows` rows of the parking generator from `seed`.
struct InputFile {
  std::string name;
  int rows = 0;
  int seed = 0;
};

void generate(const TempDir& dir, const std::vector<InputFile>& files) {
  for (const InputFile& file : files) {
    ASSERT_NO_FATAL_FAILURE(generate(dir, file.name, file.rows, file.seed));
  }
}

CommandResult run_job(const TempDir& dir, const std::string& crash_at = "") {
  std::vector<std::string> command;
  if (!crash_at.empty()) command = {"env", "SLUICE_CRASH_AT=" + crash_at};
  for (const std::string& arg :
       {sluice_binary(), std::string("run"), dir / "job.yaml", std::string("--workers"),
        std::string("2"), std::string("--state"), dir / "state", std::string("--no-progress")}) {
    command.push_back(arg);
  }
  return run(command, dir.path());
}

json manifest(const TempDir& dir) { return json::parse(read_file(dir / "out/_MANIFEST.json")); }

// Runs the job, which must succeed and publish manifest generation
// `generation`; `published` is that manifest, `result` (if given) the run.
void run_to_generation(const TempDir& dir, int generation, json* published,
                       CommandResult* result = nullptr) {
  const CommandResult ran = run_job(dir);
  if (result != nullptr) *result = ran;
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  *published = manifest(dir);
  EXPECT_EQ(published->at("generation"), generation);
}

// Generation 1: `files` under in/, the job file, one run.
void first_run(const TempDir& dir, const std::vector<InputFile>& files,
               const std::string& on_change = "") {
  ASSERT_NO_FATAL_FAILURE(generate(dir, files));
  write_file(dir / "job.yaml", incremental_job(on_change));
  json published;
  ASSERT_NO_FATAL_FAILURE(run_to_generation(dir, 1, &published));
}

// A run with no new input: succeeds, says so, publishes nothing.
void run_with_nothing_to_do(const TempDir& dir) {
  auto ran = run_job(dir);
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_NE(ran.err.find("nothing to do"), std::string::npos) << ran.err;
}

void expect_verifies(const TempDir& dir) {
  auto verified = run({sluice_binary(), "verify", dir / "out"});
  ASSERT_EQ(verified.exit_code, 0) << verified.err;
}

struct PartState {
  ino_t inode = 0;
  int64_t mtime_ns = 0;
  std::string bytes;
  bool operator==(const PartState&) const = default;
};
using Snapshot = std::map<std::string, PartState>;

Snapshot snapshot(const TempDir& dir) {
  Snapshot parts;
  for (const std::string& name : part_files(dir / "out")) {
    struct stat info {};
    const std::string path = dir / ("out/" + name);
    if (::stat(path.c_str(), &info) != 0) continue;
    parts[name] = PartState{
        info.st_ino, info.st_mtim.tv_sec * 1'000'000'000LL + info.st_mtim.tv_nsec, read_file(path)};
  }
  return parts;
}

// The parts `names` of `before` are still there in `after`, the same file
// (inode, mtime) with the same bytes.
void expect_untouched(const Snapshot& before, const Snapshot& after,
                      const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    ASSERT_TRUE(after.count(name)) << name;
    EXPECT_TRUE(after.at(name) == before.at(name)) << name << " was touched";
  }
}

void expect_untouched(const Snapshot& before, const Snapshot& after) {
  std::vector<std::string> names;
  for (const auto& [name, state] : before) names.push_back(name);
  expect_untouched(before, after, names);
}

// Data rows of the concatenated parts (one header kept).
size_t output_rows(const TempDir& dir) {
  const std::string text = concat_parts(dir / "out");
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) - 1;
}

std::vector<std::string> listed_parts(const json& manifest) {
  std::vector<std::string> names;
  for (const json& part : manifest.at("parts")) names.push_back(part.at("file"));
  return names;
}

TEST(Incremental, RunsProcessOnlyNewFilesAndLeaveEarlierPartsUntouched) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(
      first_run(dir, {{"a.csv", 1500, 1}, {"b.csv", 1500, 2}, {"c.csv", 1500, 3}}));
  const json one = manifest(dir);
  EXPECT_EQ(one.at("rows_out"), 4500);
  const auto before = snapshot(dir);
  ASSERT_EQ(listed_parts(one).size(), before.size());
  ASSERT_NO_FATAL_FAILURE(expect_verifies(dir));

  generate(dir, {{"d.csv", 1000, 4}, {"e.csv", 1000, 5}});
  json two;
  ASSERT_NO_FATAL_FAILURE(run_to_generation(dir, 2, &two));
  EXPECT_EQ(two.at("rows_out"), 6500);
  EXPECT_EQ(two.at("inputs").size(), 5u);
  EXPECT_NE(two.at("job_id"), one.at("job_id"));
  EXPECT_EQ(output_rows(dir), 6500u) << "rows twice or missing";
  const auto after = snapshot(dir);
  expect_untouched(before, after);
  // The new parts are numbered after the old ones; the generation's own
  // manifest lists only them.
  const json generation =
      json::parse(read_file(dir / ("out/" + two.at("generation_manifest").get<std::string>())));
  EXPECT_EQ(generation.at("rows_in"), 2000);
  for (const std::string& name : listed_parts(generation)) {
    EXPECT_EQ(before.count(name), 0u) << name;
    EXPECT_GT(name, before.rbegin()->first);
  }
  EXPECT_EQ(listed_parts(two).size(), after.size());
  expect_verifies(dir);

  ASSERT_NO_FATAL_FAILURE(run_with_nothing_to_do(dir));
  EXPECT_EQ(manifest(dir), two);
  EXPECT_TRUE(snapshot(dir) == after);
  EXPECT_FALSE(fs::exists(dir / "out/_temporary"));
}

TEST(Incremental, ChangedFileIsReportedOnce) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(first_run(dir, {{"a.csv", 1000, 1}, {"b.csv", 1000, 2}}));
  const auto before = snapshot(dir);

  generate(dir, "a.csv", 1200, 9);  // rewritten after it was processed
  json two;
  CommandResult second;
  ASSERT_NO_FATAL_FAILURE(run_to_generation(dir, 2, &two, &second));
  EXPECT_NE(second.out.find("changed after they were processed"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find(dir / "in/a.csv"), std::string::npos) << second.out;
  ASSERT_EQ(two.at("changed_inputs").size(), 1u);
  EXPECT_EQ(two.at("changed_inputs")[0].at("path"), dir / "in/a.csv");
  EXPECT_EQ(two.at("changed_inputs")[0].at("action"), "reported");
  EXPECT_EQ(two.at("rows_out"), 2000) << "a reported file is not read again";
  EXPECT_TRUE(snapshot(dir) == before);
  expect_verifies(dir);

  ASSERT_NO_FATAL_FAILURE(run_with_nothing_to_do(dir));  // the same change is not reported twice
  EXPECT_EQ(manifest(dir).at("generation"), 2);
}

TEST(Incremental, ReprocessReplacesTheChangedFilesParts) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(first_run(dir, {{"a.csv", 1000, 1}, {"b.csv", 1000, 2}}, "reprocess"));
  const json one = manifest(dir);
  std::vector<std::string> parts_of_a, parts_of_b;
  for (const json& partition : one.at("partitions")) {
    const std::string name = fmt::format("part-{:05}.csv", partition.at("partition").get<int>());
    (partition.at("input_file") == dir / "in/a.csv" ? parts_of_a : parts_of_b).push_back(name);
  }
  ASSERT_FALSE(parts_of_a.empty());
  const auto before = snapshot(dir);

  generate(dir, "a.csv", 700, 9);
  json two;
  ASSERT_NO_FATAL_FAILURE(run_to_generation(dir, 2, &two));
  EXPECT_EQ(two.at("rows_out"), 1700);
  EXPECT_EQ(two.at("changed_inputs")[0].at("action"), "reprocessed");
  const auto after = snapshot(dir);
  for (const std::string& name : parts_of_a) {
    EXPECT_EQ(after.count(name), 0u) << name << " should be replaced";
  }
  expect_untouched(before, after, parts_of_b);
  EXPECT_EQ(output_rows(dir), 1700u);
  expect_verifies(dir);
}

TEST(Incremental, RefusesASingleFile) {
  TempDir dir;
  generate(dir, "a.csv", 10, 1);
  std::string job = incremental_job();
  job.replace(job.find("path: in/"), 9, "path: in/a.csv");
  write_file(dir / "job.yaml", job);
  auto result = run_job(dir);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("input.incremental: in/a.csv is a single file"), std::string::npos)
      << result.err;
}

class IncrementalCrash : public ::testing::TestWithParam<const char*> {};

// Run 2 killed at a step, then run again: the output is the output of an
// uninterrupted run 2, no row twice, earlier parts untouched.
TEST_P(IncrementalCrash, RunKilledMidWayFinishesAtTheNextSubmission) {
  auto prepare = [](const TempDir& dir) {
    ASSERT_NO_FATAL_FAILURE(
        first_run(dir, {{"a.csv", 1500, 1}, {"b.csv", 1500, 2}, {"c.csv", 1500, 3}}));
    generate(dir, {{"d.csv", 1500, 4}, {"e.csv", 1500, 5}});
  };
  TempDir reference;
  ASSERT_NO_FATAL_FAILURE(prepare(reference));
  json uninterrupted;
  ASSERT_NO_FATAL_FAILURE(run_to_generation(reference, 2, &uninterrupted));

  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(prepare(dir));
  const auto before = snapshot(dir);
  auto crashed = run_job(dir, GetParam());
  ASSERT_EQ(crashed.exit_code, 128 + 9) << "the crash point was not reached\n" << crashed.err;
  generate(dir, "f.csv", 300, 6);  // arrives while run 2 is unfinished: waits for run 3
  json resumed;
  ASSERT_NO_FATAL_FAILURE(run_to_generation(dir, 2, &resumed));
  EXPECT_EQ(concat_parts(dir / "out"), concat_parts(reference / "out"));
  EXPECT_EQ(part_files(dir / "out"), part_files(reference / "out"));
  EXPECT_EQ(resumed.at("parts"), uninterrupted.at("parts"));
  expect_untouched(before, snapshot(dir));
  expect_verifies(dir);

  json third;  // picks up f.csv only
  ASSERT_NO_FATAL_FAILURE(run_to_generation(dir, 3, &third));
  EXPECT_EQ(third.at("rows_out"), 7800);
  EXPECT_EQ(output_rows(dir), 7800u);
  expect_verifies(dir);
  EXPECT_FALSE(fs::exists(dir / "out/_temporary"));
}

INSTANTIATE_TEST_SUITE_P(Run2, IncrementalCrash,
                         ::testing::Values("planned", "committed:2", "renamed:3",
                                           "manifest-written", "finished-output"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace sluice::testing
