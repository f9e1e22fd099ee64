// A global sort end to end (docs/ARCHITECTURE.md, "Global sort"): random CSV
// inputs through `sluice run` with random split sizes, `parallelism` and
// `memory_per_task` (down to 64 KiB, so map tasks spill and bucket tasks
// merge in passes), against a reference computed here: the rows the filter
// keeps, std::stable_sort by the SQL order (NULLs last, desc inverted, ties
// in input order), then the select. The parts concatenated in name order
// must be exactly the reference. `limit` gives exactly its first N rows.
// Randomized; the seed is printed (SLUICE_SEED replays).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cluster.h"

namespace sluice::testing {
namespace {

struct Row {
  std::optional<int64_t> k;
  std::string s;
  int64_t n = 0;  // the row's number in the input
};

// Data lines of every part in name order (each part's header dropped).
std::vector<std::string> concatenated_lines(const std::string& output, size_t* parts) {
  std::vector<std::string> lines;
  *parts = 0;
  for (const std::string& name : part_files(output)) {
    ++*parts;
    std::istringstream in(read_file(output + "/" + name));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) lines.push_back(line);
  }
  return lines;
}

class GlobalSortJob : public ::testing::Test {
 protected:
  std::vector<Row> write_input(std::mt19937_64& random, size_t rows) {
    static const std::vector<std::string> kStrings = {"a", "b", "c,d", "e\"f", "zz", "B"};
    const int64_t distinct = std::vector<int64_t>{1, 10, 1000, 1000000}[random() % 4];
    std::vector<Row> out;
    std::string text = "k,s,n\n";
    for (size_t r = 0; r < rows; ++r) {
      Row row;
      if (random() % 8 != 0) {
        // A third of the rows share one value: a skewed key.
        row.k = random() % 3 == 0 ? 42 : static_cast<int64_t>(random() % distinct) - distinct / 2;
      }
      row.s = kStrings[random() % kStrings.size()];
      row.n = static_cast<int64_t>(r);
      text += (row.k ? std::to_string(*row.k) : "") + "," + csv_field(row.s) + "," +
              std::to_string(row.n) + "\n";
      out.push_back(std::move(row));
    }
    write_file(dir_ / "input.csv", text);
    return out;
  }

  CommandResult run_job(const std::string& split, const std::string& steps,
                        const std::string& options) {
    write_file(dir_ / "job.yaml",
               "name: global-sort\n"
               "input: {path: input.csv, split_size: " +
                   split +
                   "}\n"
                   "schema: {columns: {k: {type: int64}, n: {type: int64}}}\n" +
                   steps + options + "output: {path: out, mode: overwrite}\n");
    return run({sluice_binary(), "run", "job.yaml", "--workers", "2", "--state", dir_ / "state",
                "--no-progress"},
               dir_.path());
  }

  TempDir dir_;
};

// filter n % 5 != 0, sort by k desc then s asc, select (s, k, n + 1).
std::vector<std::string> reference(std::vector<Row> rows) {
  std::erase_if(rows, [](const Row& row) { return row.n % 5 == 0; });
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.k != b.k) {
      if (!a.k || !b.k) return a.k.has_value();  // NULLs last
      return *a.k > *b.k;
    }
    return a.s < b.s;
  });
  std::vector<std::string> lines;
  for (const Row& row : rows) {
    lines.push_back(csv_field(row.s) + "," + (row.k ? std::to_string(*row.k) : "") + "," +
                    std::to_string(row.n + 1));
  }
  return lines;
}

TEST_F(GlobalSortJob, PartsConcatenateToTheReferenceForAnySplitParallelismAndMemory) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  for (int round = 0; round < 4; ++round) {
    const std::vector<Row> rows = write_input(random, 1000 + random() % 15000);
    const std::string split =
        std::vector<std::string>{"1KiB", "7KiB", "64KiB", "64MiB"}[random() % 4];
    const int parallelism = std::vector<int>{0, 1, 3, 7}[random() % 4];
    const std::string memory = std::vector<std::string>{"64KiB", "256KiB", "256MiB"}[random() % 3];
    std::string options = "memory_per_task: " + memory + "\n";
    if (parallelism > 0) options += "parallelism: " + std::to_string(parallelism) + "\n";
    const std::string what = "seed " + std::to_string(seed) + " round " + std::to_string(round) +
                             " split " + split + " parallelism " + std::to_string(parallelism) +
                             " memory " + memory;
    auto ran = run_job(split,
                       "steps:\n"
                       "  - filter: \"n % 5 != 0\"\n"
                       "  - sort: [{k: desc}, {s: asc}]\n"
                       "  - select: {s: s, k: k, next: \"n + 1\"}\n",
                       options);
    ASSERT_EQ(ran.exit_code, 0) << what << "\n" << ran.err;
    size_t parts = 0;
    const std::vector<std::string> lines = concatenated_lines(dir_ / "out", &parts);
    const std::vector<std::string> expected = reference(rows);
    ASSERT_EQ(lines.size(), expected.size()) << what;
    for (size_t i = 0; i < lines.size(); ++i)
      ASSERT_EQ(lines[i], expected[i]) << what << " line " << i;
    if (parallelism > 0) {
      EXPECT_EQ(parts, static_cast<size_t>(parallelism)) << what;
    }
    EXPECT_EQ(read_file(dir_ / "out/part-00000.csv").substr(0, 9), "s,k,next\n") << what;
    auto verified = run({sluice_binary(), "verify", dir_ / "out"});
    EXPECT_EQ(verified.exit_code, 0) << what << "\n" << verified.out << verified.err;
  }
}

TEST_F(GlobalSortJob, LimitAfterASortGivesTheTopRows) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  const std::vector<Row> rows = write_input(random, 5000 + random() % 5000);
  const std::string memory = std::vector<std::string>{"64KiB", "256MiB"}[random() % 2];
  const int limit = std::vector<int>{0, 1, 25, 3000}[random() % 4];
  const std::string what =
      "seed " + std::to_string(seed) + " memory " + memory + " limit " + std::to_string(limit);
  auto ran = run_job("3KiB",
                     "steps:\n"
                     "  - filter: \"n % 5 != 0\"\n"
                     "  - sort: [{k: desc}, {s: asc}]\n"
                     "  - limit: " +
                         std::to_string(limit) +
                         "\n"
                         "  - select: {s: s, k: k, next: \"n + 1\"}\n",
                     "memory_per_task: " + memory + "\n");
  ASSERT_EQ(ran.exit_code, 0) << what << "\n" << ran.err;
  size_t parts = 0;
  const std::vector<std::string> lines = concatenated_lines(dir_ / "out", &parts);
  std::vector<std::string> expected = reference(rows);
  expected.resize(std::min<size_t>(expected.size(), static_cast<size_t>(limit)));
  EXPECT_EQ(parts, 1u) << what;
  EXPECT_EQ(lines, expected) << what;
}

TEST_F(GlobalSortJob, LimitWithoutASortKeepsTheFirstRowsInInputOrder) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  const std::vector<Row> rows = write_input(random, 3000);
  auto ran = run_job("2KiB", "steps:\n  - limit: 100\n  - select: [n]\n", "");
  ASSERT_EQ(ran.exit_code, 0) << "seed " << seed << "\n" << ran.err;
  size_t parts = 0;
  const std::vector<std::string> lines = concatenated_lines(dir_ / "out", &parts);
  std::vector<std::string> expected;
  for (int64_t n = 0; n < 100; ++n) expected.push_back(std::to_string(n));
  EXPECT_EQ(lines, expected) << "seed " << seed;
}

