// CsvRangeReader over whole inputs: RFC 4180 cases, dialects, rejects.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/csv/range_reader.h"
#include "common/io/byte_source.h"
#include "common/io/memory_source.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

struct Record {
  uint64_t offset;
  std::vector<std::string> fields;
  bool operator==(const Record&) const = default;
};

struct ReadResult {
  std::vector<Record> records;
  std::vector<RejectedRecord> rejects;
  uint64_t end_offset = 0;
  uint64_t records_read = 0;
};

ReadResult read_all(ByteSource& source, CsvRangeOptions options) {
  ReadResult result;
  CsvRangeReader reader(source, options);
  RecordBatch batch;
  for (;;) {
    auto more = reader.next(batch, result.rejects);
    EXPECT_TRUE(more.is_ok()) << more.status().to_string();
    if (!more.is_ok()) break;
    for (size_t row = 0; row < batch.row_count; ++row) {
      Record record{batch.offsets[row], {}};
      for (size_t column = 0; column < batch.column_count; ++column) {
        record.fields.emplace_back(batch.field(row, column));
      }
      result.records.push_back(std::move(record));
    }
    if (!*more) {
      EXPECT_EQ(batch.row_count, 0u);
      break;
    }
  }
  result.end_offset = reader.end_offset();
  result.records_read = reader.records_read();
  return result;
}

CsvRangeOptions whole(uint64_t size, bool header = false, char delimiter = ',', char quote = '"') {
  CsvRangeOptions options;
  options.dialect.header = header;
  options.dialect.delimiter = delimiter;
  options.dialect.quote = quote;
  options.begin_offset = 0;
  options.end_offset = size;
  return options;
}

ReadResult read_text(const std::string& text, bool header = false, char delimiter = ',',
                     char quote = '"') {
  MemorySource source(text);
  return read_all(source, whole(text.size(), header, delimiter, quote));
}

std::vector<std::vector<std::string>> fields_of(const ReadResult& result) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& record : result.records) rows.push_back(record.fields);
  return rows;
}

using Rows = std::vector<std::vector<std::string>>;

std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(testing::source_dir()) / "tests" / "data" / "csv" / name;
}

TEST(CsvReader, EmptyFieldsAreEmptyStrings) {
  auto result = read_text("a,,c\n,,\n");
  EXPECT_EQ(fields_of(result), (Rows{{"a", "", "c"}, {"", "", ""}}));
  EXPECT_TRUE(result.rejects.empty());
}

TEST(CsvReader, QuotedFieldKeepsDelimiters) {
  auto result = read_text("\"a,b\",c\n");
  EXPECT_EQ(fields_of(result), (Rows{{"a,b", "c"}}));
}

TEST(CsvReader, DoubledQuotesAreUnescaped) {
  auto result = read_text("\"say \"\"hi\"\"\",\"\"\"\",\"\"\n");
  EXPECT_EQ(fields_of(result), (Rows{{"say \"hi\"", "\"", ""}}));
}

TEST(CsvReader, QuotedFieldKeepsEmbeddedLineEnds) {
  auto result = read_text("\"a\nb\",\"c\r\nd\"\r\nx,y\n");
  EXPECT_EQ(fields_of(result), (Rows{{"a\nb", "c\r\nd"}, {"x", "y"}}));
  EXPECT_EQ(result.records[1].offset, 14u);
}

TEST(CsvReader, OffsetsAreAbsoluteRecordStarts) {
  auto result = read_text("a,b\nccc,d\r\n\"e\n\",f\n");
  ASSERT_EQ(result.records.size(), 3u);
  EXPECT_EQ(result.records[0].offset, 0u);
  EXPECT_EQ(result.records[1].offset, 4u);
  EXPECT_EQ(result.records[2].offset, 11u);
  EXPECT_EQ(result.end_offset, 18u);
}

TEST(CsvReader, SkipsUtf8BomAndHeader) {
  auto result = read_text("\xEF\xBB\xBFh1,h2\n1,2\n", /*header=*/true);
  EXPECT_EQ(fields_of(result), (Rows{{"1", "2"}}));
  EXPECT_EQ(result.records[0].offset, 9u);
  EXPECT_EQ(result.records_read, 1u);
}

