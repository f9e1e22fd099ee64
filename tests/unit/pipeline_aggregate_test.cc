// The aggregates, done the distributed way (pipeline_aggregate_support.h):
// every aggregate with NULLs, the CSV round trip of awkward keys, and a
// property test: any split into partitions gives the single-pass result.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/pipeline/pipeline.h"
#include "tests/unit/pipeline_aggregate_support.h"

namespace sluice {
namespace {

// --- every aggregate, with NULLs ------------------------------------------------

TEST(Aggregate, EveryAggregateHandlesNulls) {
  const std::vector<std::string> columns = {"g", "x", "f", "s"};
  JobSpec spec = job({aggregate_step({"g"}, {{"rows", "count(*)"},
                                             {"xs", "count(x)"},
                                             {"sum_x", "sum(x)"},
                                             {"sum_f", "sum(f)"},
                                             {"min_s", "min(s)"},
                                             {"max_s", "max(s)"},
                                             {"min_x", "min(x)"},
                                             {"max_f", "max(f)"},
                                             {"avg_x", "avg(x)"},
                                             {"avg_f", "avg(f)"},
                                             {"distinct_s", "count_distinct(s)"}})},
                     {typed("x", "int64"), typed("f", "float64")});
  spec.input.null_values = {"NA"};
  // Group "a": values with NULLs in between; group "b": only NULLs.
  std::vector<std::vector<std::string>> part1 = {
      {"a", "1", "1.5", "pear"}, {"a", "", "", "NA"}, {"b", "", "", "NA"}};
  std::vector<std::vector<std::string>> part2 = {{"a", "-4", "2", "apple"},
                                                 {"a", "10", "", "pear"}};
  Table result = run_partitioned(spec, columns, {part1, part2});
  Table expected = {
      {v("a"), v("4"), v("3"), v("7"), v("3.5"), v("apple"), v("pear"), v("-4"), v("2"),
       v("2.3333333333333335"), v("1.75"), v("2")},
      {v("b"), v("1"), v("0"), kNull, kNull, kNull, kNull, kNull, kNull, kNull, kNull, v("0")},
  };
  EXPECT_EQ(result, expected);
}

TEST(Aggregate, AvgMergesSumsAndCountsNotAverages) {
  const std::vector<std::string> columns = {"g", "x"};
  JobSpec spec = job({aggregate_step({"g"}, {{"mean", "avg(x)"}})}, {typed("x", "int64")});
  auto compiled = Pipeline::compile(spec, columns);
  ASSERT_TRUE(compiled.is_ok());
  EXPECT_EQ((*compiled)->partial_columns(),
            (std::vector<std::string>{"g", "__sum_mean", "__count_mean"}));
  // avg of partition averages would be (2 + 10) / 2 = 6; the right answer is 16 / 4 = 4.
  Table result =
      run_partitioned(spec, columns, {{{"k", "1"}, {"k", "2"}, {"k", "3"}}, {{"k", "10"}}, {}});
  EXPECT_EQ(result, (Table{{v("k"), v("4")}}));
}

TEST(Aggregate, CountDistinctIsExactAcrossPartitions) {
  const std::vector<std::string> columns = {"g", "s"};
  JobSpec spec =
      job({aggregate_step({"g"}, {{"n", "count_distinct(s)"}, {"m", "count_distinct(upper(s))"}})});
  Table result = run_partitioned(spec, columns,
                                 {{{"a", "x"}, {"a", "y"}, {"a", "x,\"q\"\n"}},
                                  {{"a", "y"}, {"a", "X"}, {"b", ""}},
                                  {{"a", "x,\"q\"\n"}, {"b", ""}, {"b", "1:2"}}});
  EXPECT_EQ(result, (Table{{v("a"), v("4"), v("3")}, {v("b"), v("2"), v("2")}}));
}

TEST(Aggregate, LargeDistinctSetsContinueOnMoreRows) {
  const std::vector<std::string> columns = {"g", "s"};
  JobSpec spec = job({aggregate_step({"g"}, {{"rows", "count(*)"}, {"n", "count_distinct(s)"}})});
  std::vector<std::vector<std::string>> part1, part2;
  for (int i = 0; i < 150000; ++i) {
    (i % 2 ? part1 : part2)
        .push_back({"a", "value-with-a-longer-prefix-" + std::to_string(i % 120000)});
  }
  auto compiled = Pipeline::compile(spec, columns);
  ASSERT_TRUE(compiled.is_ok());
  Rows rows(2, part1);
  OutputBatch output, partial;
  std::vector<RejectedRecord> rejects;
  PipelineCounters counters;
  ASSERT_TRUE((*compiled)->process(rows.batch, output, rejects, counters).is_ok());
  ASSERT_TRUE((*compiled)->finish_partial(partial).is_ok());
  EXPECT_GT(partial.row_count, 1u);     // > 1 MiB of distinct values: continuation rows
  EXPECT_EQ(partial.field(1, 1), "0");  // neutral count on the continuation
  Table result = run_partitioned(spec, columns, {part1, part2});
  EXPECT_EQ(result, (Table{{v("a"), v("150000"), v("120000")}}));
}

TEST(Aggregate, SumOfIntsThatOverflowsIsNull) {
  const std::vector<std::string> columns = {"g", "x"};
  JobSpec spec = job({aggregate_step({"g"}, {{"total", "sum(x)"}})}, {typed("x", "int64")});
  Table result = run_partitioned(
      spec, columns,
      {{{"big", "9223372036854775807"}, {"back", "9223372036854775807"}},
       {{"big", "1"}, {"back", "9223372036854775807"}, {"back", "-9223372036854775807"}}});
  // "back" overflows inside a partition and comes back in range after the merge.
  EXPECT_EQ(result, (Table{{v("back"), v("9223372036854775807")}, {v("big"), kNull}}));
}

// --- keys through the CSV partials -------------------------------------------

TEST(Aggregate, NullAndEmptyGroupKeysStayApartThroughCsv) {
  const std::vector<std::string> columns = {"s", "n"};
  JobSpec spec = job({aggregate_step({"s", "n"}, {{"rows", "count(*)"}})}, {typed("n", "int64")});
  spec.input.null_values = {"NA"};
  Table result = run_partitioned(
      spec, columns,
      {{{"", ""}, {"NA", ""}, {"NA", "0"}, {"", "0"}}, {{"NA", ""}, {"=", ""}, {"", "-1"}}});
  // Group key order: NULL first, then values (numbers numerically).
  EXPECT_EQ(result, (Table{{kNull, kNull, v("2")},
                           {kNull, v("0"), v("1")},
                           {v(""), kNull, v("1")},
                           {v(""), v("-1"), v("1")},
                           {v(""), v("0"), v("1")},
                           {v("="), kNull, v("1")}}));
}

TEST(Aggregate, KeysWithCommasQuotesAndNewlinesRoundTrip) {
  const std::vector<std::string> columns = {"k"};
  JobSpec spec = job({aggregate_step({"k"}, {{"rows", "count(*)"}, {"first", "min(k)"}})});
  const std::vector<std::string> keys = {"a,b", "say \"hi\"", "line\nbreak", "cr\r\nlf",
                                         "\"",  ",",          " x ",         "é€"};
  std::vector<std::vector<std::string>> part1, part2;
  for (size_t i = 0; i < keys.size(); ++i) {
    part1.push_back({keys[i]});
    if (i % 2 == 0) part2.push_back({keys[i]});
  }
  Table result = run_partitioned(spec, columns, {part1, part2});
  std::set<std::string> sorted(keys.begin(), keys.end());
  Table expected;
  size_t i = 0;
  for (const std::string& key : sorted) {
    const size_t index = std::find(keys.begin(), keys.end(), key) - keys.begin();
    expected.push_back({v(key), v(index % 2 == 0 ? "2" : "1"), v(key)});
    ++i;
  }
  EXPECT_EQ(result, expected);
}

TEST(Aggregate, TypedKeysKeepTheirType) {
  const std::vector<std::string> columns = {"d", "f", "b"};
  JobSpec spec =
      job({aggregate_step({"d", "f", "b"}, {{"rows", "count(*)"}, {"latest", "max(d)"}})},
          {typed("d", "date"), typed("f", "float64"), typed("b", "bool")});
  spec.schema->columns[0].format = "%Y-%m-%d";
  Table result = run_partitioned(spec, columns,
                                 {{{"2018-01-02", "0.1", "true"}, {"2017-12-31", "-0", "false"}},
                                  {{"2018-01-02", "0.1", "yes"}, {"2017-12-31", "0", "no"}}});
  EXPECT_EQ(result, (Table{{v("2017-12-31"), v("0"), v("false"), v("2"), v("2017-12-31")},
                           {v("2018-01-02"), v("0.1"), v("true"), v("2"), v("2018-01-02")}}));
}

// --- property: any partitioning gives the single-pass answer ----------------------

uint32_t test_seed() {
  if (const char* text = std::getenv("SLUICE_SEED"))
    return static_cast<uint32_t>(std::strtoul(text, nullptr, 10));
  return std::random_device()();
}

// The aggregates computed naively over all rows, rendered as merge_partials does.
Table naive(const std::vector<std::vector<std::string>>& rows) {
  struct Group {
    int64_t rows = 0, xs = 0, sum_x = 0;
    double sum_f = 0;
    int64_t fs = 0;
    std::optional<std::string> min_s, max_s;
    std::set<std::string> distinct_s;
  };
  auto cell = [](const std::string& text) { return text == "NA" ? Cell() : Cell(text); };
  std::map<std::pair<Cell, std::optional<int64_t>>, Group> groups;
  for (const auto& row : rows) {
    std::optional<int64_t> k2;
    if (!row[1].empty()) k2 = std::stoll(row[1]);
    Group& group = groups[{cell(row[0]), k2}];
    ++group.rows;
    if (!row[2].empty()) {
      ++group.xs;
      group.sum_x += std::stoll(row[2]);
    }
    if (!row[3].empty()) {
      ++group.fs;
      group.sum_f += std::stod(row[3]);
    }
    if (Cell s = cell(row[4])) {
      if (!group.min_s || *s < *group.min_s) group.min_s = s;
      if (!group.max_s || *s > *group.max_s) group.max_s = s;
      group.distinct_s.insert(*s);
    }
  }
  auto number = [](double value) {
    char buffer[64];
    auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    return std::string(buffer, end);
  };
  Table table;
  for (const auto& [key, group] : groups) {
    table.push_back({key.first, key.second ? v(std::to_string(*key.second)) : kNull,
                     v(std::to_string(group.rows)), v(std::to_string(group.xs)),
                     group.xs ? v(std::to_string(group.sum_x)) : kNull,
                     group.fs ? v(number(group.sum_f)) : kNull, group.min_s, group.max_s,
                     group.xs ? v(number(static_cast<double>(group.sum_x) / group.xs)) : kNull,
                     v(std::to_string(group.distinct_s.size()))});
  }
  std::sort(table.begin(), table.end());
  return table;
}

TEST(AggregateProperty, AnyPartitioningGivesTheSinglePassResult) {
  const uint32_t seed = test_seed();
  std::cout << "SLUICE_SEED=" << seed << "\n";
  std::mt19937 random(seed);
  const std::vector<std::string> columns = {"k1", "k2", "x", "f", "s"};
  JobSpec spec = job({aggregate_step({"k1", "k2"}, {{"rows", "count(*)"},
                                                    {"xs", "count(x)"},
                                                    {"sum_x", "sum(x)"},
                                                    {"sum_f", "sum(f)"},
                                                    {"min_s", "min(s)"},
                                                    {"max_s", "max(s)"},
                                                    {"avg_x", "avg(x)"},
                                                    {"distinct_s", "count_distinct(s)"}})},
                     {typed("k2", "int64"), typed("x", "int64"), typed("f", "float64")});
  spec.input.null_values = {"NA"};
  const std::vector<std::string> strings = {"", "NA", "a", "b,c", "\"q\"", "line\nx", "é", "A"};
  for (int iteration = 0; iteration < 40; ++iteration) {
    SCOPED_TRACE("SLUICE_SEED=" + std::to_string(seed) + " iteration=" + std::to_string(iteration));
    std::vector<std::vector<std::string>> rows;
    const size_t row_count = random() % 200;
    auto maybe = [&](std::string text) { return random() % 5 == 0 ? std::string() : text; };
    for (size_t i = 0; i < row_count; ++i) {
      rows.push_back({strings[random() % strings.size()],
                      maybe(std::to_string(static_cast<int>(random() % 5) - 2)),
                      maybe(std::to_string(static_cast<int64_t>(random() % 2001) - 1000)),
                      maybe(std::to_string((static_cast<int>(random() % 41) - 20) * 0.5)),
                      strings[random() % strings.size()]});
    }
    const Table single = run_partitioned(spec, columns, {rows});
    // A random split into 1..6 partitions, some possibly empty.
    std::vector<std::vector<std::vector<std::string>>> partitions(1 + random() % 6);
    size_t begin = 0;
    for (size_t p = 0; p < partitions.size(); ++p) {
      const size_t end =
          p + 1 == partitions.size() ? rows.size() : begin + random() % (rows.size() - begin + 1);
      partitions[p].assign(rows.begin() + begin, rows.begin() + end);
      begin = end;
    }
    const Table split = run_partitioned(spec, columns, partitions);
    ASSERT_EQ(split, single);  // same rows, same order
    Table sorted = split;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(sorted, naive(rows));
  }
}

}  // namespace
}  // namespace sluice
