// JsonlLineParser and JsonlRangeReader: values as text, rejects with reasons
// and offsets, bounded memory, and split invariance on random files, with
// nlohmann::json as an independent oracle.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

#include "common/base/utf8.h"
#include "common/io/memory_source.h"
#include "common/jsonl/range_reader.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

struct Row {
  uint64_t offset = 0;
  std::vector<std::optional<std::string>> values;
  bool operator==(const Row&) const = default;
};

struct ReadResult {
  std::vector<Row> rows;
  std::vector<RejectedRecord> rejects;
  uint64_t start = 0, end = 0, records = 0;
};

ReadResult read_range(ByteSource& source, JsonlRangeOptions options) {
  JsonlRangeReader reader(source, options);
  ReadResult result;
  RecordBatch batch;
  for (;;) {
    auto more = reader.next(batch, result.rejects);
    EXPECT_TRUE(more.is_ok()) << more.status().message();
    if (!more.is_ok()) break;
    for (size_t row = 0; row < batch.row_count; ++row) {
      Row out;
      out.offset = batch.offsets[row];
      for (size_t column = 0; column < batch.column_count; ++column) {
        std::string_view value = batch.field(row, column);
        if (value.data() == nullptr) {
          out.values.push_back(std::nullopt);
        } else {
          out.values.emplace_back(std::string(value));
        }
      }
      result.rows.push_back(std::move(out));
    }
    if (!more.value()) break;
  }
  result.start = reader.start_offset();
  result.end = reader.end_offset();
  result.records = reader.records_read();
  return result;
}

ReadResult read_all(const std::string& text, std::vector<std::string> columns,
                    uint64_t max_record_bytes = 1 << 20, size_t chunk = 1 << 16) {
  MemorySource source(text);
  JsonlRangeOptions options;
  options.columns = std::move(columns);
  options.end_offset = text.size();
  options.max_record_bytes = max_record_bytes;
  options.read_chunk_bytes = chunk;
  return read_range(source, options);
}

std::optional<std::string> v(const char* text) { return std::string(text); }

TEST(JsonlReader, ValuesBecomeTextAsWritten) {
  const std::string text =
      "{\"s\": \"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\", \"i\": -0, \"f\": 1.50e+3, \"b\": true, "
      "\"n\": null, \"o\": {\"x\": [1, 2]}, \"a\": [ ]}\n";
  auto result = read_all(text, {"s", "i", "f", "b", "n", "o", "a"});
  ASSERT_EQ(result.rows.size(), 1u);
  ASSERT_TRUE(result.rejects.empty()) << result.rejects[0].reason;
  const auto& values = result.rows[0].values;
  EXPECT_EQ(values[0], v("a\"b\\c\n\xC3\xA9\xF0\x9F\x98\x80"));
  EXPECT_EQ(values[1], v("-0"));
  EXPECT_EQ(values[2], v("1.50e+3"));
  EXPECT_EQ(values[3], v("true"));
  EXPECT_EQ(values[4], std::nullopt);
  EXPECT_EQ(values[5], v("{\"x\": [1, 2]}"));
  EXPECT_EQ(values[6], v("[ ]"));
}

TEST(JsonlReader, MissingKeysAreNullAndKeysMayComeInAnyOrder) {
  auto result = read_all("{\"a\":1,\"b\":2}\n{\"b\":\"x\"}\n{}\n{\"b\":3,\"a\":4}", {"a", "b"});
  ASSERT_EQ(result.rows.size(), 4u);
  EXPECT_EQ(result.rows[1].values, (std::vector<std::optional<std::string>>{std::nullopt, v("x")}));
  EXPECT_EQ(result.rows[2].values,
            (std::vector<std::optional<std::string>>{std::nullopt, std::nullopt}));
  EXPECT_EQ(result.rows[3].values, (std::vector<std::optional<std::string>>{v("4"), v("3")}));
  EXPECT_EQ(result.rows[3].offset, 27u);
}

