// The aggregate and sort steps, done the distributed way: every partition's
// Pipeline folds its rows and writes partial states (finish_partial), the
// partials go through CSV files, merge_partials merges them and runs the
// steps after the aggregate. Covers every aggregate with NULLs, the CSV round
// trip of awkward keys, sort orders, W3, compile errors, and a property test:
// any split into partitions gives the single-pass result.
#include <gtest/gtest.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/pipeline/merge.h"
#include "common/pipeline/pipeline.h"
#include "tests/support/batch_rows.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

using Cell = std::optional<std::string>;  // nullopt: NULL
using Table = std::vector<std::vector<Cell>>;

using Rows = testing::BatchRows;

// RFC 4180, minimal quoting, NULL as an empty field: as sluice's CSV writer.
std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void write_csv(const std::string& path, const std::vector<std::string>& header,
               const OutputBatch& batch) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (size_t c = 0; c < header.size(); ++c) out << (c ? "," : "") << csv_field(header[c]);
  out << "\n";
  for (size_t r = 0; r < batch.row_count; ++r) {
    for (size_t c = 0; c < batch.column_count; ++c) {
      out << (c ? "," : "") << (batch.is_null(r, c) ? std::string() : csv_field(batch.field(r, c)));
    }
    out << "\n";
  }
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/sluice-aggregate-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs `spec` the distributed way: one Pipeline per partition, partials
// written as CSV, merged. Returns the final rows (and the header in `header`).
Table run_partitioned(const JobSpec& spec, const std::vector<std::string>& columns,
                      const std::vector<std::vector<std::vector<std::string>>>& partitions,
                      std::vector<std::string>* header = nullptr,
                      PipelineCounters* total = nullptr) {
  TempDir dir;
  std::vector<std::string> paths;
  for (size_t p = 0; p < partitions.size(); ++p) {
    auto compiled = Pipeline::compile(spec, columns);
    EXPECT_TRUE(compiled.is_ok()) << compiled.status().message();
    if (!compiled.is_ok()) return {};
    Pipeline& pipeline = **compiled;
    EXPECT_TRUE(pipeline.has_aggregate());
    Rows rows(columns.size(), partitions[p]);
    OutputBatch output;
    std::vector<RejectedRecord> rejects;
    PipelineCounters counters;
    EXPECT_TRUE(pipeline.process(rows.batch, output, rejects, counters).is_ok());
    EXPECT_EQ(output.row_count, 0u);
    EXPECT_EQ(counters.rows_in,
              counters.rows_out + counters.rows_filtered + counters.rows_rejected);
    if (total != nullptr) {
      total->rows_in += counters.rows_in;
      total->rows_out += counters.rows_out;
      total->rows_filtered += counters.rows_filtered;
      total->rows_rejected += counters.rows_rejected;
    }
    OutputBatch partial;
    EXPECT_TRUE(pipeline.finish_partial(partial).is_ok());
    EXPECT_EQ(partial.column_count, pipeline.partial_columns().size());
    paths.push_back(dir.file("part-" + std::to_string(p) + ".csv"));
    write_csv(paths.back(), pipeline.partial_columns(), partial);
  }
  Table result;
  size_t width = 0;
  Status status = merge_partials(spec, columns, paths, [&](const OutputBatch& batch) {
    width = batch.column_count;
    for (size_t r = 0; r < batch.row_count; ++r) {
      std::vector<Cell> row;
      for (size_t c = 0; c < batch.column_count; ++c) {
        row.push_back(batch.is_null(r, c) ? Cell() : Cell(std::string(batch.field(r, c))));
      }
      result.push_back(std::move(row));
    }
    return Status::ok();
  });
  EXPECT_TRUE(status.is_ok()) << status.message();
  auto output_columns = aggregate_output_columns(spec, columns);
  EXPECT_TRUE(output_columns.is_ok());
  if (!result.empty()) {
    EXPECT_EQ(width, output_columns->size());
  }
  if (header != nullptr) *header = *output_columns;
  return result;
}

StepSpec aggregate_step(std::vector<std::string> by,
                        std::vector<std::pair<std::string, std::string>> aggs, int line = 3) {
  StepSpec step;
  step.kind = StepKind::kAggregate;
  step.where = {"job.yaml", line, "steps[0].aggregate"};
  step.aggregate.by = std::move(by);
  for (auto& [name, expr] : aggs) {
    NamedExpr named;
    named.name = name;
    named.expr = expr;
    named.where = {"job.yaml", line + 2, "steps[0].aggregate.aggs." + name};
    step.aggregate.aggs.push_back(std::move(named));
  }
  return step;
}

StepSpec sort_step(std::vector<SortKey> keys, int line = 9) {
  StepSpec step;
  step.kind = StepKind::kSort;
  step.where = {"job.yaml", line, "steps[2].sort"};
  step.sort = std::move(keys);
  return step;
}

StepSpec select_step(std::vector<std::pair<std::string, std::string>> exprs, int line = 6) {
  StepSpec step;
  step.kind = StepKind::kSelect;
  step.where = {"job.yaml", line, "steps[1].select"};
  for (auto& [name, expr] : exprs) {
    NamedExpr named;
    named.name = name;
    named.expr = expr;
    step.exprs.push_back(std::move(named));
  }
  return step;
}

ColumnRule typed(std::string name, std::string type) {
  ColumnRule rule;
  rule.name = std::move(name);
  rule.type = std::move(type);
  return rule;
}

JobSpec job(std::vector<StepSpec> steps, std::vector<ColumnRule> schema = {}) {
  JobSpec spec;
  spec.source_file = "job.yaml";
  spec.steps = std::move(steps);
  if (!schema.empty()) spec.schema = SchemaSpec{false, std::move(schema)};
  return spec;
}

Cell v(std::string text) { return Cell(std::move(text)); }
const Cell kNull;

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

TEST(AggregateCompile, SortWithoutAnAggregateIsAnError) {
  EXPECT_EQ(compile_error(job({sort_step({{"g", false}}, 4)}), {"g"}),
            "job.yaml:4: steps[2].sort: sort is allowed only after an aggregate step (it sorts the "
            "merged, small "
            "result)");
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
                .find("only one aggregate step"),
            std::string::npos);
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
