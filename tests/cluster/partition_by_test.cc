// output.partition_by end to end: random small CSV inputs through `sluice run`
// with random split sizes, bucket counts and memory budgets (down to 64 KiB,
// where a task keeps one file open and sorts the rest), partitioned by
// columns whose values need escaping, are NULL or empty. Every row lands in
// the file of its partition (the directory computed here, independently of
// the engine's code), without the partition columns, exactly once; a map
// task keeps its rows' input order within each file; `sluice verify`
// passes and finds a stray file. Map-only jobs, aggregates and aggregates
// with a sort. A coordinator killed between the renames of one part's files
// resumes to the same files. Randomized; the seed is printed (SLUICE_SEED
// replays).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cluster.h"
#include "tests/support/hive_escape.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

std::string hive_dir(const std::string& column, const std::string& value) {
  return hive_escape(column) + "=" +
         (value.empty() ? "__HIVE_DEFAULT_PARTITION__" : hive_escape(value));
}

// Every data line of every part file under `output`, by its directory
// (relative to `output`), in file order, headers dropped.
std::map<std::string, std::vector<std::string>> lines_by_dir(const std::string& output) {
  std::map<std::string, std::vector<std::string>> lines;
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(output)) {
    if (entry.is_regular_file() && entry.path().filename().string().rfind("part-", 0) == 0) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    const std::string dir = fs::relative(file.parent_path(), output).string();
    std::istringstream in(read_file(file.string()));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) lines[dir].push_back(line);
  }
  return lines;
}

std::map<std::string, std::string> file_tree(const std::string& output) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(output)) {
    if (entry.is_regular_file()) {
      files[fs::relative(entry.path(), output).string()] = read_file(entry.path().string());
    }
  }
  return files;
}

struct Row {
  std::string region;  // a partition value: may need escaping, may be empty
  std::string kind;
  std::string id;
  std::string v;
};

class PartitionBy : public ::testing::Test {
 protected:
  std::vector<Row> write_input(std::mt19937_64& random, size_t rows) {
    static const std::vector<std::string> kRegions = {
        "north", "south/east", "a=b", "50%", "", "caf\xC3\xA9", "x:y?z", "q\"uote", "tab\tin"};
    const size_t regions = 1 + random() % kRegions.size();
    const size_t kinds = 1 + random() % 40;
    std::vector<Row> input;
    std::string text = "region,kind,id,v\n";
    for (size_t r = 0; r < rows; ++r) {
      Row row{kRegions[random() % regions], "k" + std::to_string(random() % kinds),
              std::to_string(r), std::to_string(random() % 1000)};
      text += csv_field(row.region) + "," + row.kind + "," + row.id + "," + row.v + "\n";
      input.push_back(std::move(row));
    }
    write_file(dir_ / "input.csv", text);
    return input;
  }

  CommandResult run_job(const std::string& steps, const std::string& options,
                        const std::string& partition_by, const std::string& env = "") {
    write_file(dir_ / "job.yaml",
               "name: partitioned\n"
               "input: {path: input.csv, split_size: " +
                   split_ + "}\n" + steps + options +
                   "output: {path: out, mode: overwrite, partition_by: " + partition_by + "}\n");
    std::vector<std::string> command = {
        sluice_binary(), "run",          "job.yaml",     "--workers", "2",
        "--state",       dir_ / "state", "--no-progress"};
    if (!env.empty()) command.insert(command.begin(), {"env", env});
    return run(command, dir_.path());
  }

  void expect_verified(const std::string& what) {
    auto verified = run({sluice_binary(), "verify", dir_ / "out"});
    EXPECT_EQ(verified.exit_code, 0) << what << "\n" << verified.err;
    EXPECT_FALSE(fs::exists(dir_ / "out/_temporary")) << what;
    EXPECT_FALSE(fs::exists(dir_ / "out/_partials")) << what;
  }

  TempDir dir_;
  std::string split_ = "64MiB";
};

