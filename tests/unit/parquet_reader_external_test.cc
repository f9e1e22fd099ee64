// sluice's Parquet reader against files written by DuckDB and Polars
// (tests/parquet/write_inputs.mjs: every codec, DuckDB's format V1 and V2 —
// PLAIN, RLE_DICTIONARY, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
// BYTE_STREAM_SPLIT; neither writes data pages v2 —
// NULLs, and integers, unsigned, floats, booleans, strings, dates,
// timestamps ms/us/ns/tz, times, decimals, UUIDs). Each file is read whole
// and in random byte ranges; the rows go to a CSV that DuckDB parses with
// the file's types and compares with its own reading of the file
// (tests/parquet/compare_inputs.mjs). Needs node; the npm packages are
// installed into tests/parquet/node_modules the first time (as check.sh does).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <sstream>

#include "common/io/byte_source.h"
#include "common/parquet/range_reader.h"
#include "tests/support/cluster.h"

namespace sluice::parquet {
namespace {

using sluice::testing::run;
using sluice::testing::source_dir;
using sluice::testing::TempDir;
using sluice::testing::test_seed;

std::string csv_quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Reads `path` in ranges of `split` bytes and writes its rows as CSV.
Status write_rows_as_csv(const std::string& path, uint64_t split, const std::string& csv_path,
                         uint64_t& rows, ColumnChunkReader::PageCounts& pages) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<FileSource> source, FileSource::open(path));
  SLUICE_ASSIGN_OR_RETURN(FileInfo info, read_file_metadata(*source));
  std::vector<std::string> names;
  for (const ColumnInfo& column : info.columns) names.push_back(column.name);
  std::string csv;
  for (size_t c = 0; c < names.size(); ++c) csv += (c > 0 ? "," : "") + csv_quoted(names[c]);
  csv += '\n';
  rows = 0;
  for (uint64_t begin = 0; begin < source->size_bytes(); begin += split) {
    ParquetRangeOptions options;
    options.begin_offset = begin;
    options.end_offset = std::min(source->size_bytes(), begin + split);
    options.columns = names;
    ParquetRangeReader reader(*source, options);
    RecordBatch batch;
    std::vector<RejectedRecord> rejects;
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(bool more, reader.next(batch, rejects));
      for (size_t row = 0; row < batch.row_count; ++row) {
        for (size_t c = 0; c < batch.column_count; ++c) {
          if (c > 0) csv += ',';
          const std::string_view field = batch.field(row, c);
          if (field.data() != nullptr) csv += csv_quoted(field);  // NULL: an empty unquoted field
        }
        csv += '\n';
      }
      rows += batch.row_count;
      if (!more) break;
    }
    pages.data_v1 += reader.page_counts().data_v1;
    pages.data_v2 += reader.page_counts().data_v2;
    pages.dictionary += reader.page_counts().dictionary;
  }
  testing::write_file(csv_path, csv);
  return Status::ok();
}

TEST(ParquetExternal, ReadsWhatDuckDbAndPolarsWriteAsDuckDbDoes) {
  if (run({"sh", "-c", "command -v node && command -v npm"}).exit_code != 0) {
    GTEST_SKIP() << "node and npm are not installed (apt-get install nodejs npm): the files "
                    "are written by DuckDB and Polars from npm";
  }
  const std::string here = source_dir() + "/tests/parquet";
  if (!std::filesystem::exists(here + "/node_modules/@duckdb/node-api") ||
      !std::filesystem::exists(here + "/node_modules/nodejs-polars-linux-x64-gnu")) {
    auto installed = run({"npm", "install", "--no-audit", "--no-fund", "--loglevel=error"}, here);
    ASSERT_EQ(installed.exit_code, 0) << installed.err;
  }
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  TempDir dir;
  auto written = run({"node", "write_inputs.mjs", dir.path(), std::to_string(seed % 100000),
                      std::to_string(4000 + seed % 3000)},
                     here);
  ASSERT_EQ(written.exit_code, 0) << written.err;
  std::vector<std::string> files;
  std::istringstream lines(written.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) files.push_back(line);
  }
  ASSERT_EQ(files.size(), 12u) << written.out;
  ColumnChunkReader::PageCounts pages;
  for (const std::string& file : files) {
    // Whole, or in ranges of a random size (each row group read once).
    const uint64_t size = std::filesystem::file_size(file);
    const uint64_t split = random() % 2 == 0 ? size : 1 + random() % (size / 2);
    uint64_t rows = 0;
    Status wrote = write_rows_as_csv(file, split, file + ".csv", rows, pages);
    ASSERT_TRUE(wrote.is_ok()) << file << ": " << wrote.message() << " seed=" << seed;
    EXPECT_GT(rows, 0u) << file;
  }
  std::vector<std::string> compare = {"node", "compare_inputs.mjs"};
  compare.insert(compare.end(), files.begin(), files.end());
  auto compared = run(compare, here);
  std::fprintf(stderr, "%s", compared.out.c_str());
  EXPECT_EQ(compared.exit_code, 0) << compared.out << compared.err << " seed=" << seed;
  // The files hold what the test claims to cover.
  std::fprintf(stderr, "pages read: %llu data v1, %llu data v2, %llu dictionary\n",
               static_cast<unsigned long long>(pages.data_v1),
               static_cast<unsigned long long>(pages.data_v2),
               static_cast<unsigned long long>(pages.dictionary));
  // Neither writes data pages v2 (DuckDB's V2 format keeps v1 pages):
  // parquet_page_v2_test.cc builds those by hand.
  EXPECT_GT(pages.data_v1, 0u);
  EXPECT_GT(pages.dictionary, 0u);
  for (const char* needle : {"DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "BYTE_STREAM_SPLIT",
                             "RLE_DICTIONARY", "PLAIN", "SNAPPY", "GZIP", "ZSTD", "UNCOMPRESSED"}) {
    EXPECT_NE(compared.out.find(needle), std::string::npos) << needle;
  }
}

}  // namespace
}  // namespace sluice::parquet