TEST(JsonlReader, MalformedLinesAreRejectedWithReasonAndOffset) {
  const std::string text =
      "{\"a\":1}\n"          // 0
      "{\"a\":2,\"z\":3}\n"  // 8: unexpected key
      "{\"a\":1,\"a\":2}\n"  // 22: duplicate
      "{\"a\":}\n"           // 36: bad value
      "[1,2]\n"              // 43: not an object
      "{\"a\":\"\xff\"}\n"   // 49: invalid UTF-8
      "{\"a\":1} x\n"        // 58: trailing text
      "{\"a\":\"unterminated\n"
      "{\"a\":01}\n"
      "{\"a\":\"\\ud800\"}\n"
      "{\"a\":\"tab\there\"}\n"
      "{\"a\":5}";
  auto result = read_all(text, {"a"});
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[1].values[0], v("5"));
  ASSERT_EQ(result.rejects.size(), 10u);
  EXPECT_EQ(result.rejects[0].offset, 8u);
  EXPECT_EQ(result.rejects[0].reason, "unexpected key \"z\"");
  EXPECT_EQ(result.rejects[0].raw, "{\"a\":2,\"z\":3}");
  EXPECT_EQ(result.rejects[1].reason, "duplicate key \"a\"");
  EXPECT_EQ(result.rejects[2].offset, 36u);
  EXPECT_EQ(result.rejects[2].reason, "invalid JSON at byte 5 of the record: invalid number");
  EXPECT_EQ(result.rejects[3].reason, "invalid JSON at byte 0 of the record: expected '{'");
  EXPECT_EQ(result.rejects[4].reason, "invalid UTF-8 at byte 6 of the record");
  EXPECT_EQ(result.rejects[5].reason,
            "invalid JSON at byte 8 of the record: text after the object");
  EXPECT_NE(result.rejects[6].reason.find("unterminated string"), std::string::npos);
  EXPECT_NE(result.rejects[7].reason.find("expected ',' or '}'"), std::string::npos);
  EXPECT_NE(result.rejects[8].reason.find("surrogate"), std::string::npos);
  EXPECT_NE(result.rejects[9].reason.find("control character"), std::string::npos);
  EXPECT_EQ(result.records, 12u);
}

TEST(JsonlReader, BlankLinesCrlfAndBomAreNotRecords) {
  auto result = read_all("\xEF\xBB\xBF{\"a\":1}\r\n\r\n   \n{\"a\":2}\r\n", {"a"});
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].offset, 0u);
  EXPECT_EQ(result.rows[1].values[0], v("2"));
  EXPECT_EQ(result.records, 2u);
  EXPECT_TRUE(result.rejects.empty());
}

TEST(JsonlReader, ALoneBomEndsAtTheFileSize) {  // found by tests/fuzz/jsonl_split_fuzz
  auto result = read_all("\xEF\xBB\xBF", {"a"});
  EXPECT_TRUE(result.rows.empty());
  EXPECT_EQ(result.end, 3u);
}

TEST(JsonlReader, OversizeLinesAreRejectedWithoutBeingHeld) {
  const std::string big = "{\"a\":\"" + std::string(5000, 'x') + "\"}";
  const std::string text = "{\"a\":1}\n" + big + "\n{\"a\":2}\n" + big;
  for (size_t chunk : {7, 64, 1 << 16}) {
    MemorySource source(text);
    JsonlRangeOptions options;
    options.columns = {"a"};
    options.end_offset = text.size();
    options.max_record_bytes = 1024;
    options.read_chunk_bytes = chunk;
    JsonlRangeReader reader(source, options);
    RecordBatch batch;
    std::vector<RejectedRecord> rejects;
    std::vector<std::string> values;
    for (;;) {
      auto more = reader.next(batch, rejects);
      ASSERT_TRUE(more.is_ok());
      for (size_t row = 0; row < batch.row_count; ++row) values.emplace_back(batch.field(row, 0));
      if (!more.value()) break;
    }
    EXPECT_EQ(values, (std::vector<std::string>{"1", "2"})) << "chunk=" << chunk;
    ASSERT_EQ(rejects.size(), 2u);
    EXPECT_EQ(rejects[0].offset, 8u);
    EXPECT_EQ(rejects[0].reason, "record longer than max_record_size (1024 bytes)");
    EXPECT_EQ(rejects[0].raw.size(), 1024u);
    EXPECT_EQ(rejects[1].offset, 8u + big.size() + 1 + 8);
    EXPECT_LE(reader.buffer_capacity_bytes(), std::max<size_t>(2 * chunk, 1024 + 2 + chunk) * 2);
  }
}

