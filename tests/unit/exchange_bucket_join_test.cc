// The bucket join (common/exchange/bucket_join.h) and the join's exchange
// rows (join_rows.h): random sides with duplicate keys on both, NULL keys,
// empty strings and keys on one side only, under budgets from tiny (every
// run spilled, one key's right rows spilled) to large, give for every `how`
// exactly the multiset of rows a nested-loop reference join gives; the
// order is by key bytes, then left order, then right order. Randomized; the
// seed is printed (SLUICE_SEED replays).
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/base/hash.h"
#include "common/exchange/bucket_join.h"
#include "common/exchange/join_rows.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

using Row = std::vector<std::optional<std::string>>;  // nullopt: NULL

OutputBatch batch_of(const std::vector<Row>& rows, size_t columns) {
  OutputBatch batch;
  batch.column_count = columns;
  for (const Row& row : rows) {
    for (const std::optional<std::string>& value : row) {
      if (value) {
        batch.fields.push_back(batch.owned.emplace_back(*value));
      } else {
        batch.fields.emplace_back();
      }
      batch.nulls.push_back(value ? 0 : 1);
    }
    batch.row_count++;
  }
  return batch;
}

std::vector<Row> rows_of(const OutputBatch& batch) {
  std::vector<Row> rows;
  for (size_t row = 0; row < batch.row_count; ++row) {
    Row out;
    for (size_t column = 0; column < batch.column_count; ++column) {
      if (batch.is_null(row, column)) {
        out.push_back(std::nullopt);
      } else {
        out.emplace_back(std::string(batch.field(row, column)));
      }
    }
    rows.push_back(std::move(out));
  }
  return rows;
}

// Left rows: k1, k2, a. Right rows: r1, b, r2. One key: k1 = r1 (kept: b,
// r2); two keys: (k1, k2) = (r1, r2) (kept: b).
JoinLayout layout_of(JoinHow how, bool two_keys) {
  JoinLayout layout;
  layout.how = how;
  layout.left_column_count = 3;
  layout.right_column_count = 3;
  layout.left_keys = two_keys ? std::vector<size_t>{0, 1} : std::vector<size_t>{0};
  layout.right_keys = two_keys ? std::vector<size_t>{0, 2} : std::vector<size_t>{0};
  layout.columns = {"k1", "k2", "a"};
  if (how == JoinHow::kSemi || how == JoinHow::kAnti) return layout;
  layout.right_kept = two_keys ? std::vector<size_t>{1} : std::vector<size_t>{1, 2};
  layout.columns.push_back("b");
  if (!two_keys) layout.columns.push_back("r2");
  return layout;
}

std::optional<std::vector<std::string>> key_of(const Row& row, const std::vector<size_t>& keys) {
  std::vector<std::string> key;
  for (size_t column : keys) {
    if (!row[column]) return std::nullopt;
    key.push_back(*row[column]);
  }
  return key;
}

std::vector<Row> reference_join(const JoinLayout& layout, const std::vector<Row>& left,
                                const std::vector<Row>& right) {
  std::vector<Row> out;
  std::vector<bool> right_matched(right.size(), false);
  const bool with_right = layout.how != JoinHow::kSemi && layout.how != JoinHow::kAnti;
  for (const Row& l : left) {
    const auto key = key_of(l, layout.left_keys);
    size_t matches = 0;
    for (size_t r = 0; r < right.size(); ++r) {
      if (!key || key_of(right[r], layout.right_keys) != key) continue;
      matches++;
      right_matched[r] = true;
      if (with_right) {
        Row joined = l;
        for (size_t column : layout.right_kept) joined.push_back(right[r][column]);
        out.push_back(joined);
      }
    }
    if (layout.how == JoinHow::kSemi && matches > 0) out.push_back(l);
    if (matches == 0 && join_keeps_unmatched_left(layout.how)) {
      Row joined = l;
      if (with_right) joined.resize(layout.columns.size());
      out.push_back(joined);
    }
  }
  if (join_keeps_unmatched_right(layout.how)) {
    for (size_t r = 0; r < right.size(); ++r) {
      if (right_matched[r]) continue;
      Row joined(layout.left_column_count);
      for (size_t k = 0; k < layout.left_keys.size(); ++k) {
        joined[layout.left_keys[k]] = right[r][layout.right_keys[k]];
      }
      for (size_t column : layout.right_kept) joined.push_back(right[r][column]);
      out.push_back(joined);
    }
  }
  return out;
}

