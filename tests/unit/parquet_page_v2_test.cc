// Data pages v2, which neither DuckDB nor Polars writes: a file built here
// byte by byte from parquet.thrift (a dictionary page, a v2 page of
// RLE_DICTIONARY indices with its values zstd-compressed and its levels
// not, and a v2 page of PLAIN values marked is_compressed=false) must read
// back exactly, NULLs included, whole and in any byte range.
#include <gtest/gtest.h>
#include <zstd.h>

#include <optional>
#include <random>

#include "common/io/memory_source.h"
#include "common/parquet/encoding.h"
#include "common/parquet/range_reader.h"
#include "common/parquet/thrift_compact.h"
#include "tests/support/cluster.h"

namespace sluice::parquet {
namespace {

struct V2Page {
  std::string levels;  // RLE/bit-packed hybrid, no length prefix
  std::string values;  // as stored (compressed or not)
  size_t values_plain_bytes = 0;
  int32_t num_values = 0;
  int32_t num_nulls = 0;
  int32_t encoding = 0;
  bool compressed = true;
};

void begin_header(CompactWriter& thrift, int32_t type, size_t plain, size_t stored) {
  thrift.begin_struct();
  thrift.field_i32(1, type);
  thrift.field_i32(2, static_cast<int32_t>(plain));
  thrift.field_i32(3, static_cast<int32_t>(stored));
}

std::string int64_bytes(int64_t value) {
  std::string bytes(8, '\0');
  std::memcpy(bytes.data(), &value, 8);
  return bytes;
}

TEST(ParquetPageV2, ReadsDictionaryAndPlainV2PagesWithNulls) {
  const uint64_t seed = sluice::testing::test_seed();
  std::mt19937_64 random(seed);
  const std::vector<int64_t> dictionary = {-5, 1234567890123, 42};
  std::vector<std::optional<int64_t>> expected;
  std::string file = "PAR1";
  const uint64_t chunk_start = file.size();

  // The dictionary page (PLAIN values, uncompressed: codec is per chunk, so
  // it is zstd too).
  std::string plain_dictionary;
  for (int64_t value : dictionary) plain_dictionary += int64_bytes(value);
  std::string stored_dictionary(ZSTD_compressBound(plain_dictionary.size()), '\0');
  stored_dictionary.resize(ZSTD_compress(stored_dictionary.data(), stored_dictionary.size(),
                                         plain_dictionary.data(), plain_dictionary.size(), 3));
  {
    std::string header;
    CompactWriter thrift(header);
    begin_header(thrift, 2, plain_dictionary.size(), stored_dictionary.size());
    thrift.field_struct(7);
    thrift.field_i32(1, static_cast<int32_t>(dictionary.size()));
    thrift.field_i32(2, 0);  // PLAIN
    thrift.end_struct();
    thrift.end_struct();
    file += header + stored_dictionary;
  }
  const uint64_t data_start = file.size();
  std::vector<V2Page> pages(2);
  for (size_t p = 0; p < pages.size(); ++p) {
    V2Page& page = pages[p];
    page.num_values = 300 + static_cast<int32_t>(random() % 700);
    std::vector<uint32_t> levels;
    std::vector<uint32_t> indexes;
    std::string plain;
    for (int32_t i = 0; i < page.num_values; ++i) {
      const bool null = random() % 5 == 0;
      levels.push_back(null ? 0 : 1);
      if (null) {
        ++page.num_nulls;
        expected.push_back(std::nullopt);
        continue;
      }
      const uint32_t index = static_cast<uint32_t>(random() % dictionary.size());
      const int64_t value = p == 0 ? dictionary[index] : static_cast<int64_t>(random());
      indexes.push_back(index);
      plain += int64_bytes(value);
      expected.push_back(value);
    }
    encode_rle_hybrid(levels.data(), levels.size(), 1, page.levels);
    std::string values;
    if (p == 0) {  // RLE_DICTIONARY: the bit width, then the hybrid
      page.encoding = 8;
      values = std::string(1, '\x02');
      encode_rle_hybrid(indexes.data(), indexes.size(), 2, values);
      page.values.resize(ZSTD_compressBound(values.size()));
      page.values.resize(
          ZSTD_compress(page.values.data(), page.values.size(), values.data(), values.size(), 3));
    } else {  // PLAIN, stored uncompressed in a zstd chunk
      page.encoding = 0;
      values = plain;
      page.values = plain;
      page.compressed = false;
    }
    page.values_plain_bytes = values.size();
    std::string header;
    CompactWriter thrift(header);
    begin_header(thrift, 3, page.levels.size() + page.values_plain_bytes,
                 page.levels.size() + page.values.size());
    thrift.field_struct(8);
    thrift.field_i32(1, page.num_values);
    thrift.field_i32(2, page.num_nulls);
    thrift.field_i32(3, page.num_values);
    thrift.field_i32(4, page.encoding);
    thrift.field_i32(5, static_cast<int32_t>(page.levels.size()));
    thrift.field_i32(6, 0);
    thrift.field_bool(7, page.compressed);
    thrift.end_struct();
    thrift.end_struct();
    file += header + page.levels + page.values;
  }
  const uint64_t chunk_bytes = file.size() - chunk_start;
  const auto rows = static_cast<int64_t>(expected.size());

  std::string footer;
  CompactWriter thrift(footer);
  thrift.begin_struct();
  thrift.field_i32(1, 2);
  thrift.field_list(2, CompactType::kStruct, 2);
  thrift.begin_struct();
  thrift.field_binary(4, "schema");
  thrift.field_i32(5, 1);
  thrift.end_struct();
  thrift.begin_struct();
  thrift.field_i32(1, 2);  // INT64
  thrift.field_i32(3, 1);  // OPTIONAL
  thrift.field_binary(4, "x");
  thrift.end_struct();
  thrift.field_i64(3, rows);
  thrift.field_list(4, CompactType::kStruct, 1);
  thrift.begin_struct();  // RowGroup
  thrift.field_list(1, CompactType::kStruct, 1);
  thrift.begin_struct();  // ColumnChunk
  thrift.field_i64(2, static_cast<int64_t>(chunk_start));
  thrift.field_struct(3);  // ColumnMetaData
  thrift.field_i32(1, 2);
  thrift.field_list(2, CompactType::kI32, 2);
  thrift.list_i32(0);
  thrift.list_i32(8);
  thrift.field_list(3, CompactType::kBinary, 1);
  thrift.list_binary("x");
  thrift.field_i32(4, 6);  // ZSTD
  thrift.field_i64(5, rows);
  thrift.field_i64(6, static_cast<int64_t>(chunk_bytes));
  thrift.field_i64(7, static_cast<int64_t>(chunk_bytes));
  thrift.field_i64(9, static_cast<int64_t>(data_start));
  thrift.field_i64(11, static_cast<int64_t>(chunk_start));
  thrift.end_struct();
  thrift.end_struct();
  thrift.field_i64(2, static_cast<int64_t>(chunk_bytes));
  thrift.field_i64(3, rows);
  thrift.end_struct();
  thrift.end_struct();
  const auto footer_bytes = static_cast<uint32_t>(footer.size());
  file += footer;
  file.append(reinterpret_cast<const char*>(&footer_bytes), 4);
  file += "PAR1";

  MemorySource source(file);
  for (uint64_t split : {static_cast<uint64_t>(file.size()), uint64_t{1} + random() % 64}) {
    std::vector<std::optional<int64_t>> read;
    ColumnChunkReader::PageCounts pages_read;
    for (uint64_t begin = 0; begin < file.size(); begin += split) {
      ParquetRangeOptions options;
      options.begin_offset = begin;
      options.end_offset = std::min<uint64_t>(file.size(), begin + split);
      options.columns = {"x"};
      ParquetRangeReader reader(source, options);
      RecordBatch batch;
      std::vector<RejectedRecord> rejects;
      while (true) {
        auto more = reader.next(batch, rejects);
        ASSERT_TRUE(more.is_ok()) << more.status().message();
        for (size_t row = 0; row < batch.row_count; ++row) {
          const std::string_view field = batch.field(row, 0);
          if (field.data() == nullptr) {
            read.push_back(std::nullopt);
          } else {
            read.push_back(std::stoll(std::string(field)));
          }
        }
        if (!more.value()) break;
      }
      pages_read.data_v2 += reader.page_counts().data_v2;
      pages_read.dictionary += reader.page_counts().dictionary;
    }
    EXPECT_EQ(read, expected) << "split=" << split << " seed=" << seed;
    EXPECT_EQ(pages_read.data_v2, 2u);
    EXPECT_EQ(pages_read.dictionary, 1u);
  }
}

}  // namespace
}  // namespace sluice::parquet
