// `input.format: parquet` through `sluice run` (real coordinator and worker
// processes): W1 and W3 over a Parquet copy of generated parking data give
// the same output as over the CSV, for random split sizes (the planner cuts
// at row group starts; every row group is read once), and a damaged file
// fails the job with a message naming the column.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

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

struct Table {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> rows;
};

Table read_csv(const std::string& csv) {
  Table table;
  auto source = FileSource::open(csv);
  EXPECT_TRUE(source.is_ok());
  if (!source.is_ok()) return table;
  CsvDialect dialect;
  auto header = read_csv_header(*source.value(), dialect, 1 << 20);
  EXPECT_TRUE(header.is_ok());
  if (!header.is_ok()) return table;
  table.names = header.value();
  CsvRangeOptions read;
  read.dialect = dialect;
  read.end_offset = source.value()->size_bytes();
  CsvRangeReader reader(*source.value(), read);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  while (true) {
    auto more = reader.next(batch, rejects);
    EXPECT_TRUE(more.is_ok());
    if (!more.is_ok()) return table;
    for (size_t row = 0; row < batch.row_count; ++row) {
      std::vector<std::string> values;
      for (size_t c = 0; c < batch.column_count; ++c) values.emplace_back(batch.field(row, c));
      table.rows.push_back(std::move(values));
    }
    if (!more.value()) break;
  }
  EXPECT_TRUE(rejects.empty());
  return table;
}

void write_csv(const Table& table, const std::string& out) {
  std::string text;
  for (size_t c = 0; c < table.names.size(); ++c)
    text += (c > 0 ? "," : "") + csv_field(table.names[c]);
  text += '\n';
  for (const auto& row : table.rows) {
    for (size_t c = 0; c < row.size(); ++c) text += (c > 0 ? "," : "") + csv_field(row[c]);
    text += '\n';
  }
  write_file(out, text);
}

// Writes a table as Parquet with sluice's writer: every column a string
// but "Summons Number" and "Violation Code" (INT64; an empty field NULL),
// in row groups of `group_rows` rows.
void write_parquet(const Table& table, const std::string& out, uint64_t group_rows,
                   Compression codec) {
  std::vector<parquet::ColumnType> types(table.names.size(), parquet::ColumnType::kString);
  for (size_t c = 0; c < table.names.size(); ++c) {
    if (table.names[c] == "Summons Number" || table.names[c] == "Violation Code")
      types[c] = parquet::ColumnType::kInt64;
  }
  parquet::WriterOptions options;
  options.compression = codec;
  options.row_group_rows_max = group_rows;
  options.page_bytes_max = 16 << 10;
  auto writer = parquet::open_parquet_writer(out, table.names, types, options);
  ASSERT_TRUE(writer.is_ok()) << writer.status().message();
  OutputBatch rows;
  rows.column_count = table.names.size();
  for (size_t row = 0; row < table.rows.size(); ++row) {
    for (size_t c = 0; c < table.names.size(); ++c) {
      rows.fields.push_back(table.rows[row][c]);
      rows.nulls.push_back(types[c] != parquet::ColumnType::kString && table.rows[row][c].empty());
    }
    if (++rows.row_count == 1000 || row + 1 == table.rows.size()) {
      ASSERT_TRUE(writer.value()->write(rows).is_ok());
      rows.fields.clear();
      rows.nulls.clear();
      rows.row_count = 0;
    }
  }
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
    table_ = read_csv(dir_ / "parking.csv");
    ASSERT_EQ(table_.rows.size(), 20000u);
    write_parquet(table_, dir_ / "parquet/a.parquet", 300 + random_() % 1500, Compression::kSnappy);
    write_parquet(table_, dir_ / "parquet/b.parquet", 300 + random_() % 1500, Compression::kZstd);
    std::filesystem::create_directories(dir_ / "csv");
    std::filesystem::copy_file(dir_ / "parking.csv", dir_ / "csv/a.csv");
    std::filesystem::copy_file(dir_ / "parking.csv", dir_ / "csv/b.csv");
  }

  TempDir dir_;
  Table table_;
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
    auto parquet =
        run_job(dir_, name, as_parquet(w1_job(dir_ / "parquet", "out-" + name + "/", split)));
    ASSERT_EQ(parquet.exit_code, 0) << parquet.err << " split=" << split << " seed=" << seed_;
    EXPECT_EQ(concat_parts(dir_ / ("out-" + name)), expected)
        << "split=" << split << " seed=" << seed_;
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
  auto parquet =
      run_job(dir_, "w3-parquet", as_parquet(w3_job(dir_ / "parquet", "out-parquet/", split)));
  ASSERT_EQ(parquet.exit_code, 0) << parquet.err << " seed=" << seed_;
  EXPECT_EQ(concat_parts(dir_ / "out-parquet"), concat_parts(dir_ / "out-csv"))
      << "split=" << split << " seed=" << seed_;
}

