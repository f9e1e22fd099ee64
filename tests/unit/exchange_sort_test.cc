// The external sort (common/exchange/external_sort.h; its keys are in
// exchange_sort_key_test): the sorter, under budgets from 1 byte up, emits exactly what
// std::stable_sort by key gives and leaves no file behind; sorted-rows files
// merge to the stable sort of their concatenation, and a damaged one is
// refused naming it. Randomized; the seed is printed. Replay with
// SLUICE_SEED=<seed>.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/base/hash.h"
#include "common/base/limits.h"
#include "common/exchange/external_sort.h"
#include "common/exchange/sort_key.h"
#include "common/expr/datetime.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

using expr::Type;

using testing::test_seed;  // $SLUICE_SEED or the clock; printed

// memcmp order: -1, 0, 1.
int compare_bytes(std::string_view a, std::string_view b) {
  const int order = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (order != 0) return order < 0 ? -1 : 1;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

struct TestRow {
  std::string key;
  std::vector<std::optional<std::string>> fields;  // nullopt: NULL
  bool operator==(const TestRow&) const = default;
};

std::string random_bytes(std::mt19937_64& random, size_t length_max) {
  static const char kAlphabet[] = {'\0', 'a', 'b', ',', '\n', '\xff'};
  std::string text;
  const size_t length = random() % (length_max + 1);
  for (size_t i = 0; i < length; ++i) text.push_back(kAlphabet[random() % sizeof kAlphabet]);
  return text;
}

// Rows whose first field is their number (so equal keys show their order).
std::vector<TestRow> random_rows(std::mt19937_64& random, size_t count, size_t columns,
                                 const std::string& tag) {
  std::vector<std::string> key_pool;
  const size_t distinct = std::vector<size_t>{1, 3, 50, 100000}[random() % 4];
  for (size_t i = 0; i < std::min<size_t>(distinct, count + 1); ++i) {
    key_pool.push_back(random_bytes(random, 6));
  }
  std::vector<TestRow> rows;
  for (size_t i = 0; i < count; ++i) {
    TestRow row;
    row.key = key_pool[random() % key_pool.size()];
    row.fields.push_back(tag + std::to_string(i));
    for (size_t column = 1; column < columns; ++column) {
      if (random() % 10 == 0) {
        row.fields.push_back(std::nullopt);
      } else if (random() % 300 == 0) {
        row.fields.push_back(std::string(20000 + random() % 50000, 'L'));  // past a read buffer
      } else {
        row.fields.push_back(random_bytes(random, 8));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

OutputBatch to_batch(const std::vector<TestRow>& rows, size_t begin, size_t end, size_t columns) {
  OutputBatch batch;
  batch.column_count = columns;
  for (size_t i = begin; i < end; ++i) {
    for (const auto& cell : rows[i].fields) {
      batch.owned.push_back(cell.value_or("garbage under a NULL"));
      batch.fields.push_back(batch.owned.back());
      batch.nulls.push_back(cell.has_value() ? 0 : 1);
    }
    batch.row_count++;
  }
  return batch;
}

// Adds the rows in batches of random sizes.
void add_rows(ExternalSorter& sorter, const std::vector<TestRow>& rows, size_t columns,
              std::mt19937_64& random, uint64_t seed) {
  for (size_t begin = 0; begin < rows.size();) {
    const size_t end = std::min(rows.size(), begin + 1 + random() % 500);
    const OutputBatch batch = to_batch(rows, begin, end, columns);
    for (size_t row = 0; row < batch.row_count; ++row) {
      const Status status = sorter.add(rows[begin + row].key, batch, row);
      ASSERT_TRUE(status.is_ok()) << "seed=" << seed << " " << status.to_string();
    }
    begin = end;
  }
}

// Collects emitted rows (without keys) and checks each batch's shape.
struct Collector {
  size_t columns;
  uint64_t seed;
  std::vector<TestRow> rows;
  size_t batches = 0;

  std::function<Status(const OutputBatch&)> emit() {
    return [this](const OutputBatch& batch) {
      EXPECT_EQ(batch.column_count, columns) << "seed=" << seed;
      EXPECT_GT(batch.row_count, 0u) << "seed=" << seed;
      EXPECT_LE(batch.row_count, limits::kBatchRowsMax) << "seed=" << seed;
      batches++;
      for (size_t row = 0; row < batch.row_count; ++row) {
        TestRow out;
        for (size_t column = 0; column < columns; ++column) {
          if (batch.is_null(row, column)) {
            out.fields.push_back(std::nullopt);
          } else {
            out.fields.emplace_back(std::string(batch.field(row, column)));
          }
        }
        rows.push_back(std::move(out));
      }
      return Status::ok();
    };
  }
};

// The rows stably sorted by key, keys dropped (the sorter emits fields only).
std::vector<TestRow> expected_order(std::vector<TestRow> rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const TestRow& a, const TestRow& b) {
    return compare_bytes(a.key, b.key) < 0;
  });
  for (TestRow& row : rows) row.key.clear();
  return rows;
}

size_t files_in(const std::string& dir) {
  if (!std::filesystem::exists(dir)) return 0;
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir),
                                           std::filesystem::directory_iterator()));
}

// The first row where two row lists differ, for a readable failure.
std::string first_difference(const std::vector<TestRow>& got, const std::vector<TestRow>& want) {
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    if (!(got[i] == want[i])) {
      return fmt::format("row {}: got #{} want #{}", i, got[i].fields[0].value_or("NULL"),
                         want[i].fields[0].value_or("NULL"));
    }
  }
  return fmt::format("got {} rows, want {}", got.size(), want.size());
}

TEST(ExternalSorter, EmitsTheStableSortByKeyUnderEveryBudget) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  testing::TempDir dir;
  const std::string spill_dir = dir / "spill";
  struct Case {
    uint64_t budget_bytes;
    size_t rows;
  };
  // Budget 1: a run per row (and 260 runs: a merge pass); 9000 rows: batches split.
  const Case kCases[] = {{1, 260},       {1, 1},          {64, 700},    {1000, 2000},
                         {20'000, 9000}, {200'000, 3000}, {1 << 20, 0}, {1ull << 30, 9000},
                         {1ull << 30, 1}};
  for (const Case& test_case : kCases) {
    const size_t columns = 1 + random() % 4;
    const std::vector<TestRow> rows = random_rows(random, test_case.rows, columns, "r");
    const std::string what = fmt::format("seed={} budget={} rows={} columns={}", seed,
                                         test_case.budget_bytes, test_case.rows, columns);
    Collector collector{columns, seed, {}, 0};
    {
      ExternalSorter sorter(columns, test_case.budget_bytes, spill_dir);
      add_rows(sorter, rows, columns, random, seed);
      if (test_case.budget_bytes < 2000 && test_case.rows > 1) {
        EXPECT_GT(sorter.runs_spilled(), 0u) << what;
        EXPECT_GT(files_in(spill_dir), 0u) << what;
      }
      if (test_case.budget_bytes == 1) {
        EXPECT_EQ(sorter.runs_spilled(), test_case.rows - 1) << what;  // the last is held
      }
      const Status status = sorter.finish(collector.emit());
      ASSERT_TRUE(status.is_ok()) << what << " " << status.to_string();
      EXPECT_EQ(files_in(spill_dir), 0u) << what << ": run files left after finish";
      EXPECT_FALSE(sorter.finish(collector.emit()).is_ok()) << what << ": finished twice";
    }
    const std::vector<TestRow> want = expected_order(rows);
    ASSERT_TRUE(collector.rows == want) << what << " " << first_difference(collector.rows, want);
    EXPECT_EQ(collector.batches, (rows.size() + limits::kBatchRowsMax - 1) / limits::kBatchRowsMax)
        << what;
  }
}

TEST(ExternalSorter, DestructorRemovesRunFilesWhenNotFinished) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  testing::TempDir dir;
  const std::string spill_dir = dir / "spill";
  const std::vector<TestRow> rows = random_rows(random, 300, 2, "r");
  {
    ExternalSorter first(2, 1, spill_dir);
    ExternalSorter second(2, 500, spill_dir);  // sharing the directory
    add_rows(first, rows, 2, random, seed);
    add_rows(second, rows, 2, random, seed);
    EXPECT_EQ(files_in(spill_dir), first.runs_spilled() + second.runs_spilled()) << "seed=" << seed;
    EXPECT_GT(second.runs_spilled(), 0u) << "seed=" << seed;
  }
  EXPECT_EQ(files_in(spill_dir), 0u) << "seed=" << seed;
}

TEST(ExternalSorter, RefusesARowOfAnotherWidth) {
  testing::TempDir dir;
  ExternalSorter sorter(2, 1000, dir / "spill");
  const std::vector<TestRow> rows = {TestRow{"k", {"a", "b", "c"}}};
  const Status status = sorter.add("k", to_batch(rows, 0, 1, 3), 0);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.to_string();
}

using testing::read_file;
using testing::write_file;

// Sorted-rows files of several sorters, and their concatenation in file order.
struct SortedFiles {
  std::vector<std::string> paths;
  std::vector<TestRow> concatenated;
};

