// The aggregate step within a job, done the distributed way
// (pipeline_aggregate_support.h): sort orders, the steps after the aggregate,
// W3, counters, and compile errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/job/job_file.h"
#include "common/pipeline/merge.h"
#include "common/pipeline/pipeline.h"
#include "common/spec/job_spec.h"
#include "tests/support/cluster.h"
#include "tests/unit/pipeline_aggregate_support.h"

namespace sluice {
namespace {

// --- sort ---------------------------------------------------------------------

TEST(Sort, OrdersByTypeWithNullsLastAndTiesByTheNextKey) {
  const std::vector<std::string> columns = {"g", "x"};
  JobSpec spec = job({aggregate_step({"g"}, {{"total", "sum(x)"}, {"rows", "count(*)"}}),
                      sort_step({{"total", true}, {"g", false}})},
                     {typed("x", "int64")});
  // Numeric order: 10 > 9 > 2 (as strings "9" > "2" > "10").
  Table result = run_partitioned(
      spec, columns, {{{"b", "9"}, {"a", "10"}, {"n", ""}, {"c", "2"}}, {{"d", "9"}, {"m", ""}}});
  EXPECT_EQ(result, (Table{{v("a"), v("10"), v("1")},
                           {v("b"), v("9"), v("1")},
                           {v("d"), v("9"), v("1")},
                           {v("c"), v("2"), v("1")},
                           {v("m"), kNull, v("1")},
                           {v("n"), kNull, v("1")}}));

  // Ascending: NULLs still last; strings bytewise.
  spec.steps[1] = sort_step({{"total", false}, {"g", true}});
  result = run_partitioned(
      spec, columns, {{{"b", "9"}, {"a", "10"}, {"n", ""}, {"c", "2"}}, {{"d", "9"}, {"m", ""}}});
  EXPECT_EQ(result, (Table{{v("c"), v("2"), v("1")},
                           {v("d"), v("9"), v("1")},
                           {v("b"), v("9"), v("1")},
                           {v("a"), v("10"), v("1")},
                           {v("n"), kNull, v("1")},
                           {v("m"), kNull, v("1")}}));
}

TEST(Sort, FullTiesAreDeterministicWhateverThePartitioning) {
  const std::vector<std::string> columns = {"g"};
  JobSpec spec = job({aggregate_step({"g"}, {{"rows", "count(*)"}}),
                      select_step({{"rows", "rows"}}), sort_step({{"rows", true}})});
  Table one = run_partitioned(spec, columns, {{{"z"}, {"a"}, {"m"}, {"a"}}});
  Table three = run_partitioned(spec, columns, {{{"m"}}, {{"a"}, {"z"}}, {{"a"}}});
  EXPECT_EQ(one, three);
  EXPECT_EQ(one, (Table{{v("2")}, {v("1")}, {v("1")}}));
}

TEST(Aggregate, StepsAfterTheAggregateSeeItsColumns) {
  const std::vector<std::string> columns = {"g", "x"};
  StepSpec filter;
  filter.kind = StepKind::kFilter;
  filter.expr = "total > 5 AND g <> 'skip'";
  filter.where = {"job.yaml", 7, "steps[1].filter"};
  StepSpec derive = select_step({{"double_total", "total * 2"}, {"label", "upper(g)"}});
  derive.kind = StepKind::kDerive;
  StepSpec drop;
  drop.kind = StepKind::kDrop;
  drop.columns = {"total"};
  JobSpec spec = job({aggregate_step({"g"}, {{"total", "sum(x)"}}), filter, derive, drop,
                      sort_step({{"double_total", false}})},
                     {typed("x", "int64")});
  std::vector<std::string> header;
  Table result = run_partitioned(
      spec, columns, {{{"a", "3"}, {"b", "7"}, {"skip", "9"}}, {{"a", "4"}, {"c", "1"}}}, &header);
  EXPECT_EQ(header, (std::vector<std::string>{"g", "double_total", "label"}));
  // a: (3 + 4) * 2, b: 7 * 2; the tie keeps the group key order.
  EXPECT_EQ(result, (Table{{v("a"), v("14"), v("A")}, {v("b"), v("14"), v("B")}}));
}

// --- W3 -------------------------------------------------------------------------

TEST(Aggregate, W3CountByStateAndCodeMatchesTheReference) {
  const std::vector<std::string> columns = {"Summons Number", "Registration State",
                                            "Violation Code"};
  JobSpec spec =
      job({aggregate_step({"Registration State", "Violation Code"}, {{"count", "count(*)"}}),
           select_step({{"registration_state", "\"Registration State\""},
                        {"violation_code", "\"Violation Code\""},
                        {"count", "\"count\""}}),
           sort_step({{"count", true}, {"registration_state", false}, {"violation_code", false}})});
  std::mt19937 random(7);
  const std::vector<std::string> states = {"NY", "NJ", "PA", "CT", "99", "FL", ""};
  const std::vector<std::string> codes = {"21", "38", "7", "14", "5", "40", "", "100"};
  std::vector<std::vector<std::string>> rows;
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  for (int i = 0; i < 3000; ++i) {
    const std::string& state = states[std::min<size_t>(random() % 10, states.size() - 1)];
    const std::string& code = codes[random() % codes.size()];
    rows.push_back({std::to_string(i), state, code});
    ++counts[{state, code}];
  }
  // reference.py: sorted(counts.items(), key=lambda item: (-item[1], item[0][0], item[0][1]))
  std::vector<std::pair<std::pair<std::string, std::string>, int64_t>> ordered(counts.begin(),
                                                                               counts.end());
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    if (a.second != b.second) return a.second > b.second;
    return a.first < b.first;
  });
  Table expected;
  for (const auto& [key, count] : ordered)
    expected.push_back({v(key.first), v(key.second), v(std::to_string(count))});

