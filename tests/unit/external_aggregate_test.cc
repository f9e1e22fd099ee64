// ExternalAggregator: partial rows merged in bounded memory (spilled runs,
// merged by key) give exactly what one in-memory Aggregator merging the same
// partial rows gives, whatever the budget. The partial rows come from real
// Aggregators over random rows (keys: int64, strings with commas, quotes and
// line ends, floats with -0.0 and NaN, NULLs; every aggregate kind), some
// groups continued on extra rows as write_partial does for large distinct
// sets. Also Aggregator::memory_bytes and clear.
// Randomized; the seed is printed. Replay with SLUICE_SEED=<seed>.

#include "common/pipeline/external_aggregate.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/base/limits.h"
#include "common/pipeline/aggregate.h"
#include "tests/support/cluster.h"
#include "tests/unit/aggregate_random_support.h"

namespace sluice {
namespace {

using expr::Type;

using testing::test_seed;  // $SLUICE_SEED or the clock; printed

using testing::TempDir;

// Regular files below `dir` (spill files left behind).
size_t file_count(const TempDir& dir) {
  size_t count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    if (entry.is_regular_file()) ++count;
  }
  return count;
}

// --- partial rows ------------------------------------------------------------------

// The "<length>:<bytes>" items of a count_distinct field.
std::vector<std::string_view> distinct_items(std::string_view field) {
  std::vector<std::string_view> items;
  size_t i = 0;
  while (i < field.size()) {
    const size_t colon = field.find(':', i);
    const size_t length = std::stoul(std::string(field.substr(i, colon - i)));
    items.push_back(field.substr(i, colon + 1 + length - i));
    i = colon + 1 + length;
  }
  return items;
}

// `partial` with some groups continued on extra rows, as write_partial does
// for a distinct set past kDistinctFieldBytesMax: the same key, neutral
// states, the rest of the distinct items.
OutputBatch with_continuations(const AggregatePlan& plan, const OutputBatch& partial,
                               std::mt19937_64& random) {
  OutputBatch out;
  out.column_count = partial.column_count;
  auto push = [&](std::string_view text, bool null) {
    out.owned.emplace_back(text);
    out.fields.push_back(out.owned.back());
    out.nulls.push_back(null ? 1 : 0);
  };
  const size_t key_count = plan.key_names.size();
  for (size_t row = 0; row < partial.row_count; ++row) {
    const size_t pieces = random() % 4 == 0 ? 2 + random() % 3 : 1;
    // Each distinct column's items cut into `pieces` runs of items.
    std::vector<std::vector<std::string>> distinct_pieces(partial.column_count);
    for (size_t a = 0, column = key_count; a < plan.aggregates.size(); ++a, ++column) {
      if (plan.aggregates[a].kind == AggregateKind::kAvg) {
        ++column;
        continue;
      }
      if (plan.aggregates[a].kind != AggregateKind::kCountDistinct) continue;
      const std::vector<std::string_view> items = distinct_items(partial.field(row, column));
      distinct_pieces[column].resize(pieces);
      for (std::string_view item : items) distinct_pieces[column][random() % pieces].append(item);
      // Each piece keeps the items' sorted order, as encode_distinct writes them.
    }
    for (size_t p = 0; p < pieces; ++p) {
      for (size_t k = 0; k < key_count; ++k) push(partial.field(row, k), partial.is_null(row, k));
      for (size_t a = 0, column = key_count; a < plan.aggregates.size(); ++a, ++column) {
        const AggregateKind kind = plan.aggregates[a].kind;
        if (kind == AggregateKind::kCountDistinct) {
          push(distinct_pieces[column][p], false);
        } else if (p == 0) {
          push(partial.field(row, column), partial.is_null(row, column));
          if (kind == AggregateKind::kAvg) {
            ++column;
            push(partial.field(row, column), partial.is_null(row, column));
          }
        } else if (kind == AggregateKind::kCountStar || kind == AggregateKind::kCount) {
          push("0", false);
        } else if (kind == AggregateKind::kAvg) {
          push("0", false);
          push("0", false);
          ++column;
        } else {
          push("", true);  // sum, min, max: no value
        }
      }
      ++out.row_count;
    }
  }
  return out;
}

// Rows [begin, end) of `partial` as a reader would give them (views; NULL
// is an empty field; offsets are row numbers).
RecordBatch read_back(const OutputBatch& partial, size_t begin, size_t end) {
  RecordBatch batch;
  batch.column_count = partial.column_count;
  batch.row_count = end - begin;
  for (size_t row = begin; row < end; ++row) {
    for (size_t column = 0; column < partial.column_count; ++column)
      batch.fields.push_back(partial.is_null(row, column) ? std::string_view()
                                                          : partial.field(row, column));
    batch.offsets.push_back(row);
  }
  return batch;
}

// --- final rows --------------------------------------------------------------------

using Row = std::vector<std::string>;

std::string render(const expr::Vector& vector, size_t row) {
  if (!vector.valid[row]) return "NULL";
  switch (vector.type) {
    case Type::kString:
      return "s:" + std::string(vector.strings[row]);
    case Type::kFloat64: {
      const double value = vector.doubles[row];
      if (std::isnan(value)) return "f:nan";
      return fmt::format("f:{}", value == 0 ? 0.0 : value);
    }
    case Type::kNull:
      return "NULL";
    default:
      return fmt::format("i:{}", vector.ints[row]);
  }
}

void append_rows(const std::vector<expr::Vector>& columns, size_t rows, std::vector<Row>& out) {
  for (size_t row = 0; row < rows; ++row) {
    Row cells;
    for (const expr::Vector& column : columns) cells.push_back(render(column, row));
    out.push_back(std::move(cells));
  }
}

std::string describe(const Row& row) {
  std::string out;
  for (const std::string& cell : row) out += (out.empty() ? "" : " | ") + cell;
  return out;
}

struct ExternalResult {
  std::vector<Row> rows;
  std::vector<size_t> chunk_rows;
  uint64_t runs_spilled = 0;
  size_t files_after_finish = 0;
};

// Feeds `slices` to an ExternalAggregator with `budget` and collects what
// finish emits.
ExternalResult run_external(const AggregatePlan& plan, const std::vector<RecordBatch>& slices,
                            uint64_t budget, const TempDir& dir, const std::string& trace) {
  ExternalResult result;
  ExternalAggregator aggregator(plan, budget, dir.path() + "/spill");
  for (const RecordBatch& slice : slices) {
    const Status added = aggregator.add_partial(slice);
    EXPECT_TRUE(added.is_ok()) << trace << ": " << added.to_string();
    if (!added.is_ok()) return result;
  }
  const size_t width = plan.key_names.size() + plan.aggregates.size();
  const Status finished = aggregator.finish([&](std::vector<expr::Vector>& columns, size_t rows) {
    EXPECT_EQ(columns.size(), width) << trace;
    EXPECT_GT(rows, 0u) << trace;
    EXPECT_LE(rows, limits::kBatchRowsMax) << trace;
    result.chunk_rows.push_back(rows);
    append_rows(columns, rows, result.rows);
    return Status::ok();
  });
  EXPECT_TRUE(finished.is_ok()) << trace << ": " << finished.to_string();
  result.runs_spilled = aggregator.runs_spilled();
  result.files_after_finish = file_count(dir);
  return result;
}

std::vector<Row> run_in_memory(const AggregatePlan& plan, const std::vector<RecordBatch>& slices,
                               const std::string& trace) {
  Aggregator table(plan);
  for (const RecordBatch& slice : slices) {
    const Status merged = table.merge_partial(slice);
    EXPECT_TRUE(merged.is_ok()) << trace << ": " << merged.to_string();
  }
  table.add_global_group_if_empty();
  std::vector<expr::Vector> columns;
  table.finalize(columns);
  std::vector<Row> rows;
  append_rows(columns, table.group_count(), rows);
  return rows;
}

void expect_same_rows(const std::vector<Row>& actual, const std::vector<Row>& expected,
                      const std::string& trace) {
  ASSERT_EQ(actual.size(), expected.size()) << trace;
  for (size_t row = 0; row < expected.size(); ++row) {
    ASSERT_EQ(actual[row], expected[row])
        << trace << " row " << row << ": got " << describe(actual[row]) << ", expected "
        << describe(expected[row]);
  }
}

// Partial rows of `partitions` random partitions of `plan`, cut into slices
// of random sizes in a random order (as a bucket task reads map outputs).
struct Partials {
  std::deque<OutputBatch> batches;  // the slices view these (a deque: they never move)
  std::vector<RecordBatch> slices;
};

Partials random_partials(const AggregatePlan& plan, size_t partitions, size_t rows_max,
                         size_t key_range, std::mt19937_64& random) {
  Partials partials;
  for (size_t p = 0; p < partitions; ++p) {
    Aggregator table(plan);
    update_random(table, plan, random() % (rows_max + 1), key_range, random);
    OutputBatch partial;
    table.write_partial(partial);
    partials.batches.push_back(with_continuations(plan, partial, random));
  }
  for (const OutputBatch& batch : partials.batches) {
    for (size_t begin = 0; begin < batch.row_count;) {
      const size_t end = std::min(batch.row_count, begin + 1 + random() % 700);
      partials.slices.push_back(read_back(batch, begin, end));
      begin = end;
    }
  }
  std::shuffle(partials.slices.begin(), partials.slices.end(), random);
  return partials;
}

// --- tests -----------------------------------------------------------------------

TEST(ExternalAggregator, SameRowsAsInMemoryMergeWhateverTheBudget) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  static const uint64_t kBudgets[] = {1 << 10, 4 << 10, 16 << 10, 64 << 10, 1 << 20, 1ull << 30};
  for (int iteration = 0; iteration < 60; ++iteration) {
    const AggregatePlan plan = random_plan(random);
    const size_t key_range = 1 + random() % (random() % 2 == 0 ? 10 : 400);
    const Partials partials =
        random_partials(plan, 1 + random() % 4, random() % 2 == 0 ? 50 : 1500, key_range, random);
    const uint64_t budget = kBudgets[random() % 6];
    const std::string trace =
        fmt::format("seed={} iteration={} budget={} keys={} aggregates={} partial columns [{}]",
                    seed, iteration, budget, plan.key_names.size(), plan.aggregates.size(),
                    fmt::join(plan.partial_columns, ","));
    SCOPED_TRACE(trace);
    const std::vector<Row> expected = run_in_memory(plan, partials.slices, trace);
    TempDir dir;
    const ExternalResult result = run_external(plan, partials.slices, budget, dir, trace);
    expect_same_rows(result.rows, expected, trace);
    EXPECT_EQ(result.files_after_finish, 0u) << trace;
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(ExternalAggregator, SpillsUnderATinyBudgetOnlyAndRemovesItsFiles) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  AggregatePlan plan;
  plan.key_names = {"k"};
  plan.key_types = {Type::kString};
  plan.aggregates.push_back(
      AggregateColumn{"n", AggregateKind::kCountStar, Type::kNull, Type::kInt64});
  plan.aggregates.push_back(
      AggregateColumn{"d", AggregateKind::kCountDistinct, Type::kInt64, Type::kInt64});
  plan.build_partial_columns();
  const Partials partials = random_partials(plan, 3, 2000, 300, random);
  const std::string trace = fmt::format("seed={}", seed);
  const std::vector<Row> expected = run_in_memory(plan, partials.slices, trace);

  for (const uint64_t budget : {uint64_t{1} << 10, uint64_t{1} << 30}) {
    SCOPED_TRACE(fmt::format("{} budget={}", trace, budget));
    TempDir dir;
    const std::string spill_dir = dir.path() + "/spill";
    {
      ExternalAggregator aggregator(plan, budget, spill_dir);
      for (const RecordBatch& slice : partials.slices)
        ASSERT_TRUE(aggregator.add_partial(slice).is_ok()) << trace;
      if (budget < (1 << 20)) {
        EXPECT_GT(aggregator.runs_spilled(), 0u) << trace;
        EXPECT_GT(aggregator.bytes_spilled(), 0u) << trace;
        EXPECT_GT(file_count(dir), 0u) << trace;
      } else {
        EXPECT_EQ(aggregator.runs_spilled(), 0u) << trace;
        EXPECT_EQ(aggregator.bytes_spilled(), 0u) << trace;
        EXPECT_EQ(file_count(dir), 0u) << trace;
      }
      // Destroyed without finish: its files go too.
    }
    EXPECT_EQ(file_count(dir), 0u) << trace;

    ExternalResult result = run_external(plan, partials.slices, budget, dir, trace);
    expect_same_rows(result.rows, expected, trace);
    EXPECT_EQ(result.files_after_finish, 0u) << trace;
    EXPECT_EQ(file_count(dir), 0u) << trace;
  }
}

TEST(ExternalAggregator, ManyGroupsAndRunsComeInBoundedChunksAfterMergePasses) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  AggregatePlan plan;
  plan.key_names = {"k"};
  plan.key_types = {Type::kInt64};
  plan.aggregates.push_back(AggregateColumn{"s", AggregateKind::kSum, Type::kInt64, Type::kInt64});
  plan.build_partial_columns();
  // 10,000 groups over three partitions: more than two chunks, and under a
  // 1 KiB budget more runs than a merge reads at once.
  std::vector<OutputBatch> batches(3);
  std::vector<RecordBatch> slices;
  for (OutputBatch& batch : batches) {
    Aggregator table(plan);
    expr::Vector keys, values;
    keys.reset(Type::kInt64, 10000);
    values.reset(Type::kInt64, 10000);
    expr::Selection selection;
    for (uint32_t row = 0; row < 10000; ++row) {
      keys.valid[row] = values.valid[row] = 1;
      keys.ints[row] = static_cast<int64_t>(random() % 10000);
      values.ints[row] = static_cast<int64_t>(random() % 100);
      selection.push_back(row);
    }
    table.update({&keys}, {&values}, selection);
    table.write_partial(batch);
    for (size_t begin = 0; begin < batch.row_count; begin += 1000)
      slices.push_back(read_back(batch, begin, std::min(batch.row_count, begin + 1000)));
  }
  const std::string trace = fmt::format("seed={}", seed);
  const std::vector<Row> expected = run_in_memory(plan, slices, trace);
  ASSERT_GT(expected.size(), 2 * limits::kBatchRowsMax) << trace;
  TempDir dir;
  const ExternalResult result = run_external(plan, slices, 1 << 10, dir, trace);
  expect_same_rows(result.rows, expected, trace);
  EXPECT_GT(result.runs_spilled, ExternalAggregator::kMergeFanInMax) << trace;
  EXPECT_GE(result.chunk_rows.size(), 3u) << trace;
  EXPECT_EQ(result.files_after_finish, 0u) << trace;
}

// One key on thousands of rows (a count_distinct set continued, as
// write_partial does past kDistinctFieldBytesMax): its rows span spills and
// the reader batches of a run, and still make one group.
TEST(ExternalAggregator, AKeysContinuationRowsAcrossRunsAndReaderBatchesAreOneGroup) {
  AggregatePlan plan;
  plan.key_names = {"k"};
  plan.key_types = {Type::kInt64};
  plan.aggregates.push_back(
      AggregateColumn{"n", AggregateKind::kCountStar, Type::kNull, Type::kInt64});
  plan.aggregates.push_back(
      AggregateColumn{"d", AggregateKind::kCountDistinct, Type::kString, Type::kInt64});
  plan.build_partial_columns();
  constexpr size_t kItems = 6000;
  OutputBatch partial;
  partial.column_count = 3;
  auto push_row = [&](std::string key, std::string count, std::string distinct) {
    for (std::string* text : {&key, &count, &distinct}) {
      partial.owned.push_back(std::move(*text));
      partial.fields.push_back(partial.owned.back());
      partial.nulls.push_back(0);
    }
    ++partial.row_count;
  };
  push_row("=1", "1", "1:a");
  push_row("=2", std::to_string(kItems), "");
  for (size_t i = 0; i < kItems; ++i) {
    const std::string item = fmt::format("{:06}", i) + std::string(200, ',');
    push_row("=2", "0", fmt::format("{}:{}", item.size(), item));
  }
  push_row("=3", "1", "1:b");
  std::vector<RecordBatch> slices;
  for (size_t begin = 0; begin < partial.row_count; begin += 500)
    slices.push_back(read_back(partial, begin, std::min(partial.row_count, begin + 500)));

  TempDir dir;
  const ExternalResult result = run_external(plan, slices, 1 << 20, dir, "continuations");
  EXPECT_GE(result.runs_spilled, 2u);
  const std::vector<Row> expected = {
      {"i:1", "i:1", "i:1"},
      {"i:2", fmt::format("i:{}", kItems), fmt::format("i:{}", kItems)},
      {"i:3", "i:1", "i:1"}};
  expect_same_rows(result.rows, expected, "continuations");
  expect_same_rows(run_in_memory(plan, slices, "continuations"), expected, "continuations");
}

TEST(ExternalAggregator, GlobalAggregateOverNothingIsOneRow) {
  AggregatePlan plan;
  plan.aggregates.push_back(
      AggregateColumn{"n", AggregateKind::kCountStar, Type::kNull, Type::kInt64});
  plan.aggregates.push_back(AggregateColumn{"s", AggregateKind::kSum, Type::kInt64, Type::kInt64});
  plan.aggregates.push_back(
      AggregateColumn{"m", AggregateKind::kMin, Type::kString, Type::kString});
  plan.aggregates.push_back(
      AggregateColumn{"a", AggregateKind::kAvg, Type::kFloat64, Type::kFloat64});
  plan.aggregates.push_back(
      AggregateColumn{"d", AggregateKind::kCountDistinct, Type::kString, Type::kInt64});
  plan.build_partial_columns();
  const Row expected = {"i:0", "NULL", "NULL", "NULL", "i:0"};
  for (const bool empty_batch : {false, true}) {
    TempDir dir;
    std::vector<RecordBatch> slices;
    if (empty_batch) {
      RecordBatch none;
      none.column_count = plan.partial_columns.size();
      slices.push_back(none);
    }
    const ExternalResult result = run_external(plan, slices, 1 << 10, dir, "global");
    ASSERT_EQ(result.rows.size(), 1u);
    EXPECT_EQ(result.rows[0], expected) << describe(result.rows[0]);
  }
}

TEST(ExternalAggregator, BadPartialRowsAndUnwritableSpillDirectoryAreErrors) {
  AggregatePlan plan;
  plan.key_names = {"k"};
  plan.key_types = {Type::kInt64};
  plan.aggregates.push_back(
      AggregateColumn{"n", AggregateKind::kCountStar, Type::kNull, Type::kInt64});
  plan.build_partial_columns();
  TempDir dir;
  {
    ExternalAggregator aggregator(plan, 1 << 20, dir.path());
    RecordBatch batch;
    batch.column_count = 2;
    batch.row_count = 1;
    batch.fields = {"=x", "1"};
    batch.offsets = {42};
    const Status status = aggregator.add_partial(batch);
    EXPECT_EQ(status.code(), StatusCode::kDataError);
    EXPECT_NE(status.message().find("byte offset 42"), std::string::npos) << status.message();
  }
  // The spill directory's parent is a file: the first spill fails.
  const std::string file = dir.path() + "/file";
  std::ofstream(file) << "x";
  ExternalAggregator aggregator(plan, 1, file + "/spill");
  RecordBatch batch;
  batch.column_count = 2;
  batch.row_count = 1;
  batch.fields = {"=7", "3"};
  batch.offsets = {0};
  const Status status = aggregator.add_partial(batch);
  EXPECT_EQ(status.code(), StatusCode::kIoError) << status.to_string();
}

}  // namespace
}  // namespace sluice
