// The Parquet input reader (common/parquet/range_reader.h and the decoders
// under it): random values written by sluice's own Parquet writer read back
// exactly (every type, NULLs, none/snappy/zstd, PLAIN and dictionary pages,
// many row groups and pages); every row group read once for any byte ranges;
// projection; the DELTA encodings and BYTE_STREAM_SPLIT against encoders
// written here from the specification; malformed files give errors.
// Files written by DuckDB and Polars: parquet_reader_external_test.cc.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>

#include "common/base/limits.h"
#include "common/expr/datetime.h"
#include "common/io/memory_source.h"
#include "common/io/row_writer.h"
#include "common/parquet/encoding.h"
#include "common/parquet/page_decoder.h"
#include "common/parquet/range_reader.h"
#include "common/parquet/writer.h"
#include "tests/support/cluster.h"

namespace sluice::parquet {
namespace {

using sluice::testing::TempDir;
using sluice::testing::test_seed;
using Row = std::vector<std::optional<std::string>>;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A random value's text as the pipeline would render it for `type`.
std::optional<std::string> random_value(ColumnType type, std::mt19937_64& random) {
  if (random() % 7 == 0) return std::nullopt;
  char buffer[64];
  switch (type) {
    case ColumnType::kString: {
      static const char* kWords[] = {"", "NY", "NJ", "a,b", "quote\"d", "line\nbreak", "é ü", "z"};
      std::string value = kWords[random() % 8];
      if (random() % 3 == 0) value += std::to_string(random() % 100000);
      return value;
    }
    case ColumnType::kInt64: {
      const int64_t value = random() % 5 == 0 ? static_cast<int64_t>(random())
                                              : static_cast<int64_t>(random() % 2001) - 1000;
      return std::to_string(value);
    }
    case ColumnType::kFloat64: {
      double value = static_cast<double>(static_cast<int64_t>(random() % 2000000) - 1000000) / 37.0;
      if (random() % 50 == 0) value = -0.0;
      auto end = std::to_chars(buffer, buffer + 64, value).ptr;
      return std::string(buffer, end);
    }
    case ColumnType::kBool:
      return random() % 2 == 0 ? "true" : "false";
    case ColumnType::kDate:
      return std::string(buffer,
                         expr::format_date(static_cast<int64_t>(random() % 40000) - 10000, buffer));
    case ColumnType::kTimestamp: {
      int64_t micros =
          static_cast<int64_t>(random() % 4'000'000'000'000'000ull) - 1'000'000'000'000'000;
      if (random() % 2 == 0) micros -= micros % 1'000'000;
      return std::string(buffer, expr::format_timestamp(micros, buffer));
    }
  }
  return std::nullopt;
}

void write_file(const std::string& path, const std::vector<std::string>& names,
                const std::vector<ColumnType>& types, const std::vector<Row>& rows,
                const WriterOptions& options) {
  auto writer = open_parquet_writer(path, names, types, options);
  ASSERT_TRUE(writer.is_ok()) << writer.status().message();
  for (size_t begin = 0; begin < rows.size(); begin += 97) {
    OutputBatch batch;
    batch.column_count = names.size();
    for (size_t r = begin; r < std::min(rows.size(), begin + 97); ++r) {
      for (const auto& value : rows[r]) {
        batch.owned.push_back(value.value_or(""));
        batch.fields.push_back(batch.owned.back());
        batch.nulls.push_back(value ? 0 : 1);
      }
      ++batch.row_count;
    }
    ASSERT_TRUE(writer.value()->write(batch).is_ok());
  }
  ASSERT_TRUE(writer.value()->finish().is_ok());
}

struct ReadResult {
  std::vector<Row> rows;
  uint64_t start = 0;
  uint64_t end = 0;
  Status status;
};

ReadResult read_range(ByteSource& source, const std::vector<std::string>& names, uint64_t begin,
                      uint64_t end,
                      std::optional<std::vector<size_t>> read_columns = std::nullopt) {
  ParquetRangeOptions options;
  options.begin_offset = begin;
  options.end_offset = end;
  options.columns = names;
  options.read_columns = std::move(read_columns);
  options.keep_raw = true;
  ParquetRangeReader reader(source, options);
  ReadResult result;
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  while (true) {
    auto more = reader.next(batch, rejects);
    if (!more.is_ok()) {
      result.status = more.status();
      return result;
    }
    for (size_t row = 0; row < batch.row_count; ++row) {
      Row values;
      for (size_t c = 0; c < batch.column_count; ++c) {
        std::string_view field = batch.field(row, c);
        if (field.data() == nullptr) {
          values.push_back(std::nullopt);
        } else {
          values.emplace_back(std::string(field));
        }
      }
      result.rows.push_back(std::move(values));
    }
    if (!more.value()) break;
  }
  EXPECT_TRUE(rejects.empty());
  result.start = reader.start_offset();
  result.end = reader.end_offset();
  return result;
}

const std::vector<ColumnType> kTypes = {
    ColumnType::kString, ColumnType::kInt64,     ColumnType::kFloat64, ColumnType::kBool,
    ColumnType::kDate,   ColumnType::kTimestamp, ColumnType::kString};
const std::vector<std::string> kNames = {"s", "i", "f", "b", "d", "t", "unique"};

std::vector<Row> random_rows(size_t count, std::mt19937_64& random) {
  std::vector<Row> rows;
  for (size_t r = 0; r < count; ++r) {
    Row row;
    for (ColumnType type : kTypes) row.push_back(random_value(type, random));
    row.back() = fmt::format("unique-{}-{}", r, random() % 1000);  // falls back to PLAIN
    rows.push_back(std::move(row));
  }
  return rows;
}

TEST(ParquetReader, ReadsBackEveryTypeWrittenBySluiceUnderEachCodec) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  TempDir dir;
  for (Compression codec : {Compression::kNone, Compression::kSnappy, Compression::kZstd}) {
    const std::vector<Row> rows = random_rows(3000 + random() % 2000, random);
    WriterOptions options;
    options.compression = codec;
    options.row_group_rows_max = 500 + random() % 700;
    options.page_bytes_max = 2048;
    options.dictionary_bytes_max = 4096;
    const std::string path = dir / fmt::format("all-{}.parquet", static_cast<int>(codec));
    write_file(path, kNames, kTypes, rows, options);
    MemorySource source(read_bytes(path));
    ReadResult read = read_range(source, kNames, 0, source.size_bytes());
    ASSERT_TRUE(read.status.is_ok()) << read.status.message() << " seed=" << seed;
    ASSERT_EQ(read.rows.size(), rows.size()) << "seed=" << seed;
    for (size_t r = 0; r < rows.size(); ++r)
      ASSERT_EQ(read.rows[r], rows[r])
          << "row " << r << " codec " << static_cast<int>(codec) << " seed=" << seed;
  }
}

TEST(ParquetReader, ReadsEveryRowGroupOnceForAnySplitSize) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  TempDir dir;
  const std::vector<Row> rows = random_rows(4000, random);
  WriterOptions options;
  options.row_group_rows_max = 150 + random() % 200;
  options.page_bytes_max = 4096;
  const std::string path = dir / "groups.parquet";
  write_file(path, kNames, kTypes, rows, options);
  MemorySource source(read_bytes(path));
  const uint64_t size = source.size_bytes();
  for (int trial = 0; trial < 12; ++trial) {
    const uint64_t split = 1 + random() % (size / 3);
    std::vector<Row> all;
    uint64_t previous_end = 0;
    for (uint64_t begin = 0; begin < size; begin += split) {
      ReadResult read = read_range(source, kNames, begin, std::min(size, begin + split));
      ASSERT_TRUE(read.status.is_ok()) << read.status.message();
      if (begin > 0) {
        EXPECT_EQ(read.start, previous_end) << "split=" << split << " seed=" << seed;
      }
      EXPECT_GE(read.start, begin);
      EXPECT_LE(read.start, read.end);
      previous_end = read.end;
      all.insert(all.end(), read.rows.begin(), read.rows.end());
    }
    ASSERT_EQ(all, rows) << "split=" << split << " seed=" << seed;
  }
}

TEST(ParquetReader, DecodesOnlyTheProjectedColumns) {
  std::mt19937_64 random(test_seed());
  TempDir dir;
  const std::vector<Row> rows = random_rows(1000, random);
  const std::string path = dir / "projected.parquet";
  write_file(path, kNames, kTypes, rows, WriterOptions{});
  MemorySource source(read_bytes(path));
  ReadResult read = read_range(source, kNames, 0, source.size_bytes(), std::vector<size_t>{1, 5});
  ASSERT_TRUE(read.status.is_ok()) << read.status.message();
  ASSERT_EQ(read.rows.size(), rows.size());
  for (size_t r = 0; r < rows.size(); ++r) EXPECT_EQ(read.rows[r], (Row{rows[r][1], rows[r][5]}));
}

TEST(ParquetReader, MapsColumnsByNameAndNamesAMissingOne) {
  TempDir dir;
  const std::string path = dir / "two.parquet";
  write_file(path, {"a", "b"}, {ColumnType::kInt64, ColumnType::kString},
             {{"1", "x"}, {"2", std::nullopt}}, WriterOptions{});
  MemorySource source(read_bytes(path));
  ReadResult swapped = read_range(source, {"b", "a"}, 0, source.size_bytes());
  ASSERT_TRUE(swapped.status.is_ok());
  EXPECT_EQ(swapped.rows, (std::vector<Row>{{"x", "1"}, {std::nullopt, "2"}}));
  ReadResult missing = read_range(source, {"a", "c"}, 0, source.size_bytes());
  EXPECT_EQ(missing.status.message(), "parquet: the file has no column 'c'");
}

// ---- decoders against encoders written from the specification ----

void put_uleb(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

// DELTA_BINARY_PACKED with `bits`-bit wrapping arithmetic (32 or 64).
std::string encode_delta(const std::vector<int64_t>& values, int bits, uint64_t block = 128,
                         uint64_t miniblocks = 4) {
  std::string out;
  const uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  put_uleb(out, block);
  put_uleb(out, miniblocks);
  put_uleb(out, values.size());
  const int64_t first = values.empty() ? 0 : values[0];
  put_uleb(out, (static_cast<uint64_t>(first) << 1) ^ static_cast<uint64_t>(first >> 63));
  const uint64_t per = block / miniblocks;
  for (size_t begin = 1; begin < values.size(); begin += block) {
    const size_t end = std::min(values.size(), begin + block);
    std::vector<int64_t> deltas;
    for (size_t i = begin; i < end; ++i) {
      const uint64_t delta =
          (static_cast<uint64_t>(values[i]) - static_cast<uint64_t>(values[i - 1])) & mask;
      // As a signed number of `bits` bits.
      deltas.push_back(
          bits == 64 ? static_cast<int64_t>(delta)
                     : static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(delta))));
    }
    const int64_t min_delta = *std::min_element(deltas.begin(), deltas.end());
    put_uleb(out, (static_cast<uint64_t>(min_delta) << 1) ^ static_cast<uint64_t>(min_delta >> 63));
    std::vector<int> widths(miniblocks, 0);
    for (size_t i = 0; i < deltas.size(); ++i) {
      const uint64_t packed =
          (static_cast<uint64_t>(deltas[i]) - static_cast<uint64_t>(min_delta)) & mask;
      widths[i / per] = std::max(widths[i / per], packed == 0 ? 0 : 64 - __builtin_clzll(packed));
    }
    for (int width : widths) out += static_cast<char>(width);
    for (size_t m = 0; m * per < deltas.size(); ++m) {
      std::string bytes(per * static_cast<size_t>(widths[m]) / 8, '\0');
      for (size_t k = 0; k < per && m * per + k < deltas.size(); ++k) {
        const uint64_t packed =
            (static_cast<uint64_t>(deltas[m * per + k]) - static_cast<uint64_t>(min_delta)) & mask;
        for (int bit = 0; bit < widths[m]; ++bit) {
          if ((packed >> bit) & 1) {
            const size_t at = k * static_cast<size_t>(widths[m]) + static_cast<size_t>(bit);
            bytes[at / 8] = static_cast<char>(bytes[at / 8] | (1 << (at % 8)));
          }
        }
      }
      out += bytes;
    }
  }
  return out;
}

std::string encode_delta_lengths(const std::vector<std::string>& values) {
  std::vector<int64_t> lengths;
  for (const auto& value : values) lengths.push_back(static_cast<int64_t>(value.size()));
  std::string out = encode_delta(lengths, 32);
  for (const auto& value : values) out += value;
  return out;
}

std::vector<std::string> decode_all(const ColumnInfo& column, int32_t encoding,
                                    const std::string& data, size_t count) {
  ValueDecoder decoder;
  Status started = decoder.init(column, encoding, data, count, nullptr);
  EXPECT_TRUE(started.is_ok()) << started.message();
  std::vector<std::string> out;
  for (size_t i = 0; i < count && started.is_ok(); ++i) {
    std::string_view value;
    Status got = decoder.next(value);
    EXPECT_TRUE(got.is_ok()) << got.message();
    if (!got.is_ok()) break;
    out.emplace_back(value);
  }
  return out;
}

TEST(ParquetDecoders, DeltaBinaryPackedRoundTripsRandomIntegers) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  for (int trial = 0; trial < 200; ++trial) {
    const int bits = trial % 2 == 0 ? 64 : 32;
    const size_t count = random() % 1000;
    std::vector<int64_t> values;
    const int scale = static_cast<int>(random() % 64);
    for (size_t i = 0; i < count; ++i) {
      int64_t value = static_cast<int64_t>(random() >> scale) * (random() % 2 == 0 ? 1 : -1);
      if (random() % 50 == 0) value = bits == 64 ? INT64_MIN : INT32_MIN;
      if (random() % 50 == 0) value = bits == 64 ? INT64_MAX : INT32_MAX;
      if (bits == 32) value = static_cast<int32_t>(value);
      values.push_back(value);
    }
    const uint64_t block = 128 * (1 + random() % 3);
    const std::string encoded = encode_delta(values, bits, block, block / 32);
    ColumnInfo column;
    column.physical = bits == 64 ? Physical::kInt64 : Physical::kInt32;
    std::vector<std::string> decoded =
        decode_all(column, encoding_id::kDeltaBinaryPacked, encoded, count);
    ASSERT_EQ(decoded.size(), count) << "seed=" << seed;
    for (size_t i = 0; i < count; ++i) {
      int64_t value = 0;
      if (bits == 64) {
        std::memcpy(&value, decoded[i].data(), 8);
      } else {
        int32_t narrow = 0;
        std::memcpy(&narrow, decoded[i].data(), 4);
        value = narrow;
      }
      ASSERT_EQ(value, values[i]) << "trial " << trial << " index " << i << " seed=" << seed;
    }
  }
}

