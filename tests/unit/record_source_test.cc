// open_record_source (common/sources/record_source.h): for each kind of
// byte range (CSV, JSON lines, Parquet, a Hive-partitioned file) the
// records are the ones the format's reader gives for the same range
// (open_record_reader over open_input_source), and the ranges of a file
// together give each of its records once; projection, the planned file
// checked before and after, a range of the wrong kind refused. A postgres
// key range is read through it by tests/cluster/postgres_test.cc.
#include "common/sources/record_source.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/base/batch.h"
#include "common/formats/row_writers.h"
#include "common/job/check.h"
#include "common/job/inputs.h"
#include "common/job/job_file.h"
#include "common/parquet/writer.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

using sluice::testing::TempDir;
using sluice::testing::test_seed;
using Rows = std::vector<std::vector<std::string>>;

JobSpec spec_for(const std::string& path, const std::string& format) {
  auto parsed = parse_job_spec(
      "name: j\ninput: {path: '" + path + "', format: " + format + "}\noutput: {path: out}\n",
      "job.yaml");
  SLUICE_ASSERT(parsed.is_ok(), "{}", parsed.status().message());
  return parsed.value();
}

// `path` planned as [begin, end): its size and mtime as now.
ByteRange range_of(const std::string& path, uint64_t begin, uint64_t end) {
  auto file = stat_input(path);
  SLUICE_ASSERT(file.is_ok(), "{}", file.status().message());
  return ByteRange{path, begin, end, false, 0, file->size_bytes, file->mtime_ns};
}

ByteRange whole(const std::string& path) {
  return range_of(path, 0, std::filesystem::file_size(path));
}

Rows drain(RecordReader& reader) {
  Rows rows;
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  while (true) {
    batch.clear();
    auto more = reader.next(batch, rejects);
    SLUICE_ASSERT(more.is_ok(), "{}", more.status().message());
    for (size_t row = 0; row < batch.row_count; ++row) {
      std::vector<std::string> fields;
      for (size_t c = 0; c < batch.column_count; ++c) fields.emplace_back(batch.field(row, c));
      rows.push_back(std::move(fields));
    }
    if (!more.value()) return rows;
  }
}

// The records of `range` through the factory.
Rows read_source(const JobSpec& spec, const ByteRange& range) {
  bool retryable = false;
  auto source = open_record_source(spec, range, retryable);
  SLUICE_ASSERT(source.is_ok(), "{}", source.status().message());
  return drain(*source.value());
}

// The records of `range` as the format's reader gives them.
Rows read_direct(const JobSpec& spec, const ByteRange& range) {
  auto bytes = open_input_source(range.path);
  SLUICE_ASSERT(bytes.is_ok(), "{}", bytes.status().message());
  auto columns = read_input_columns(spec, range.path);
  SLUICE_ASSERT(columns.is_ok(), "{}", columns.status().message());
  std::unique_ptr<RecordReader> reader =
      open_record_reader(spec, *bytes.value(), columns.value(), range);
  return drain(*reader);
}

// Cuts [0, size) at random points; every range's records through the
// factory equal the reader's, and all of them are the whole file's.
void expect_ranges_match(const JobSpec& spec, const std::string& path, uint64_t seed) {
  const ByteRange whole = range_of(path, 0, std::filesystem::file_size(path));
  const Rows all = read_source(spec, whole);
  ASSERT_EQ(all, read_direct(spec, whole)) << "seed=" << seed;
  ASSERT_GE(all.size(), 100u);
  std::mt19937_64 random(seed);
  for (int round = 0; round < 5; ++round) {
    Rows joined;
    uint64_t begin = 0;
    while (begin < whole.end_offset) {
      const uint64_t end =
          std::min<uint64_t>(whole.end_offset, begin + 1 + random() % (whole.end_offset / 4));
      const ByteRange range = range_of(path, begin, end);
      const Rows rows = read_source(spec, range);
      ASSERT_EQ(rows, read_direct(spec, range))
          << "range " << begin << ".." << end << " seed=" << seed;
      joined.insert(joined.end(), rows.begin(), rows.end());
      begin = end;
    }
    ASSERT_EQ(joined, all) << "seed=" << seed;
  }
}