TEST(JsonlReader, ColumnsAreTheKeysOfASampleInTheOrderFirstSeen) {
  // A bad object past the first is skipped here (a reject when read).
  MemorySource source(
      "\n\n{\"b\": 1, \"a\": {\"c\": 2}, \"d e\": null}\n{bad\n\n{\"x\":1, \"b\": 3}");
  auto columns = read_jsonl_columns(source, 1 << 20);
  ASSERT_TRUE(columns.is_ok()) << columns.status().message();
  EXPECT_EQ(columns.value(), (std::vector<std::string>{"b", "a", "d e", "x"}));

  MemorySource empty("");
  EXPECT_TRUE(read_jsonl_columns(empty, 1024).value().empty());
  MemorySource bad("{\"a\" 1}\n");
  auto error = read_jsonl_columns(bad, 1024);
  ASSERT_FALSE(error.is_ok());
  EXPECT_EQ(error.status().code(), StatusCode::kDataError);
  EXPECT_NE(error.status().message().find("offset 0"), std::string::npos);

  // A first line longer than a reject keeps (4 KiB) is read whole.
  std::string long_line = "{";
  for (int i = 0; i < 600; ++i) long_line += "\"key" + std::to_string(i) + "\":1,";
  long_line += "\"last\":2}\n";
  MemorySource long_source(long_line);
  auto long_columns = read_jsonl_columns(long_source, 1 << 20);
  ASSERT_TRUE(long_columns.is_ok()) << long_columns.status().message();
  EXPECT_EQ(long_columns->size(), 601u);
  EXPECT_EQ(long_columns->back(), "last");
}

// Counts the bytes read through it.
class CountingSource final : public ByteSource {
 public:
  explicit CountingSource(std::string text) : inner_(std::move(text)) {}
  Result<size_t> read_at(uint64_t offset, char* buffer, size_t length) override {
    auto got = inner_.read_at(offset, buffer, length);
    if (got.is_ok()) bytes_ += got.value();
    return got;
  }
  uint64_t size_bytes() const override { return inner_.size_bytes(); }
  uint64_t bytes() const { return bytes_; }

 private:
  MemorySource inner_;
  uint64_t bytes_ = 0;
};

TEST(JsonlReader, ColumnsReadOnlyTheSampleAndBadLinesComeInBoundedBatches) {
  std::string text;
  for (uint64_t i = 0; i < kJsonlColumnSampleRows; ++i) text += "{\"a\": 1}\n";
  const size_t sample_bytes = text.size();
  for (int i = 0; i < 100000; ++i) text += "{\"b\": 2}\n";  // past the sample: unexpected keys
  CountingSource source(text);
  auto columns = read_jsonl_columns(source, limits::kRecordBytesDefault);
  ASSERT_TRUE(columns.is_ok());
  EXPECT_EQ(columns.value(), std::vector<std::string>{"a"});
  EXPECT_LE(source.bytes(), sample_bytes + (64u << 10));

  JsonlRangeOptions options;
  options.columns = {"a"};
  options.end_offset = text.size();
  JsonlRangeReader reader(source, options);
  RecordBatch batch;
  uint64_t rejected = 0;
  for (;;) {
    std::vector<RejectedRecord> rejects;
    auto more = reader.next(batch, rejects);
    ASSERT_TRUE(more.is_ok());
    EXPECT_LE(rejects.size() + batch.row_count, limits::kBatchRowsMax);
    rejected += rejects.size();
    if (!more.value()) break;
  }
  EXPECT_EQ(rejected, 100000u);
}

// --- random files ------------------------------------------------------------