TEST(ParquetDecoders, DeltaByteArraysRoundTripRandomStrings) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  for (int trial = 0; trial < 100; ++trial) {
    std::vector<std::string> values;
    const size_t count = random() % 600;
    for (size_t i = 0; i < count; ++i) {
      std::string value = i > 0 && random() % 2 == 0 ? values.back().substr(0, random() % 8) : "";
      for (size_t k = random() % 12; k > 0; --k) value += static_cast<char>('a' + random() % 26);
      values.push_back(value);
    }
    ColumnInfo column;
    column.physical = Physical::kByteArray;
    EXPECT_EQ(
        decode_all(column, encoding_id::kDeltaLengthByteArray, encode_delta_lengths(values), count),
        values)
        << "seed=" << seed;
    // DELTA_BYTE_ARRAY: prefix lengths shared with the previous value, then suffixes.
    std::vector<int64_t> prefixes;
    std::vector<std::string> suffixes;
    for (size_t i = 0; i < count; ++i) {
      size_t prefix = 0;
      if (i > 0) {
        while (prefix < values[i].size() && prefix < values[i - 1].size() &&
               values[i][prefix] == values[i - 1][prefix])
          ++prefix;
      }
      prefixes.push_back(static_cast<int64_t>(prefix));
      suffixes.push_back(values[i].substr(prefix));
    }
    const std::string encoded = encode_delta(prefixes, 32) + encode_delta_lengths(suffixes);
    EXPECT_EQ(decode_all(column, encoding_id::kDeltaByteArray, encoded, count), values)
        << "seed=" << seed;
  }
}

