// Row and reject writers: CSV and JSON lines, plain, gzip and zstd; the
// stats describe the file's bytes; CSV output reads back identically.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/base/hash.h"
#include "common/csv/range_reader.h"
#include "common/formats/row_writers.h"
#include "common/io/memory_source.h"
#include "common/io/publish.h"
#include "common/io/row_writer.h"
#include "common/io/text_format.h"

namespace sluice {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-io-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string gunzip(const std::string& bytes) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 32), Z_OK);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  char buffer[1 << 14];
  int rc;
  do {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    rc = inflate(&stream, Z_NO_FLUSH);
    EXPECT_TRUE(rc == Z_OK || rc == Z_STREAM_END) << rc;
    out.append(buffer, sizeof(buffer) - stream.avail_out);
  } while (rc == Z_OK);
  inflateEnd(&stream);
  return out;
}

std::string unzstd(const std::string& bytes) {
  ZSTD_DCtx* context = ZSTD_createDCtx();
  ZSTD_inBuffer input{bytes.data(), bytes.size(), 0};
  std::string out;
  std::vector<char> buffer(ZSTD_DStreamOutSize());
  while (input.pos < input.size) {
    ZSTD_outBuffer output{buffer.data(), buffer.size(), 0};
    size_t rc = ZSTD_decompressStream(context, &output, &input);
    EXPECT_FALSE(ZSTD_isError(rc)) << ZSTD_getErrorName(rc);
    if (ZSTD_isError(rc)) break;
    out.append(buffer.data(), output.pos);
  }
  ZSTD_freeDCtx(context);
  return out;
}

// Rows as (value or NULL) per column.
struct Cell {
  std::string value;
  bool null = false;
};
using Table = std::vector<std::vector<Cell>>;

OutputBatch batch_of(const Table& table, size_t columns) {
  OutputBatch batch;
  batch.column_count = columns;
  for (const auto& row : table) {
    for (const auto& cell : row) {
      batch.owned.push_back(cell.value);
      batch.fields.push_back(batch.owned.back());
      batch.nulls.push_back(cell.null ? 1 : 0);
    }
    batch.row_count += 1;
  }
  return batch;
}

WriteStats write_table(const std::string& path, OutputFormat format, Compression compression,
                       const std::vector<std::string>& columns, const Table& table) {
  auto writer = open_row_writer(path, format, compression, columns);
  EXPECT_TRUE(writer.is_ok()) << writer.status().to_string();
  // In two batches, to cross batch boundaries.
  Table first(table.begin(), table.begin() + table.size() / 2);
  Table second(table.begin() + table.size() / 2, table.end());
  EXPECT_TRUE((*writer)->write(batch_of(first, columns.size())).is_ok());
  EXPECT_TRUE((*writer)->write(batch_of(second, columns.size())).is_ok());
  auto stats = (*writer)->finish();
  EXPECT_TRUE(stats.is_ok()) << stats.status().to_string();
  return *stats;
}

