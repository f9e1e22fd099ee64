// The block structural index (common/csv/structural_index.h): every kernel
// gives the masks of the definition, and a reader cutting records with the
// index gives exactly what the byte-by-byte grammar gives (records, offsets,
// rejects, range ends) on random, often malformed, CSV; and a reader keeping
// only some columns (a projection) keeps exactly those of the full read.
//
// Randomized; the seed is printed. Replay with SLUICE_SEED=<seed>.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/csv/range_reader.h"
#include "common/csv/structural_index.h"
#include "common/io/memory_source.h"

namespace sluice {
namespace {

using csv_index::BlockMasks;
using csv_index::Kernel;

uint64_t test_seed() {
  static const uint64_t seed = [] {
    const char* text = std::getenv("SLUICE_SEED");
    uint64_t value = text != nullptr ? std::strtoull(text, nullptr, 10) : std::random_device{}();
    std::cout << "seed " << value << " (replay with SLUICE_SEED=" << value << ")\n";
    return value;
  }();
  return seed;
}

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(engine_); }
  bool chance(int percent) { return pick(100) < static_cast<size_t>(percent); }

  // Bytes biased towards the characters the index marks.
  std::string bytes(size_t length, char delimiter, char quote) {
    const char kAlphabet[] = {'a', 'Z', '0', ' ', '\r', '\n', '\x80', '\xC3', '\xFF', '\0'};
    std::string out;
    for (size_t i = 0; i < length; ++i) {
      switch (pick(6)) {
        case 0:
          out += delimiter;
          break;
        case 1:
          out += quote;
          break;
        case 2:
          out += '\n';
          break;
        case 3:
          out += static_cast<char>(pick(256));
          break;
        default:
          out += kAlphabet[pick(sizeof kAlphabet)];
      }
    }
    return out;
  }

  // CSV text: mostly well-formed rows, with every kind of trouble the grammar
  // knows sprinkled in.
  // Values longer than the index span (8 KiB) only with `long_values` (the
  // grammar re-reads an unfinished record at every chunk: quadratic in tiny
  // chunks).
  // `quoted_percent`: of the values that need no quotes, how many get them;
  // with 0, values are mostly of pieces that need none.
  std::string csv(char delimiter, char quote, size_t columns, size_t rows, bool long_values,
                  int quoted_percent = 40) {
    static const std::vector<std::string> kPieces = {
        "a", "bc", "7", " ", "\xC3\xA9", "\xFF", ",", ";", "\t", "\"", "'", "\n", "\r\n", "\r"};
    constexpr size_t kPlainPieces = 6;  // the first ones: no delimiter, quote or line end
    std::string out;
    for (size_t row = 0; row < rows; ++row) {
      if (chance(5)) out += chance(50) ? "\n" : "\r\n";
      size_t width = chance(90) ? columns : 1 + pick(columns + 2);
      for (size_t column = 0; column < width; ++column) {
        if (column > 0) out += delimiter;
        std::string value;
        size_t length = long_values && chance(2) ? 5000 + pick(12000) : pick(6);
        for (size_t i = 0; i < length; ++i) {
          value += length > 100
                       ? std::string(1, "xyz,\n\""[pick(6)])
                       : kPieces[pick(quoted_percent == 0 ? kPlainPieces : kPieces.size())];
        }
        const bool quoted =
            chance(quoted_percent) ||
            value.find_first_of(std::string{delimiter, quote, '\n', '\r'}) != std::string::npos;
        if (!quoted || chance(3)) {  // 3%: written raw anyway (lenient or broken)
          out += value;
          continue;
        }
        out += quote;
        for (char c : value) {
          out += c;
          if (c == quote) out += c;
        }
        out += quote;
        if (chance(3)) out += "x" + std::string(1, quote);  // text after the closing quote
      }
      if (row + 1 < rows || chance(70)) out += chance(70) ? "\n" : "\r\n";
    }
    if (chance(10)) out += std::string(1, quote) + "never closed\n";
    return out;
  }

 private:
  std::mt19937_64 engine_;
};

std::vector<BlockMasks> build(Kernel kernel, const std::string& text, char delimiter, char quote) {
  std::vector<BlockMasks> masks((text.size() + 63) / 64 + 1);
  csv_index::build(kernel, text.data(), text.size(), delimiter, quote, masks.data());
  masks.resize((text.size() + 63) / 64);
  return masks;
}

