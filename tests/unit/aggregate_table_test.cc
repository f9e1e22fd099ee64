// The aggregate step's table (Aggregator) on its own: its open-addressing
// hash table against a std::map count — many groups, keys that collide in
// the hash's low bits, NULLs, empty strings, strings holding 0x00 and 0xff —
// through update, finalize, and partial rows written and merged. And the
// chunk key encoder against append_key, value by value; and what the table
// reports holding (memory_bytes, clear).
// Randomized; the seed is printed. Replay with SLUICE_SEED=<seed>.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/pipeline/aggregate.h"
#include "common/pipeline/aggregate_values.h"

namespace sluice {
namespace {

using expr::Type;
using Cell = std::optional<std::string>;  // nullopt: NULL
using Key = std::pair<Cell, Cell>;
// std::optional orders NULL first and std::string bytewise (as unsigned
// char), which is the order of the encoded keys: the map's order is the
// order finalize and write_partial must give.
using Counts = std::map<Key, int64_t>;

uint64_t test_seed() {
  const char* text = std::getenv("SLUICE_SEED");
  const uint64_t seed = text != nullptr ? std::strtoull(text, nullptr, 10) : std::random_device{}();
  std::cout << "seed " << seed << " (replay with SLUICE_SEED=" << seed << ")\n";
  return seed;
}

AggregatePlan two_string_keys_count_star() {
  AggregatePlan plan;
  plan.key_names = {"k1", "k2"};
  plan.key_types = {Type::kString, Type::kString};
  plan.aggregates.push_back(AggregateColumn{"count", AggregateKind::kCountStar});
  plan.build_partial_columns();
  return plan;
}

std::string encoded(const Key& key) {
  std::string bytes;
  for (const Cell* cell : {&key.first, &key.second}) {
    Aggregator::Scalar value;
    value.valid = cell->has_value();
    if (value.valid) value.string_value = **cell;
    append_key(bytes, Type::kString, value);
  }
  return bytes;
}

// Feeds `rows` to `table` in batches of up to 4096 rows, as the pipeline
// does; rows whose `skip` is set are left out of the selection.
void update(Aggregator& table, const std::vector<Key>& rows, const std::vector<bool>& skip) {
  constexpr size_t kBatchRows = 4096;
  expr::Vector k1, k2;
  expr::Selection selection;
  const std::vector<const expr::Vector*> arguments = {nullptr};
  for (size_t begin = 0; begin < rows.size(); begin += kBatchRows) {
    const size_t count = std::min(kBatchRows, rows.size() - begin);
    k1.reset(Type::kString, count);
    k2.reset(Type::kString, count);
    selection.clear();
    for (size_t i = 0; i < count; ++i) {
      const Key& key = rows[begin + i];
      k1.valid[i] = key.first.has_value();
      k1.strings[i] = key.first ? std::string_view(*key.first) : std::string_view("stale");
      k2.valid[i] = key.second.has_value();
      k2.strings[i] = key.second ? std::string_view(*key.second) : std::string_view("stale");
      if (!skip[begin + i]) selection.push_back(static_cast<uint32_t>(i));
    }
    table.update({&k1, &k2}, arguments, selection);
  }
}

Cell cell_of(const expr::Vector& vector, size_t row) {
  if (!vector.valid[row]) return std::nullopt;
  return std::string(vector.strings[row]);
}

// finalize() gives exactly `expected`, in its order.
void expect_final_counts(const Aggregator& table, const Counts& expected) {
  std::vector<expr::Vector> columns;
  table.finalize(columns);
  ASSERT_EQ(columns.size(), 3u);
  ASSERT_EQ(table.group_count(), expected.size());
  size_t row = 0;
  for (const auto& [key, count] : expected) {
    ASSERT_EQ(cell_of(columns[0], row), key.first) << "row " << row;
    ASSERT_EQ(cell_of(columns[1], row), key.second) << "row " << row;
    ASSERT_EQ(columns[2].ints[row], count) << "row " << row;
    ++row;
  }
}

// The partial rows of `table` as merge_partial reads them back (NULL is an
// empty field, as in the CSV files).
RecordBatch as_read_back(const OutputBatch& partial) {
  RecordBatch batch;
  batch.column_count = partial.column_count;
  batch.row_count = partial.row_count;
  batch.fields = partial.fields;
  for (size_t row = 0; row < partial.row_count; ++row) batch.offsets.push_back(row);
  return batch;
}

// Counts `rows` (less the skipped) in one table and, split over three, through
// partial rows merged into one; both must equal the std::map count.
void check_against_map(const std::vector<Key>& rows, const std::vector<bool>& skip,
                       std::mt19937_64& random) {
  Counts expected;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!skip[i]) ++expected[rows[i]];
  }
  const AggregatePlan plan = two_string_keys_count_star();
  {
    SCOPED_TRACE("one table");
    Aggregator table(plan);
    update(table, rows, skip);
    expect_final_counts(table, expected);
  }
  SCOPED_TRACE("three partitions, partial rows merged");
  std::vector<std::vector<Key>> parts(3);
  std::vector<std::vector<bool>> part_skips(3);
  for (size_t i = 0; i < rows.size(); ++i) {
    const size_t part = random() % 3;
    parts[part].push_back(rows[i]);
    part_skips[part].push_back(skip[i]);
  }
  Aggregator merged(plan);
  for (size_t p = 0; p < parts.size(); ++p) {
    Aggregator table(plan);
    update(table, parts[p], part_skips[p]);
    OutputBatch partial;
    table.write_partial(partial);
    ASSERT_EQ(partial.row_count, table.group_count());
    // Partial rows come in the order of the keys' bytes.
    for (size_t row = 1; row < partial.row_count; ++row) {
      auto key_of = [&](size_t r) {
        Key key;
        if (!partial.is_null(r, 0)) key.first = std::string(partial.field(r, 0).substr(1));
        if (!partial.is_null(r, 1)) key.second = std::string(partial.field(r, 1).substr(1));
        return key;
      };
      ASSERT_LT(encoded(key_of(row - 1)), encoded(key_of(row))) << "partition " << p;
    }
    const Status status = merged.merge_partial(as_read_back(partial));
    ASSERT_TRUE(status.is_ok()) << status.message();
  }
  expect_final_counts(merged, expected);
}