TEST(ParquetDecoders, RleHybridRoundTripsRandomRuns) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  for (int width = 0; width <= 32; ++width) {
    std::vector<uint32_t> values;
    const uint64_t most = width == 32 ? 0xFFFFFFFFull : (uint64_t{1} << width) - 1;
    while (values.size() < 3000) {
      const uint32_t value = static_cast<uint32_t>(random() & most);
      const size_t run = random() % 2 == 0 ? 1 : random() % 40;
      values.insert(values.end(), run, value);
    }
    std::string encoded;
    encode_rle_hybrid(values.data(), values.size(), width, encoded);
    RleDecoder decoder(encoded, width);
    std::vector<uint32_t> decoded(values.size());
    size_t done = 0;
    while (done < values.size()) {
      const size_t n = std::min(values.size() - done, 1 + static_cast<size_t>(random() % 100));
      ASSERT_TRUE(decoder.get(decoded.data() + done, n).is_ok()) << "width " << width;
      done += n;
    }
    ASSERT_EQ(decoded, values) << "width " << width << " seed=" << seed;
    uint32_t past = 0;
    // Bit-packed groups may pad up to 7 values; past those the data ends.
    Status end = Status::ok();
    for (int i = 0; i < 8 && end.is_ok(); ++i) end = decoder.get(&past, 1);
    EXPECT_FALSE(end.is_ok()) << "width " << width;
  }
}