TEST_F(PartitionBy, MapOnlyRowsLandInTheirPartitionOnceInInputOrder) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  for (int round = 0; round < 4; ++round) {
    const std::vector<Row> input = write_input(random, 500 + random() % 3000);
    split_ = std::vector<std::string>{"2KiB", "9KiB", "64MiB"}[random() % 3];
    const std::string memory = std::vector<std::string>{"64KiB", "256MiB"}[random() % 2];
    const bool two_levels = random() % 2 == 0;
    const std::string what = "seed " + std::to_string(seed) + " round " + std::to_string(round) +
                             " split " + split_ + " memory " + memory +
                             (two_levels ? " by region, kind" : " by region");
    auto ran = run_job("steps:\n  - filter: \"v <> '7'\"\n", "memory_per_task: " + memory + "\n",
                       two_levels ? "[region, kind]" : "[region]");
    ASSERT_EQ(ran.exit_code, 0) << what << "\n" << ran.err;

    std::map<std::string, std::vector<std::string>> expected;
    for (const Row& row : input) {
      if (row.v == "7") continue;
      std::string dir = hive_dir("region", row.region);
      if (two_levels) dir += "/" + hive_dir("kind", row.kind);
      expected[dir].push_back(two_levels ? row.id + "," + row.v
                                         : row.kind + "," + row.id + "," + row.v);
    }
    const auto got = lines_by_dir(dir_ / "out");
    if (split_ == "64MiB") {
      // One map task: each partition is one file, in input order.
      EXPECT_EQ(got, expected) << what;
    } else {
      ASSERT_EQ(got.size(), expected.size()) << what;
      for (auto& [dir, lines] : expected) {
        ASSERT_TRUE(got.count(dir)) << what << ": no " << dir;
        // Parts are in task order and tasks in input order: the same order.
        EXPECT_EQ(got.at(dir), lines) << what << " in " << dir;
      }
    }
    expect_verified(what);
  }
}

TEST_F(PartitionBy, AggregatesWithAndWithoutSortMatchTheReference) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  for (int round = 0; round < 3; ++round) {
    const std::vector<Row> input = write_input(random, 1000 + random() % 8000);
    split_ = std::vector<std::string>{"2KiB", "9KiB", "64MiB"}[random() % 3];
    const int parallelism = std::vector<int>{0, 1, 4}[random() % 3];
    const std::string memory = std::vector<std::string>{"64KiB", "256MiB"}[random() % 2];
    const bool sorted = round % 2 == 1;
    std::string options = "memory_per_task: " + memory + "\n";
    if (parallelism > 0) options += "parallelism: " + std::to_string(parallelism) + "\n";
    const std::string what = "seed " + std::to_string(seed) + " round " + std::to_string(round) +
                             " split " + split_ + " parallelism " + std::to_string(parallelism) +
                             " memory " + memory + (sorted ? " sorted" : "");
    std::string steps = "steps:\n  - aggregate: {by: [region, kind], aggs: {n: \"count(*)\"}}\n";
    if (sorted) steps += "  - sort: [{n: desc}, {kind: asc}]\n";
    auto ran = run_job(steps, options, "[region]");
    ASSERT_EQ(ran.exit_code, 0) << what << "\n" << ran.err;

    std::map<std::pair<std::string, std::string>, int64_t> counts;
    for (const Row& row : input) counts[{row.region, row.kind}]++;
    std::map<std::string, std::vector<std::string>> expected;
    for (const auto& [key, n] : counts) {
      expected[hive_dir("region", key.first)].push_back(key.second + "," + std::to_string(n));
    }
    const auto got = lines_by_dir(dir_ / "out");
    ASSERT_EQ(got.size(), expected.size()) << what;
    for (auto& [dir, lines] : expected) {
      ASSERT_TRUE(got.count(dir)) << what << ": no " << dir;
      std::vector<std::string> rows = got.at(dir);
      if (sorted) {
        // One merge task: its file of each partition is in the sort's order.
        std::vector<std::string> in_order = lines;
        std::sort(in_order.begin(), in_order.end(), [](const std::string& a, const std::string& b) {
          const auto count = [](const std::string& line) {
            return std::stoll(line.substr(line.rfind(',') + 1));
          };
          if (count(a) != count(b)) return count(a) > count(b);
          return a < b;
        });
        EXPECT_EQ(rows, in_order) << what << " in " << dir;
      }
      std::sort(rows.begin(), rows.end());
      std::sort(lines.begin(), lines.end());
      EXPECT_EQ(rows, lines) << what << " in " << dir;
    }
    expect_verified(what);
  }
}