std::string random_text(std::mt19937_64& random) {
  // Mostly short, as keys are; some past 16 bytes (the word-wise paths end
  // there); bytes include 0x00 and 0xff, which the key encoding escapes or
  // uses as separators.
  static const std::string kAlphabet = std::string("ab\0\xff\x01Z", 6);
  const size_t length = random() % 8 == 0 ? 17 + random() % 40 : random() % 12;
  std::string text;
  for (size_t i = 0; i < length; ++i) text += kAlphabet[random() % kAlphabet.size()];
  return text;
}

TEST(AggregateTable, ManyGroupsCountAsAStdMap) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("SLUICE_SEED=" + std::to_string(seed));
  std::mt19937_64 random(seed);
  // 200k distinct keys: NULLs, empty strings, and the empty string beside
  // NULL in both positions among them.
  std::set<Key> distinct = {
      {std::nullopt, std::nullopt},          {std::string(), std::nullopt},
      {std::nullopt, std::string()},         {std::string(), std::string()},
      {std::string("\0", 1), std::string()}, {std::string(), std::string("\0", 1)}};
  while (distinct.size() < 200'000) {
    Key key;
    if (random() % 10 != 0) key.first = random_text(random);
    if (random() % 10 != 0)
      key.second = random() % 2 ? random_text(random) : std::to_string(random());
    distinct.insert(std::move(key));
  }
  std::vector<Key> rows(distinct.begin(), distinct.end());
  const size_t distinct_rows = rows.size();
  for (size_t i = 0; i < 100'000; ++i) rows.push_back(rows[random() % distinct_rows]);
  std::shuffle(rows.begin(), rows.end(), random);
  std::vector<bool> skip(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) skip[i] = random() % 7 == 0;
  check_against_map(rows, skip, random);
}

TEST(AggregateTable, KeysThatCollideInTheLowHashBitsStayApart) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("SLUICE_SEED=" + std::to_string(seed));
  std::mt19937_64 random(seed);
  // Keys whose hashes share their low 10 bits, all ones: in every table of
  // up to 1024 slots they start at the last slot, so their probes run
  // together and wrap around to the first.
  constexpr uint64_t kLowBits = 0x3ff;
  std::vector<Key> colliding;
  for (uint64_t candidate = 0; colliding.size() < 600; ++candidate) {
    Key key;
    key.first = "c" + std::to_string(candidate);
    if (candidate % 3 == 1) key.second = std::string();
    if (candidate % 3 == 2) key.second = std::string("x\0y", 3);
    if ((key_hash(encoded(key)) & kLowBits) == kLowBits) colliding.push_back(std::move(key));
  }
  std::vector<Key> rows;
  for (const Key& key : colliding) {
    for (size_t copies = 1 + random() % 3; copies > 0; --copies) rows.push_back(key);
  }
  std::shuffle(rows.begin(), rows.end(), random);
  check_against_map(rows, std::vector<bool>(rows.size(), false), random);
}

