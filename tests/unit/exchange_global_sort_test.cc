// A global sort's exchange (common/exchange/sort_map_sink.h, sorted_output.h,
// sort_ranges.h), without processes: random rows split into map tasks of
// random sizes, each sorted into one sorted output under a small memory
// budget (spills), then cut into a random number of key ranges chosen from
// the samples and merged range by range with a small fan-in (merge passes).
// The concatenated ranges must equal std::stable_sort of the rows by the SQL
// order (NULLs last, descending inverted), whatever the split, the number of
// ranges, the budget and the fan-in. Also: a skewed key is split across
// ranges, `limit` keeps the first N (with and without falling back to the
// sorter), and a damaged block is reported with the map output it is in.
// Randomized; the seed is printed. Replay with SLUICE_SEED=<seed>.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/base/limits.h"
#include "common/exchange/sort_key.h"
#include "common/exchange/sort_map_sink.h"
#include "common/exchange/sort_ranges.h"
#include "common/exchange/sorted_output.h"
#include "common/io/byte_source.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

using testing::test_seed;

// A row: its sort value (NULL: nullopt) and a payload naming its input
// position, so that the order of equal values shows.
struct Row {
  std::optional<int64_t> value;
  std::string payload;
  bool operator==(const Row&) const = default;
};

std::vector<Row> random_rows(std::mt19937_64& random, size_t count, bool skewed) {
  std::vector<Row> rows;
  const int64_t distinct = std::vector<int64_t>{1, 5, 1000, 1000000}[random() % 4];
  for (size_t i = 0; i < count; ++i) {
    Row row;
    if (random() % 10 == 0) {
      row.value = std::nullopt;
    } else if (skewed && random() % 2 == 0) {
      row.value = 7;  // one value in half the rows
    } else {
      row.value = static_cast<int64_t>(random() % distinct) - distinct / 2;
    }
    row.payload = fmt::format("row{}-{}", i, std::string(random() % 40, 'x'));
    rows.push_back(std::move(row));
  }
  return rows;
}

// The SQL order: NULLs last in both directions, ties in input order.
std::vector<Row> reference_sort(std::vector<Row> rows, bool descending) {
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    if (!a.value || !b.value) return a.value.has_value() && !b.value.has_value();
    return descending ? *a.value > *b.value : *a.value < *b.value;
  });
  return rows;
}

struct Plan {
  std::vector<size_t> split_rows;  // rows per map task
  uint32_t tasks = 1;
  uint64_t budget_bytes = 0;
  size_t fan_in = 2;
  bool descending = false;
  std::optional<uint64_t> limit;
  std::string describe(uint64_t seed) const {
    return fmt::format("seed={} maps={} tasks={} budget={} fan_in={} desc={} limit={}", seed,
                       split_rows.size(), tasks, budget_bytes, fan_in, descending,
                       limit ? std::to_string(*limit) : "none");
  }
};

std::string map_path(const std::string& dir, size_t map_task) {
  return fmt::format("{}/map-{:05}.bin", dir, map_task);
}

// The map side: writes one sorted output per map task.
void write_map_outputs(const std::vector<Row>& rows, const Plan& plan, const std::string& dir,
                       const std::string& what) {
  size_t next = 0;
  for (size_t map_task = 0; map_task < plan.split_rows.size(); ++map_task) {
    SortMapSink sink(map_path(dir, map_task), 2, static_cast<uint32_t>(map_task), plan.budget_bytes,
                     plan.limit);
    OutputBatch batch;
    batch.column_count = 2;
    for (size_t i = 0; i < plan.split_rows[map_task]; ++i, ++next) {
      const Row& row = rows[next];
      const std::string text = row.value ? std::to_string(*row.value) : "";
      batch.clear();
      batch.column_count = 2;
      batch.row_count = 1;
      batch.fields = {text, row.payload};
      batch.nulls = {static_cast<uint8_t>(row.value ? 0 : 1), 0};
      std::string key;
      append_sort_key(key, expr::Type::kInt64, text, !row.value, plan.descending);
      const Status added = sink.add(key, batch, 0);
      ASSERT_TRUE(added.is_ok()) << what << " " << added.to_string();
    }
    auto stats = sink.finish();
    ASSERT_TRUE(stats.is_ok()) << what << " " << stats.status().to_string();
  }
  ASSERT_EQ(next, rows.size()) << what;
}

