// /api/jobs/ID/rejects: the first rejects of a job's published files, read
// within a bound of records and bytes, quoted fields unquoted.
#include "coordinator/rejects_view.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/cluster.h"

namespace sluice {
namespace {

using testing::TempDir;
using testing::write_file;

constexpr const char* kHeader = "source_file,offset,reason,record\n";

TEST(RejectsView, ReadsRecordsWithReasonsAndCountsThem) {
  TempDir dir;
  std::filesystem::create_directories(dir / "_rejects");
  write_file(dir / "_rejects/part-00000.csv",
             std::string(kHeader) +
                 "in.csv,4,\"column \"\"n\"\": value \"\"x\"\" is not an int32\",\"1,x\"\n" +
                 "in.csv,9,too long,\"a\nb\"\n");
  write_file(dir / "_rejects/part-00001.csv", std::string(kHeader) + "in.csv,20,too long,\"c\"\n");
  write_file(dir / "_rejects/other.txt", "not a rejects file\n");
  auto parsed = nlohmann::json::parse(read_rejects_json(dir.path()));
  ASSERT_EQ(parsed["rejects"].size(), 3u) << parsed.dump();
  EXPECT_EQ(parsed["rejects"][0]["reason"], "column \"n\": value \"x\" is not an int32");
  EXPECT_EQ(parsed["rejects"][0]["record"], "1,x");
  EXPECT_EQ(parsed["rejects"][0]["offset"], "4");
  EXPECT_EQ(parsed["rejects"][0]["file"], "_rejects/part-00000.csv");
  EXPECT_EQ(parsed["rejects"][1]["record"], "a\nb");  // a quoted newline stays in its record
  EXPECT_EQ(parsed["rejects"][2]["file"], "_rejects/part-00001.csv");
  EXPECT_EQ(parsed["by_reason"]["too long"], 2);
  EXPECT_EQ(parsed["files"], 2);
  EXPECT_EQ(parsed["truncated"], false);
}

TEST(RejectsView, StopsAtItsRecordAndByteBounds) {
  TempDir dir;
  std::filesystem::create_directories(dir / "_rejects");
  std::string text = kHeader;
  for (int i = 0; i < 1000; ++i)
    text += "in.csv," + std::to_string(i) + ",bad," + std::string(300, 'r') + "\n";
  write_file(dir / "_rejects/part-00000.csv", text);
  write_file(dir / "_rejects/part-00001.csv", text);
  auto by_lines = nlohmann::json::parse(read_rejects_json(dir.path()));
  EXPECT_EQ(by_lines["rejects"].size(), 50u);
  EXPECT_EQ(by_lines["truncated"], true);
  // Records are cut to 200 characters and an ellipsis.
  EXPECT_EQ(by_lines["rejects"][0]["record"], std::string(200, 'r') + "…");
  RejectsLimits small;
  small.bytes_max = 4096;  // about 12 records of 330 bytes
  auto by_bytes = nlohmann::json::parse(read_rejects_json(dir.path(), small));
  EXPECT_GT(by_bytes["rejects"].size(), 5u);
  EXPECT_LT(by_bytes["rejects"].size(), 13u);
  EXPECT_EQ(by_bytes["truncated"], true);
}

TEST(RejectsView, NoRejectsDirectoryIsNoRejects) {
  TempDir dir;
  auto parsed = nlohmann::json::parse(read_rejects_json(dir / "missing"));
  EXPECT_EQ(parsed["rejects"].size(), 0u);
  EXPECT_EQ(parsed["files"], 0);
}

}  // namespace
}  // namespace sluice