TEST_F(PartitionBy, VerifyFindsAStrayFileInAPartition) {
  std::mt19937_64 random(7);
  write_input(random, 300);
  ASSERT_EQ(run_job("", "", "[region]").exit_code, 0);
  expect_verified("clean");
  const auto lines = lines_by_dir(dir_ / "out");
  ASSERT_FALSE(lines.empty());
  const std::string stray = (dir_ / "out/") + lines.begin()->first + "/part-09999.csv";
  write_file(stray, "kind,id,v\n");
  auto verified = run({sluice_binary(), "verify", dir_ / "out"});
  EXPECT_NE(verified.exit_code, 0);
  EXPECT_NE(verified.err.find("part-09999.csv: not in the manifest"), std::string::npos)
      << verified.err;
}

TEST_F(PartitionBy, CoordinatorKilledBetweenRenamesResumesToTheSameFiles) {
  std::mt19937_64 random(11);
  write_input(random, 4000);
  split_ = "8KiB";
  ASSERT_EQ(run_job("", "", "[region, kind]").exit_code, 0);
  const auto uninterrupted = file_tree(dir_ / "out");
  fs::remove_all(dir_ / "out");
  fs::remove_all(dir_ / "state");

  auto crashed = run_job("", "", "[region, kind]", "SLUICE_CRASH_AT=partition-file-renamed:5");
  ASSERT_EQ(crashed.exit_code, 128 + 9) << "the crash point was not reached\n" << crashed.err;
  auto resumed = run_job("", "", "[region, kind]");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  auto after = file_tree(dir_ / "out");
  // Every part file the same; the manifests may differ only in the attempt
  // numbers of partitions the crash made run again.
  auto without_manifest = [](std::map<std::string, std::string> files) {
    EXPECT_EQ(files.erase("_MANIFEST.json"), 1u);
    return files;
  };
  EXPECT_EQ(without_manifest(after), without_manifest(uninterrupted));
  expect_verified("resumed");
}

TEST_F(PartitionBy, AppendNumbersAfterThePartitionFilesAndLeftoversRefuseAnotherJob) {
  std::mt19937_64 random(5);
  write_input(random, 400);
  auto job = [&](const std::string& mode) {
    write_file(dir_ / "job.yaml",
               "name: partitioned\ninput: {path: input.csv}\n"
               "output: {path: out, mode: " +
                   mode + ", partition_by: [region]}\n");
    return run({sluice_binary(), "run", "job.yaml", "--workers", "2", "--state", dir_ / "state",
                "--no-progress"},
               dir_.path());
  };
  ASSERT_EQ(job("error").exit_code, 0);
  const size_t first = lines_by_dir(dir_ / "out").size();
  write_input(random, 300);  // other inputs: another job
  auto appended = job("append");
  ASSERT_EQ(appended.exit_code, 0) << appended.err;
  std::set<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "out")) {
    if (entry.is_regular_file() && entry.path().filename().string().rfind("part-", 0) == 0) {
      names.insert(entry.path().filename().string());
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"part-00000.csv", "part-00001.csv"}));
  EXPECT_GE(lines_by_dir(dir_ / "out").size(), first);
  expect_verified("appended");

  // Partition files no manifest lists (a failed job's) refuse another job.
  fs::remove(dir_ / "out/_MANIFEST.json");
  fs::remove(dir_ / "out/_SUCCESS");
  write_input(random, 200);
  auto refused = job("error");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("part-0000"), std::string::npos) << refused.err;
}

TEST_F(PartitionBy, RefusesColumnsThatAreNotOutputColumns) {
  std::mt19937_64 random(3);
  write_input(random, 10);
  auto ran = run_job("steps:\n  - select: [id, v]\n", "", "[region]");
  EXPECT_EQ(ran.exit_code, 2);
  EXPECT_NE(ran.err.find("output.partition_by: 'region' is not an output column"),
            std::string::npos)
      << ran.err;
  ran = run_job("steps:\n  - select: [region]\n", "", "[region]");
  EXPECT_EQ(ran.exit_code, 2);
  EXPECT_NE(ran.err.find("every output column is a partition column"), std::string::npos)
      << ran.err;
}

}  // namespace
}  // namespace sluice::testing
