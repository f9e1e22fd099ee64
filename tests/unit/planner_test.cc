#include "coordinator/planner.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(Planner, SplitsFileIntoRangesThatCoverEveryByteOnce) {
  std::vector<InputFile> files = {{"/a", 1000, 0}, {"/b", 64, 0}};
  const auto ranges = plan_ranges(files, 300);
  ASSERT_EQ(ranges.size(), 5u);
  EXPECT_EQ(ranges[0].begin_offset, 0u);
  EXPECT_EQ(ranges[0].end_offset, 300u);
  EXPECT_EQ(ranges[3].begin_offset, 900u);
  EXPECT_EQ(ranges[3].end_offset, 1000u);
  EXPECT_EQ(ranges[4].file_index, 1u);
  EXPECT_EQ(ranges[4].begin_offset, 0u);
  EXPECT_EQ(ranges[4].end_offset, 64u);
  for (size_t i = 1; i < 4; ++i) EXPECT_EQ(ranges[i].begin_offset, ranges[i - 1].end_offset);
}

// A 0-byte file holds no rows: it gets no partition, the others keep theirs.
TEST(Planner, EmptyFileGetsNoRange) {
  EXPECT_TRUE(plan_ranges({{"/empty", 0, 0}}, 100).empty());
  const auto ranges = plan_ranges({{"/empty", 0, 0}, {"/a", 150, 0}, {"/e.csv.gz", 0, 0}}, 100);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].file_index, 1u);
  EXPECT_EQ(ranges[1].file_index, 1u);
  EXPECT_EQ(ranges[1].end_offset, 150u);
}

TEST(Planner, ExactMultipleOfSplitSizeHasNoTrailingEmptyRange) {
  const auto ranges = plan_ranges({{"/a", 600, 0}}, 300);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[1].end_offset, 600u);
}

TEST(Planner, RandomSizesAlwaysTileTheFile) {
  const uint64_t seed = 12345;
  std::srand(seed);
  for (int round = 0; round < 200; ++round) {
    const uint64_t size = static_cast<uint64_t>(std::rand()) % 100000;
    const uint64_t split = 1 + static_cast<uint64_t>(std::rand()) % 5000;
    const auto ranges = plan_ranges({{"/f", size, 0}}, split);
    uint64_t covered = 0;
    for (const PlannedRange& range : ranges) {
      ASSERT_EQ(range.begin_offset, covered) << "seed=" << seed;
      ASSERT_LE(range.end_offset - range.begin_offset, split);
      covered = range.end_offset;
    }
    ASSERT_EQ(covered, size);
  }
}

// Parquet: ranges are cut at row group starts only, each holding at least
// one group's first byte, tiling the file.
TEST(Planner, CutsParquetFilesAtRowGroupStarts) {
  const std::vector<std::vector<uint64_t>> starts = {{4, 100, 180, 400, 410, 900}, {}};
  const auto ranges = plan_ranges({{"/a.parquet", 1000, 0}, {"/b.parquet", 250, 0}}, 150, &starts);
  std::vector<std::pair<uint64_t, uint64_t>> a;
  for (const PlannedRange& range : ranges) {
    if (range.file_index == 0) a.emplace_back(range.begin_offset, range.end_offset);
  }
  const std::vector<std::pair<uint64_t, uint64_t>> expected = {
      {0, 180}, {180, 400}, {400, 900}, {900, 1000}};
  EXPECT_EQ(a, expected);
  // A file with no known starts (a footer not read) is cut by bytes.
  ASSERT_EQ(ranges.size(), 6u);
  EXPECT_EQ(ranges[4].end_offset, 150u);
  EXPECT_EQ(ranges[5].end_offset, 250u);
  // One huge row group: one range, whatever the split size.
  const std::vector<std::vector<uint64_t>> one = {{4}};
  EXPECT_EQ(plan_ranges({{"/c.parquet", 5000, 0}}, 100, &one).size(), 1u);
}

}  // namespace
}  // namespace sluice