TEST(RecordSource, CsvByteRangesGiveTheReadersRecords) {
  TempDir dir;
  const std::string path = dir / "in.csv";
  std::ofstream out(path);
  out << "id,name,note\n";
  for (int i = 0; i < 400; ++i) out << i << ",name " << i << ",\"a, quoted " << i * 7 << "\"\n";
  out.close();
  const JobSpec spec = spec_for(path, "csv");
  expect_ranges_match(spec, path, test_seed());

  bool retryable = false;
  auto source = open_record_source(spec, whole(path), retryable);
  ASSERT_TRUE(source.is_ok()) << source.status().message();
  EXPECT_EQ(source.value()->columns(), (std::vector<std::string>{"id", "name", "note"}));
  EXPECT_EQ(source.value()->offsets(), RejectOffsets::kBytes);
  ASSERT_TRUE(source.value()->projects_columns());
  source.value()->project({0, 2});  // only id and note
  const Rows rows = drain(*source.value());
  ASSERT_EQ(rows.size(), 400u);
  EXPECT_EQ(rows[3], (std::vector<std::string>{"3", "a, quoted 21"}));
  EXPECT_EQ(source.value()->records_read(), 400u);
  EXPECT_EQ(source.value()->end_offset(), std::filesystem::file_size(path));
}

TEST(RecordSource, JsonlByteRangesGiveTheReadersRecords) {
  TempDir dir;
  const std::string path = dir / "in.jsonl";
  std::ofstream out(path);
  for (int i = 0; i < 300; ++i) out << "{\"id\": " << i << ", \"s\": \"v" << i * 3 << "\"}\n";
  out.close();
  const JobSpec spec = spec_for(path, "jsonl");
  expect_ranges_match(spec, path, test_seed());
  bool retryable = false;
  auto source = open_record_source(spec, whole(path), retryable);
  ASSERT_TRUE(source.is_ok()) << source.status().message();
  EXPECT_FALSE(source.value()->projects_columns());
  EXPECT_EQ(source.value()->columns(), (std::vector<std::string>{"id", "s"}));
}

TEST(RecordSource, ParquetByteRangesGiveTheReadersRecords) {
  TempDir dir;
  const std::string path = dir / "in.parquet";
  {
    // Small row groups: a range holds those whose first byte is in it.
    auto writer = open_row_writer(path, OutputFormat::kParquet, Compression::kNone, {"n", "s"},
                                  {expr::Type::kInt64, expr::Type::kString}, 2048);
    ASSERT_TRUE(writer.is_ok()) << writer.status().message();
    for (int chunk = 0; chunk < 20; ++chunk) {  // a row group closes between batches
      OutputBatch batch;
      batch.column_count = 2;
      for (int i = chunk * 100; i < (chunk + 1) * 100; ++i) {
        batch.owned.push_back(std::to_string(i));
        batch.fields.push_back(batch.owned.back());
        batch.owned.push_back("text " + std::to_string(i * 11));
        batch.fields.push_back(batch.owned.back());
        batch.nulls.insert(batch.nulls.end(), {0, 0});
        batch.row_count++;
      }
      ASSERT_TRUE(writer.value()->write(batch).is_ok());
    }
    ASSERT_TRUE(writer.value()->finish().is_ok());
  }
  auto footer = parquet::read_footer(path);
  ASSERT_TRUE(footer.is_ok()) << footer.status().message();
  ASSERT_GE(footer->row_groups, 4u);  // ranges cut between row groups
  const JobSpec spec = spec_for(path, "parquet");
  expect_ranges_match(spec, path, test_seed());
}