TEST(CsvReader, SkipsUtf8BomWithoutHeader) {
  auto result = read_text(
      "\xEF\xBB\xBF"
      "a,b\n");
  EXPECT_EQ(fields_of(result), (Rows{{"a", "b"}}));
  EXPECT_EQ(result.records[0].offset, 3u);
}

TEST(CsvReader, HeaderOffKeepsFirstRecord) {
  auto result = read_text("h1,h2\n1,2\n", /*header=*/false);
  EXPECT_EQ(fields_of(result), (Rows{{"h1", "h2"}, {"1", "2"}}));
}

TEST(CsvReader, HeaderSetsExpectedColumns) {
  auto result = read_text("h1,h2,h3\n1,2\n1,2,3\n", /*header=*/true);
  EXPECT_EQ(fields_of(result), (Rows{{"1", "2", "3"}}));
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].reason, "expected 3 fields, found 2");
  EXPECT_EQ(result.rejects[0].offset, 9u);
}

TEST(CsvReader, MixedLineEnds) {
  auto result = read_text("a,b\r\nc,d\ne,f\r\n");
  EXPECT_EQ(fields_of(result), (Rows{{"a", "b"}, {"c", "d"}, {"e", "f"}}));
}

TEST(CsvReader, LastRecordWithoutLineEnd) {
  auto result = read_text("a,b\nc,d");
  EXPECT_EQ(fields_of(result), (Rows{{"a", "b"}, {"c", "d"}}));
  EXPECT_EQ(result.end_offset, 7u);
}

TEST(CsvReader, LastQuotedRecordWithoutLineEnd) {
  auto result = read_text("a,b\nc,\"d\"");
  EXPECT_EQ(fields_of(result), (Rows{{"a", "b"}, {"c", "d"}}));
}

TEST(CsvReader, TrailingDelimiterAtEofIsAnEmptyField) {
  auto result = read_text("a,b\nc,");
  EXPECT_EQ(fields_of(result), (Rows{{"a", "b"}, {"c", ""}}));
}

TEST(CsvReader, EmptyLinesAreSkipped) {
  auto result = read_text("\n\r\na,b\n\n\r\n\nc,d\n\n");
  EXPECT_EQ(fields_of(result), (Rows{{"a", "b"}, {"c", "d"}}));
  EXPECT_EQ(result.records_read, 2u);
}

TEST(CsvReader, EmptyInputHasNoRecords) {
  auto result = read_text("");
  EXPECT_TRUE(result.records.empty());
  EXPECT_EQ(result.end_offset, 0u);
}

TEST(CsvReader, SemicolonDelimiter) {
  auto result = read_text("a;\"b;c\";d,e\n", false, ';');
  EXPECT_EQ(fields_of(result), (Rows{{"a", "b;c", "d,e"}}));
}

TEST(CsvReader, TabDelimiter) {
  auto result = read_text("a\tb c\t\"d\te\"\n", false, '\t');
  EXPECT_EQ(fields_of(result), (Rows{{"a", "b c", "d\te"}}));
}

TEST(CsvReader, CustomQuote) {
  auto result = read_text("'a,b','it''s',\"x\"\n", false, ',', '\'');
  EXPECT_EQ(fields_of(result), (Rows{{"a,b", "it's", "\"x\""}}));
}

TEST(CsvReader, QuoteInsideUnquotedFieldIsLiteral) {
  auto result = read_text("ab\"c,d\"\"e\n");
  EXPECT_EQ(fields_of(result), (Rows{{"ab\"c", "d\"\"e"}}));
}

TEST(CsvReader, TextAfterClosingQuoteIsAppendedLiterally) {
  auto result = read_text("\"ab\"c,\"x\"\"y\"z\"w\",\"q\"r\r\n");
  EXPECT_EQ(fields_of(result), (Rows{{"abc", "x\"yz\"w\"", "qr"}}));
}

TEST(CsvReader, LoneCarriageReturnIsData) {
  auto result = read_text("a\rb,c\n");
  EXPECT_EQ(fields_of(result), (Rows{{"a\rb", "c"}}));
}