TEST_F(GlobalSortJob, LimitAfterAnAggregateAndSortGivesTheTopGroups) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  const std::vector<Row> rows = write_input(random, 4000);
  std::map<std::string, int64_t> counts;
  for (const Row& row : rows) counts[row.s]++;
  std::vector<std::pair<int64_t, std::string>> groups;
  for (const auto& [s, count] : counts) groups.push_back({-count, s});
  std::sort(groups.begin(), groups.end());
  auto ran = run_job("5KiB",
                     "steps:\n"
                     "  - aggregate: {by: [s], aggs: {c: \"count(*)\"}}\n"
                     "  - sort: [{c: desc}, {s: asc}]\n"
                     "  - limit: 3\n",
                     "parallelism: 4\n");
  ASSERT_EQ(ran.exit_code, 0) << "seed " << seed << "\n" << ran.err;
  size_t parts = 0;
  const std::vector<std::string> lines = concatenated_lines(dir_ / "out", &parts);
  std::vector<std::string> expected;
  for (size_t i = 0; i < 3 && i < groups.size(); ++i) {
    expected.push_back(csv_field(groups[i].second) + "," + std::to_string(-groups[i].first));
  }
  EXPECT_EQ(lines, expected) << "seed " << seed;
}

// The coordinator killed once the bucket tasks are planned, a map output
// damaged meanwhile: the resumed run's bucket task finds a block failing its
// checksum, the map task runs again, and the output is still exact.
TEST_F(GlobalSortJob, ADamagedMapOutputRunsItsMapTaskAgain) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  const std::vector<Row> rows = write_input(random, 6000);
  const std::string steps =
      "steps:\n"
      "  - filter: \"n % 5 != 0\"\n"
      "  - sort: [{k: desc}, {s: asc}]\n"
      "  - select: {s: s, k: k, next: \"n + 1\"}\n";
  write_file(dir_ / "job.yaml",
             "name: global-sort\n"
             "input: {path: input.csv, split_size: 20KiB}\n"
             "schema: {columns: {k: {type: int64}, n: {type: int64}}}\n" +
                 steps + "parallelism: 2\noutput: {path: out}\n");
  auto crashed = run({"env", "SLUICE_CRASH_AT=buckets-planned", sluice_binary(), "run", "job.yaml",
                      "--workers", "2", "--state", dir_ / "state", "--no-progress"},
                     dir_.path());
  ASSERT_EQ(crashed.exit_code, 128 + 9) << "seed " << seed << "\n" << crashed.err;
  std::string damaged;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_ / "out")) {
    if (entry.path().filename() == "map-00001.bin") damaged = entry.path().string();
  }
  ASSERT_FALSE(damaged.empty()) << "no published map output";
  {
    std::fstream file(damaged, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(200);
    file.put('\x7e');
  }
  auto resumed = run({sluice_binary(), "run", "job.yaml", "--workers", "2", "--state",
                      dir_ / "state", "--no-progress"},
                     dir_.path());
  ASSERT_EQ(resumed.exit_code, 0) << "seed " << seed << "\n" << resumed.err;
  EXPECT_NE(resumed.err.find("map output lost"), std::string::npos) << resumed.err;
  EXPECT_NE(resumed.err.find("fails its checksum"), std::string::npos) << resumed.err;
  size_t parts = 0;
  EXPECT_EQ(concatenated_lines(dir_ / "out", &parts), reference(rows)) << "seed " << seed;
  EXPECT_EQ(parts, 2u);
}

TEST_F(GlobalSortJob, RefusesWhatItDoesNotSupportAtSubmission) {
  std::mt19937_64 random(1);
  write_input(random, 10);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"  - sort: [k]\n  - aggregate: {by: [s], aggs: {c: \"count(*)\"}}\n",
       "aggregate or distinct after a sort"},
      {"  - sort: [k]\n  - sort: [s]\n", "only one sort"},
      {"  - sort: [k]\n  - limit: 3\n  - filter: \"n > 1\"\n", "filter after a limit"},
      {"  - sort: [nope]\n", "unknown column \"nope\""},
      {"  - limit: -1\n", "whole number"},
      {"  - aggregate: {by: [s], aggs: {c: \"count(*)\"}}\n  - limit: 3\n",
       "needs a sort between them"},
  };
  for (const auto& [steps, message] : cases) {
    auto ran = run_job("1MiB", "steps:\n" + steps, "");
    EXPECT_EQ(ran.exit_code, 2) << steps << ran.err;
    EXPECT_NE(ran.err.find(message), std::string::npos) << steps << ran.err;
  }
}

}  // namespace
}  // namespace sluice::testing
