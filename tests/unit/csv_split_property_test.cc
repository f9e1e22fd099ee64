// Property: reading a CSV file as byte ranges, chained the way the
// coordinator chains them (guess the start, verify against the previous
// range's end_offset(), re-run from the exact offset when the guess was
// wrong), gives exactly the records and rejects of one reader over the whole
// file, wherever the split boundaries fall.
//
// Randomized; the seed is printed. Replay with SLUICE_SEED=<seed>.

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "common/csv/range_reader.h"
#include "common/io/memory_source.h"

namespace sluice {
namespace {

struct Record {
  uint64_t offset;
  std::vector<std::string> fields;
  bool operator==(const Record&) const = default;
};

struct Reject {
  uint64_t offset;
  std::string reason;
  std::string raw;
  bool operator==(const Reject&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Record& record) {
  out << "@" << record.offset << "[";
  for (const auto& field : record.fields) out << testing::PrintToString(field) << " ";
  return out << "]";
}
std::ostream& operator<<(std::ostream& out, const Reject& reject) {
  return out << "@" << reject.offset << " " << reject.reason << " "
             << testing::PrintToString(reject.raw);
}

struct Output {
  std::vector<Record> records;
  std::vector<Reject> rejects;
  uint64_t records_read = 0;
};

struct RangeRun {
  uint64_t start_offset = 0;
  uint64_t end_offset = 0;
};

RangeRun read_range(ByteSource& source, const CsvRangeOptions& options, Output& output) {
  CsvRangeReader reader(source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  for (;;) {
    auto more = reader.next(batch, rejects);
    EXPECT_TRUE(more.is_ok()) << more.status().to_string();
    if (!more.is_ok()) break;
    for (size_t row = 0; row < batch.row_count; ++row) {
      Record record{batch.offsets[row], {}};
      for (size_t column = 0; column < batch.column_count; ++column) {
        record.fields.emplace_back(batch.field(row, column));
      }
      output.records.push_back(std::move(record));
    }
    if (!*more) break;
  }
  for (auto& reject : rejects) output.rejects.push_back({reject.offset, reject.reason, reject.raw});
  output.records_read += reader.records_read();
  return {reader.start_offset(), reader.end_offset()};
}

struct Generated {
  std::string text;
  std::vector<std::vector<std::string>> rows;  // the data rows, when clean
  CsvDialect dialect;
  size_t columns = 0;
  bool clean = true;
  uint64_t max_record_bytes = limits::kRecordBytesDefault;
};

class Generator {
 public:
  explicit Generator(uint64_t seed) : random_(seed) {}

  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random_); }
  bool chance(int percent) { return pick(100) < static_cast<size_t>(percent); }

  std::string field_value() {
    static const std::vector<std::string> kPieces = {
        "a", "b", "7", " ", "\xC3\xA9", ",", ";", "\t", "\"", "'", "\n", "\r\n", "\r", "xyz"};
    std::string value;
    size_t length = pick(4) == 0 ? 0 : pick(8);
    for (size_t i = 0; i < length; ++i) value += kPieces[pick(kPieces.size())];
    return value;
  }

  // Writes `value` so that the reader gives it back.
  std::string encode(const std::string& value, const CsvDialect& dialect, bool only_field) {
    bool needs_quotes = value.empty() ? only_field : false;
    for (char c : value) {
      if (c == dialect.delimiter || c == dialect.quote || c == '\n' || c == '\r')
        needs_quotes = true;
    }
    if (!needs_quotes && !chance(15)) return value;
    std::string out(1, dialect.quote);
    for (char c : value) {
      out += c;
      if (c == dialect.quote) out += c;
    }
    out += dialect.quote;
    return out;
  }

  Generated file(bool allow_bad) {
    Generated g;
    static const char kDelimiters[] = {',', ';', '\t'};
    g.dialect.delimiter = kDelimiters[pick(3)];
    g.dialect.quote = chance(80) ? '"' : '\'';
    g.dialect.header = chance(50);
    g.columns = 1 + pick(5);
    if (allow_bad && chance(30)) g.max_record_bytes = 20 + pick(60);
    if (chance(20)) g.text += "\xEF\xBB\xBF";
    size_t rows = pick(5) == 0 ? pick(400) : pick(40);
    bool with_header_row = g.dialect.header;
    for (size_t row = 0; row < rows + (with_header_row ? 1 : 0); ++row) {
      if (chance(10)) g.text += chance(50) ? "\n" : "\r\n";  // empty line
      std::vector<std::string> values;
      size_t columns = g.columns;
      if (allow_bad && chance(8)) {
        columns = 1 + pick(6);
        if (columns != g.columns) g.clean = false;
      }
      std::string line;
      for (size_t column = 0; column < columns; ++column) {
        std::string value = field_value();
        if (column > 0) line += g.dialect.delimiter;
        line += encode(value, g.dialect, columns == 1);
        values.push_back(value);
      }
      if (allow_bad && chance(4)) {
        line += "\xFF";  // invalid UTF-8
        g.clean = false;
      }
      if (allow_bad && chance(4)) {
        line += std::string(1, g.dialect.quote) + "x" + std::string(1, g.dialect.quote) + "y";
        g.clean = false;  // lenient text after a closing quote
      }
      if (line.size() > g.max_record_bytes) g.clean = false;
      g.text += line;
      bool last = row + 1 == rows + (with_header_row ? 1 : 0);
      if (!last || chance(70)) g.text += chance(50) ? "\n" : "\r\n";
      if (!(with_header_row && row == 0)) g.rows.push_back(values);
    }
    if (allow_bad && chance(10)) {
      g.text += std::string(1, g.dialect.quote) + "never closed\nrow,row\n";
      g.clean = false;
    }
    return g;
  }