// The bucket side: the rows of range `task`, merged; `failed_origin` set on error.
Status read_range(const Plan& plan, const std::string& dir, uint32_t task, std::vector<Row>& out,
                  uint32_t& failed_origin) {
  std::vector<SortSample> samples;
  for (size_t map_task = 0; map_task < plan.split_rows.size(); ++map_task) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<FileSource> source,
                            FileSource::open(map_path(dir, map_task)));
    SLUICE_ASSIGN_OR_RETURN(SortedOutputFooter footer,
                            read_sorted_output_footer(*source, source->path(), false));
    for (SortSample& sample : footer.sample) samples.push_back(std::move(sample));
  }
  const KeyRange range = key_range_of_task(samples, plan.tasks, task);
  std::vector<std::unique_ptr<SortedRangeCursor>> cursors;
  for (size_t map_task = 0; map_task < plan.split_rows.size(); ++map_task) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<FileSource> source,
                            FileSource::open(map_path(dir, map_task)));
    SLUICE_ASSIGN_OR_RETURN(SortedOutputFooter footer,
                            read_sorted_output_footer(*source, source->path(), true));
    const std::string name = source->path();
    cursors.push_back(
        std::make_unique<SortedRangeCursor>(std::move(source), name, std::move(footer.blocks), 2,
                                            range.lo, range.hi, static_cast<uint32_t>(map_task)));
  }
  const uint64_t rows_max = plan.limit.value_or(UINT64_MAX);
  uint64_t rows = 0;
  return merge_sorted_ranges(
      std::move(cursors), 2, plan.fan_in, dir + "/merge-" + std::to_string(task),
      [&](const SortedRangeCursor& cursor, bool& stop) {
        if (rows == rows_max) {
          stop = true;
          return Status::ok();
        }
        rows++;
        const std::vector<FieldSpan>& spans = cursor.spans();
        Row row;
        if (!spans[0].null) {
          row.value = std::stoll(std::string(cursor.record() + spans[0].offset, spans[0].length));
        }
        row.payload.assign(cursor.record() + spans[1].offset, spans[1].length);
        out.push_back(std::move(row));
        return Status::ok();
      },
      failed_origin);
}

Plan random_plan(std::mt19937_64& random, size_t rows) {
  Plan plan;
  size_t left = rows;
  while (left > 0 || plan.split_rows.empty()) {
    const size_t take = std::min(left, static_cast<size_t>(random() % (rows / 2 + 2)));
    plan.split_rows.push_back(take);
    left -= take;
  }
  plan.tasks = static_cast<uint32_t>(1 + random() % 9);
  plan.budget_bytes = std::vector<uint64_t>{2 << 10, 16 << 10, 64 << 10, 4 << 20}[random() % 4];
  plan.fan_in = 2 + random() % 4;
  plan.descending = random() % 2 == 0;
  return plan;
}

void check_plan(const std::vector<Row>& rows, const Plan& plan, uint64_t seed,
                std::vector<std::vector<Row>>* ranges_out = nullptr) {
  const std::string what = plan.describe(seed);
  const std::string dir = ::testing::TempDir() + fmt::format("global-sort-{}", seed);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  write_map_outputs(rows, plan, dir, what);
  if (::testing::Test::HasFatalFailure()) return;
  std::vector<Row> merged;
  for (uint32_t task = 0; task < plan.tasks; ++task) {
    std::vector<Row> range;
    uint32_t failed_origin = 0;
    const Status status = read_range(plan, dir, task, range, failed_origin);
    ASSERT_TRUE(status.is_ok()) << what << " task=" << task << " " << status.to_string();
    merged.insert(merged.end(), range.begin(), range.end());
    if (ranges_out != nullptr) ranges_out->push_back(std::move(range));
  }
  std::vector<Row> expected = reference_sort(rows, plan.descending);
  if (plan.limit && expected.size() > *plan.limit) expected.resize(*plan.limit);
  ASSERT_EQ(merged.size(), expected.size()) << what;
  for (size_t i = 0; i < merged.size(); ++i) {
    ASSERT_EQ(merged[i], expected[i]) << what << " row=" << i;
  }
  // Merge passes and sort runs leave nothing behind but the map outputs.
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files++;
  }
  EXPECT_EQ(files, plan.split_rows.size()) << what;
  std::filesystem::remove_all(dir);
}

