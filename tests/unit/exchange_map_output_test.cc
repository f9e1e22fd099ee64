// The exchange's map output file (common/exchange/map_output.h) and its
// arithmetic (exchange.h): random rows written under random buffer budgets
// (so 0 to many run files are merged) read back bucket by bucket as the
// same rows, each in the bucket bucket_of_row gives; a damaged file or
// bucket is refused with the reason; bucket tasks cover every bucket once.
// Randomized; the seed is printed. Replay with SLUICE_SEED=<seed>.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/base/limits.h"
#include "common/csv/range_reader.h"
#include "common/exchange/exchange.h"
#include "common/exchange/map_output.h"
#include "common/io/byte_source.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

using Row = std::vector<std::optional<std::string>>;  // nullopt: NULL

using testing::test_seed;  // $SLUICE_SEED or the clock; printed

std::string random_text(std::mt19937_64& random) {
  // Whole characters: the CSV reader checks UTF-8, as every sluice input is.
  static const std::vector<std::string> kAlphabet = {"a",  "b", ",", "\"", "\n",
                                                     "\r", " ", "=", "x",  "\xc3\xa9"};
  std::string text;
  const size_t length = random() % 6;
  for (size_t i = 0; i < length; ++i) text += kAlphabet[random() % kAlphabet.size()];
  return text;
}

OutputBatch to_batch(const std::vector<Row>& rows, size_t columns) {
  OutputBatch batch;
  batch.column_count = columns;
  for (const Row& row : rows) {
    for (const auto& cell : row) {
      batch.owned.push_back(cell.value_or(""));
      batch.fields.push_back(batch.owned.back());
      batch.nulls.push_back(cell.has_value() ? 0 : 1);
    }
    batch.row_count++;
  }
  return batch;
}

// The rows of buckets [begin, end) of a map output, as a bucket task reads
// them (an empty field reads as NULL: the partial-row encoding never writes
// a non-NULL empty key, and the test compares with that in mind).
std::vector<std::vector<std::string>> read_buckets(const std::string& path, uint32_t begin,
                                                   uint32_t end, size_t columns) {
  auto source = FileSource::open(path);
  EXPECT_TRUE(source.is_ok());
  auto index = read_map_output_index(*source.value(), path);
  EXPECT_TRUE(index.is_ok()) << index.status().to_string();
  EXPECT_TRUE(verify_buckets(*source.value(), *index, begin, end, path).is_ok());
  const uint64_t first = (*index)[begin].offset;
  const uint64_t last = (*index)[end - 1].offset + (*index)[end - 1].length;
  std::vector<std::vector<std::string>> rows;
  if (first == last) return rows;
  PrefixSource range(*source.value(), last);
  CsvRangeOptions options;
  options.dialect.header = false;
  options.begin_offset = first;
  options.end_offset = last;
  options.start_is_exact = true;
  options.exact_start_offset = first;
  options.expected_columns = columns;
  options.read_chunk_bytes = 64;  // cross buffer boundaries often
  CsvRangeReader reader(range, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  while (true) {
    auto more = reader.next(batch, rejects);
    EXPECT_TRUE(more.is_ok());
    EXPECT_TRUE(rejects.empty()) << rejects[0].reason;
    for (size_t r = 0; r < batch.row_count; ++r) {
      std::vector<std::string> row;
      for (size_t c = 0; c < columns; ++c) row.emplace_back(batch.field(r, c));
      rows.push_back(std::move(row));
    }
    if (!more.is_ok() || !more.value()) break;
  }
  return rows;
}

TEST(ExchangeMapOutput, RowsComeBackInTheirBucketsWhateverTheBudget) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  testing::TempDir dir;
  for (int round = 0; round < 30; ++round) {
    const size_t columns = 1 + random() % 3;
    const size_t key_count = random() % (columns + 1);
    const uint32_t buckets = 1 + static_cast<uint32_t>(random() % 9);
    const uint64_t budget = std::vector<uint64_t>{1, 64, 512, 1 << 20}[random() % 4];
    // In a directory that does not exist yet, as _temporary/<job>/ before a
    // map task's first spill.
    const std::string path = dir / ("round-" + std::to_string(round) + "/map.bin");
    auto writer = MapOutputWriter::open(path, buckets, key_count, budget);
    ASSERT_TRUE(writer.is_ok());
    std::vector<std::vector<std::vector<std::string>>> expected(buckets);
    const size_t batches = random() % 5;
    for (size_t b = 0; b < batches; ++b) {
      std::vector<Row> rows(random() % 40);
      for (Row& row : rows) {
        for (size_t c = 0; c < columns; ++c) {
          if (random() % 5 == 0) {
            row.push_back(std::nullopt);
          } else {
            row.push_back("=" + random_text(random));  // keys are never empty, as in partial rows
          }
        }
      }
      const OutputBatch batch = to_batch(rows, columns);
      for (size_t r = 0; r < rows.size(); ++r) {
        std::vector<std::string> text;
        for (const auto& cell : rows[r]) text.push_back(cell.value_or(""));
        expected[bucket_of_row(batch, r, key_count, buckets)].push_back(text);
      }
      ASSERT_TRUE(writer.value()->write(batch).is_ok());
    }
    auto stats = writer.value()->finish();
    ASSERT_TRUE(stats.is_ok()) << stats.status().to_string();
    EXPECT_EQ(stats->bytes, std::filesystem::file_size(path));
    writer.value().reset();
    // No run file is left beside it.
    size_t files = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
      files += entry.path().string().find(".run-") != std::string::npos;
    }
    EXPECT_EQ(files, 0u) << "seed " << seed;
    for (uint32_t begin = 0; begin < buckets; ++begin) {
      const uint32_t end = begin + 1 + static_cast<uint32_t>(random() % (buckets - begin));
      std::vector<std::vector<std::string>> want;
      for (uint32_t b = begin; b < end; ++b) {
        want.insert(want.end(), expected[b].begin(), expected[b].end());
      }
      EXPECT_EQ(read_buckets(path, begin, end, columns), want)
          << "seed " << seed << " round " << round << " buckets " << begin << ".." << end << " of "
          << buckets << " budget " << budget;
    }
  }
}

