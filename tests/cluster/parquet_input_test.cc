// `input.format: parquet` through `sluice run` (real coordinator and worker
// processes): W1 and W3 over a Parquet copy of generated parking data give
// the same output as over the CSV, for random split sizes (the planner cuts
// at row group starts; every row group is read once), and a damaged file
// fails the job with a message naming the column.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "common/csv/range_reader.h"
#include "common/io/byte_source.h"
#include "common/parquet/writer.h"
#include "tests/cluster/job_files.h"
#include "tests/support/cluster.h"

namespace sluice::testing {
namespace {

// The job file with `format: parquet` in its input section.
std::string as_parquet(std::string job) {
  const std::string input = "input:\n";
  job.replace(job.find(input), input.size(), input + "  format: parquet\n");
  return job;
}

// Writes the rows of a CSV file as Parquet with sluice's writer: every
// column a string but "Summons Number" and "Violation Code" (INT64; an
// empty field NULL), in row groups of `group_rows` rows.
void csv_to_parquet(const std::string& csv, const std::string& out, uint64_t group_rows,
                    Compression codec) {
  auto source = FileSource::open(csv);
  ASSERT_TRUE(source.is_ok());
  CsvDialect dialect;
  auto header = read_csv_header(*source.value(), dialect, 1 << 20);
  ASSERT_TRUE(header.is_ok());
  const std::vector<std::string>& names = header.value();
  std::vector<parquet::ColumnType> types(names.size(), parquet::ColumnType::kString);
  for (size_t c = 0; c < names.size(); ++c) {
    if (names[c] == "Summons Number" || names[c] == "Violation Code")
      types[c] = parquet::ColumnType::kInt64;
  }
  parquet::WriterOptions options;
  options.compression = codec;
  options.row_group_rows_max = group_rows;
  options.page_bytes_max = 16 << 10;
  auto writer = parquet::open_parquet_writer(out, names, types, options);
  ASSERT_TRUE(writer.is_ok()) << writer.status().message();
  CsvRangeOptions read;
  read.dialect = dialect;
  read.end_offset = source.value()->size_bytes();
  CsvRangeReader reader(*source.value(), read);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  while (true) {
    auto more = reader.next(batch, rejects);
    ASSERT_TRUE(more.is_ok());
    OutputBatch rows;
    rows.column_count = names.size();
    rows.row_count = batch.row_count;
    for (size_t row = 0; row < batch.row_count; ++row) {
      for (size_t c = 0; c < names.size(); ++c) {
        rows.fields.push_back(batch.field(row, c));
        rows.nulls.push_back(types[c] != parquet::ColumnType::kString && batch.field(row, c).empty());
      }
    }
    ASSERT_TRUE(writer.value()->write(rows).is_ok());
    if (!more.value()) break;
  }
  ASSERT_TRUE(rejects.empty());
  ASSERT_TRUE(writer.value()->finish().is_ok());
}

CommandResult run_job(const TempDir& dir, const std::string& name, const std::string& yaml) {
  write_file(dir / (name + ".yaml"), yaml);
  return run({sluice_binary(), "run", dir / (name + ".yaml"), "--workers", "2", "--state",
              dir / ("state-" + name), "--no-progress"},
             dir.path());
}

class ParquetInput : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = test_seed();
    random_.seed(seed_);
    auto generated = run({sluice_binary(), "gen", "parking", "--rows", "20000", "--seed",
                          std::to_string(seed_ % 1000), "--out", dir_ / "parking.csv"});
    ASSERT_EQ(generated.exit_code, 0) << generated.err;
    // Two files, so ranges of both are planned; row groups of a random size.
    std::filesystem::create_directories(dir_ / "parquet");
    csv_to_parquet(dir_ / "parking.csv", dir_ / "parquet/a.parquet", 300 + random_() % 1500,
                   Compression::kSnappy);
    csv_to_parquet(dir_ / "parking.csv", dir_ / "parquet/b.parquet", 300 + random_() % 1500,
                   Compression::kZstd);
    std::filesystem::create_directories(dir_ / "csv");
    std::filesystem::copy_file(dir_ / "parking.csv", dir_ / "csv/a.csv");
    std::filesystem::copy_file(dir_ / "parking.csv", dir_ / "csv/b.csv");
  }

  TempDir dir_;
  uint64_t seed_ = 0;
  std::mt19937_64 random_;
};

TEST_F(ParquetInput, W1OverParquetGivesTheCsvOutputForRandomSplitSizes) {
  auto csv = run_job(dir_, "w1-csv", w1_job(dir_ / "csv", "out-csv/", "1MiB"));
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const std::string expected = concat_parts(dir_ / "out-csv");
  ASSERT_GT(expected.size(), 100u);
  for (int trial = 0; trial < 3; ++trial) {
    const std::string split = std::to_string(256 + random_() % (1 << 20));
    const std::string name = "w1-parquet-" + std::to_string(trial);
    auto parquet = run_job(dir_, name, as_parquet(w1_job(dir_ / "parquet", "out-" + name + "/", split)));
    ASSERT_EQ(parquet.exit_code, 0) << parquet.err << " split=" << split << " seed=" << seed_;
    EXPECT_EQ(concat_parts(dir_ / ("out-" + name)), expected) << "split=" << split << " seed=" << seed_;
    auto verified = run({sluice_binary(), "verify", dir_ / ("out-" + name)});
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
    const auto manifest =
        nlohmann::json::parse(read_file(dir_ / ("out-" + name + "/_MANIFEST.json")));
    EXPECT_EQ(manifest.at("rows_in"), 40000) << "split=" << split << " seed=" << seed_;
  }
}

TEST_F(ParquetInput, W3AggregateOverParquetGivesTheCsvOutput) {
  auto csv = run_job(dir_, "w3-csv", w3_job(dir_ / "csv", "out-csv/", "256KiB"));
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const std::string split = std::to_string(256 + random_() % (512 << 10));
  auto parquet = run_job(dir_, "w3-parquet", as_parquet(w3_job(dir_ / "parquet", "out-parquet/", split)));
  ASSERT_EQ(parquet.exit_code, 0) << parquet.err << " seed=" << seed_;
  EXPECT_EQ(concat_parts(dir_ / "out-parquet"), concat_parts(dir_ / "out-csv"))
      << "split=" << split << " seed=" << seed_;
}

TEST_F(ParquetInput, DamagedPageFailsTheJobNamingTheColumn) {
  // The first page header of the first row group (just after "PAR1").
  {
    std::fstream file(dir_ / "parquet/a.parquet", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4);
    const std::string garbage(24, '\xff');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto result = run_job(dir_, "damaged", as_parquet(passthrough_job(dir_ / "parquet", "out/", "64KiB")));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("parquet: column 'Summons Number'"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out/_SUCCESS"));
}

TEST_F(ParquetInput, NotAParquetFileIsRefusedBeforeAnyWork) {
  auto result = run_job(dir_, "csv-as-parquet",
                        as_parquet(passthrough_job(dir_ / "csv/a.csv", "out/", "64KiB")));
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("no PAR1 magic bytes"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace sluice::testing