TEST(CsvReader, NonAsciiUtf8IsAccepted) {
  auto result = read_text("K\xC3\xB6ln,\xE2\x82\xAC,\xF0\x9F\x98\x80\n");
  EXPECT_EQ(fields_of(result), (Rows{{"K\xC3\xB6ln", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"}}));
  EXPECT_TRUE(result.rejects.empty());
}

TEST(CsvReader, RejectsWrongFieldCountAndGoesOn) {
  auto result = read_text("a,b\n1\n2,3,4\n5,6\n");
  EXPECT_EQ(fields_of(result), (Rows{{"a", "b"}, {"5", "6"}}));
  ASSERT_EQ(result.rejects.size(), 2u);
  EXPECT_EQ(result.rejects[0].offset, 4u);
  EXPECT_EQ(result.rejects[0].reason, "expected 2 fields, found 1");
  EXPECT_EQ(result.rejects[0].raw, "1");
  EXPECT_EQ(result.rejects[1].offset, 6u);
  EXPECT_EQ(result.rejects[1].reason, "expected 2 fields, found 3");
  EXPECT_EQ(result.rejects[1].raw, "2,3,4");
  EXPECT_EQ(result.records_read, 4u);
}

TEST(CsvReader, RejectsUnterminatedQuoteAtEof) {
  auto result = read_text("a,b\n\"c,d\ne,f\n");
  EXPECT_EQ(fields_of(result), (Rows{{"a", "b"}}));
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].offset, 4u);
  EXPECT_EQ(result.rejects[0].reason, "unterminated quoted field");
  EXPECT_EQ(result.rejects[0].raw, "\"c,d\ne,f\n");
  EXPECT_EQ(result.end_offset, 13u);
}

TEST(CsvReader, RejectsInvalidUtf8WithPosition) {
  auto result = read_text("a,b\nxy,\xC3\x28z\nc,\xED\xA0\x80\nd,\xC0\xAF\ne,f\n");
  EXPECT_EQ(fields_of(result), (Rows{{"a", "b"}, {"e", "f"}}));
  ASSERT_EQ(result.rejects.size(), 3u);
  EXPECT_EQ(result.rejects[0].offset, 4u);
  EXPECT_EQ(result.rejects[0].reason, "invalid UTF-8 at byte 3 of the record");
  EXPECT_EQ(result.rejects[1].reason, "invalid UTF-8 at byte 2 of the record");  // surrogate
  EXPECT_EQ(result.rejects[2].reason, "invalid UTF-8 at byte 2 of the record");  // overlong
}

TEST(CsvReader, RejectsRecordLongerThanMax) {
  std::string text = "a,b\n" + std::string(100, 'x') + ",y\nc,d\n";
  MemorySource source(text);
  auto options = whole(text.size());
  options.max_record_bytes = 50;
  auto result = read_all(source, options);
  EXPECT_EQ(fields_of(result), (Rows{{"a", "b"}, {"c", "d"}}));
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].offset, 4u);
  EXPECT_EQ(result.rejects[0].reason, "record longer than max_record_size (50 bytes)");
  EXPECT_EQ(result.rejects[0].raw, std::string(50, 'x'));
}

TEST(CsvReader, RecordOfExactlyMaxBytesIsAccepted) {
  std::string text = std::string(48, 'x') + ",y\r\n";
  MemorySource source(text);
  auto options = whole(text.size());
  options.max_record_bytes = 50;
  options.read_chunk_bytes = 8;
  auto result = read_all(source, options);
  EXPECT_EQ(fields_of(result), (Rows{{std::string(48, 'x'), "y"}}));
}