std::string random_string(std::mt19937_64& random) {
  static const std::vector<std::string> pieces = {
      "a", "Z", " ", "\"", "\\", "\n", "\t", "\x01", "\xC3\xA9", "\xF0\x9F\x98\x80", "/", "{", ","};
  std::string out;
  const int length = static_cast<int>(random() % 6);
  for (int i = 0; i < length; ++i) out += pieces[random() % pieces.size()];
  return out;
}

nlohmann::json random_value(std::mt19937_64& random, int depth) {
  switch (random() % (depth < 3 ? 7 : 5)) {
    case 0:
      return random_string(random);
    case 1:
      return static_cast<int64_t>(random() % 2000) - 1000;
    case 2:
      return static_cast<double>(random() % 100000) / 64.0;
    case 3:
      return random() % 2 == 0;
    case 4:
      return nullptr;
    case 5: {
      nlohmann::json array = nlohmann::json::array();
      for (uint64_t i = random() % 3; i > 0; --i) array.push_back(random_value(random, depth + 1));
      return array;
    }
    default: {
      nlohmann::json object = nlohmann::json::object();
      for (uint64_t i = random() % 3; i > 0; --i) {
        object[random_string(random)] = random_value(random, depth + 1);
      }
      return object;
    }
  }
}

const std::vector<std::string> kColumns = {"id", "name", "value", "nested", "emoji é"};

// A random JSONL file and, per record line, the expected values (nullopt
// when the line is malformed and must be rejected).
std::string random_file(std::mt19937_64& random, size_t lines,
                        std::vector<std::optional<nlohmann::json>>& expected) {
  std::string text;
  for (size_t i = 0; i < lines; ++i) {
    if (random() % 10 == 0) {
      text += random() % 2 == 0 ? "\n" : "  \r\n";
      continue;
    }
    nlohmann::json object = nlohmann::json::object();
    for (const std::string& column : kColumns) {
      if (random() % 5 != 0) object[column] = random_value(random, 0);
    }
    std::string line = object.dump(random() % 2 == 0 ? -1 : 1);
    for (char& c : line) {
      if (c == '\n') c = ' ';  // pretty-printing must stay on one line
    }
    if (random() % 12 == 0) {  // break it: nlohmann decides whether it still parses
      line.insert(line.begin() + static_cast<long>(random() % line.size()), '#');
      std::optional<nlohmann::json> still;
      try {
        nlohmann::json parsed = nlohmann::json::parse(line);
        bool known = parsed.is_object();
        for (auto& [key, value] : parsed.items()) {
          if (std::find(kColumns.begin(), kColumns.end(), key) == kColumns.end()) known = false;
        }
        if (known) still = parsed;
      } catch (const nlohmann::json::exception&) {
      }
      expected.push_back(still);
    } else {
      expected.push_back(object);
    }
    text += line;
    text += random() % 4 == 0 ? "\r\n" : "\n";
  }
  if (!text.empty() && random() % 2 == 0) text.pop_back();  // no final line end
  return text;
}