// Dictionary indexes taken many at a time (as the column reader does) give
// what one at a time gives, whatever the mix of the two and the bit width;
// an index past the dictionary is an error naming it, either way.
TEST(ParquetDecoders, DictionaryIndexesInBatchesMatchOneByOne) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  ColumnInfo column;
  column.name = "state";
  column.physical = Physical::kByteArray;
  for (int width : {1, 3, 7, 8, 12, 17, 24, 31, 32}) {
    const uint64_t most = width == 32 ? 0xFFFFFFFFull : (uint64_t{1} << width) - 1;
    const size_t entries = static_cast<size_t>(std::min<uint64_t>(most, 5000)) + 1;
    std::vector<std::string> entry_text(entries);
    std::vector<std::string_view> dictionary;
    for (size_t i = 0; i < entries; ++i) entry_text[i] = fmt::format("v{}", i);
    for (const std::string& text : entry_text) dictionary.push_back(text);
    std::vector<uint32_t> values;
    while (values.size() < 5000) {
      const auto value = static_cast<uint32_t>(random() % entries);
      values.insert(values.end(), random() % 2 == 0 ? 1 : random() % 30, value);
    }
    std::string page(1, static_cast<char>(width));
    encode_rle_hybrid(values.data(), values.size(), width, page);
    ValueDecoder decoder;
    ASSERT_TRUE(decoder.init(column, encoding_id::kRleDictionary, page, values.size(), &dictionary)
                    .is_ok());
    std::vector<uint32_t> decoded(values.size());
    size_t done = 0;
    while (done < values.size()) {
      const size_t n = std::min(values.size() - done, static_cast<size_t>(random() % 700));
      if (random() % 3 == 0 && n > 0) {
        for (size_t i = 0; i < n; ++i)
          ASSERT_TRUE(decoder.next_index(decoded[done + i]).is_ok()) << "width " << width;
      } else {
        ASSERT_TRUE(decoder.next_indexes(decoded.data() + done, n).is_ok()) << "width " << width;
      }
      done += n;
    }
    ASSERT_EQ(decoded, values) << "width " << width << " seed=" << seed;
    uint32_t past = 0;
    EXPECT_FALSE(decoder.next_indexes(&past, 1).is_ok()) << "width " << width;
  }
  // An index past a dictionary of 3 entries.
  std::vector<std::string_view> three = {"a", "b", "c"};
  const std::vector<uint32_t> values = {0, 1, 2, 3, 1};
  std::string page(1, static_cast<char>(2));
  encode_rle_hybrid(values.data(), values.size(), 2, page);
  ValueDecoder decoder;
  ASSERT_TRUE(
      decoder.init(column, encoding_id::kRleDictionary, page, values.size(), &three).is_ok());
  std::vector<uint32_t> out(values.size());
  Status bad = decoder.next_indexes(out.data(), out.size());
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("column 'state': dictionary index 3 out of range"),
            std::string::npos)
      << bad.message();
}

