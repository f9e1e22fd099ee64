// Empty inputs are empty: a 0-byte file is 0 rows, as Spark and Polars read
// it. The job succeeds with a manifest, _SUCCESS and one part of 0 rows
// under the header of the columns the steps name; in a directory mixing
// empty and non-empty files the empty ones add no partition and no row. A
// global aggregate over no rows is one row (count 0), as in SQL.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/cluster/job_files.h"
#include "tests/support/cluster.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

CommandResult run_job(const TempDir& dir, const std::string& job_file) {
  return run({sluice_binary(), "run", dir / job_file, "--workers", "2", "--state",
              dir / ("state-" + job_file), "--no-progress"},
             dir.path());
}

void expect_verified(const std::string& output) {
  auto verified = run({sluice_binary(), "verify", output});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_TRUE(fs::exists(output + "/_SUCCESS"));
  EXPECT_FALSE(fs::exists(output + "/_temporary"));
  EXPECT_FALSE(fs::exists(output + "/_partials"));
}

nlohmann::json manifest_of(const std::string& output) {
  return nlohmann::json::parse(read_file(output + "/_MANIFEST.json"));
}

TEST(EmptyInput, ZeroByteFileIsZeroRowsUnderTheNamedColumns) {
  TempDir dir;
  write_file(dir / "empty.csv", "");
  write_file(dir / "w1.yaml", w1_job(dir / "empty.csv", "out/", "1MiB"));
  auto result = run_job(dir, "w1.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(part_files(dir / "out"), std::vector<std::string>{"part-00000.csv"});
  // The select names the columns: the part is their header and no row.
  EXPECT_EQ(read_file(dir / "out/part-00000.csv"), "vehicle_make,issuing_agency,address\n");
  const auto manifest = manifest_of(dir / "out");
  EXPECT_EQ(manifest.at("rows_in"), 0);
  EXPECT_EQ(manifest.at("rows_out"), 0);
  EXPECT_TRUE(manifest.at("partitions").empty());
  expect_verified(dir / "out");
}

TEST(EmptyInput, ZeroByteFileThroughAPassthroughIsAnEmptyPart) {
  TempDir dir;
  write_file(dir / "empty.csv", "");
  write_file(dir / "pass.yaml", passthrough_job(dir / "empty.csv", "out/", "1MiB"));
  auto result = run_job(dir, "pass.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // No header to pass through and no step naming a column: 0 bytes.
  ASSERT_EQ(part_files(dir / "out"), std::vector<std::string>{"part-00000.csv"});
  EXPECT_EQ(fs::file_size(dir / "out/part-00000.csv"), 0u);
  expect_verified(dir / "out");
}

TEST(EmptyInput, DirectoryMixingEmptyAndNonEmptyFilesReadsTheRowsOfTheNonEmpty) {
  TempDir dir;
  fs::create_directories(dir / "in");
  write_file(dir / "in/a-empty.csv", "");  // first in name order: the header is another's
  ASSERT_EQ(run({sluice_binary(), "gen", "parking", "--rows", "3000", "--seed", "5", "--out",
                 dir / "in/b.csv"})
                .exit_code,
            0);
  write_file(dir / "in/c-empty.csv", "");
  write_file(dir / "w1.yaml", w1_job(dir / "in", "out/", "64KiB"));
  auto result = run_job(dir, "w1.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(run({"python3", source_dir() + "/tests/reference/reference.py", "w1", dir / "in/b.csv",
                 dir / "reference.csv"})
                .exit_code,
            0);
  EXPECT_EQ(concat_parts(dir / "out"), read_file(dir / "reference.csv"));
  const auto manifest = manifest_of(dir / "out");
  EXPECT_EQ(manifest.at("inputs").size(), 3u) << "every input is listed, empty or not";
  ASSERT_FALSE(manifest.at("partitions").empty());
  for (const auto& partition : manifest.at("partitions")) {
    EXPECT_EQ(partition.at("input_file"), dir / "in/b.csv") << "an empty file got a partition";
  }
  expect_verified(dir / "out");
}

std::string aggregate_job(const std::string& input, const std::string& by) {
  return "name: empty-aggregate\n"
         "input:\n"
         "  path: " +
         input +
         "\n"
         "steps:\n"
         "  - aggregate:\n" +
         by +
         "      aggs: {n: \"count(*)\", plates: \"count_distinct(\\\"Plate ID\\\")\"}\n"
         "output:\n"
         "  path: out/\n";
}

TEST(EmptyInput, GlobalAggregateOverNoRowsIsOneRowOfCountZero) {
  TempDir dir;
  write_file(dir / "empty.csv", "");
  write_file(dir / "global.yaml", aggregate_job(dir / "empty.csv", ""));
  auto result = run_job(dir, "global.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(read_file(dir / "out/part-00000.csv"), "n,plates\n0,0\n");
  expect_verified(dir / "out");
}

TEST(EmptyInput, GroupedAggregateOverNoRowsIsNoRow) {
  TempDir dir;
  write_file(dir / "empty.csv", "");
  write_file(dir / "grouped.yaml",
             aggregate_job(dir / "empty.csv", "      by: [\"Registration State\"]\n"));
  auto result = run_job(dir, "grouped.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(read_file(dir / "out/part-00000.csv"), "Registration State,n,plates\n");
  expect_verified(dir / "out");
}

}  // namespace
}  // namespace sluice::testing