  std::vector<std::vector<std::vector<std::string>>> partitions(3);
  for (size_t i = 0; i < rows.size(); ++i)
    partitions[i < 1000 ? 0 : (i < 2200 ? 1 : 2)].push_back(rows[i]);
  std::vector<std::string> header;
  Table result = run_partitioned(spec, columns, partitions, &header);
  EXPECT_EQ(header, (std::vector<std::string>{"registration_state", "violation_code", "count"}));
  EXPECT_EQ(result, expected);
  auto compiled = Pipeline::compile(spec, columns);
  ASSERT_TRUE(compiled.is_ok());
  EXPECT_EQ((*compiled)->partial_columns(),
            (std::vector<std::string>{"Registration State", "Violation Code", "count"}));
}

TEST(Aggregate, W3JobFileCompilesToTheReferenceHeader) {
  const std::filesystem::path path =
      std::filesystem::path(testing::source_dir()) / "examples/w3-count-by-state-code.yaml";
  auto spec = load_job_spec(path.string());
  ASSERT_TRUE(spec.is_ok()) << spec.status().message();
  const std::vector<std::string> columns = {"Summons Number", "Registration State",
                                            "Violation Code"};
  auto header = aggregate_output_columns(*spec, columns);
  ASSERT_TRUE(header.is_ok()) << header.status().message();
  EXPECT_EQ(*header, (std::vector<std::string>{"registration_state", "violation_code", "count"}));
  Table result = run_partitioned(
      *spec, columns,
      {{{"1", "NY", "21"}, {"2", "NJ", "7"}}, {{"3", "NY", "21"}}, {{"4", "NJ", "14"}}});
  EXPECT_EQ(
      result,
      (Table{{v("NY"), v("21"), v("2")}, {v("NJ"), v("14"), v("1")}, {v("NJ"), v("7"), v("1")}}));
}

// --- counters --------------------------------------------------------------------

TEST(Aggregate, RowsReachingTheAggregateCountAsRowsOut) {
  const std::vector<std::string> columns = {"g", "x"};
  StepSpec filter;
  filter.kind = StepKind::kFilter;
  filter.expr = "x > 1";
  filter.where = {"job.yaml", 2, "steps[0].filter"};
  JobSpec spec =
      job({filter, aggregate_step({"g"}, {{"rows", "count(*)"}})}, {typed("x", "int32")});
  PipelineCounters counters;
  Table result = run_partitioned(spec, columns,
                                 {{{"a", "1"}, {"a", "2"}, {"a", "x"}}, {{"b", "5"}, {"a", "3"}}},
                                 nullptr, &counters);
  EXPECT_EQ(counters.rows_in, 5u);
  EXPECT_EQ(counters.rows_rejected, 1u);
  EXPECT_EQ(counters.rows_filtered, 1u);
  EXPECT_EQ(counters.rows_out, 3u);
  EXPECT_EQ(result, (Table{{v("a"), v("2")}, {v("b"), v("1")}}));
}