SortedFiles write_sorted_files(const testing::TempDir& dir, size_t count, size_t columns,
                               std::mt19937_64& random, uint64_t seed) {
  SortedFiles files;
  for (size_t i = 0; i < count; ++i) {
    const size_t row_count = random() % 4 == 0 ? random() % 3 : random() % 3000;
    const std::vector<TestRow> rows =
        random_rows(random, row_count, columns, fmt::format("f{}-", i));
    const uint64_t budget = std::vector<uint64_t>{1, 300, 5000, 1 << 20}[random() % 4];
    ExternalSorter sorter(columns, budget, dir / "spill");
    add_rows(sorter, rows, columns, random, seed);
    const std::string path = dir / fmt::format("sorted/part-{}", i);
    Result<WriteStats> stats = sorter.finish_to_file(path);
    EXPECT_TRUE(stats.is_ok()) << "seed=" << seed << " " << stats.status().to_string();
    if (!stats.is_ok()) return files;
    const std::string bytes = read_file(path);
    EXPECT_EQ(stats->rows, rows.size()) << "seed=" << seed;
    EXPECT_EQ(stats->bytes, bytes.size()) << "seed=" << seed;
    EXPECT_EQ(stats->checksum, hash64(bytes)) << "seed=" << seed;
    files.paths.push_back(path);
    files.concatenated.insert(files.concatenated.end(), rows.begin(), rows.end());
  }
  EXPECT_EQ(files_in(dir / "spill"), 0u) << "seed=" << seed;
  return files;
}

TEST(MergeSortedFiles, MergesToTheStableSortOfTheFilesInOrder) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  for (int trial = 0; trial < 4; ++trial) {
    testing::TempDir dir;
    const size_t columns = 1 + random() % 3;
    const size_t count = 1 + random() % 5;
    const SortedFiles files = write_sorted_files(dir, count, columns, random, seed);
    ASSERT_EQ(files.paths.size(), count) << "seed=" << seed;
    Collector collector{columns, seed, {}, 0};
    const Status status = merge_sorted_files(files.paths, columns, collector.emit());
    ASSERT_TRUE(status.is_ok()) << "seed=" << seed << " " << status.to_string();
    const std::vector<TestRow> want = expected_order(files.concatenated);
    ASSERT_TRUE(collector.rows == want)
        << "seed=" << seed << " trial=" << trial << " " << first_difference(collector.rows, want);
  }
}

TEST(MergeSortedFiles, RefusesATruncatedOrDamagedFileNamingIt) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  testing::TempDir dir;
  const SortedFiles files = write_sorted_files(dir, 2, 2, random, seed);
  ASSERT_EQ(files.paths.size(), 2u);
  const std::string good = read_file(files.paths[1]);
  const std::string damaged = dir / "damaged";
  const auto expect_refused = [&](const std::string& bytes, const std::string& what) {
    write_file(damaged, bytes);
    size_t rows_emitted = 0;
    const Status status =
        merge_sorted_files({files.paths[0], damaged}, 2, [&](const OutputBatch& batch) {
          rows_emitted += batch.row_count;
          return Status::ok();
        });
    EXPECT_EQ(status.code(), StatusCode::kDataError)
        << "seed=" << seed << " " << what << " " << status.to_string();
    EXPECT_NE(status.message().find(damaged), std::string::npos)
        << "seed=" << seed << " " << what << " " << status.message();
    EXPECT_EQ(rows_emitted, 0u) << "seed=" << seed << " " << what;
  };
  for (int i = 0; i < 20; ++i) {
    const size_t length = i == 0 ? 0 : i == 1 ? good.size() - 1 : random() % good.size();
    expect_refused(good.substr(0, length),
                   fmt::format("truncated to {} of {}", length, good.size()));
  }
  for (int i = 0; i < 40; ++i) {
    // Every byte of the trailer (the last 32) once in a while, else anywhere.
    const size_t at = i < 4   ? good.size() - 1 - static_cast<size_t>(i) * 8
                      : i % 3 ? random() % good.size()
                              : good.size() - 1 - random() % 32;
    std::string bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ (1 + random() % 255));
    expect_refused(bytes, fmt::format("byte {} of {} flipped", at, good.size()));
  }
  expect_refused(good + "x", "a byte appended");
  const Status missing =
      merge_sorted_files({dir / "missing"}, 2, [](const OutputBatch&) { return Status::ok(); });
  EXPECT_FALSE(missing.is_ok());
  EXPECT_NE(missing.message().find(dir / "missing"), std::string::npos) << missing.message();
}

}  // namespace
}  // namespace sluice