// KeyEncoder::encode (a chunk at a time, column by column) gives, row by
// row, the bytes append_key gives for read_scalar's value: every key type,
// NULLs, and vectors of type NULL.
TEST(AggregateTable, ChunkKeyEncodingIsAppendKeyOfEachValue) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("SLUICE_SEED=" + std::to_string(seed));
  std::mt19937_64 random(seed);
  const std::vector<Type> types = {Type::kString, Type::kInt64,     Type::kFloat64, Type::kBool,
                                   Type::kDate,   Type::kTimestamp, Type::kNull};
  const std::vector<double> floats = {0.0,
                                      -0.0,
                                      1.5,
                                      -2.25,
                                      std::numeric_limits<double>::infinity(),
                                      -std::numeric_limits<double>::infinity(),
                                      std::numeric_limits<double>::quiet_NaN(),
                                      -std::numeric_limits<double>::quiet_NaN(),
                                      std::numeric_limits<double>::min()};
  const std::vector<int64_t> ints = {0, 1, -1, std::numeric_limits<int64_t>::min(),
                                     std::numeric_limits<int64_t>::max()};
  constexpr size_t kRows = 1000;
  for (int iteration = 0; iteration < 50; ++iteration) {
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    const size_t key_count = 1 + random() % 4;
    std::vector<expr::Vector> vectors(key_count);
    std::vector<std::vector<std::string>> texts(key_count, std::vector<std::string>(kRows));
    for (expr::Vector& vector : vectors) {
      vector.reset(types[random() % types.size()], kRows);
      // A chunk without any 0x00 takes the fast path, one with one the slow:
      // strings without, with a rare single one anywhere, or with many.
      const int zeros = static_cast<int>(random() % 3);
      for (size_t row = 0; row < kRows; ++row) {
        vector.valid[row] = random() % 5 != 0;
        if (vector.type == Type::kString) {
          std::string& text = texts[&vector - vectors.data()][row];
          text = random_text(random);
          if (zeros < 2) std::replace(text.begin(), text.end(), '\0', 'n');
          if (zeros == 1 && !text.empty() && random() % 50 == 0)
            text[random() % text.size()] = '\0';
          vector.strings[row] = text;
        } else if (vector.type == Type::kFloat64) {
          vector.doubles[row] = random() % 2 ? floats[random() % floats.size()]
                                             : static_cast<double>(random() % 2001) / 8 - 125;
        } else if (vector.type != Type::kNull) {
          vector.ints[row] = random() % 2 ? ints[random() % ints.size()]
                                          : static_cast<int64_t>(random() % 2001) - 1000;
        }
      }
    }
    std::vector<const expr::Vector*> keys;
    for (const expr::Vector& vector : vectors) keys.push_back(&vector);
    // A selection that skips rows.
    expr::Selection rows;
    for (uint32_t row = 0; row < kRows; ++row) {
      if (random() % 4 != 0) rows.push_back(row);
    }
    // Chunks of 1 to 300 rows, through one encoder (its buffer reused).
    Aggregator::KeyEncoder encoder;
    for (size_t chunk = 0; chunk < rows.size();) {
      const size_t row_count = std::min<size_t>(1 + random() % 300, rows.size() - chunk);
      std::vector<size_t> ends(row_count);
      encoder.encode(keys, rows.data() + chunk, row_count, ends.data());
      const std::string_view bytes = encoder.bytes();
      ASSERT_EQ(bytes.size(), ends.back());
      size_t begin = 0;
      for (size_t i = 0; i < row_count; ++i) {
        const uint32_t row = rows[chunk + i];
        std::string expected;
        for (const expr::Vector* vector : keys) {
          Aggregator::Scalar value;
          read_scalar(*vector, row, value);
          append_key(expected, vector->type, value);
        }
        ASSERT_EQ(bytes.substr(begin, ends[i] - begin), expected) << "row " << row;
        begin = ends[i];
      }
      chunk += row_count;
    }
  }
}

// What the table reports holding (ExternalAggregator spills by it).
TEST(AggregatorMemory, GrowsWithGroupsAndDistinctValuesAndClearReleasesIt) {
  AggregatePlan plan;
  plan.key_names = {"k"};
  plan.key_types = {Type::kString};
  plan.aggregates.push_back(
      AggregateColumn{"d", AggregateKind::kCountDistinct, Type::kString, Type::kInt64});
  plan.build_partial_columns();
  Aggregator table(plan);
  const size_t empty = table.memory_bytes();
  const std::string long_text(100, 'x');
  std::deque<std::string> strings;
  expr::Vector keys, values;
  keys.reset(Type::kString, 1000);
  values.reset(Type::kString, 1000);
  expr::Selection selection;
  for (uint32_t row = 0; row < 1000; ++row) {
    keys.valid[row] = values.valid[row] = 1;
    strings.push_back(long_text + std::to_string(row % 100));  // 100 groups of long keys
    keys.strings[row] = strings.back();
    strings.push_back(long_text + std::to_string(row));  // 1000 distinct values
    values.strings[row] = strings.back();
    selection.push_back(row);
  }
  table.update({&keys}, {&values}, selection);
  // At least the key strings (kept twice: encoded and as values) and the
  // distinct values' bytes.
  EXPECT_GT(table.memory_bytes(), empty + 100 * 2 * 100 + 1000 * 100);
  // Distinct values that are already there add nothing.
  const size_t full = table.memory_bytes();
  table.update({&keys}, {&values}, selection);
  EXPECT_EQ(table.memory_bytes(), full);
  table.clear();
  EXPECT_EQ(table.group_count(), 0u);
  EXPECT_LE(table.memory_bytes(), empty);
  // Usable again after clear.
  table.update({&keys}, {&values}, selection);
  EXPECT_EQ(table.group_count(), 100u);
  EXPECT_EQ(table.memory_bytes(), full);
}

}  // namespace
}  // namespace sluice