// Bytes made on demand: a huge record without the memory to hold it.
class PatternSource final : public ByteSource {
 public:
  PatternSource(std::string head, uint64_t filler_bytes, char filler, std::string tail)
      : head_(std::move(head)),
        filler_bytes_(filler_bytes),
        filler_(filler),
        tail_(std::move(tail)) {}
  Result<size_t> read_at(uint64_t offset, char* buffer, size_t length) override {
    size_t done = 0;
    while (done < length && offset + done < size_bytes()) {
      uint64_t at = offset + done;
      if (at < head_.size()) {
        buffer[done] = head_[at];
      } else if (at < head_.size() + filler_bytes_) {
        buffer[done] = filler_;
      } else {
        buffer[done] = tail_[at - head_.size() - filler_bytes_];
      }
      ++done;
    }
    return done;
  }
  uint64_t size_bytes() const override { return head_.size() + filler_bytes_ + tail_.size(); }

 private:
  std::string head_;
  uint64_t filler_bytes_;
  char filler_;
  std::string tail_;
};

TEST(CsvReader, OversizeRecordIsSkippedInBoundedMemory) {
  // A 64 MiB record with quoted newlines, then good records.
  PatternSource source("a,b\n1,\"", 64ull << 20, '\n', "\"\n2,3\n");
  CsvRangeOptions options = whole(source.size_bytes());
  options.max_record_bytes = 1 << 10;
  options.read_chunk_bytes = 64 << 10;
  CsvRangeReader reader(source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  std::vector<std::string> firsts;
  for (;;) {
    auto more = reader.next(batch, rejects);
    ASSERT_TRUE(more.is_ok());
    for (size_t row = 0; row < batch.row_count; ++row) firsts.emplace_back(batch.field(row, 0));
    EXPECT_LE(reader.buffer_capacity_bytes(),
              options.max_record_bytes + 2 + 2 * options.read_chunk_bytes);
    if (!*more) break;
  }
  EXPECT_EQ(firsts, (std::vector<std::string>{"a", "2"}));
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(rejects[0].offset, 4u);
  EXPECT_EQ(rejects[0].reason, "record longer than max_record_size (1024 bytes)");
  EXPECT_EQ(rejects[0].raw.size(), 1024u);
  EXPECT_EQ(reader.end_offset(), source.size_bytes());
}

TEST(CsvReader, OversizeUnterminatedRecordIsReportedUnterminated) {
  PatternSource source("a,b\n1,\"", 1 << 20, 'z', "");
  CsvRangeOptions options = whole(source.size_bytes());
  options.max_record_bytes = 1000;
  options.read_chunk_bytes = 4096;
  auto result = read_all(source, options);
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].reason, "unterminated quoted field");
  EXPECT_EQ(result.rejects[0].raw.size(), 1000u);
}

TEST(CsvReader, LongRecordsUnderMaxGrowTheBuffer) {
  std::string big(10000, 'q');
  std::string text = "a," + big + "\n\"" + big + "\",b\n";
  MemorySource source(text);
  auto options = whole(text.size());
  options.read_chunk_bytes = 64;
  auto result = read_all(source, options);
  EXPECT_EQ(fields_of(result), (Rows{{"a", big}, {big, "b"}}));
}

TEST(CsvReader, BatchesHoldAtMostBatchRowsMax) {
  std::string text;
  const size_t rows = limits::kBatchRowsMax * 2 + 17;
  for (size_t i = 0; i < rows; ++i)
    text += std::to_string(i) + ",\"v" + std::to_string(i) + "\"\"\"\n";
  MemorySource source(text);
  CsvRangeReader reader(source, whole(text.size()));
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  size_t seen = 0;
  for (;;) {
    auto more = reader.next(batch, rejects);
    ASSERT_TRUE(more.is_ok());
    EXPECT_LE(batch.row_count, limits::kBatchRowsMax);
    for (size_t row = 0; row < batch.row_count; ++row, ++seen) {
      ASSERT_EQ(batch.field(row, 0), std::to_string(seen));
      ASSERT_EQ(batch.field(row, 1), "v" + std::to_string(seen) + "\"");
    }
    if (!*more) break;
  }
  EXPECT_EQ(seen, rows);
  EXPECT_EQ(reader.records_read(), rows);
}

