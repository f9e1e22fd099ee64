// Hive-partitioned inputs end to end through `sluice run` / `sluice sql`: a
// seeded random layout (two keys, NULL and escaped values, directories that
// are not keys, empty directories, hidden files, random split sizes) read
// with a filter on a partition column and a file column; the output is the
// rows computed here, and exactly the files the filter rules out are
// skipped (counted in the manifest, never planned). An aggregate by a
// partition column; the round trip with output.partition_by; `sluice sql`
// with read_csv(…, hive_partitioning=true); `sluice explain`; and DuckDB's
// reading of the same directory (hive_partitioning=true). Randomized; the
// seed is printed (SLUICE_SEED replays).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cluster.h"
#include "tests/support/hive_escape.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

std::string hive_dir(const std::string& key, const std::optional<std::string>& value) {
  return key + "=" + (value ? hive_escape(*value) : std::string("__HIVE_DEFAULT_PARTITION__"));
}

// The data lines of every part file (headers dropped), sorted.
std::vector<std::string> output_lines(const std::string& output) {
  std::vector<std::string> lines;
  for (const auto& entry : fs::recursive_directory_iterator(output)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.rfind("part-", 0) != 0) continue;
    std::istringstream in(read_file(entry.path().string()));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

struct File {
  std::optional<std::string> year, city;
  std::string path;  // relative to the test directory
  uint64_t bytes = 0;
  std::vector<std::pair<int, int>> rows;  // id, amount
};

class HiveInput : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = test_seed();
    random_.seed(seed_);
  }

  // data/[raw/]year=…/[batch/]city=…/part-N.csv with `id,amount`; every
  // file holds at least one row. Some empty directories and a hidden file.
  std::vector<File> write_layout(bool hidden_files = true) {
    static const std::vector<std::optional<std::string>> kYears = {"2019", "2020", "2021", "2022",
                                                                   std::nullopt};
    static const std::vector<std::optional<std::string>> kCities = {
        "north", "a/b", "x=y", "50%", "caf\xC3\xA9", "sp ace", std::nullopt};
    std::vector<File> files;
    int next_id = 0;
    const bool extra_dir = random_() % 2 == 0;  // a directory that is not a key
    for (const auto& year : kYears) {
      for (const auto& city : kCities) {
        if (random_() % 3 == 0) continue;
        const std::string dir = "data/" + hive_dir("year", year) + "/" +
                                (extra_dir ? "batch/" : "") + hive_dir("city", city);
        fs::create_directories(dir_ / dir);
        const int count = 1 + static_cast<int>(random_() % 3);
        for (int f = 0; f < count; ++f) {
          File file{year, city, dir + "/part-" + std::to_string(f) + ".csv", 0, {}};
          std::string text = "id,amount\n";
          const int rows = 1 + static_cast<int>(random_() % 30);
          for (int r = 0; r < rows; ++r) {
            file.rows.emplace_back(next_id++, static_cast<int>(random_() % 100));
            text += std::to_string(file.rows.back().first) + "," +
                    std::to_string(file.rows.back().second) + "\n";
          }
          write_file(dir_ / file.path, text);
          file.bytes = text.size();
          files.push_back(std::move(file));
        }
      }
    }
    fs::create_directories(dir_ / "data/year=2023/city=empty");  // no file
    if (hidden_files) {  // passed over (DuckDB's `**` would read them)
      write_file(dir_ / "data/_SUCCESS", "");
      write_file(dir_ / "data/.hidden.csv", "not,a,csv,of,this,layout\n");
    }
    return files;
  }

  CommandResult run_job(const std::string& yaml) {
    write_file(dir_ / "job.yaml", yaml);
    return run({sluice_binary(), "run", "job.yaml", "--workers", "2", "--state", dir_ / "state",
                "--no-progress"},
               dir_.path());
  }

  uint64_t seed_ = 0;
  std::mt19937_64 random_;
  TempDir dir_;
};