// --- compile errors ---------------------------------------------------------------

std::string compile_error(const JobSpec& spec, const std::vector<std::string>& columns) {
  auto compiled = Pipeline::compile(spec, columns);
  EXPECT_FALSE(compiled.is_ok());
  return compiled.is_ok() ? std::string() : compiled.status().message();
}

TEST(AggregateCompile, SortBeforeAnAggregateIsAnError) {
  // A sort without an aggregate is a global sort (exchange_global_sort_test);
  // an aggregate after it would lose its order.
  EXPECT_EQ(compile_error(job({sort_step({{"g", false}}, 4),
                               aggregate_step({"g"}, {{"rows", "count(*)"}}, 5)}),
                          {"g"}),
            "job.yaml:5: steps[0].aggregate: an aggregate or distinct after a sort or limit is "
            "not supported (its order would be lost); sort after the aggregate instead");
}

TEST(AggregateCompile, SortOfAnUnknownColumnIsAnError) {
  EXPECT_EQ(compile_error(
                job({aggregate_step({"g"}, {{"rows", "count(*)"}}), sort_step({{"g2", true}}, 8)}),
                {"g"}),
            "job.yaml:8: steps[2].sort: sort: unknown column \"g2\"");
}

TEST(AggregateCompile, UnknownByColumnIsAnError) {
  EXPECT_EQ(compile_error(job({aggregate_step({"Nope"}, {{"rows", "count(*)"}})}), {"g"}),
            "job.yaml:3: steps[0].aggregate.by: unknown column \"Nope\"");
}

TEST(AggregateCompile, NonAggregateExpressionIsAnError) {
  EXPECT_EQ(
      compile_error(job({aggregate_step({"g"}, {{"bad", "\"x\" + 1"}})}, {typed("x", "int64")}),
                    {"g", "x"}),
      "job.yaml:5: steps[0].aggregate.aggs.bad: an aggregate must be one of count(*), count(x), "
      "sum(x), "
      "min(x), max(x), avg(x), count_distinct(x)\n\"x\" + 1\n^");
  EXPECT_NE(compile_error(
                job({aggregate_step({"g"}, {{"bad", "sum(x) + sum(x)"}})}, {typed("x", "int64")}),
                {"g", "x"})
                .find("an aggregate must be one of"),
            std::string::npos);
}

TEST(AggregateCompile, UnknownAggregateFunctionIsAnError) {
  const std::string message =
      compile_error(job({aggregate_step({"g"}, {{"m", "median(x)"}})}), {"g", "x"});
  EXPECT_EQ(message.substr(0, message.find('\n')),
            "job.yaml:5: steps[0].aggregate.aggs.m: unknown aggregate function \"median\"; an "
            "aggregate must be one "
            "of count(*), count(x), sum(x), min(x), max(x), avg(x), count_distinct(x)");
}

TEST(AggregateCompile, ArgumentErrorsPointIntoTheWholeText) {
  const std::string message =
      compile_error(job({aggregate_step({"g"}, {{"m", "sum(nope)"}})}), {"g", "x"});
  EXPECT_NE(message.find("sum(nope)\n    ^"), std::string::npos) << message;
  EXPECT_NE(compile_error(job({aggregate_step({"g"}, {{"m", "sum(x)"}})}), {"g", "x"})
                .find("sum needs a number"),
            std::string::npos);
  EXPECT_NE(
      compile_error(job({aggregate_step({"g"}, {{"m", "min(*)"}})}), {"g", "x"}).find("min(*)"),
      std::string::npos);
}

TEST(AggregateCompile, DuplicateOutputNamesAndSecondAggregateAreErrors) {
  EXPECT_NE(
      compile_error(job({aggregate_step({"g"}, {{"g", "count(*)"}})}), {"g"}).find("appears twice"),
      std::string::npos);
  EXPECT_NE(compile_error(job({aggregate_step({"g"}, {{"rows", "count(*)"}}),
                               aggregate_step({"g"}, {{"n", "count(*)"}}, 7)}),
                          {"g"})
                .find("only one aggregate or distinct step"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice
