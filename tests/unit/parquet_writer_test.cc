// The Parquet writer against an independent decoder written from the
// specification (parquet_decoder.h): typed columns, NULLs, statistics, row
// groups, pages (none/snappy/zstd), PLAIN and dictionary values. Real readers
// (DuckDB, Polars) check the same files in tests/parquet/check.mjs.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>

#include "common/expr/datetime.h"
#include "common/formats/row_writers.h"
#include "common/io/row_writer.h"
#include "common/job/job_file.h"
#include "common/parquet/writer.h"
#include "common/spec/job_spec.h"
#include "tests/support/cluster.h"
#include "tests/unit/parquet_decoder.h"

namespace sluice::parquet {
namespace {

namespace fs = std::filesystem;
using sluice::testing::TempDir;
using sluice::testing::test_seed;

// --- helpers ----------------------------------------------------------------

struct Rows {
  std::vector<std::vector<std::optional<std::string>>> rows;
};

OutputBatch batch_of(const std::vector<std::vector<std::optional<std::string>>>& rows,
                     size_t columns) {
  OutputBatch batch;
  batch.column_count = columns;
  for (const auto& row : rows) {
    for (const auto& value : row) {
      batch.owned.push_back(value.value_or(""));
      batch.fields.push_back(batch.owned.back());
      batch.nulls.push_back(value.has_value() ? 0 : 1);
    }
    ++batch.row_count;
  }
  return batch;
}

WriteStats write_rows(const fs::path& path, const std::vector<std::string>& names,
                      const std::vector<ColumnType>& types,
                      const std::vector<std::vector<std::optional<std::string>>>& rows,
                      const WriterOptions& options, size_t batch_rows = 100) {
  auto writer = open_parquet_writer(path.string(), names, types, options);
  EXPECT_TRUE(writer.is_ok()) << writer.status().message();
  for (size_t begin = 0; begin < rows.size(); begin += batch_rows) {
    std::vector<std::vector<std::optional<std::string>>> part(
        rows.begin() + static_cast<ptrdiff_t>(begin),
        rows.begin() + static_cast<ptrdiff_t>(std::min(rows.size(), begin + batch_rows)));
    Status written = writer.value()->write(batch_of(part, names.size()));
    EXPECT_TRUE(written.is_ok()) << written.message();
  }
  auto stats = writer.value()->finish();
  EXPECT_TRUE(stats.is_ok()) << stats.status().message();
  return stats.value();
}

// --- files ------------------------------------------------------------------

TEST(ParquetWriter, WritesTypedColumnsWithNullsAndStatistics) {
  TempDir dir;
  const std::vector<std::string> names = {"s", "i", "d", "b", "day", "ts"};
  const std::vector<ColumnType> types = {ColumnType::kString,  ColumnType::kInt64,
                                         ColumnType::kFloat64, ColumnType::kBool,
                                         ColumnType::kDate,    ColumnType::kTimestamp};
  std::vector<std::vector<std::optional<std::string>>> rows = {
      {"b", "-3", "1.5", "true", "2018-06-14", "2017-06-14 00:00:00"},
      {std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
      {"a", "9000000000", "-0", "false", "1969-12-31", "1970-01-01 00:00:00.000001"},
      {"\xc3\xa9", "0", "nan", "false", "2000-02-29", "2000-02-29 23:59:59.5"},
  };
  for (Compression compression : {Compression::kNone, Compression::kSnappy, Compression::kZstd}) {
    WriterOptions options;
    options.compression = compression;
    const fs::path path = fs::path(dir.path()) / "typed.parquet";
    const WriteStats stats = write_rows(path, names, types, rows, options);
    EXPECT_EQ(stats.rows, 4u);
    EXPECT_EQ(stats.bytes, fs::file_size(path));
    const DecodedFile file = decode_file(path);
    EXPECT_EQ(file.names, names);
    EXPECT_EQ(file.physical, (std::vector<int>{6, 2, 5, 0, 1, 2}));
    EXPECT_EQ(file.columns[0],
              (std::vector<std::optional<std::string>>{"b", std::nullopt, "a", "\xc3\xa9"}));
    EXPECT_EQ(file.columns[1][2], "9000000000");
    EXPECT_EQ(file.columns[3][0], "1");
    EXPECT_EQ(file.columns[4][0], std::to_string(17696));  // days of 2018-06-14
    EXPECT_EQ(file.columns[4][2], "-1");
    EXPECT_EQ(file.columns[5][2], "1");  // micros
    EXPECT_EQ(file.columns[5][3], std::to_string(951868799500000));
    EXPECT_FALSE(file.columns[2][1].has_value());
    // Column statistics: strings by unsigned bytes, NaN left out.
    const Value& chunk = file.metadata[4].list[0][1].list[0][3];
    EXPECT_EQ(chunk[12][3].integer, 1);
    EXPECT_EQ(chunk[12][6].binary, "a");
    EXPECT_EQ(chunk[12][5].binary, "\xc3\xa9");
    double max = 0;
    std::memcpy(&max, file.metadata[4].list[0][1].list[2][3][12][5].binary.data(), 8);
    EXPECT_EQ(max, 1.5);
    // Logical types: STRING, DATE, TIMESTAMP(MICROS, not UTC).
    const Value& schema = file.metadata[2];
    EXPECT_TRUE(schema.list[1][10].has(1));
    EXPECT_TRUE(schema.list[5][10].has(6));
    EXPECT_EQ(schema.list[6][10][8][1].integer, 0);
    EXPECT_TRUE(schema.list[6][10][8][2].has(2));

    auto footer = read_footer(path.string());
    ASSERT_TRUE(footer.is_ok()) << footer.status().message();
    EXPECT_EQ(footer->rows, 4u);
    EXPECT_EQ(footer->row_group_rows, 4u);
    EXPECT_EQ(footer->columns, 6u);
  }
}

TEST(ParquetWriter, EmptyFileHasSchemaAndNoRowGroups) {
  TempDir dir;
  const fs::path path = fs::path(dir.path()) / "empty.parquet";
  const WriteStats stats = write_rows(path, {"a", "b"}, {}, {}, WriterOptions{});
  EXPECT_EQ(stats.rows, 0u);
  const DecodedFile file = decode_file(path);
  EXPECT_EQ(file.names, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(file.metadata[4].list.empty());
  auto footer = read_footer(path.string());
  ASSERT_TRUE(footer.is_ok());
  EXPECT_EQ(footer->rows, 0u);
}

TEST(ParquetWriter, ManyRowGroupsAndPagesKeepEveryRowInOrder) {
  TempDir dir;
  WriterOptions options;
  options.row_group_rows_max = 1000;
  options.page_bytes_max = 512;
  options.compression = Compression::kZstd;
  std::vector<std::vector<std::optional<std::string>>> rows;
  for (int i = 0; i < 10500; ++i) {
    rows.push_back(
        {std::to_string(i % 7), std::to_string(i),
         i % 13 == 0 ? std::nullopt : std::optional<std::string>("v" + std::to_string(i))});
  }
  const fs::path path = fs::path(dir.path()) / "groups.parquet";
  write_rows(path, {"small", "n", "unique"},
             {ColumnType::kString, ColumnType::kInt64, ColumnType::kString}, rows, options, 333);
  const DecodedFile file = decode_file(path);
  EXPECT_EQ(file.metadata[4].list.size(), 11u);
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(file.columns[0][i], rows[i][0]) << i;
    ASSERT_EQ(file.columns[1][i], rows[i][1]) << i;
    ASSERT_EQ(file.columns[2][i], rows[i][2]) << i;
  }
  auto footer = read_footer(path.string());
  ASSERT_TRUE(footer.is_ok());
  EXPECT_EQ(footer->rows, 10500u);
  EXPECT_EQ(footer->row_groups, 11u);
}

TEST(ParquetWriter, DictionaryFallsBackToPlainPastItsLimit) {
  TempDir dir;
  WriterOptions options;
  options.dictionary_bytes_max = 4096;
  std::vector<std::vector<std::optional<std::string>>> rows;
  for (int i = 0; i < 3000; ++i) {
    rows.push_back({"state-" + std::to_string(i % 50), "unique-" + std::to_string(i)});
  }
  const fs::path path = fs::path(dir.path()) / "dict.parquet";
  write_rows(path, {"few", "many"}, {}, rows, options);
  const DecodedFile file = decode_file(path);
  EXPECT_EQ(file.dictionary_encoded, (std::vector<bool>{true, false}));
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(file.columns[0][i], rows[i][0]);
    ASSERT_EQ(file.columns[1][i], rows[i][1]);
  }
}

TEST(ParquetWriter, RowWriterDispatchAndBadValues) {
  TempDir dir;
  const fs::path path = fs::path(dir.path()) / "part-00000.parquet";
  auto writer = open_row_writer(path.string(), OutputFormat::kParquet, Compression::kSnappy, {"n"},
                                {expr::Type::kInt64});
  ASSERT_TRUE(writer.is_ok());
  EXPECT_FALSE(writer.value()->write(batch_of({{"12x"}}, 1)).is_ok());
  auto gzip = open_parquet_writer((fs::path(dir.path()) / "g.parquet").string(), {"a"}, {},
                                  WriterOptions{Compression::kGzip});
  EXPECT_FALSE(gzip.is_ok());
  std::ofstream(fs::path(dir.path()) / "not.parquet") << "hello, this is not parquet";
  EXPECT_FALSE(read_footer((fs::path(dir.path()) / "not.parquet").string()).is_ok());
}

// --- the job file -------------------------------------------------------------

TEST(ParquetJobSpec, ParquetTakesNoneSnappyOrZstd) {
  const std::string head = "name: j\ninput: {path: in.csv}\noutput: {path: out, format: ";
  auto parsed = parse_job_spec(head + "parquet, compression: snappy}\n", "job.yaml");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  EXPECT_EQ(parsed->output.format, OutputFormat::kParquet);
  EXPECT_EQ(parsed->output.compression, Compression::kSnappy);
  EXPECT_EQ(extension_of(OutputFormat::kParquet, Compression::kZstd), ".parquet");
  auto gzip = parse_job_spec(head + "parquet, compression: gzip}\n", "job.yaml");
  ASSERT_FALSE(gzip.is_ok());
  EXPECT_NE(gzip.status().message().find("output.compression"), std::string::npos);
  EXPECT_FALSE(parse_job_spec(head + "csv, compression: snappy}\n", "job.yaml").is_ok());
  EXPECT_FALSE(parse_job_spec(head + "orc}\n", "job.yaml").is_ok());
}

// --- fixtures for the real readers ------------------------------------------

// With SLUICE_PARQUET_FIXTURES=DIR, writes files for tests/parquet/check.mjs
// (DuckDB and Polars read them back): every type with NULLs, NaN and
// infinities, empty and non-ASCII strings, 25 row groups of 1000 rows, small
// pages, a string column that stays dictionary-encoded and one that falls
// back to PLAIN, under each codec; and DIR/NAME.jsonl, the rows as written
// (JSON arrays of the texts given to the writer, null for NULL).
TEST(ParquetFixtures, WritesFilesForRealReaders) {
  const char* dir = std::getenv("SLUICE_PARQUET_FIXTURES");
  if (dir == nullptr) GTEST_SKIP() << "SLUICE_PARQUET_FIXTURES is not set";
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  const std::vector<std::string> names = {"few", "many", "n", "x", "b", "d", "ts", "empty"};
  const std::vector<ColumnType> types = {
      ColumnType::kString, ColumnType::kString, ColumnType::kInt64,     ColumnType::kFloat64,
      ColumnType::kBool,   ColumnType::kDate,   ColumnType::kTimestamp, ColumnType::kString};
  const std::vector<std::string> few = {"NY", "NJ", "", "\xc3\xa9t\xc3\xa9", "CA", "a,\"b\"\n"};
  std::vector<std::vector<std::optional<std::string>>> rows;
  for (int i = 0; i < 25000; ++i) {
    auto maybe = [&](std::string text) -> std::optional<std::string> {
      if (random() % 17 == 0) return std::nullopt;
      return text;
    };
    char number[32];
    const double doubles[] = {std::nan(""), INFINITY, -INFINITY, -0.0, 1e-300, 123.456};
    const double x = random() % 10 == 0 ? doubles[random() % 6]
                                        : static_cast<double>(static_cast<int64_t>(random())) / 1e6;
    const auto written = std::to_chars(number, number + sizeof(number), x);
    // Years 1019 to about 9000: every reader formats them with four digits.
    const int64_t micros =
        static_cast<int64_t>(random() % 280'000'000'000'000'000ull) - 30'000'000'000'000'000;
    char time[48];
    const size_t time_bytes = expr::format_timestamp(micros, time);
    std::string timestamp(time, time_bytes);
    if (timestamp.size() == 19) timestamp += ".000000";  // one form for the readers to compare
    char day[32];
    const size_t day_bytes = expr::format_date(static_cast<int64_t>(random() % 60000) - 20000, day);
    rows.push_back({maybe(few[random() % few.size()]), maybe("unique-" + std::to_string(i)),
                    maybe(std::to_string(static_cast<int64_t>(random()) >> (random() % 64))),
                    maybe(std::string(number, written.ptr)), maybe(random() % 2 ? "true" : "false"),
                    maybe(std::string(day, day_bytes)), maybe(timestamp), std::nullopt});
  }
  std::ofstream expected(fs::path(dir) / "groups.jsonl");
  for (const auto& row : rows) {
    std::string line = "[";
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += ",";
      if (!row[i]) {
        line += "null";
        continue;
      }
      line += "\"";
      for (unsigned char c : *row[i]) {
        if (c == '"' || c == '\\') {
          line += '\\';
          line += static_cast<char>(c);
        } else if (c < 0x20) {
          line += fmt::format("\\u{:04x}", c);
        } else {
          line += static_cast<char>(c);
        }
      }
      line += "\"";
    }
    expected << line << "]\n";
  }
  for (auto [compression, name] :
       {std::pair{Compression::kNone, "none"}, std::pair{Compression::kSnappy, "snappy"},
        std::pair{Compression::kZstd, "zstd"}}) {
    WriterOptions options;
    options.compression = compression;
    options.row_group_rows_max = 1000;
    options.page_bytes_max = 4096;
    options.dictionary_bytes_max = 2048;
    write_rows(fs::path(dir) / fmt::format("groups-{}.parquet", name), names, types, rows, options,
               777);
  }
  write_rows(fs::path(dir) / "empty.parquet", names, types, {}, WriterOptions{});
}

}  // namespace
}  // namespace sluice::parquet