std::vector<Row> random_side(std::mt19937_64& random, size_t rows, size_t tag_column,
                             const std::string& tag) {
  static const std::vector<std::string> kKeys = {"", "a", "b", "c,d", "e\"", "z", "aa", "7"};
  const size_t distinct = 1 + random() % kKeys.size();
  std::vector<Row> out;
  for (size_t i = 0; i < rows; ++i) {
    Row row(3);
    for (size_t column = 0; column < 3; ++column) {
      if (column == tag_column) {
        row[column] = tag + std::to_string(i);
      } else if (random() % 7 != 0) {
        row[column] = kKeys[random() % distinct];
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<Row> run_joiner(const JoinLayout& layout, const std::vector<Row>& left,
                            const std::vector<Row>& right, uint64_t budget,
                            const std::string& spill_dir, std::mt19937_64& random) {
  BucketJoiner joiner(layout, budget, spill_dir);
  // Sides interleaved in random slices: only each side's own order counts.
  size_t l = 0;
  size_t r = 0;
  while (l < left.size() || r < right.size()) {
    const bool take_left = r == right.size() || (l < left.size() && random() % 2 == 0);
    const std::vector<Row>& side = take_left ? left : right;
    size_t& at = take_left ? l : r;
    const size_t count = std::min<size_t>(side.size() - at, 1 + random() % 50);
    std::vector<Row> slice(side.begin() + static_cast<ptrdiff_t>(at),
                           side.begin() + static_cast<ptrdiff_t>(at + count));
    at += count;
    EXPECT_TRUE(
        joiner.add(take_left ? JoinSide::kLeft : JoinSide::kRight, batch_of(slice, 3)).is_ok());
  }
  std::vector<Row> out;
  Status finished = joiner.finish([&](const OutputBatch& batch) {
    EXPECT_EQ(batch.column_count, layout.columns.size());
    for (Row& row : rows_of(batch)) out.push_back(std::move(row));
    return Status::ok();
  });
  EXPECT_TRUE(finished.is_ok()) << finished.message();
  return out;
}

TEST(BucketJoin, EveryHowEqualsTheReferenceJoinUnderAnyBudget) {
  const uint64_t seed = testing::test_seed();
  std::mt19937_64 random(seed);
  testing::TempDir dir;
  for (int round = 0; round < 120; ++round) {
    const JoinHow how = static_cast<JoinHow>(round % 6);
    const bool two_keys = random() % 3 == 0;
    const JoinLayout layout = layout_of(how, two_keys);
    const std::vector<Row> left = random_side(random, random() % 300, 2, "L");
    const std::vector<Row> right = random_side(random, random() % 300, 1, "R");
    const uint64_t budget = std::vector<uint64_t>{64, 1024, 16 << 10, 64 << 20}[random() % 4];
    std::vector<Row> expected = reference_join(layout, left, right);
    std::vector<Row> got =
        run_joiner(layout, left, right, budget, dir / ("spill-" + std::to_string(round)), random);
    std::sort(expected.begin(), expected.end());
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got, expected) << "seed=" << seed << " round=" << round
                             << " how=" << join_how_name(how) << " two_keys=" << two_keys
                             << " budget=" << budget;
  }
}

TEST(BucketJoin, OrdersByKeyThenLeftThenRight) {
  const JoinLayout layout = layout_of(JoinHow::kFull, false);
  const std::vector<Row> left = {{"b", "x", "L0"},
                                 {"a", "x", "L1"},
                                 {std::nullopt, "x", "L2"},
                                 {"b", "x", "L3"},
                                 {"d", "x", "L4"}};
  const std::vector<Row> right = {
      {"b", "R0", "y"}, {"c", "R1", "y"}, {"b", "R2", "y"}, {std::nullopt, "R3", "y"}};
  std::mt19937_64 random(1);
  testing::TempDir dir;
  const std::vector<Row> got = run_joiner(layout, left, right, 64, dir / "spill", random);
  std::vector<std::string> order;
  for (const Row& row : got) order.push_back(row[2].value_or("-") + "/" + row[3].value_or("-"));
  // Keys in the order of their hash (the low 56 bits of the xxh64 of the
  // length-prefixed key),
  // which for these is a, b, c, d; NULL keys last, right before left.
  std::vector<std::pair<uint64_t, std::string>> by_hash;
  for (const char* key : {"a", "b", "c", "d"}) {
    by_hash.emplace_back(hash64(std::string("\0\0\0\1", 4) + key) & 0x00ff'ffff'ffff'ffffull, key);
  }
  std::sort(by_hash.begin(), by_hash.end());
  for (size_t i = 0; i < by_hash.size(); ++i) {
    EXPECT_EQ(by_hash[i].second, std::string(1, static_cast<char>('a' + i)));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"L1/-", "L0/R0", "L0/R2", "L3/R0", "L3/R2", "-/R1",
                                             "L4/-", "-/R3", "L2/-"}));
}

TEST(JoinRows, ExchangeRowsKeepNullApartFromEmptyAndDropNullKeys) {
  const std::vector<Row> rows = {{"k", "", std::nullopt}, {std::nullopt, "v", "w"}};
  OutputBatch exchange;
  append_join_exchange_rows(batch_of(rows, 3), {0}, /*keep_null_keys=*/false, exchange);
  ASSERT_EQ(exchange.row_count, 1u);
  ASSERT_EQ(exchange.column_count, 4u);
  EXPECT_EQ(exchange.field(0, 0), "=k");
  EXPECT_EQ(exchange.field(0, 2), "=");
  EXPECT_TRUE(exchange.is_null(0, 3));
  OutputBatch kept;
  append_join_exchange_rows(batch_of(rows, 3), {0}, /*keep_null_keys=*/true, kept);
  ASSERT_EQ(kept.row_count, 2u);

  RecordBatch read;
  read.column_count = 4;
  read.row_count = 1;
  read.fields = {"=k", "=k", "=", ""};
  OutputBatch decoded;
  decoded.column_count = 3;
  ASSERT_TRUE(decode_join_exchange_row(read, 0, 1, decoded).is_ok());
  EXPECT_EQ(rows_of(decoded), (std::vector<Row>{{"k", "", std::nullopt}}));
  read.fields = {"=k", "k", "=", ""};
  EXPECT_FALSE(decode_join_exchange_row(read, 0, 1, decoded).is_ok());
}

}  // namespace
}  // namespace sluice