TEST_F(HiveInput, RandomLayoutGivesTheComputedRowsAndSkipsExactlyTheRuledOutFiles) {
  const std::vector<File> files = write_layout();
  const uint64_t split = 256 + random_() % 512;
  auto result = run_job(
      "name: hive\n"
      "input: {path: data, split_size: " +
      std::to_string(split) +
      "}\n"
      "schema: {columns: {amount: int64}}\n"
      "steps:\n"
      "  - filter: \"year >= 2021 AND amount > 40\"\n"
      "  - select: [id, amount, year, city]\n"
      "output: {path: out}\n");
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err << " seed=" << seed_;
  std::vector<std::string> expected;
  uint64_t skipped = 0, skipped_bytes = 0, ranges = 0, rows_in = 0;
  for (const File& file : files) {
    if (!file.year || std::stoi(*file.year) < 2021) {
      skipped++;
      skipped_bytes += file.bytes;
      continue;
    }
    ranges += (file.bytes + split - 1) / split;
    rows_in += file.rows.size();
    for (const auto& [id, amount] : file.rows) {
      if (amount <= 40) continue;
      expected.push_back(std::to_string(id) + "," + std::to_string(amount) + "," + *file.year +
                         "," + csv_field(file.city.value_or("")));
    }
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(output_lines(dir_ / "out"), expected) << "seed=" << seed_;
  const auto manifest = nlohmann::json::parse(read_file(dir_ / "out/_MANIFEST.json"));
  EXPECT_EQ(manifest.value("hive_files_skipped", 0u), skipped) << "seed=" << seed_;
  EXPECT_EQ(manifest.value("hive_bytes_skipped", 0u), skipped_bytes) << "seed=" << seed_;
  // Only the files kept were planned (a range each split_size) and read.
  EXPECT_EQ(manifest.at("partitions").size(), ranges) << "seed=" << seed_;
  EXPECT_EQ(manifest.at("rows_in").get<uint64_t>(), rows_in) << "seed=" << seed_;

  // An aggregate by a partition column (the map tasks get it like any column).
  auto aggregate = run_job(
      "name: hive-agg\n"
      "input: {path: 'data/**/*.csv', hive_partitioning: true}\n"
      "steps:\n"
      "  - filter: \"city <> 'north'\"\n"
      "  - aggregate: {by: [year], aggs: {n: count(*)}}\n"
      "output: {path: agg}\n");
  ASSERT_EQ(aggregate.exit_code, 0) << aggregate.out << aggregate.err << " seed=" << seed_;
  std::map<std::string, uint64_t> counts;
  for (const File& file : files) {
    if (file.city == "north") continue;
    counts[file.year.value_or("")] += file.rows.size();
  }
  std::vector<std::string> expected_counts;
  for (const auto& [year, n] : counts) expected_counts.push_back(year + "," + std::to_string(n));
  std::sort(expected_counts.begin(), expected_counts.end());
  EXPECT_EQ(output_lines(dir_ / "agg"), expected_counts) << "seed=" << seed_;

  // explain names the keys and the files it would skip.
  auto explained = run({sluice_binary(), "explain", "job.yaml"}, dir_.path());
  ASSERT_EQ(explained.exit_code, 0) << explained.err;
  EXPECT_NE(explained.out.find("hive        partition columns year int64, city string"),
            std::string::npos)
      << explained.out;
}

TEST_F(HiveInput, InconsistentKeysAreRefusedNamingTwoFiles) {
  fs::create_directories(dir_ / "data/year=2020/city=a");
  fs::create_directories(dir_ / "data/city=b/year=2021");
  write_file(dir_ / "data/year=2020/city=a/part-0.csv", "id\n1\n");
  write_file(dir_ / "data/city=b/year=2021/part-0.csv", "id\n2\n");
  auto result = run_job("name: bad\ninput: {path: data}\noutput: {path: out}\n");
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("same partition keys in the same order"), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("city=b/year=2021/part-0.csv has city, year"), std::string::npos)
      << result.err;
  // Turned off, the same files are read as they are.
  auto off =
      run_job("name: off\ninput: {path: data, hive_partitioning: false}\noutput: {path: out}\n");
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_EQ(output_lines(dir_ / "out"), (std::vector<std::string>{"1", "2"}));
}