// The definition, one byte at a time.
std::vector<BlockMasks> expected_masks(const std::string& text, char delimiter, char quote) {
  std::vector<BlockMasks> masks((text.size() + 63) / 64);
  bool inside = false;
  for (size_t i = 0; i < text.size(); ++i) {
    BlockMasks& block = masks[i / 64];
    const uint64_t bit = uint64_t{1} << (i % 64);
    const char c = text[i];
    if (c == quote) {
      block.quote |= bit;
      inside = !inside;
    }
    if (c == delimiter || c == '\n') block.structural |= bit;
    if (c == '\n') block.newline |= bit;
    if (static_cast<unsigned char>(c) >= 0x80) block.non_ascii |= bit;
    if (inside) block.parity |= bit;
  }
  return masks;
}

TEST(CsvStructuralIndex, PrefixXorIsTheRunningParity) {
  EXPECT_EQ(csv_index::prefix_xor(0), 0u);
  EXPECT_EQ(csv_index::prefix_xor(0b1001), 0b0111u);
  EXPECT_EQ(csv_index::prefix_xor(uint64_t{1}), ~uint64_t{0});
  EXPECT_EQ(csv_index::prefix_xor(uint64_t{1} << 63), uint64_t{1} << 63);
}

TEST(CsvStructuralIndex, MarksQuotedDelimitersByParity) {
  const std::string text = "a,\"b,c\"\n\"x\ny\",z\n";
  for (Kernel kernel : {Kernel::kScalar, Kernel::kSse2, Kernel::kAvx2}) {
    if (!csv_index::kernel_available(kernel)) continue;
    SCOPED_TRACE(csv_index::kernel_name(kernel));
    auto masks = build(kernel, text, ',', '"');
    ASSERT_EQ(masks.size(), 1u);
    // Outside quotes: the ',' at 1, '\n' at 7, ',' at 13, '\n' at 15.
    const uint64_t outside = masks[0].structural & ~masks[0].parity;
    EXPECT_EQ(outside, (1u << 1) | (1u << 7) | (1u << 13) | (1u << 15));
    EXPECT_EQ(masks[0].newline, (1u << 7) | (1u << 10) | (1u << 15));
    EXPECT_EQ(masks[0].quote, (1u << 2) | (1u << 6) | (1u << 8) | (1u << 12));
  }
}

TEST(CsvStructuralIndex, EveryKernelGivesTheDefinitionOnRandomBytes) {
  Random random(test_seed());
  const char kDelimiters[] = {',', ';', '\t', '|'};
  for (int round = 0; round < 3000; ++round) {
    const char delimiter = kDelimiters[random.pick(4)];
    const char quote = random.chance(80) ? '"' : '\'';
    const size_t length = random.chance(20) ? random.pick(2000) : random.pick(200);
    // An offset into a larger string: unaligned starts.
    const size_t skew = random.pick(64);
    const std::string padded = random.bytes(skew + length, delimiter, quote);
    const std::string text = padded.substr(skew);
    const auto expected = expected_masks(text, delimiter, quote);
    for (Kernel kernel : {Kernel::kScalar, Kernel::kSse2, Kernel::kAvx2}) {
      if (!csv_index::kernel_available(kernel)) continue;
      const auto masks = build(kernel, text, delimiter, quote);
      ASSERT_EQ(masks, expected) << csv_index::kernel_name(kernel) << " round " << round
                                 << " length " << length;
    }
  }
}

struct Read {
  std::vector<uint64_t> offsets;
  std::vector<std::string> fields;
  std::vector<std::string> rejects;
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t records = 0;
  bool operator==(const Read&) const = default;
};