TEST(CsvReader, TinyChunksGiveTheSameRecords) {
  std::string text =
      "\xEF\xBB\xBFh1,h2\r\n\"a\r\nb\",\"c\"\"d\"\r\n\r\n\"e\"x,f\n\"g\",\r\n,\"\"\n";
  auto expected = read_text(text, true);
  for (size_t chunk : {1, 2, 3, 5, 7, 16}) {
    SCOPED_TRACE(::testing::Message() << "chunk=" << chunk);
    MemorySource source(text);
    auto options = whole(text.size(), true);
    options.read_chunk_bytes = chunk;
    auto result = read_all(source, options);
    EXPECT_EQ(result.records, expected.records);
  }
  EXPECT_EQ(fields_of(expected), (Rows{{"a\r\nb", "c\"d"}, {"ex", "f"}, {"g", ""}, {"", ""}}));
}

TEST(CsvReader, ReadsFixtureFile) {
  auto source = FileSource::open(fixture("rfc4180.csv").string());
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  auto result = read_all(**source, whole((*source)->size_bytes(), true));
  EXPECT_EQ(fields_of(result), (Rows{{"1", "Smith, John", "said \"hi\""},
                                     {"2", "", "multi\r\nline"},
                                     {"3", "plain", "a\nb"}}));
  EXPECT_TRUE(result.rejects.empty());
}

TEST(CsvReader, ReadsBomSemicolonFixture) {
  auto source = FileSource::open(fixture("bom_semicolon.csv").string());
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  CsvDialect dialect{';', '"', true};
  auto header = read_csv_header(**source, dialect, 1 << 20);
  ASSERT_TRUE(header.is_ok());
  EXPECT_EQ(*header, (std::vector<std::string>{"code", "city"}));
  auto result = read_all(**source, whole((*source)->size_bytes(), true, ';'));
  EXPECT_EQ(fields_of(result), (Rows{{"7", "K\xC3\xB6ln"}, {"8", "x;y"}}));
}

TEST(CsvReader, MalformedFixtureRejectsEveryBadRecord) {
  auto source = FileSource::open(fixture("malformed.csv").string());
  ASSERT_TRUE(source.is_ok());
  auto result = read_all(**source, whole((*source)->size_bytes(), true));
  EXPECT_EQ(fields_of(result), (Rows{{"1", "2"}}));
  ASSERT_EQ(result.rejects.size(), 3u);
  EXPECT_EQ(result.rejects[0].reason, "expected 2 fields, found 1");
  EXPECT_EQ(result.rejects[1].reason, "expected 2 fields, found 3");
  EXPECT_EQ(result.rejects[2].reason, "unterminated quoted field");
  EXPECT_EQ(result.rejects[2].offset, 18u);
  EXPECT_EQ(result.records_read, 4u);
}

CsvRangeOptions range(uint64_t begin, uint64_t end, size_t columns) {
  CsvRangeOptions options;
  options.begin_offset = begin;
  options.end_offset = end;
  options.expected_columns = columns;
  options.dialect.header = false;
  return options;
}