// A compressed file is planned as one range of its compressed size; the
// source reads all of its decompressed records.
TEST(RecordSource, ACompressedFileIsReadWhole) {
  TempDir dir;
  const std::string path = dir / "in.csv.gz";
  {
    auto writer = open_row_writer(path, OutputFormat::kCsv, Compression::kGzip, {"n", "s"});
    ASSERT_TRUE(writer.is_ok()) << writer.status().message();
    OutputBatch batch;
    batch.column_count = 2;
    for (int i = 0; i < 3000; ++i) {
      batch.owned.push_back(std::to_string(i));
      batch.fields.push_back(batch.owned.back());
      batch.fields.push_back("the same text, compressible");
      batch.nulls.insert(batch.nulls.end(), {0, 0});
      batch.row_count++;
    }
    ASSERT_TRUE(writer.value()->write(batch).is_ok());
    ASSERT_TRUE(writer.value()->finish().is_ok());
  }
  const ByteRange planned = whole(path);
  const Rows rows = read_source(spec_for(path, "csv"), planned);
  ASSERT_EQ(rows.size(), 3000u);
  EXPECT_EQ(rows.back(), (std::vector<std::string>{"2999", "the same text, compressible"}));
  EXPECT_LT(planned.end_offset, 3000u * 30);  // fewer bytes than the records hold
}

TEST(RecordSource, HivePartitionedFileGetsItsValuesAsColumns) {
  TempDir dir;
  std::filesystem::create_directories(dir / "year=2024");
  const std::string path = dir / "year=2024/f.csv";
  std::ofstream(path) << "a,b\n1,x\n2,y\n";
  JobSpec spec = spec_for(path, "csv");
  spec.input.hive_partitioning = true;
  spec.input.hive_types = {{"year", "int64"}};
  bool retryable = false;
  auto source = open_record_source(spec, whole(path), retryable);
  ASSERT_TRUE(source.is_ok()) << source.status().message();
  EXPECT_EQ(source.value()->columns(), (std::vector<std::string>{"a", "b", "year"}));
  source.value()->project({0, 2});
  EXPECT_EQ(drain(*source.value()), (Rows{{"1", "2024"}, {"2", "2024"}}));
}

TEST(RecordSource, AFileChangedSincePlannedIsNotRetried) {
  TempDir dir;
  const std::string path = dir / "in.csv";
  std::ofstream(path) << "a\n1\n";
  const JobSpec spec = spec_for(path, "csv");
  const ByteRange planned = whole(path);
  bool retryable = false;
  auto source = open_record_source(spec, planned, retryable);
  ASSERT_TRUE(source.is_ok()) << source.status().message();
  EXPECT_EQ(drain(*source.value()), (Rows{{"1"}}));
  EXPECT_EQ(source.value()->input_changed(), std::nullopt);

  std::ofstream(path, std::ios::app) << "2\n";
  const std::optional<std::string> changed = source.value()->input_changed();
  ASSERT_TRUE(changed.has_value());
  EXPECT_NE(changed->find("changed while the job ran"), std::string::npos) << *changed;
  retryable = true;
  auto again = open_record_source(spec, planned, retryable);
  ASSERT_FALSE(again.is_ok());
  EXPECT_FALSE(retryable);
  EXPECT_EQ(again.status().message(), *changed);

  std::filesystem::remove(path);
  retryable = true;
  auto gone = open_record_source(spec, planned, retryable);
  ASSERT_FALSE(gone.is_ok());
  EXPECT_FALSE(retryable);
  EXPECT_NE(gone.status().message().find("is gone"), std::string::npos);
}

TEST(RecordSource, ARangeOfTheWrongKindIsRefused) {
  TempDir dir;
  const std::string path = dir / "in.csv";
  std::ofstream(path) << "a\n1\n";
  bool retryable = true;
  auto keys =
      open_record_source(spec_for(path, "csv"), QueryKeyRange{"postgres: x", 0, 0, 10}, retryable);
  ASSERT_FALSE(keys.is_ok());
  EXPECT_FALSE(retryable);
  EXPECT_EQ(keys.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sluice