std::vector<std::vector<std::string>> read_csv(const std::string& text, bool header) {
  MemorySource source(text);
  CsvRangeOptions options;
  options.dialect.header = header;
  options.end_offset = text.size();
  CsvRangeReader reader(source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  std::vector<std::vector<std::string>> rows;
  for (;;) {
    auto more = reader.next(batch, rejects);
    EXPECT_TRUE(more.is_ok());
    for (size_t row = 0; row < batch.row_count; ++row) {
      std::vector<std::string> fields;
      for (size_t column = 0; column < batch.column_count; ++column) {
        fields.emplace_back(batch.field(row, column));
      }
      rows.push_back(fields);
    }
    if (!more.is_ok() || !*more) break;
  }
  EXPECT_TRUE(rejects.empty()) << rejects.front().reason;
  return rows;
}

TEST(CsvFormat, QuotesOnlyWhenNeeded) {
  std::string out;
  for (std::string value : {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", "", " x "}) {
    append_csv_field(out, value);
    out.push_back('|');
  }
  EXPECT_EQ(out, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\"cr\r\"|| x |");
}

TEST(JsonFormat, EscapesControlCharactersAndKeepsUtf8) {
  std::string out;
  append_json_string(out, std::string("q\"b\\n\n\t\x01\x7f K\xC3\xB6ln \xF0\x9F\x98\x80 bad\xFF"));
  EXPECT_EQ(out, "\"q\\\"b\\\\n\\n\\t\\u0001\x7f K\xC3\xB6ln \xF0\x9F\x98\x80 bad\\ufffd\"");
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(),
            "q\"b\\n\n\t\x01\x7f K\xC3\xB6ln \xF0\x9F\x98\x80 bad\xEF\xBF\xBD");
}

TEST(CsvRowWriter, WritesHeaderMinimalQuotingAndNulls) {
  TempDir dir;
  std::string path = dir / "out/nested/part-00000.csv";
  Table table = {{{"1"}, {"Smith, John"}, {"", true}},
                 {{"2"}, {"say \"hi\""}, {"multi\nline"}},
                 {{"3"}, {""}, {"x"}}};
  WriteStats stats =
      write_table(path, OutputFormat::kCsv, Compression::kNone, {"id", "name,full", "note"}, table);
  std::string text = read_file(path);
  EXPECT_EQ(text,
            "id,\"name,full\",note\n"
            "1,\"Smith, John\",\n"
            "2,\"say \"\"hi\"\"\",\"multi\nline\"\n"
            "3,,x\n");
  EXPECT_EQ(stats.rows, 3u);
  EXPECT_EQ(stats.bytes, text.size());
  EXPECT_EQ(stats.checksum, hash64(text));
  auto checksum = checksum_file(path);
  ASSERT_TRUE(checksum.is_ok());
  EXPECT_EQ(*checksum, stats.checksum);
}

TEST(CsvRowWriter, SingleEmptyColumnIsQuotedSoTheRowSurvives) {
  TempDir dir;
  std::string path = dir / "one.csv";
  Table table = {{{"a"}}, {{""}}, {{"", true}}, {{"b"}}};
  write_table(path, OutputFormat::kCsv, Compression::kNone, {"only"}, table);
  EXPECT_EQ(read_file(path), "only\na\n\"\"\n\"\"\nb\n");
  EXPECT_EQ(read_csv(read_file(path), true).size(), 4u);
}

std::string random_value(std::mt19937_64& random) {
  static const std::vector<std::string> kPieces = {"a",    "Z",  "9",        " ",  ",", "\"", "\n",
                                                   "\r\n", "\r", "\xC3\xA9", "\t", ";", "xyz"};
  std::string value;
  size_t length = random() % 7;
  for (size_t i = 0; i < length; ++i) value += kPieces[random() % kPieces.size()];
  return value;
}

TEST(CsvRowWriter, RoundTripsThroughTheReader) {
  std::mt19937_64 random(12345);
  TempDir dir;
  for (int iteration = 0; iteration < 50; ++iteration) {
    size_t columns = 1 + random() % 4;
    std::vector<std::string> names;
    for (size_t column = 0; column < columns; ++column)
      names.push_back("c," + std::to_string(column));
    Table table(random() % 100);
    for (auto& row : table) {
      for (size_t column = 0; column < columns; ++column) row.push_back({random_value(random)});
    }
    std::string path = dir / ("rt-" + std::to_string(iteration) + ".csv");
    write_table(path, OutputFormat::kCsv, Compression::kNone, names, table);
    std::string text = read_file(path);
    auto rows = read_csv(text, false);
    ASSERT_EQ(rows.size(), table.size() + 1);
    EXPECT_EQ(rows[0], names);
    for (size_t row = 0; row < table.size(); ++row) {
      for (size_t column = 0; column < columns; ++column) {
        ASSERT_EQ(rows[row + 1][column], table[row][column].value) << "iteration " << iteration;
      }
    }
  }
}

TEST(JsonlRowWriter, WritesOneObjectPerLineWithNulls) {
  TempDir dir;
  std::string path = dir / "part-00000.jsonl";
  Table table = {{{"1"}, {"a \"q\"\n"}}, {{"2"}, {"", true}}};
  WriteStats stats =
      write_table(path, OutputFormat::kJsonl, Compression::kNone, {"id", "Vehicle Make"}, table);
  std::string text = read_file(path);
  EXPECT_EQ(text,
            "{\"id\":\"1\",\"Vehicle Make\":\"a \\\"q\\\"\\n\"}\n"
            "{\"id\":\"2\",\"Vehicle Make\":null}\n");
  EXPECT_EQ(stats.rows, 2u);
  EXPECT_EQ(stats.bytes, text.size());
  std::istringstream lines(text);
  std::string line;
  auto first = nlohmann::json::parse((std::getline(lines, line), line));
  EXPECT_EQ(first["Vehicle Make"], "a \"q\"\n");
  auto second = nlohmann::json::parse((std::getline(lines, line), line));
  EXPECT_TRUE(second["Vehicle Make"].is_null());
}

Table big_table(size_t rows) {
  Table table;
  for (size_t row = 0; row < rows; ++row) {
    table.push_back({{std::to_string(row)}, {"value, " + std::to_string(row * 7919 % 1000)}});
  }
  return table;
}

TEST(CompressedRowWriter, GzipDecompressesToThePlainFile) {
  TempDir dir;
  Table table = big_table(200000);  // several write buffers
  write_table(dir / "plain.csv", OutputFormat::kCsv, Compression::kNone, {"a", "b"}, table);
  WriteStats stats =
      write_table(dir / "part.csv.gz", OutputFormat::kCsv, Compression::kGzip, {"a", "b"}, table);
  std::string compressed = read_file(dir / "part.csv.gz");
  EXPECT_EQ(stats.bytes, compressed.size());
  EXPECT_EQ(stats.checksum, hash64(compressed));
  EXPECT_EQ(stats.rows, table.size());
  EXPECT_LT(compressed.size(), read_file(dir / "plain.csv").size());
  EXPECT_EQ(gunzip(compressed), read_file(dir / "plain.csv"));
}

TEST(CompressedRowWriter, ZstdDecompressesToThePlainFile) {
  TempDir dir;
  Table table = big_table(200000);
  write_table(dir / "plain.jsonl", OutputFormat::kJsonl, Compression::kNone, {"a", "b"}, table);
  WriteStats stats = write_table(dir / "part.jsonl.zst", OutputFormat::kJsonl, Compression::kZstd,
                                 {"a", "b"}, table);
  std::string compressed = read_file(dir / "part.jsonl.zst");
  EXPECT_EQ(stats.bytes, compressed.size());
  EXPECT_EQ(stats.checksum, hash64(compressed));
  EXPECT_EQ(unzstd(compressed), read_file(dir / "plain.jsonl"));
}

TEST(CompressedRowWriter, EmptyOutputIsAValidStream) {
  TempDir dir;
  write_table(dir / "e.csv.gz", OutputFormat::kCsv, Compression::kGzip, {"a"}, {});
  write_table(dir / "e.csv.zst", OutputFormat::kCsv, Compression::kZstd, {"a"}, {});
  EXPECT_EQ(gunzip(read_file(dir / "e.csv.gz")), "a\n");
  EXPECT_EQ(unzstd(read_file(dir / "e.csv.zst")), "a\n");
}

TEST(RowWriter, RefusesABatchOfTheWrongWidth) {
  TempDir dir;
  auto writer = open_row_writer(dir / "w.csv", OutputFormat::kCsv, Compression::kNone, {"a", "b"});
  ASSERT_TRUE(writer.is_ok());
  Status status = (*writer)->write(batch_of({{{"1"}, {"2"}, {"3"}}}, 3));
  EXPECT_FALSE(status.is_ok());
}

TEST(RejectWriter, WritesSourceOffsetReasonAndRecord) {
  TempDir dir;
  std::string path = dir / "_rejects/part-00003.csv";
  auto writer = open_reject_writer(path, "data/in,1.csv");
  ASSERT_TRUE(writer.is_ok()) << writer.status().to_string();
  std::vector<RejectedRecord> rejects = {
      {12, "expected 3 fields, found 2", "a,b"},
      {40, "unterminated quoted field", "\"x\ny"},
  };
  ASSERT_TRUE((*writer)->write(rejects).is_ok());
  auto stats = (*writer)->finish();
  ASSERT_TRUE(stats.is_ok());
  std::string text = read_file(path);
  EXPECT_EQ(text,
            "source_file,offset,reason,record\n"
            "\"data/in,1.csv\",12,\"expected 3 fields, found 2\",\"a,b\"\n"
            "\"data/in,1.csv\",40,unterminated quoted field,\"\"\"x\ny\"\n");
  EXPECT_EQ(stats->rows, 2u);
  EXPECT_EQ(stats->bytes, text.size());
  auto rows = read_csv(text, true);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"data/in,1.csv", "40", "unterminated quoted field",
                                               "\"x\ny"}));
}

TEST(RejectWriter, WithoutRejectsWritesNoFile) {
  TempDir dir;
  std::string path = dir / "_temporary/rejects-00001-attempt-1.csv";
  auto writer = open_reject_writer(path, "in.csv");
  ASSERT_TRUE(writer.is_ok()) << writer.status().to_string();
  ASSERT_TRUE((*writer)->write({}).is_ok());
  auto stats = (*writer)->finish();
  ASSERT_TRUE(stats.is_ok()) << stats.status().to_string();
  EXPECT_EQ(stats->rows, 0u);
  EXPECT_EQ(stats->bytes, 0u);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(dir / "_temporary"));
}

}  // namespace
}  // namespace sluice
