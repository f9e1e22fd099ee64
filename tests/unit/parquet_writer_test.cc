// The Parquet writer against an independent decoder written here from the
// specification: thrift compact values as a generic tree, the RLE/bit-packed
// hybrid, pages (none/snappy/zstd), PLAIN and dictionary values. Real readers
// (DuckDB, Polars) check the same files in tests/parquet/check.mjs.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <snappy.h>
#include <zstd.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>

#include "common/expr/datetime.h"
#include "common/io/row_writer.h"
#include "common/job/job_spec.h"
#include "common/parquet/encoding.h"
#include "common/parquet/thrift_compact.h"
#include "common/parquet/writer.h"
#include "tests/support/cluster.h"

namespace sluice::parquet {
namespace {

namespace fs = std::filesystem;
using sluice::testing::TempDir;
using sluice::testing::test_seed;

// --- a tiny thrift compact decoder -----------------------------------------

struct Value {
  int type = 0;  // CompactType
  int64_t integer = 0;
  std::string binary;
  std::vector<Value> list;
  std::map<int, Value> fields;  // struct
  const Value& operator[](int id) const {
    auto found = fields.find(id);
    EXPECT_NE(found, fields.end()) << "field " << id;
    static const Value kEmpty;
    return found == fields.end() ? kEmpty : found->second;
  }
  bool has(int id) const { return fields.count(id) != 0; }
};

class Decoder {
 public:
  explicit Decoder(std::string_view data) : data_(data) {}
  size_t position = 0;

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<uint8_t>(data_.at(position++));
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
  }
  int64_t zigzag() {
    const uint64_t raw = varint();
    return static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
  }
  Value read(int type) {
    Value value;
    value.type = type;
    switch (type) {
      case 1:
      case 2:
        value.integer = type == 1;
        break;
      case 3:
        value.integer = static_cast<uint8_t>(data_.at(position++));
        break;
      case 4:
      case 5:
      case 6:
        value.integer = zigzag();
        break;
      case 8: {
        const uint64_t length = varint();
        value.binary = std::string(data_.substr(position, length));
        position += length;
        break;
      }
      case 9: {
        const auto header = static_cast<uint8_t>(data_.at(position++));
        uint64_t size = header >> 4;
        if (size == 15) size = varint();
        for (uint64_t i = 0; i < size; ++i) value.list.push_back(read(header & 0x0F));
        break;
      }
      case 12: {
        int last = 0;
        while (true) {
          const auto header = static_cast<uint8_t>(data_.at(position++));
          if (header == 0) break;
          const int id = (header >> 4) != 0 ? last + (header >> 4) : static_cast<int>(zigzag());
          value.fields[id] = read(header & 0x0F);
          last = id;
        }
        break;
      }
      default:
        ADD_FAILURE() << "type " << type;
    }
    return value;
  }