TEST(ExchangeMapOutput, DamagedFilesAndBucketsAreRefusedWithTheReason) {
  testing::TempDir dir;
  const std::string path = dir / "map.bin";
  auto writer = MapOutputWriter::open(path, 4, 1, 1 << 20);
  ASSERT_TRUE(writer.is_ok());
  std::vector<Row> rows;
  for (int i = 0; i < 50; ++i) rows.push_back({"=k" + std::to_string(i), "=1"});
  ASSERT_TRUE(writer.value()->write(to_batch(rows, 2)).is_ok());
  ASSERT_TRUE(writer.value()->finish().is_ok());
  std::string bytes = testing::read_file(path);

  // A flipped byte in a bucket: that bucket fails its checksum.
  std::string flipped = bytes;
  flipped[3] ^= 0x20;
  testing::write_file(dir / "flipped.bin", flipped);
  auto source = FileSource::open(dir / "flipped.bin");
  ASSERT_TRUE(source.is_ok());
  auto index = read_map_output_index(*source.value(), "flipped.bin");
  ASSERT_TRUE(index.is_ok());
  Status verified = verify_buckets(*source.value(), *index, 0, 4, "flipped.bin");
  EXPECT_EQ(verified.code(), StatusCode::kDataError);
  EXPECT_NE(verified.message().find("fails its checksum"), std::string::npos) << verified.message();

  // Cut short: no index.
  testing::write_file(dir / "short.bin", bytes.substr(0, bytes.size() - 5));
  source = FileSource::open(dir / "short.bin");
  ASSERT_TRUE(source.is_ok());
  auto short_index = read_map_output_index(*source.value(), "short.bin");
  EXPECT_FALSE(short_index.is_ok());
  EXPECT_NE(short_index.status().message().find("short.bin"), std::string::npos);

  // A flipped byte in the index: its checksum fails.
  std::string bad_index = bytes;
  bad_index[bytes.size() - 30] ^= 0x01;
  testing::write_file(dir / "index.bin", bad_index);
  source = FileSource::open(dir / "index.bin");
  ASSERT_TRUE(source.is_ok());
  EXPECT_FALSE(read_map_output_index(*source.value(), "index.bin").is_ok());
}

TEST(ExchangePlan, BucketTasksCoverEveryBucketOnceSizedByTheData) {
  for (uint32_t buckets : {1u, 3u, 64u, 4096u}) {
    const uint64_t target = limits::kBucketTargetBytes;
    for (uint64_t bytes : std::vector<uint64_t>{0, 1, target, target + 1, 100ull << 30}) {
      const auto ranges = plan_bucket_tasks(buckets, 0, bytes);
      const uint64_t want = std::clamp<uint64_t>((bytes + target - 1) / target, 1, buckets);
      EXPECT_EQ(ranges.size(), want) << buckets << " " << bytes;
      uint32_t next = 0;
      for (const BucketRange& range : ranges) {
        EXPECT_EQ(range.begin, next);
        EXPECT_LT(range.begin, range.end);
        next = range.end;
      }
      EXPECT_EQ(next, buckets);
    }
  }
  // parallelism: one task a bucket.
  EXPECT_EQ(plan_bucket_tasks(7, 7, 0).size(), 7u);
}

}  // namespace
}  // namespace sluice
