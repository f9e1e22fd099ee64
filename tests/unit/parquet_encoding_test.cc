// Parquet's building blocks against the independent decoder in
// parquet_decoder.h: thrift compact round trips and the production reader's
// bounds, and the RLE/bit-packed hybrid.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/parquet/encoding.h"
#include "common/parquet/thrift_compact.h"
#include "tests/support/cluster.h"
#include "tests/unit/parquet_decoder.h"

namespace sluice::parquet {
namespace {

using sluice::testing::test_seed;

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

}  // namespace
}  // namespace sluice::parquet