TEST(GlobalSort, RangesConcatenateToTheStableSortForEverySplitRangeCountAndBudget) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  for (int round = 0; round < 12; ++round) {
    const std::vector<Row> rows = random_rows(random, random() % 6000, random() % 3 == 0);
    check_plan(rows, random_plan(random, rows.size()), seed);
    if (HasFatalFailure()) return;
  }
}

TEST(GlobalSort, SplitsASkewedKeyAcrossRanges) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  std::vector<Row> rows;
  for (size_t i = 0; i < 20000; ++i) {
    rows.push_back(Row{i % 2 == 0 ? std::optional<int64_t>(7) : std::optional<int64_t>(i % 100),
                       fmt::format("row{}-{}", i, std::string(random() % 160, 'p'))});
  }
  // Ranges are cut at sampled block starts: each may be off by about a
  // block per map output and boundary, small beside 2 MB over 8 ranges.
  Plan plan;
  plan.split_rows = {10000, 10000};
  plan.tasks = 8;
  plan.budget_bytes = 64 << 10;
  plan.fan_in = 2;
  std::vector<std::vector<Row>> ranges;
  check_plan(rows, plan, seed, &ranges);
  if (HasFatalFailure()) return;
  size_t ranges_with_seven = 0, largest = 0;
  for (const std::vector<Row>& range : ranges) {
    largest = std::max(largest, range.size());
    if (std::any_of(range.begin(), range.end(), [](const Row& row) { return row.value == 7; })) {
      ranges_with_seven++;
    }
  }
  // Half the rows are 7: with 8 ranges of about an eighth each, 7 spans ~4.
  EXPECT_GE(ranges_with_seven, 3u) << plan.describe(seed);
  EXPECT_LE(largest, rows.size() / 4) << plan.describe(seed);
}

TEST(GlobalSort, LimitKeepsTheFirstRowsWithAndWithoutFallingBackToTheSorter) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  for (int round = 0; round < 8; ++round) {
    const std::vector<Row> rows = random_rows(random, 1 + random() % 4000, false);
    Plan plan = random_plan(random, rows.size());
    plan.tasks = 1;
    plan.limit = std::vector<uint64_t>{0, 1, 10, 5000}[random() % 4];
    check_plan(rows, plan, seed);
    if (HasFatalFailure()) return;
  }
  // 5000 rows do not fit in 2 KiB: the heap gives way to the sorter.
  SortMapSink sink(::testing::TempDir() + "limit-fallback.bin", 1, 0, 2 << 10, 5000);
  OutputBatch batch;
  batch.column_count = 1;
  batch.row_count = 1;
  batch.fields = {"value"};
  batch.nulls = {0};
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(sink.add("k", batch, 0).is_ok());
  EXPECT_TRUE(sink.fell_back_to_sorter());
  auto stats = sink.finish();
  ASSERT_TRUE(stats.is_ok()) << stats.status().to_string();
  EXPECT_EQ(stats->rows, 200u);
}

TEST(GlobalSort, ReportsADamagedBlockWithItsMapOutput) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  const std::vector<Row> rows = random_rows(random, 3000, false);
  Plan plan;
  plan.split_rows = {1000, 1000, 1000};
  plan.tasks = 1;
  plan.budget_bytes = 1 << 20;
  const std::string dir = ::testing::TempDir() + fmt::format("global-sort-damaged-{}", seed);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  write_map_outputs(rows, plan, dir, plan.describe(seed));
  if (HasFatalFailure()) return;
  {
    std::fstream file(map_path(dir, 1), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(100);
    file.put('\x5a');
  }
  std::vector<Row> out;
  uint32_t failed_origin = UINT32_MAX;
  const Status status = read_range(plan, dir, 0, out, failed_origin);
  EXPECT_EQ(status.code(), StatusCode::kDataError) << status.to_string();
  EXPECT_EQ(failed_origin, 1u);
  EXPECT_NE(status.message().find("map-00001.bin"), std::string::npos) << status.message();
  // A file cut short is refused by its trailer.
  std::filesystem::resize_file(map_path(dir, 2), 500);
  auto source = FileSource::open(map_path(dir, 2));
  ASSERT_TRUE(source.is_ok());
  auto footer = read_sorted_output_footer(*source.value(), "map-00002.bin", false);
  EXPECT_EQ(footer.status().code(), StatusCode::kDataError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice
