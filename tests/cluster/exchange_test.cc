// The exchange end to end (docs/ARCHITECTURE.md, "Stages and exchanges"):
// random small CSV inputs run through `sluice run` with random split sizes,
// bucket counts (`parallelism`) and memory budgets small enough to make map
// and bucket tasks spill, against a reference computed here. The rows of
// all parts together are the reference's; each part is in key order; with
// one bucket task the output is exactly the reference. The same for
// `distinct`. Randomized; the seed is printed (SLUICE_SEED replays).
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

namespace sluice::testing {
namespace {

struct Group {
  int64_t count = 0;
  int64_t sum = 0;
  std::string min, max;
  std::set<std::string> tags;
};

// Data lines of every part (the header of each dropped), in part order.
std::vector<std::vector<std::string>> part_lines(const std::string& output) {
  std::vector<std::vector<std::string>> parts;
  for (const std::string& name : part_files(output)) {
    std::istringstream in(read_file(output + "/" + name));
    std::vector<std::string> lines;
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) lines.push_back(line);
    parts.push_back(std::move(lines));
  }
  return parts;
}

class Exchange : public ::testing::Test {
 protected:
  // Writes a random input and returns the groups by (k1, k2).
  std::map<std::pair<std::string, std::string>, Group> write_input(std::mt19937_64& random,
                                                                   size_t rows) {
    std::map<std::pair<std::string, std::string>, Group> groups;
    static const std::vector<std::string> kTags = {"a", "b", "c,d", "e\"f", ""};
    const size_t keys = 1 + random() % 3000;
    std::string text = "k1,k2,v,tag\n";
    for (size_t r = 0; r < rows; ++r) {
      const size_t key = random() % keys;
      const std::string k1 =
          key % 7 == 0 ? "" : "key " + std::to_string(key % 500) + (key % 3 ? "" : ",x");
      const std::string k2 = std::to_string(key / 500);
      const int64_t v = static_cast<int64_t>(random() % 2000) - 1000;
      const std::string tag = kTags[random() % kTags.size()];
      text += csv_field(k1) + "," + k2 + "," + std::to_string(v) + "," + csv_field(tag) + "\n";
      Group& group = groups[{k1, k2}];
      if (group.count == 0 || tag < group.min) group.min = tag;
      if (group.count == 0 || tag > group.max) group.max = tag;
      group.count++;
      group.sum += v;
      group.tags.insert(tag);
    }
    write_file(dir_ / "input.csv", text);
    return groups;
  }

  CommandResult run_job(const std::string& steps, const std::string& options) {
    write_file(dir_ / "job.yaml",
               "name: exchange\n"
               "input: {path: input.csv, split_size: " +
                   split_ +
                   "}\n"
                   "schema: {columns: {v: {type: int64}, k2: {type: int64}}}\n" +
                   steps + options + "output: {path: out, mode: overwrite}\n");
    return run({sluice_binary(), "run", "job.yaml", "--workers", "2", "--state", dir_ / "state",
                "--no-progress"},
               dir_.path());
  }

  TempDir dir_;
  std::string split_;
};

TEST_F(Exchange, AggregateMatchesTheReferenceForAnySplitBucketsAndMemory) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  for (int round = 0; round < 4; ++round) {
    const auto groups = write_input(random, 2000 + random() % 20000);
    split_ = std::vector<std::string>{"1KiB", "7KiB", "64KiB", "64MiB"}[random() % 4];
    const int parallelism = std::vector<int>{0, 1, 3, 7}[random() % 4];
    const std::string memory = std::vector<std::string>{"64KiB", "256KiB", "256MiB"}[random() % 3];
    std::string options = "memory_per_task: " + memory + "\n";
    if (parallelism > 0) options += "parallelism: " + std::to_string(parallelism) + "\n";
    const std::string what = "seed " + std::to_string(seed) + " round " + std::to_string(round) +
                             " split " + split_ + " parallelism " + std::to_string(parallelism) +
                             " memory " + memory;
    auto ran = run_job(
        "steps:\n"
        "  - aggregate: {by: [k1, k2], aggs: {n: \"count(*)\", total: \"sum(v)\", "
        "first: \"min(tag)\", last: \"max(tag)\", tags: \"count_distinct(tag)\"}}\n",
        options);
    ASSERT_EQ(ran.exit_code, 0) << what << "\n" << ran.err;

    std::vector<std::string> expected;
    for (const auto& [key, group] : groups) {
      expected.push_back(csv_field(key.first) + "," + key.second + "," +
                         std::to_string(group.count) + "," + std::to_string(group.sum) + "," +
                         csv_field(group.min) + "," + csv_field(group.max) + "," +
                         std::to_string(group.tags.size()));
    }
    const auto parts = part_lines(dir_ / "out");
    ASSERT_EQ(parts.size(), parallelism > 0 ? static_cast<size_t>(parallelism) : parts.size())
        << what;
    std::vector<std::string> all;
    for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
    std::vector<std::string> sorted_all = all, sorted_expected = expected;
    std::sort(sorted_all.begin(), sorted_all.end());
    std::sort(sorted_expected.begin(), sorted_expected.end());
    EXPECT_EQ(sorted_all, sorted_expected) << what;
    if (parts.size() == 1) {
      EXPECT_EQ(all, expected) << what << ": one part is in key order";
    }
    auto verified = run({sluice_binary(), "verify", dir_ / "out"});
    EXPECT_EQ(verified.exit_code, 0) << what << "\n" << verified.err;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "out/_partials")) << what;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "out/_temporary")) << what;
  }
}

TEST_F(Exchange, DistinctGivesEachValueOnce) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  const auto groups = write_input(random, 5000);
  split_ = "3KiB";
  auto ran = run_job("steps:\n  - distinct: [k1]\n", "memory_per_task: 64KiB\nparallelism: 2\n");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  std::set<std::string> expected;
  // A lone empty column is written "" (not an empty line, which readers skip).
  for (const auto& [key, group] : groups)
    expected.insert(key.first.empty() ? "\"\"" : csv_field(key.first));
  std::multiset<std::string> got;
  for (const auto& part : part_lines(dir_ / "out")) got.insert(part.begin(), part.end());
  EXPECT_EQ(got, std::multiset<std::string>(expected.begin(), expected.end())) << "seed " << seed;

  // Every column: the distinct rows of (k1, k2, v, tag).
  std::istringstream input(read_file(dir_ / "input.csv"));
  std::string line;
  std::getline(input, line);
  std::set<std::string> rows;
  while (std::getline(input, line)) rows.insert(line);
  ran = run_job("steps:\n  - distinct: []\n", "");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  got.clear();
  for (const auto& part : part_lines(dir_ / "out")) got.insert(part.begin(), part.end());
  EXPECT_EQ(got, std::multiset<std::string>(rows.begin(), rows.end())) << "seed " << seed;
}

}  // namespace
}  // namespace sluice::testing