Read read(const std::string& text, CsvRangeOptions options) {
  MemorySource source(text);
  CsvRangeReader reader(source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  Read out;
  for (;;) {
    auto more = reader.next(batch, rejects);
    EXPECT_TRUE(more.is_ok());
    if (!more.is_ok()) break;
    for (size_t row = 0; row < batch.row_count; ++row) {
      out.offsets.push_back(batch.offsets[row]);
      EXPECT_LE(batch.raw[row].size(), options.max_record_bytes);
      for (size_t column = 0; column < batch.column_count; ++column) {
        out.fields.emplace_back(batch.field(row, column));
      }
    }
    if (!*more) break;
  }
  for (const auto& reject : rejects) {
    out.rejects.push_back(std::to_string(reject.offset) + " " + reject.reason + " " + reject.raw);
  }
  out.start = reader.start_offset();
  out.end = reader.end_offset();
  out.records = reader.records_read();
  return out;
}

// The full read with only `projection`'s fields kept (what a projected
// read must give: the same records, rejects and range ends), and the
// projected read. `options.expected_columns` is the width of a row.
std::pair<Read, Read> read_full_and_projected(const std::string& text, CsvRangeOptions options,
                                              const std::vector<size_t>& projection) {
  const Read full = read(text, options);
  Read expected = full;
  expected.fields.clear();
  for (size_t row = 0; row < full.offsets.size(); ++row) {
    for (size_t column : projection)
      expected.fields.push_back(full.fields[row * options.expected_columns + column]);
  }
  options.columns = projection;
  return {expected, read(text, options)};
}

TEST(CsvStructuralIndex, ReaderWithIndexReadsAsTheGrammar) {
  Random random(test_seed() + 1);
  const char kDelimiters[] = {',', ';', '\t'};
  const size_t kChunks[] = {1, 5, 64, 333, 4096, limits::kReadChunkBytes};
  for (int round = 0; round < 400; ++round) {
    CsvRangeOptions options;
    options.dialect.delimiter = kDelimiters[random.pick(3)];
    options.dialect.quote = random.chance(80) ? '"' : '\'';
    options.dialect.header = random.chance(30);
    const size_t columns = 1 + random.pick(8);
    options.read_chunk_bytes = kChunks[random.pick(6)];
    const std::string text =
        random.chance(10)
            ? random.bytes(random.pick(3000), options.dialect.delimiter, options.dialect.quote)
            : random.csv(options.dialect.delimiter, options.dialect.quote, columns,
                         random.pick(300), options.read_chunk_bytes >= 4096);
    options.expected_columns = random.chance(20) ? 0 : columns;
    if (random.chance(20)) options.max_record_bytes = 10 + random.pick(200);
    // A whole file, or a range with a guessed or an exact start.
    options.begin_offset = random.chance(50) ? 0 : random.pick(text.size() + 1);
    options.end_offset =
        std::min<uint64_t>(text.size(), options.begin_offset + random.pick(text.size() + 1));
    if (random.chance(20)) {
      options.start_is_exact = true;
      options.exact_start_offset = options.begin_offset;
    }
    CsvRangeOptions grammar = options;
    grammar.structural_index = false;
    const Read expected = read(text, grammar);
    const Read indexed = read(text, options);
    ASSERT_EQ(indexed, expected) << "round " << round << " text size " << text.size() << " chunk "
                                 << options.read_chunk_bytes;
  }
}

TEST(CsvStructuralIndex, ReaderWithIndexReadsAQuotedFile) {
  std::string text = "id,note\n";
  for (int i = 0; i < 3000; ++i) {
    text += std::to_string(i) + ",\"x, \"\"y\"\"\n" +
            std::string(static_cast<size_t>(i % 97), 'z') + "\"\r\n";
  }
  CsvRangeOptions options;
  options.end_offset = text.size();
  CsvRangeOptions grammar = options;
  grammar.structural_index = false;
  const Read expected = read(text, grammar);
  EXPECT_EQ(expected.records, 3000u);
  EXPECT_EQ(read(text, options), expected);
}

TEST(CsvStructuralIndex, ReaderWithIndexReadsRecordsLongerThanTheSpan) {
  // 8 KiB is the first span; it doubles up to 256 KiB, past which the
  // grammar reads the record.
  std::string text = "a,b\n";
  for (size_t length : {10u << 10, 3u, 40u << 10, 5u, 300u << 10, 7u, 100u << 10}) {
    text += "x," + std::string(length, 'y') + "\n";
    text += "\"p,\n\"," + std::string(length / 2, 'q') + "\r\n";
  }
  CsvRangeOptions options;
  options.end_offset = text.size();
  CsvRangeOptions grammar = options;
  grammar.structural_index = false;
  const Read expected = read(text, grammar);
  EXPECT_EQ(expected.records, 14u);
  EXPECT_TRUE(expected.rejects.empty());
  EXPECT_EQ(read(text, options), expected);
}

// The projection: the same records, rejects and range ends as the full read,
// each row holding only the projected fields, by the index and by the grammar.
TEST(CsvStructuralIndex, ProjectedReaderKeepsThoseFieldsOfTheFullRead) {
  Random random(test_seed() + 2);
  const size_t kChunks[] = {1, 7, 64, 500, 4096, limits::kReadChunkBytes};
  size_t projected_rows = 0;
  for (int round = 0; round < 400; ++round) {
    CsvRangeOptions options;
    options.dialect.delimiter = random.chance(70) ? ',' : ';';
    options.dialect.header = random.chance(30);
    options.structural_index = random.chance(80);
    const size_t columns = 1 + random.pick(70);  // wide rows span several 64-byte blocks
    options.read_chunk_bytes = kChunks[random.pick(6)];
    // Few quotes too: blocks without one are counted, not cut field by field.
    const int quoted_percent = std::vector<int>{0, 1, 40}[random.pick(3)];
    const std::string text =
        random.csv(options.dialect.delimiter, options.dialect.quote, columns, random.pick(200),
                   options.read_chunk_bytes >= 4096, quoted_percent);
    options.expected_columns = columns;
    if (random.chance(20)) options.max_record_bytes = 10 + random.pick(400);
    options.begin_offset = random.chance(50) ? 0 : random.pick(text.size() + 1);
    options.end_offset =
        std::min<uint64_t>(text.size(), options.begin_offset + random.pick(text.size() + 1));
    // Any subset, the empty one and every column included.
    std::vector<size_t> projection;
    const int keep_percent = static_cast<int>(random.pick(101));
    for (size_t column = 0; column < columns; ++column) {
      if (random.chance(keep_percent)) projection.push_back(column);
    }
    const auto [expected, projected] = read_full_and_projected(text, options, projection);
    ASSERT_EQ(projected, expected) << "round " << round << " columns " << columns << " kept "
                                   << projection.size() << " chunk " << options.read_chunk_bytes;
    projected_rows += projected.offsets.size();
  }
  EXPECT_GT(projected_rows, 100u);  // the rounds read rows, not only rejects
}

// Sparse projections of wide rows: runs of four and more unwanted columns,
// which the index path counts by popcount in blocks without quotes (whole in
// one block, or going on into the next). The same fields as the full read.
TEST(CsvStructuralIndex, SparseProjectionSkipsRunsOfUnwantedColumns) {
  Random random(test_seed() + 3);
  size_t projected_rows = 0;
  for (int round = 0; round < 300; ++round) {
    CsvRangeOptions options;
    const size_t columns = 8 + random.pick(60);
    const int quoted_percent = std::vector<int>{0, 0, 1, 10}[random.pick(4)];
    std::string text = random.csv(options.dialect.delimiter, options.dialect.quote, columns,
                                  1 + random.pick(150), false, quoted_percent);
    std::replace(text.begin(), text.end(), '\xFF', 'z');  // rows kept, not rejected as not UTF-8
    options.expected_columns = columns;
    options.end_offset = text.size();
    options.read_chunk_bytes =
        std::vector<size_t>{64, 4096, limits::kReadChunkBytes}[random.pick(3)];
    // A few kept columns with runs of 4 to 30 between them.
    std::vector<size_t> projection;
    for (size_t column = random.pick(6); column < columns; column += 1 + 4 + random.pick(27)) {
      projection.push_back(column);
      if (random.chance(30) && column + 1 < columns) projection.push_back(++column);
    }
    const auto [expected, projected] = read_full_and_projected(text, options, projection);
    ASSERT_EQ(projected, expected) << "round " << round << " columns " << columns << " kept "
                                   << projection.size() << " chunk " << options.read_chunk_bytes;
    projected_rows += projected.offsets.size();
  }
  EXPECT_GT(projected_rows, 1000u);
}

TEST(CsvStructuralIndex, ProjectedBatchHoldsOnlyTheProjectedColumns) {
  const std::string text = "a,b,c,d\n1,\"x,y\",3,4\n5,6,7\n8,9,\"q\"x,11\n";
  CsvRangeOptions options;
  options.dialect.header = true;
  options.end_offset = text.size();
  options.expected_columns = 4;
  options.columns = std::vector<size_t>{1, 3};
  MemorySource source(text);
  CsvRangeReader reader(source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  auto more = reader.next(batch, rejects);
  ASSERT_TRUE(more.is_ok());
  ASSERT_EQ(batch.column_count, 2u);
  ASSERT_EQ(batch.row_count, 2u);
  EXPECT_EQ(batch.field(0, 0), "x,y");
  EXPECT_EQ(batch.field(0, 1), "4");
  // Records are checked whole: the short one is rejected, and text after a
  // closing quote in a column left out is read leniently as without one.
  EXPECT_EQ(batch.field(1, 0), "9");
  EXPECT_EQ(batch.field(1, 1), "11");
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(rejects[0].reason, "expected 4 fields, found 3");
  EXPECT_EQ(reader.records_read(), 3u);
}

}  // namespace
}  // namespace sluice