TEST(JsonlSplitProperty, AnySplitGivesTheRecordsOfOneReaderAndMatchesTheOracle) {
  const uint64_t seed = testing::test_seed();
  std::mt19937_64 random(seed);
  for (int round = 0; round < 60; ++round) {
    std::vector<std::optional<nlohmann::json>> expected;
    const std::string text = random_file(random, 1 + random() % 80, expected);
    MemorySource source(text);
    JsonlRangeOptions whole_options;
    whole_options.columns = kColumns;
    whole_options.end_offset = text.size();
    whole_options.read_chunk_bytes = 1 + random() % 200;
    const ReadResult whole = read_range(source, whole_options);
    ASSERT_EQ(whole.end, text.size());

    // The oracle: every accepted row holds what nlohmann reads back.
    size_t row = 0, rejected = 0;
    for (const auto& object : expected) {
      if (!object.has_value()) {
        rejected++;
        continue;
      }
      ASSERT_LT(row, whole.rows.size()) << "seed=" << seed << " round=" << round;
      for (size_t column = 0; column < kColumns.size(); ++column) {
        const auto& got = whole.rows[row].values[column];
        if (!object->contains(kColumns[column]) || object->at(kColumns[column]).is_null()) {
          EXPECT_EQ(got, std::nullopt);
          continue;
        }
        ASSERT_TRUE(got.has_value());
        const nlohmann::json& want = object->at(kColumns[column]);
        if (want.is_string()) {
          EXPECT_EQ(*got, want.get<std::string>()) << "seed=" << seed;
        } else {
          EXPECT_EQ(nlohmann::json::parse(*got), want) << "seed=" << seed;
        }
      }
      row++;
    }
    EXPECT_EQ(row, whole.rows.size()) << "seed=" << seed << " round=" << round;
    EXPECT_EQ(whole.rejects.size(), rejected) << "seed=" << seed << " round=" << round;

    // Chained ranges, as the coordinator runs them, give the same records.
    const uint64_t split = 1 + random() % std::max<uint64_t>(1, text.size() / 3 + 1);
    ReadResult chained;
    uint64_t previous_end = 0;
    for (uint64_t begin = 0; begin < text.size() || begin == 0; begin += split) {
      JsonlRangeOptions options = whole_options;
      options.begin_offset = begin;
      options.end_offset = std::min<uint64_t>(text.size(), begin + split);
      options.read_chunk_bytes = 1 + random() % 50;
      ReadResult part = read_range(source, options);
      if (begin > 0) {
        EXPECT_EQ(part.start, previous_end) << "seed=" << seed << " begin=" << begin;
      }
      previous_end = part.end;
      chained.rows.insert(chained.rows.end(), part.rows.begin(), part.rows.end());
      chained.rejects.insert(chained.rejects.end(), part.rejects.begin(), part.rejects.end());
      if (text.empty()) break;
    }
    EXPECT_EQ(previous_end, text.size());
    ASSERT_EQ(chained.rows, whole.rows) << "seed=" << seed << " split=" << split;
    ASSERT_EQ(chained.rejects.size(), whole.rejects.size());
    for (size_t i = 0; i < whole.rejects.size(); ++i) {
      EXPECT_EQ(chained.rejects[i].offset, whole.rejects[i].offset);
      EXPECT_EQ(chained.rejects[i].reason, whole.rejects[i].reason);
    }
  }
}

TEST(JsonlLineParser, AcceptsExactlyWhatNlohmannAcceptsOnMutatedLines) {
  const uint64_t seed = testing::test_seed();
  std::mt19937_64 random(seed);
  int compared = 0;
  for (int round = 0; round < 3000; ++round) {
    nlohmann::json object = nlohmann::json::object();
    for (int i = static_cast<int>(random() % 4); i > 0; --i) {
      object["k" + std::to_string(random() % 5)] = random_value(random, 0);
    }
    std::string line = object.dump();
    for (int i = static_cast<int>(random() % 3); i > 0; --i) {
      const char replacements[] = "{}[],:\"\\ 0-.eE+tfnu1x";
      line[random() % line.size()] = replacements[random() % (sizeof(replacements) - 1)];
    }
    if (line.find('\n') != std::string::npos) continue;
    if (find_invalid_utf8(line) != std::string_view::npos) continue;
    std::vector<std::string> keys;
    const std::string error = jsonl_object_keys(line, keys);
    const bool ours = error.empty();
    bool theirs = false;
    size_t their_size = 0;
    try {
      nlohmann::json parsed = nlohmann::json::parse(line);
      theirs = parsed.is_object();
      their_size = parsed.size();
    } catch (const nlohmann::json::out_of_range&) {
      continue;  // a number beyond double: still valid JSON text, which is what we keep
    } catch (const nlohmann::json::exception&) {
      theirs = false;
    }
    // nlohmann keeps the last of duplicate keys; we reject at the second one,
    // before looking at the rest of the line.
    if (!ours && error.starts_with("duplicate key")) continue;
    EXPECT_EQ(ours, theirs) << "seed=" << seed << " line=" << line << " error=" << error;
    if (ours && theirs) {
      EXPECT_EQ(keys.size(), their_size) << line;
    }
    compared++;
  }
  EXPECT_GT(compared, 1000);
}

}  // namespace
}  // namespace sluice