TEST(CsvRange, RecordBelongsToTheRangeHoldingItsFirstByte) {
  std::string text = "a,1\nb,2\nc,3\n";  // records at 0, 4, 8
  MemorySource source(text);
  auto first = read_all(source, range(0, 5, 2));
  EXPECT_EQ(fields_of(first), (Rows{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(first.end_offset, 8u);
  auto second = read_all(source, range(5, 12, 2));
  EXPECT_EQ(fields_of(second), (Rows{{"c", "3"}}));
  EXPECT_EQ(second.end_offset, 12u);
}

TEST(CsvRange, GuessInsideAQuotedFieldIsCaughtAndRerunExactly) {
  std::string text = "a,\"x\ny,z\"\nb,c\n";  // records at 0 and 10; a \n inside quotes at 4
  MemorySource source(text);
  auto first = read_all(source, range(0, 4, 2));
  EXPECT_EQ(first.end_offset, 10u);
  CsvRangeReader guessed(source, range(4, text.size(), 2));
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  while (*guessed.next(batch, rejects)) {
  }
  EXPECT_EQ(guessed.start_offset(), 5u);  // wrong: inside the quotes
  EXPECT_NE(guessed.start_offset(), first.end_offset);
  auto options = range(4, text.size(), 2);
  options.start_is_exact = true;
  options.exact_start_offset = first.end_offset;
  auto rerun = read_all(source, options);
  EXPECT_EQ(fields_of(rerun), (Rows{{"b", "c"}}));
  EXPECT_TRUE(rerun.rejects.empty());
}

TEST(CsvRange, ExactStartAtOrPastEndHasNoRecords) {
  std::string text = "a,1\nb,2\n";
  MemorySource source(text);
  auto options = range(0, 3, 2);
  options.start_is_exact = true;
  options.exact_start_offset = 4;
  auto result = read_all(source, options);
  EXPECT_TRUE(result.records.empty());
  EXPECT_EQ(result.end_offset, 4u);
}

TEST(CsvRange, RangeWithoutLineStartHasNoRecords) {
  std::string text = "a,1\n" + std::string(100, 'x') + ",2\nc,3\n";
  MemorySource source(text);
  auto result = read_all(source, range(10, 20, 2));
  EXPECT_TRUE(result.records.empty());
  EXPECT_EQ(result.end_offset, 107u);
}

TEST(CsvRange, FirstRangeKeepsTheHeaderEvenWhenTiny) {
  std::string text = "\n\nh1,h2\na,b\n";
  MemorySource source(text);
  auto options = range(0, 1, 0);
  options.dialect.header = true;
  auto first = read_all(source, options);
  EXPECT_TRUE(first.records.empty());
  EXPECT_EQ(first.end_offset, 8u);
}

TEST(CsvHeader, ReadsQuotedNamesAfterBomAndEmptyLines) {
  MemorySource source("\xEF\xBB\xBF\n\"Issue Date\",\"a,b\",c\n1,2,3\n");
  auto header = read_csv_header(source, CsvDialect{}, 1 << 20);
  ASSERT_TRUE(header.is_ok());
  EXPECT_EQ(*header, (std::vector<std::string>{"Issue Date", "a,b", "c"}));
}

TEST(CsvHeader, EmptyFileHasNoColumns) {
  MemorySource source("");
  auto header = read_csv_header(source, CsvDialect{}, 1 << 20);
  ASSERT_TRUE(header.is_ok());
  EXPECT_TRUE(header->empty());
}

TEST(CsvHeader, BadHeaderIsADataError) {
  MemorySource source("\"a,b\n");
  auto header = read_csv_header(source, CsvDialect{}, 1 << 20);
  ASSERT_FALSE(header.is_ok());
  EXPECT_EQ(header.status().code(), StatusCode::kDataError);
}

// The header is looked for in a 16 KiB prefix first, then in prefixes 16
// times longer: a header longer than the first prefix, with a quoted line
// break across its end, and one after 20 KiB of blank lines are still whole.
TEST(CsvHeader, LongerThanTheFirstProbeIsReadWhole) {
  std::vector<std::string> names;
  std::string text;
  for (int column = 0; column < 3000; ++column) {
    names.push_back(column == 900 ? "line\nbreak" : "column_name_" + std::to_string(column));
    text += (column > 0 ? "," : "") + (column == 900 ? "\"line\nbreak\"" : names.back());
  }
  ASSERT_GT(text.size(), 16u << 10);
  MemorySource source(text + "\n1,2\n");
  auto header = read_csv_header(source, CsvDialect{}, 1 << 20);
  ASSERT_TRUE(header.is_ok()) << header.status().to_string();
  EXPECT_EQ(*header, names);

  MemorySource after_blank_lines(std::string(20 << 10, '\n') + "a,b\n1,2\n");
  header = read_csv_header(after_blank_lines, CsvDialect{}, 1 << 20);
  ASSERT_TRUE(header.is_ok()) << header.status().to_string();
  EXPECT_EQ(*header, (std::vector<std::string>{"a", "b"}));

  MemorySource only_header(text);  // no line end, no second record: read to the end
  header = read_csv_header(only_header, CsvDialect{}, 1 << 20);
  ASSERT_TRUE(header.is_ok()) << header.status().to_string();
  EXPECT_EQ(*header, names);
}

}  // namespace
}  // namespace sluice