 private:
  std::string_view data_;
};

// --- the hybrid, decoded ----------------------------------------------------

std::vector<uint32_t> decode_hybrid(std::string_view data, int bit_width, size_t count) {
  std::vector<uint32_t> values;
  Decoder decoder(data);
  while (values.size() < count) {
    const uint64_t header = decoder.varint();
    if ((header & 1) == 0) {
      uint32_t value = 0;
      for (int i = 0; i < (bit_width + 7) / 8; ++i) {
        value |= static_cast<uint32_t>(static_cast<uint8_t>(data.at(decoder.position++)))
                 << (8 * i);
      }
      for (uint64_t i = 0; i < header >> 1; ++i) values.push_back(value);
    } else {
      const uint64_t total = (header >> 1) * 8;
      uint64_t bit = 0;
      for (uint64_t i = 0; i < total; ++i) {
        uint32_t value = 0;
        for (int b = 0; b < bit_width; ++b, ++bit) {
          const auto byte = static_cast<uint8_t>(data.at(decoder.position + bit / 8));
          value |= static_cast<uint32_t>((byte >> (bit % 8)) & 1) << b;
        }
        values.push_back(value);
      }
      decoder.position += total * bit_width / 8;
    }
  }
  EXPECT_EQ(decoder.position, data.size()) << "trailing bytes";
  values.resize(count);
  return values;
}

// --- a whole file, decoded --------------------------------------------------

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct DecodedFile {
  Value metadata;
  std::vector<std::string> names;
  std::vector<int> physical;
  // column -> rows, as text (NULL = nullopt): ints in decimal, doubles with
  // to_string, booleans 0/1, strings as is.
  std::vector<std::vector<std::optional<std::string>>> columns;
  std::vector<bool> dictionary_encoded;  // of the first row group's chunks
};

std::string decompress(int codec, std::string_view body, size_t plain_size) {
  if (codec == 0) return std::string(body);
  std::string out(plain_size, '\0');
  if (codec == 1) {
    EXPECT_TRUE(snappy::RawUncompress(body.data(), body.size(), out.data()));
  } else {
    EXPECT_EQ(codec, 6);
    EXPECT_EQ(ZSTD_decompress(out.data(), out.size(), body.data(), body.size()), plain_size);
  }
  return out;
}

std::string plain_text(int physical, std::string_view data, size_t& position) {
  auto fixed = [&](auto value) {
    std::memcpy(&value, data.data() + position, sizeof(value));
    position += sizeof(value);
    return value;
  };
  switch (physical) {
    case 1:
      return std::to_string(fixed(int32_t{}));
    case 2:
      return std::to_string(fixed(int64_t{}));
    case 5:
      return std::to_string(fixed(double{}));
    case 6: {
      const uint32_t length = fixed(uint32_t{});
      std::string text(data.substr(position, length));
      position += length;
      return text;
    }
  }
  ADD_FAILURE() << "physical " << physical;
  return {};
}

DecodedFile decode_file(const fs::path& path) {
  const std::string file = read_file(path);
  EXPECT_EQ(file.substr(0, 4), "PAR1");
  EXPECT_EQ(file.substr(file.size() - 4), "PAR1");
  uint32_t footer_bytes = 0;
  std::memcpy(&footer_bytes, file.data() + file.size() - 8, 4);
  Decoder footer(std::string_view(file).substr(file.size() - 8 - footer_bytes, footer_bytes));
  DecodedFile decoded;
  decoded.metadata = footer.read(12);
  EXPECT_EQ(footer.position, footer_bytes);
  const Value& schema = decoded.metadata[2];
  for (size_t i = 1; i < schema.list.size(); ++i) {
    decoded.names.push_back(schema.list[i][4].binary);
    decoded.physical.push_back(static_cast<int>(schema.list[i][1].integer));
  }
  decoded.columns.resize(decoded.names.size());
  int64_t rows_total = 0;
  for (const Value& group : decoded.metadata[4].list) {
    rows_total += group[3].integer;
    for (size_t c = 0; c < group[1].list.size(); ++c) {
      const Value& meta = group[1].list[c][3];
      const int physical = static_cast<int>(meta[1].integer);
      const int codec = static_cast<int>(meta[4].integer);
      EXPECT_EQ(physical, decoded.physical[c]);
      EXPECT_EQ(meta[3].list.at(0).binary, decoded.names[c]);
      size_t position = static_cast<size_t>(meta.has(11) ? meta[11].integer : meta[9].integer);
      if (&group == &decoded.metadata[4].list.front()) {
        decoded.dictionary_encoded.push_back(meta.has(11));
      }
      std::vector<std::string> dictionary;
      int64_t values_seen = 0;
      int64_t compressed_total = 0;
      const size_t chunk_start = position;
      while (values_seen < meta[5].integer) {
        Decoder header_decoder(std::string_view(file).substr(position));
        const Value header = header_decoder.read(12);
        position += header_decoder.position;
        const size_t compressed = static_cast<size_t>(header[3].integer);
        const std::string body =
            decompress(codec, std::string_view(file).substr(position, compressed),
                       static_cast<size_t>(header[2].integer));
        position += compressed;
        if (header[1].integer == 2) {  // dictionary page
          size_t at = 0;
          for (int64_t i = 0; i < header[7][1].integer; ++i) {
            dictionary.push_back(plain_text(physical, body, at));
          }
          EXPECT_EQ(at, body.size());
          continue;
        }
        const Value& data_header = header[5];
        const auto count = static_cast<size_t>(data_header[1].integer);
        uint32_t levels_bytes = 0;
        std::memcpy(&levels_bytes, body.data(), 4);
        const std::vector<uint32_t> levels =
            decode_hybrid(std::string_view(body).substr(4, levels_bytes), 1, count);
        size_t at = 4 + levels_bytes;
        size_t defined = 0;
        for (uint32_t level : levels) defined += level;
        std::vector<std::string> values;
        if (data_header[2].integer == 8) {
          const int width = static_cast<uint8_t>(body.at(at++));
          for (uint32_t index : decode_hybrid(std::string_view(body).substr(at), width, defined)) {
            values.push_back(dictionary.at(index));
          }
        } else if (physical == 0) {
          for (size_t i = 0; i < defined; ++i) {
            values.push_back(
                std::to_string((static_cast<uint8_t>(body.at(at + i / 8)) >> (i % 8)) & 1));
          }
        } else {
          for (size_t i = 0; i < defined; ++i) values.push_back(plain_text(physical, body, at));
          EXPECT_EQ(at, body.size());
        }
        size_t next = 0;
        for (uint32_t level : levels) {
          decoded.columns[c].push_back(level != 0 ? std::optional<std::string>(values[next++])
                                                  : std::nullopt);
        }
        values_seen += static_cast<int64_t>(count);
      }
      compressed_total = static_cast<int64_t>(position - chunk_start);
      EXPECT_EQ(compressed_total, meta[7].integer);
    }
  }
  EXPECT_EQ(rows_total, decoded.metadata[3].integer);
  return decoded;
}

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

// --- thrift -----------------------------------------------------------------

TEST(ParquetThrift, RoundTripsFieldsListsAndNestedStructs) {
  std::string out;
  CompactWriter writer(out);
  writer.begin_struct();
  writer.field_i32(1, -5);
  writer.field_i64(3, int64_t{1} << 40);
  writer.field_bool(4, true);
  writer.field_bool(5, false);
  writer.field_binary(40, std::string("x\0y", 3));  // delta > 15: long header
  writer.field_list(41, CompactType::kI32, 20);     // 15 or more: varint size
  for (int i = 0; i < 20; ++i) writer.list_i32(i - 10);
  writer.field_struct(42);
  writer.field_i32(1, INT32_MIN);
  writer.field_struct(2);
  writer.field_i64(7, INT64_MAX);
  writer.end_struct();
  writer.end_struct();
  writer.field_list(43, CompactType::kBinary, 2);
  writer.list_binary("a");
  writer.list_binary("");
  writer.field_i32(2, 7);  // a smaller id after a larger one
  writer.end_struct();

  Decoder decoder(out);
  const Value value = decoder.read(12);
  EXPECT_EQ(decoder.position, out.size());
  EXPECT_EQ(value[1].integer, -5);
  EXPECT_EQ(value[3].integer, int64_t{1} << 40);
  EXPECT_EQ(value[4].integer, 1);
  EXPECT_EQ(value[5].integer, 0);
  EXPECT_EQ(value[40].binary, std::string("x\0y", 3));
  ASSERT_EQ(value[41].list.size(), 20u);
  EXPECT_EQ(value[41].list[0].integer, -10);
  EXPECT_EQ(value[41].list[19].integer, 9);
  EXPECT_EQ(value[42][1].integer, INT32_MIN);
  EXPECT_EQ(value[42][2][7].integer, INT64_MAX);
  EXPECT_EQ(value[43].list[0].binary, "a");
  EXPECT_EQ(value[43].list[1].binary, "");
  EXPECT_EQ(value[2].integer, 7);

  // The production reader skips the whole struct and lands at the end.
  CompactReader reader(out);
  ASSERT_TRUE(reader.skip(CompactType::kStruct).is_ok());
  EXPECT_EQ(reader.position(), out.size());
}

TEST(ParquetThrift, ReaderRejectsTruncatedAndDeepInput) {
  std::string out;
  CompactWriter writer(out);
  writer.begin_struct();
  writer.field_binary(1, "hello");
  writer.field_list(2, CompactType::kI64, 3);
  for (int i = 0; i < 3; ++i) append_varint(out, zigzag(i));
  writer.end_struct();
  for (size_t cut = 0; cut < out.size(); ++cut) {
    CompactReader reader(std::string_view(out).substr(0, cut));
    EXPECT_FALSE(reader.skip(CompactType::kStruct).is_ok()) << "cut=" << cut;
  }
  const std::string deep(200, static_cast<char>(0x1C));  // struct in struct in ...
  CompactReader reader(deep);
  EXPECT_FALSE(reader.skip(CompactType::kStruct).is_ok());
}

// --- RLE / bit-packed hybrid --------------------------------------------------

TEST(ParquetEncoding, HybridRoundTripsRunsAndNoise) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  for (int trial = 0; trial < 300; ++trial) {
    const int width = static_cast<int>(random() % 21);
    const size_t count = random() % 2000;
    std::vector<uint32_t> values;
    while (values.size() < count) {
      const uint32_t value = width == 0 ? 0 : static_cast<uint32_t>(random() & ((1u << width) - 1));
      const size_t repeat = random() % 3 == 0 ? random() % 40 : 1;
      for (size_t i = 0; i < repeat && values.size() < count; ++i) values.push_back(value);
    }
    std::string out;
    encode_rle_hybrid(values.data(), values.size(), width, out);
    EXPECT_EQ(decode_hybrid(out, width, count), values)
        << "seed=" << seed << " trial=" << trial << " width=" << width;
  }
}

TEST(ParquetEncoding, LongRunIsOneRleRun) {
  std::vector<uint32_t> ones(100000, 1);
  std::string out;
  encode_rle_hybrid(ones.data(), ones.size(), 1, out);
  EXPECT_EQ(out.size(), 4u);  // a 3-byte varint header and the value
  EXPECT_EQ(bit_width_of(0), 0);
  EXPECT_EQ(bit_width_of(1), 1);
  EXPECT_EQ(bit_width_of(255), 8);
  EXPECT_EQ(bit_width_of(256), 9);
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