  // Range sizes that cover [0, size).
  std::vector<uint64_t> boundaries(uint64_t size) {
    std::vector<uint64_t> ends;
    int mode = static_cast<int>(pick(5));
    uint64_t at = 0;
    while (at < size) {
      uint64_t step = 1;
      switch (mode) {
        case 0:
          step = 1;
          break;
        case 1:
          step = 1 + pick(7);
          break;
        case 2:
          step = 1 + pick(size);
          break;
        case 3:
          step = 4093;
          break;
        default:
          step = 1 + pick(64);
          break;
      }
      at = std::min(size, at + step);
      ends.push_back(at);
    }
    if (ends.empty()) ends.push_back(0);
    return ends;
  }

  size_t chunk() {
    static const size_t kChunks[] = {1, 3, 7, 64, 4093, limits::kReadChunkBytes};
    return kChunks[pick(6)];
  }

 private:
  std::mt19937_64 random_;
};

uint64_t base_seed() {
  if (const char* text = std::getenv("SLUICE_SEED")) return std::strtoull(text, nullptr, 10);
  return std::random_device{}();
}

CsvRangeOptions options_for(const Generated& g, size_t chunk) {
  CsvRangeOptions options;
  options.dialect = g.dialect;
  options.max_record_bytes = g.max_record_bytes;
  options.expected_columns = g.columns;
  options.read_chunk_bytes = chunk;
  return options;
}

Output read_single(const Generated& g, size_t chunk) {
  MemorySource source(g.text);
  CsvRangeOptions options = options_for(g, chunk);
  options.begin_offset = 0;
  options.end_offset = g.text.size();
  Output output;
  RangeRun run = read_range(source, options, output);
  EXPECT_EQ(run.end_offset, g.text.size());
  return output;
}

// Chains range readers like the coordinator does.
Output read_split(const Generated& g, const std::vector<uint64_t>& ends, size_t chunk,
                  size_t* reruns) {
  MemorySource source(g.text);
  Output output;
  uint64_t begin = 0;
  uint64_t previous_end = 0;
  for (uint64_t end : ends) {
    CsvRangeOptions options = options_for(g, chunk);
    options.begin_offset = begin;
    options.end_offset = end;
    Output part;
    RangeRun run = read_range(source, options, part);
    if (begin > 0 && run.start_offset != previous_end) {
      *reruns += 1;
      options.start_is_exact = true;
      options.exact_start_offset = previous_end;
      part = Output{};
      run = read_range(source, options, part);
      EXPECT_EQ(run.start_offset, previous_end);
    }
    output.records.insert(output.records.end(), part.records.begin(), part.records.end());
    output.rejects.insert(output.rejects.end(), part.rejects.begin(), part.rejects.end());
    output.records_read += part.records_read;
    previous_end = run.end_offset;
    begin = end;
  }
  EXPECT_EQ(previous_end, g.text.size());
  return output;
}

TEST(CsvSplitProperty, RangesGiveTheSameRecordsAsOneReader) {
  const uint64_t seed = base_seed();
  std::cout << "CsvSplitProperty seed=" << seed << " (replay with SLUICE_SEED=" << seed << ")\n";
  SCOPED_TRACE(testing::Message() << "seed=" << seed);
  Generator generator(seed);
  size_t reruns = 0;
  size_t records = 0;
  for (int iteration = 0; iteration < 400; ++iteration) {
    Generated g = generator.file(/*allow_bad=*/iteration % 2 == 1);
    SCOPED_TRACE(testing::Message()
                 << "iteration=" << iteration << " text=" << testing::PrintToString(g.text));
    Output single = read_single(g, limits::kReadChunkBytes);
    if (g.clean) {
      ASSERT_TRUE(single.rejects.empty()) << single.rejects[0];
      ASSERT_EQ(single.records.size(), g.rows.size());
      for (size_t row = 0; row < g.rows.size(); ++row) {
        ASSERT_EQ(single.records[row].fields, g.rows[row]) << "row " << row;
      }
    }
    records += single.records.size();
    for (int split = 0; split < 4; ++split) {
      std::vector<uint64_t> ends = generator.boundaries(g.text.size());
      size_t chunk = generator.chunk();
      SCOPED_TRACE(testing::Message() << "split=" << split << " ranges=" << ends.size()
                                      << " first_end=" << ends.front() << " chunk=" << chunk);
      Output split_output = read_split(g, ends, chunk, &reruns);
      ASSERT_EQ(split_output.records, single.records);
      ASSERT_EQ(split_output.rejects, single.rejects);
      ASSERT_EQ(split_output.records_read, single.records_read);
    }
  }
  std::cout << "records=" << records << " reruns=" << reruns << "\n";
  EXPECT_GT(reruns, 0u) << "no wrong guess exercised";
}

}  // namespace
}  // namespace sluice