TEST(ParquetDecoders, ByteStreamSplitDoubles) {
  std::vector<double> values = {1.5, -2.25, 0.0, 1e300, -1e-300};
  std::string encoded(values.size() * 8, '\0');
  for (size_t i = 0; i < values.size(); ++i) {
    char bytes[8];
    std::memcpy(bytes, &values[i], 8);
    for (size_t k = 0; k < 8; ++k) encoded[k * values.size() + i] = bytes[k];
  }
  ColumnInfo column;
  column.physical = Physical::kDouble;
  std::vector<std::string> decoded =
      decode_all(column, encoding_id::kByteStreamSplit, encoded, values.size());
  ASSERT_EQ(decoded.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    double value = 0;
    std::memcpy(&value, decoded[i].data(), 8);
    EXPECT_EQ(value, values[i]);
  }
}

TEST(ParquetDecoders, RefusesADeltaHeaderThatLies) {
  ColumnInfo column;
  column.physical = Physical::kInt64;
  // 10 values, in miniblocks of width 64 that the page does not hold.
  std::string data;
  put_uleb(data, 128);
  put_uleb(data, 4);
  put_uleb(data, 10);
  put_uleb(data, 0);
  put_uleb(data, 0);
  data += std::string(4, '\x40');
  ValueDecoder decoder;
  ASSERT_TRUE(decoder.init(column, encoding_id::kDeltaBinaryPacked, data, 10, nullptr).is_ok());
  std::string_view value;
  EXPECT_TRUE(decoder.next(value).is_ok());  // the first value is in the header
  // A header claiming more values than the page holds is refused at once.
  std::string lying = data;
  lying[3] = 100;  // the total: 100 values
  ValueDecoder refused;
  EXPECT_FALSE(refused.init(column, encoding_id::kDeltaBinaryPacked, lying, 10, nullptr).is_ok());
  Status second = decoder.next(value);
  EXPECT_EQ(second.message(), "DELTA_BINARY_PACKED: a miniblock past the end of the page");
}

// ---- malformed files ----

TEST(ParquetReader, MalformedFilesGiveErrorsNotCrashes) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  TempDir dir;
  const std::vector<Row> rows = random_rows(600, random);
  WriterOptions options;
  options.compression = Compression::kSnappy;
  options.row_group_rows_max = 200;
  options.page_bytes_max = 1024;
  const std::string path = dir / "good.parquet";
  write_file(path, kNames, kTypes, rows, options);
  const std::string good = read_bytes(path);

  auto read_bytes_as_file = [&](std::string bytes) {
    MemorySource source(std::move(bytes));
    return read_range(source, kNames, 0, source.size_bytes());
  };
  EXPECT_EQ(read_bytes_as_file(good.substr(0, good.size() - 3)).status.message(),
            "parquet: no PAR1 magic bytes at the start and end (not a Parquet file, or cut short)");
  EXPECT_EQ(read_bytes_as_file("PAR1PAR1").status.message(),
            "parquet: 8 bytes is too short for a Parquet file");
  std::string long_footer = good;
  long_footer[long_footer.size() - 5] = '\x7f';  // footer length's high byte
  EXPECT_NE(read_bytes_as_file(long_footer).status.message().find("footer length"),
            std::string::npos);
  // Random damage anywhere: an error or (damage in values) other rows, never a crash.
  int errors = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string damaged = good;
    for (int k = 0; k < 1 + static_cast<int>(random() % 4); ++k)
      damaged[random() % damaged.size()] = static_cast<char>(random());
    ReadResult read = read_bytes_as_file(damaged);
    if (!read.status.is_ok()) {
      ++errors;
      EXPECT_EQ(read.status.message().rfind("parquet: ", 0), 0u) << read.status.message();
    }
  }
  EXPECT_GT(errors, 0) << "seed=" << seed;
}

}  // namespace
}  // namespace sluice::parquet