TEST_F(HiveInput, PartitionByOutputReadsBackAsTheSameRows) {
  static const std::vector<std::string> kRegions = {
      "north", "south/east", "a=b", "50%", "", "caf\xC3\xA9", "x:y?z", "sp ace", "007"};
  std::vector<std::string> original;
  std::string text = "id,region,v,kind\n";
  const size_t rows = 200 + random_() % 200;
  for (size_t r = 0; r < rows; ++r) {
    const std::string region = kRegions[random_() % kRegions.size()];
    const std::string kind = "k" + std::to_string(random_() % 3);
    const std::string v = std::to_string(random_() % 1000);
    text += std::to_string(r) + "," + csv_field(region) + "," + v + "," + kind + "\n";
    // Read back: the file's columns, then the keys in path order.
    original.push_back(std::to_string(r) + "," + v + "," + csv_field(region) + "," + kind);
  }
  std::sort(original.begin(), original.end());
  write_file(dir_ / "input.csv", text);
  // Each format the files can be written in, read back with random splits.
  for (const std::string format : {"csv", "jsonl", "parquet"}) {
    auto written = run_job("name: write-" + format +
                           "\ninput: {path: input.csv, split_size: 4KiB}\n"
                           "output: {path: parts-" +
                           format + ", format: " + format + ", partition_by: [region, kind]}\n");
    ASSERT_EQ(written.exit_code, 0) << written.err << " seed=" << seed_;
    const std::string split = std::to_string(256 + random_() % 2048);
    auto read =
        run_job("name: read-" + format + "\ninput: {path: parts-" + format + ", format: " + format +
                ", split_size: " + split + "}\noutput: {path: back-" + format + "}\n");
    ASSERT_EQ(read.exit_code, 0) << read.err << " seed=" << seed_;
    EXPECT_EQ(output_lines(dir_ / ("back-" + format)), original)
        << "format=" << format << " seed=" << seed_;
  }
}

TEST_F(HiveInput, SqlReadsAPartitionedDirectoryAndPrunes) {
  const std::vector<File> files = write_layout();
  uint64_t expected = 0;
  for (const File& file : files) {
    if (file.year == "2022") expected += file.rows.size();
  }
  auto result = run({sluice_binary(), "sql",
                     "SELECT count(*) AS n FROM read_csv('data/**/*.csv', hive_partitioning=true) "
                     "WHERE year = 2022",
                     "--workers", "2"},
                    dir_.path());
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err << " seed=" << seed_;
  EXPECT_NE(result.out.find("│ " + std::to_string(expected) + " "), std::string::npos)
      << result.out << " expected " << expected << " seed=" << seed_;
  auto explained = run({sluice_binary(), "explain", "--sql",
                        "SELECT id FROM read_csv('data/**/*.csv', hive_partitioning=true) "
                        "WHERE year = 2022"},
                       dir_.path());
  ASSERT_EQ(explained.exit_code, 0) << explained.err;
  uint64_t skipped = 0;
  for (const File& file : files) skipped += file.year != "2022" ? 1 : 0;
  EXPECT_NE(explained.out.find(std::to_string(skipped) + " of " + std::to_string(files.size()) +
                               " files skipped by their partition values"),
            std::string::npos)
      << explained.out << " seed=" << seed_;
}

TEST_F(HiveInput, ReadsTheDirectoryAsDuckDbDoesWithHivePartitioning) {
  if (run({"sh", "-c", "command -v node"}).exit_code != 0) {
    GTEST_SKIP() << "node is not installed (apt-get install nodejs npm): DuckDB is from npm";
  }
  const std::string here = source_dir() + "/tests/parquet";
  if (!fs::exists(here + "/node_modules/@duckdb/node-api")) {
    auto installed = run({"npm", "install", "--no-audit", "--no-fund", "--loglevel=error"}, here);
    ASSERT_EQ(installed.exit_code, 0) << installed.err;
  }
  write_layout(false);
  auto result = run_job("name: all\ninput: {path: 'data/**/*.csv'}\noutput: {path: out}\n");
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err << " seed=" << seed_;
  // sluice: the file's columns, then the keys in path order (as Spark and
  // Polars); DuckDB orders the keys by name: the same set of columns.
  const std::string ours = "id,amount,year,city";
  EXPECT_EQ(read_file(dir_ / "out/part-00000.csv").substr(0, ours.size() + 1), ours + "\n");
  auto duckdb = run({"node", "hive_read.mjs", dir_ / "data/**/*.csv", ours}, here);
  ASSERT_EQ(duckdb.exit_code, 0) << duckdb.err;
  std::istringstream lines(duckdb.out);
  std::string header;
  std::getline(lines, header);
  EXPECT_EQ(header, "id,amount,city,year");
  std::vector<std::string> expected;
  for (std::string line; std::getline(lines, line);) expected.push_back(line);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(output_lines(dir_ / "out"), expected) << "seed=" << seed_;
}

}  // namespace
}  // namespace sluice::testing