// A schema gate over Parquet values: typed columns parse the reader's text
// (INT64 as decimal), a rule rejects the same rows as over the CSV.
TEST_F(ParquetInput, SchemaGateTypesAndRejectsAsOverCsv) {
  auto job = [&](const std::string& input, const std::string& out) {
    return "name: gate\ninput:\n  path: " + input +
           "\n  split_size: 128KiB\n"
           "schema:\n  columns:\n    Violation Code: {type: int32, min: 20}\n"
           "    Summons Number: {type: int64}\n"
           "steps:\n  - filter: \"\\\"Violation Code\\\" < 40\"\n"
           "  - select: {code: \"\\\"Violation Code\\\"\", summons: \"\\\"Summons Number\\\"\"}\n"
           "output:\n  path: " +
           out + "\n";
  };
  auto csv = run_job(dir_, "gate-csv", job(dir_ / "csv", "out-csv/"));
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  auto parquet = run_job(dir_, "gate-parquet", as_parquet(job(dir_ / "parquet", "out-parquet/")));
  ASSERT_EQ(parquet.exit_code, 0) << parquet.err;
  EXPECT_EQ(concat_parts(dir_ / "out-parquet"), concat_parts(dir_ / "out-csv"));
  const auto csv_manifest = nlohmann::json::parse(read_file(dir_ / "out-csv/_MANIFEST.json"));
  const auto manifest = nlohmann::json::parse(read_file(dir_ / "out-parquet/_MANIFEST.json"));
  EXPECT_GT(manifest.at("rows_rejected").get<uint64_t>(), 0u);
  for (const char* key : {"rows_in", "rows_out", "rows_filtered", "rows_rejected"})
    EXPECT_EQ(manifest.at(key), csv_manifest.at(key)) << key;
  auto verified = run({sluice_binary(), "verify", dir_ / "out-parquet"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

// Rows sorted by state: most row groups hold no 'NJ' and W1's leading
// filter skips them unread; the output is the CSV's all the same and the
// skipped row groups are in the manifest.
TEST_F(ParquetInput, PushdownSkipsRowGroupsTheFilterRulesOut) {
  const size_t state = static_cast<size_t>(
      std::find(table_.names.begin(), table_.names.end(), "Registration State") -
      table_.names.begin());
  ASSERT_LT(state, table_.names.size());
  Table sorted = table_;
  std::stable_sort(sorted.rows.begin(), sorted.rows.end(),
                   [&](const auto& a, const auto& b) { return a[state] < b[state]; });
  std::filesystem::create_directories(dir_ / "sorted");
  write_csv(sorted, dir_ / "sorted/parking.csv");
  write_parquet(sorted, dir_ / "sorted/parking.parquet", 500, Compression::kSnappy);
  auto csv =
      run_job(dir_, "w1-sorted-csv", w1_job(dir_ / "sorted/parking.csv", "out-csv/", "1MiB"));
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  auto parquet =
      run_job(dir_, "w1-sorted-parquet",
              as_parquet(w1_job(dir_ / "sorted/parking.parquet", "out-parquet/", "256KiB")));
  ASSERT_EQ(parquet.exit_code, 0) << parquet.err;
  EXPECT_EQ(concat_parts(dir_ / "out-parquet"), concat_parts(dir_ / "out-csv"));
  const auto manifest = nlohmann::json::parse(read_file(dir_ / "out-parquet/_MANIFEST.json"));
  EXPECT_EQ(manifest.at("rows_in"), 20000);
  // 40 row groups; NJ's rows span at most 3 of them (NJ is a few percent).
  ASSERT_TRUE(manifest.contains("row_groups_skipped")) << manifest.dump();
  EXPECT_GE(manifest.at("row_groups_skipped").get<uint64_t>(), 30u) << manifest.dump();
  auto verified = run({sluice_binary(), "verify", dir_ / "out-parquet"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

// A join whose input is Parquet, written by sluice's own Parquet output
// from the registrations CSV: the same joined rows as with the CSV (a
// Parquet right side goes through the exchange; the CSV one may be a
// broadcast lookup, so rows are compared sorted).
TEST_F(ParquetInput, JoinInputInParquetGivesTheCsvJoin) {
  auto generated = run({sluice_binary(), "gen", "registrations", "--rows", "20000", "--seed",
                        std::to_string(seed_ % 1000), "--out", dir_ / "registrations.csv"});
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  auto converted = run_job(dir_, "convert",
                           "name: convert\ninput: {path: " + dir_ / "registrations.csv" +
                               ", split_size: 200KiB}\n"
                               "output: {path: registrations-parquet/, format: parquet, "
                               "compression: zstd}\n");
  ASSERT_EQ(converted.exit_code, 0) << converted.err;
  auto join = [&](const std::string& right, const std::string& format, const std::string& out) {
    return "name: join\ninput: {path: " + dir_ / "parking.csv" +
           ", split_size: 256KiB}\n"
           "steps:\n  - select: [Summons Number, Plate ID, Registration State]\n"
           "  - join:\n      input: {path: " +
           right + ", split_size: 100KiB" + format +
           "}\n      on: {Plate ID: Plate ID}\n      how: left\n"
           "      columns: {owner_zip: Owner ZIP, registered_make: Vehicle Make}\n"
           "output: {path: " +
           out + "}\n";
  };
  auto csv = run_job(dir_, "join-csv", join(dir_ / "registrations.csv", "", "out-csv/"));
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  auto parquet = run_job(dir_, "join-parquet",
                         join(dir_ / "registrations-parquet", ", format: parquet", "out-parquet/"));
  ASSERT_EQ(parquet.exit_code, 0) << parquet.err;
  const std::vector<std::string> expected = sorted_lines(concat_parts(dir_ / "out-csv"));
  EXPECT_GT(expected.size(), 20000u);
  EXPECT_EQ(sorted_lines(concat_parts(dir_ / "out-parquet")), expected) << "seed=" << seed_;
}

TEST_F(ParquetInput, DamagedPageFailsTheJobNamingTheColumn) {
  // The first page header of the first row group (just after "PAR1").
  {
    std::fstream file(dir_ / "parquet/a.parquet", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4);
    const std::string garbage(24, '\xff');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto result =
      run_job(dir_, "damaged", as_parquet(passthrough_job(dir_ / "parquet", "out/", "64KiB")));
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
