// The pipeline on hand-built batches: the W1 and W2 workloads, the schema
// gate (reject and fail), compile errors with the job file's location, the
// counters, and projected batches.
#include "common/pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/batch_rows.h"

namespace sluice {
namespace {

const std::vector<std::string> kColumns = {
    "Summons Number", "Registration State", "Vehicle Make",
    "Issuing Agency", "House Number",       "Street Name",
    "Violation Code", "Issue Date",         "Vehicle Expiration Date"};

// Rows of kColumns that own the text their RecordBatch views.
struct Rows : testing::BatchRows {
  explicit Rows(std::vector<std::vector<std::string>> rows)
      : BatchRows(kColumns.size(), std::move(rows), 100) {}
};

std::vector<std::string> row(std::string state, std::string make, std::string agency,
                             std::string house = "1", std::string street = "MAIN ST",
                             std::string code = "21", std::string issue = "2017-06-14T00:00:00.000",
                             std::string expiration = "20180630") {
  return {"1", state, make, agency, house, street, code, issue, expiration};
}

StepSpec filter(std::string expr, int line = 5) {
  StepSpec step;
  step.kind = StepKind::kFilter;
  step.expr = std::move(expr);
  step.where = {"job.yaml", line, "steps[0].filter"};
  return step;
}

StepSpec named_step(StepKind kind, std::vector<std::pair<std::string, std::string>> exprs,
                    std::string key, int line = 7) {
  StepSpec step;
  step.kind = kind;
  step.where = {"job.yaml", line, key};
  for (auto& [name, expr] : exprs) {
    NamedExpr named;
    named.name = name;
    named.expr = expr;
    named.where = {"job.yaml", line + 1, key + "." + name};
    step.exprs.push_back(std::move(named));
  }
  return step;
}

JobSpec w1_spec() {
  JobSpec spec;
  spec.source_file = "job.yaml";
  spec.steps.push_back(filter(
      "\"Registration State\" = 'NJ' AND \"Vehicle Make\" = 'FORD' AND \"Issuing Agency\" = 'P'"));
  spec.steps.push_back(named_step(
      StepKind::kDerive,
      {{"issuing_agency",
        "CASE WHEN \"Issuing Agency\" = 'P' THEN 'police' ELSE \"Issuing Agency\" END"},
       {"address", "concat_ws(', ', \"House Number\", \"Street Name\", \"Registration State\")"}},
      "steps[1].derive"));
  spec.steps.push_back(named_step(StepKind::kSelect,
                                  {{"vehicle_make", "\"Vehicle Make\""},
                                   {"issuing_agency", "issuing_agency"},
                                   {"address", "address"}},
                                  "steps[2].select"));
  return spec;
}

// Renders an output batch as lines of "a|b|c" (NULL shown as \N).
std::vector<std::string> lines(const OutputBatch& output) {
  std::vector<std::string> out;
  for (size_t r = 0; r < output.row_count; ++r) {
    std::string line;
    for (size_t c = 0; c < output.column_count; ++c) {
      line += c ? "|" : "";
      line += output.is_null(r, c) ? std::string("\\N") : std::string(output.field(r, c));
    }
    out.push_back(line);
  }
  return out;
}

struct BatchRun {
  Status status;
  OutputBatch output;
  std::vector<RejectedRecord> rejects;
  PipelineCounters counters;
};

BatchRun run(Pipeline& pipeline, const Rows& rows) {
  BatchRun result;
  result.status = pipeline.process(rows.batch, result.output, result.rejects, result.counters);
  return result;
}

std::unique_ptr<Pipeline> compile_ok(const JobSpec& spec) {
  auto pipeline = Pipeline::compile(spec, kColumns);
  EXPECT_TRUE(pipeline.is_ok()) << pipeline.status().message();
  return pipeline.is_ok() ? std::move(pipeline).value() : nullptr;
}

TEST(Pipeline, RunsW1FilterDeriveSelect) {
  auto pipeline = compile_ok(w1_spec());
  ASSERT_NE(pipeline, nullptr);
  EXPECT_EQ(pipeline->output_columns(),
            (std::vector<std::string>{"vehicle_make", "issuing_agency", "address"}));
  Rows rows({row("NJ", "FORD", "P", "12", "MAIN ST"), row("NY", "FORD", "P"),
             row("NJ", "TOYOT", "P"), row("NJ", "FORD", "T"),
             row("NJ", "FORD", "P", "", "ELM AVE")});
  BatchRun result = run(*pipeline, rows);
  ASSERT_TRUE(result.status.is_ok()) << result.status.message();
  EXPECT_EQ(lines(result.output),
            (std::vector<std::string>{"FORD|police|12, MAIN ST, NJ", "FORD|police|, ELM AVE, NJ"}));
  EXPECT_EQ(result.counters.rows_in, 5u);
  EXPECT_EQ(result.counters.rows_filtered, 3u);
  EXPECT_EQ(result.counters.rows_out, 2u);
  EXPECT_EQ(result.counters.rows_rejected, 0u);
  EXPECT_TRUE(result.rejects.empty());
}

TEST(Pipeline, OutputViewsStayValidUntilTheOutputIsCleared) {
  auto pipeline = compile_ok(w1_spec());
  ASSERT_NE(pipeline, nullptr);
  std::vector<std::vector<std::string>> many;
  for (int i = 0; i < 3000; ++i)
    many.push_back(row("NJ", "FORD", "P", std::to_string(i), std::string(40, 'x')));
  Rows rows(many);
  BatchRun result = run(*pipeline, rows);
  ASSERT_TRUE(result.status.is_ok());
  ASSERT_EQ(result.output.row_count, 3000u);
  EXPECT_EQ(result.output.field(0, 2), "0, " + std::string(40, 'x') + ", NJ");
  EXPECT_EQ(result.output.field(2999, 2), "2999, " + std::string(40, 'x') + ", NJ");
}

TEST(Pipeline, RunsW2DaysUntilExpiration) {
  JobSpec spec;
  spec.source_file = "job.yaml";
  spec.steps.push_back(
      named_step(StepKind::kSelect,
                 {{"summons", "\"Summons Number\""},
                  {"days",
                   "CASE WHEN strptime(substr(\"Issue Date\", 1, 10), '%Y-%m-%d') IS NULL OR "
                   "strptime(\"Vehicle Expiration Date\", '%Y%m%d') IS NULL THEN -1 ELSE "
                   "date_diff('day', strptime(substr(\"Issue Date\",1,10), '%Y-%m-%d'), "
                   "strptime(\"Vehicle Expiration Date\", '%Y%m%d')) END"}},
                 "steps[0].select"));
  auto pipeline = compile_ok(spec);
  ASSERT_NE(pipeline, nullptr);
  Rows rows({row("NJ", "FORD", "P", "1", "A", "1", "2017-06-14T00:00:00.000", "20180614"),
             row("NJ", "FORD", "P", "1", "A", "1", "2016-02-28T00:00:00.000", "20160301"),
             row("NJ", "FORD", "P", "1", "A", "1", "2017-06-14T00:00:00.000", "20180231"),
             row("NJ", "FORD", "P", "1", "A", "1", "2017-06-14T00:00:00.000", "0"),
             row("NJ", "FORD", "P", "1", "A", "1", "2017-06-14T00:00:00.000", "88888888"),
             row("NJ", "FORD", "P", "1", "A", "1", "", "20180101"),
             row("NJ", "FORD", "P", "1", "A", "1", "2018-01-10T00:00:00.000", "20180101")});
  BatchRun result = run(*pipeline, rows);
  ASSERT_TRUE(result.status.is_ok()) << result.status.message();
  EXPECT_EQ(lines(result.output),
            (std::vector<std::string>{"1|365", "1|2", "1|-1", "1|-1", "1|-1", "1|-1", "1|-9"}));
}

TEST(Pipeline, SchemaGateRejectsABadInt) {
  JobSpec spec = w1_spec();
  spec.schema = SchemaSpec{};
  ColumnRule rule;
  rule.name = "Violation Code";
  rule.type = "int32";
  rule.min = 1;
  rule.max = 99;
  spec.schema->columns.push_back(rule);
  auto pipeline = compile_ok(spec);
  ASSERT_NE(pipeline, nullptr);
  Rows rows({row("NJ", "FORD", "P", "1", "A", "21"), row("NJ", "FORD", "P", "2", "B", "abc"),
             row("NJ", "FORD", "P", "3", "C", "120"), row("NJ", "FORD", "P", "4", "D", "")});
  BatchRun result = run(*pipeline, rows);
  ASSERT_TRUE(result.status.is_ok()) << result.status.message();
  EXPECT_EQ(lines(result.output),
            (std::vector<std::string>{"FORD|police|1, A, NJ", "FORD|police|4, D, NJ"}));
  ASSERT_EQ(result.rejects.size(), 2u);
  EXPECT_EQ(result.rejects[0].offset, rows.batch.offsets[1]);
  EXPECT_EQ(result.rejects[0].reason, "column \"Violation Code\": value \"abc\" is not an int32");
  EXPECT_EQ(result.rejects[0].raw, rows.raw[1]);
  EXPECT_EQ(result.rejects[1].reason,
            "column \"Violation Code\": value \"120\" is above the maximum 99");
  EXPECT_EQ(result.counters.rows_in, 4u);
  EXPECT_EQ(result.counters.rows_rejected, 2u);
  EXPECT_EQ(result.counters.rows_out, 2u);
}

TEST(Pipeline, SchemaGateFailsTheJobWhenOnErrorIsFail) {
  JobSpec spec = w1_spec();
  spec.schema = SchemaSpec{};
  spec.schema->fail_on_error = true;
  ColumnRule rule;
  rule.name = "Violation Code";
  rule.type = "int32";
  spec.schema->columns.push_back(rule);
  auto pipeline = compile_ok(spec);
  ASSERT_NE(pipeline, nullptr);
  Rows rows(
      {row("NJ", "FORD", "P", "1", "A", "21"), row("NJ", "FORD", "P", "2", "B", "9999999999")});
  BatchRun result = run(*pipeline, rows);
  ASSERT_FALSE(result.status.is_ok());
  EXPECT_EQ(result.status.code(), StatusCode::kDataError);
  EXPECT_EQ(result.status.message(), fmt::format("record at byte offset {}: column \"Violation "
                                                 "Code\": value \"9999999999\" is not an int32",
                                                 rows.batch.offsets[1]));
  EXPECT_TRUE(result.rejects.empty());
}

TEST(Pipeline, TypedColumnsReachExpressionsWithTheirType) {
  JobSpec spec;
  spec.source_file = "job.yaml";
  spec.schema = SchemaSpec{};
  ColumnRule code;
  code.name = "Violation Code";
  code.type = "int32";
  ColumnRule issued;
  issued.name = "Issue Date";
  issued.type = "timestamp";
  issued.format = "%Y-%m-%dT%H:%M:%S.000";
  ColumnRule state;
  state.name = "Registration State";
  state.type = "category";
  state.values = {"NJ", "NY"};
  spec.schema->columns = {code, issued, state};
  spec.steps.push_back(filter("\"Violation Code\" > 10 AND \"Issue Date\" >= '2017-01-01'"));
  spec.steps.push_back(named_step(StepKind::kSelect,
                                  {{"code", "\"Violation Code\" * 2"},
                                   {"issued", "\"Issue Date\""},
                                   {"year", "year(\"Issue Date\")"},
                                   {"state", "\"Registration State\""}},
                                  "steps[1].select"));
  auto pipeline = compile_ok(spec);
  ASSERT_NE(pipeline, nullptr);
  Rows rows({row("NJ", "FORD", "P", "1", "A", "21", "2017-06-14T08:30:00.000"),
             row("NJ", "FORD", "P", "1", "A", "5", "2017-06-14T00:00:00.000"),
             row("NJ", "FORD", "P", "1", "A", "40", "2016-06-14T00:00:00.000"),
             row("CT", "FORD", "P", "1", "A", "40", "2017-06-14T00:00:00.000"),
             row("NY", "FORD", "P", "1", "A", "40", "2017-06-14"),
             row("NY", "FORD", "P", "1", "A", "", "2017-06-14T00:00:00.000")});
  BatchRun result = run(*pipeline, rows);
  ASSERT_TRUE(result.status.is_ok()) << result.status.message();
  EXPECT_EQ(lines(result.output), (std::vector<std::string>{"42|2017-06-14 08:30:00|2017|NJ"}));
  ASSERT_EQ(result.rejects.size(), 2u);
  EXPECT_EQ(result.rejects[0].reason,
            "column \"Registration State\": value \"CT\" is not one of the allowed values");
  EXPECT_EQ(result.rejects[1].reason,
            "column \"Issue Date\": value \"2017-06-14\" is not a timestamp in the format "
            "\"%Y-%m-%dT%H:%M:%S.000\"");
  EXPECT_EQ(result.counters.rows_filtered, 3u);  // 5 <= 10, 2016, and NULL > 10
}

TEST(Pipeline, NullValuesAndNonNullableColumns) {
  JobSpec spec;
  spec.source_file = "job.yaml";
  spec.input.null_values = {"NA"};
  spec.schema = SchemaSpec{};
  ColumnRule make;
  make.name = "Vehicle Make";
  make.nullable = false;
  spec.schema->columns = {make};
  spec.steps.push_back(named_step(StepKind::kSelect,
                                  {{"make", "\"Vehicle Make\""},
                                   {"street", "\"Street Name\""},
                                   {"house", "coalesce(\"House Number\", '?')"}},
                                  "steps[0].select"));
  auto pipeline = compile_ok(spec);
  ASSERT_NE(pipeline, nullptr);
  Rows rows({row("NJ", "FORD", "P", "NA", "NA"), row("NJ", "NA", "P"), row("NJ", "", "P", "", "")});
  BatchRun result = run(*pipeline, rows);
  ASSERT_TRUE(result.status.is_ok()) << result.status.message();
  EXPECT_EQ(lines(result.output), (std::vector<std::string>{"FORD|\\N|?", "||"}));
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].reason,
            "column \"Vehicle Make\": value is missing but the column is not nullable");
}

TEST(Pipeline, DeriveReplacesAndLaterExpressionsSeeEarlierOnes) {
  JobSpec spec;
  spec.source_file = "job.yaml";
  spec.steps.push_back(named_step(
      StepKind::kDerive,
      {{"Vehicle Make", "lower(\"Vehicle Make\")"}, {"shout", "upper(\"Vehicle Make\") || '!'"}},
      "steps[0].derive"));
  StepSpec drop;
  drop.kind = StepKind::kDrop;
  drop.where = {"job.yaml", 9, "steps[1].drop"};
  drop.columns = {"Summons Number", "House Number", "Street Name",
                  "Violation Code", "Issue Date",   "Vehicle Expiration Date",
                  "Issuing Agency"};
  spec.steps.push_back(drop);
  auto pipeline = compile_ok(spec);
  ASSERT_NE(pipeline, nullptr);
  EXPECT_EQ(pipeline->output_columns(),
            (std::vector<std::string>{"Registration State", "Vehicle Make", "shout"}));
  Rows rows({row("NJ", "Ford", "P")});
  BatchRun result = run(*pipeline, rows);
  ASSERT_TRUE(result.status.is_ok());
  EXPECT_EQ(lines(result.output), (std::vector<std::string>{"NJ|ford|FORD!"}));
}

TEST(Pipeline, PassesThroughEveryColumnWithoutSteps) {
  JobSpec spec;
  spec.source_file = "job.yaml";
  auto pipeline = compile_ok(spec);
  ASSERT_NE(pipeline, nullptr);
  EXPECT_EQ(pipeline->output_columns(), kColumns);
  Rows rows({row("NJ", "FORD", "P")});
  BatchRun result = run(*pipeline, rows);
  ASSERT_TRUE(result.status.is_ok());
  EXPECT_EQ(
      lines(result.output),
      (std::vector<std::string>{"1|NJ|FORD|P|1|MAIN ST|21|2017-06-14T00:00:00.000|20180630"}));
}

TEST(Pipeline, CompileErrorNamesTheFileLineKeyAndPosition) {
  JobSpec spec = w1_spec();
  spec.steps[0] = filter("\"Registraton State\" = 'NJ'", 12);
  spec.steps[0].where.key = "steps[0].filter";
  auto pipeline = Pipeline::compile(spec, kColumns);
  ASSERT_FALSE(pipeline.is_ok());
  EXPECT_EQ(pipeline.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pipeline.status().message(),
            "job.yaml:12: steps[0].filter: unknown column \"Registraton State\" (did you mean "
            "\"Registration State\"?)\n\"Registraton State\" = 'NJ'\n^");
}

TEST(Pipeline, CompileErrorInADeriveNamesItsEntry) {
  JobSpec spec;
  spec.source_file = "job.yaml";
  spec.steps.push_back(
      named_step(StepKind::kDerive, {{"x", "upper(1, 2)"}}, "steps[0].derive", 20));
  auto pipeline = Pipeline::compile(spec, kColumns);
  ASSERT_FALSE(pipeline.is_ok());
  EXPECT_EQ(pipeline.status().message(),
            "job.yaml:21: steps[0].derive.x: upper() takes 1 argument, got 2\nupper(1, 2)\n^");
}

TEST(Pipeline, SelectHidesColumnsFromLaterSteps) {
  JobSpec spec = w1_spec();
  spec.steps.push_back(filter("\"Registration State\" = 'NJ'", 30));
  auto pipeline = Pipeline::compile(spec, kColumns);
  ASSERT_FALSE(pipeline.is_ok());
  EXPECT_NE(pipeline.status().message().find("unknown column \"Registration State\""),
            std::string::npos);
}

TEST(Pipeline, RejectsAFilterThatIsNotACondition) {
  JobSpec spec;
  spec.source_file = "job.yaml";
  spec.steps.push_back(filter("\"Street Name\""));
  auto pipeline = Pipeline::compile(spec, kColumns);
  ASSERT_FALSE(pipeline.is_ok());
  EXPECT_NE(pipeline.status().message().find("a filter must be a condition (bool), not string"),
            std::string::npos);
}

TEST(Pipeline, ReportsALookupOnAnUnknownColumn) {
  JobSpec spec;
  spec.source_file = "job.yaml";
  StepSpec step;
  step.kind = StepKind::kLookup;
  step.where = {"job.yaml", 4, "steps[0].lookup"};
  step.lookup.left = "Nope";
  spec.steps.push_back(step);
  auto pipeline = Pipeline::compile(spec, kColumns);
  ASSERT_FALSE(pipeline.is_ok());
  EXPECT_EQ(pipeline.status().message(),
            "job.yaml:4: steps[0].lookup.on: unknown column \"Nope\" (the rows have no such "
            "column)");
}

TEST(Pipeline, ReportsSchemaColumnsMissingFromTheInput) {
  JobSpec spec;
  spec.source_file = "job.yaml";
  spec.schema = SchemaSpec{};
  ColumnRule rule;
  rule.name = "Nope";
  rule.type = "int32";
  rule.where = {"job.yaml", 8, "schema.columns.Nope"};
  spec.schema->columns.push_back(rule);
  auto pipeline = Pipeline::compile(spec, kColumns);
  ASSERT_FALSE(pipeline.is_ok());
  EXPECT_EQ(pipeline.status().message(),
            "job.yaml:8: schema.columns.Nope: schema column \"Nope\" is not a column of the input");
}

TEST(Pipeline, CountsAcrossBatches) {
  auto pipeline = compile_ok(w1_spec());
  ASSERT_NE(pipeline, nullptr);
  PipelineCounters counters;
  for (int i = 0; i < 3; ++i) {
    Rows rows({row("NJ", "FORD", "P"), row("NY", "FORD", "P")});
    OutputBatch output;
    std::vector<RejectedRecord> rejects;
    ASSERT_TRUE(pipeline->process(rows.batch, output, rejects, counters).is_ok());
    EXPECT_EQ(output.row_count, 1u);
  }
  EXPECT_EQ(counters.rows_in, 6u);
  EXPECT_EQ(counters.rows_out, 3u);
  EXPECT_EQ(counters.rows_filtered, 3u);
}

// Projection pushdown: the pipeline names the input columns it reads, and
// given batches of only those gives the same output, rejects and counters.
TEST(Pipeline, ReadsOnlyTheColumnsItNamesAndRunsOnProjectedBatches) {
  JobSpec with_schema = w1_spec();
  with_schema.schema = SchemaSpec{};
  ColumnRule rule;
  rule.name = "Violation Code";
  rule.type = "int32";
  with_schema.schema->columns.push_back(rule);
  JobSpec pass_through;  // no steps: every column is output
  pass_through.source_file = "job.yaml";
  JobSpec dropped = pass_through;
  dropped.steps.push_back(StepSpec{});
  dropped.steps.back().kind = StepKind::kDrop;
  dropped.steps.back().columns = {"Issue Date", "Summons Number"};
  struct Case {
    const char* name;
    JobSpec spec;
    std::vector<size_t> read;
  };
  const std::vector<Case> cases = {
      {"w1", w1_spec(), {1, 2, 3, 4, 5}},
      {"w1 + schema", with_schema, {1, 2, 3, 4, 5, 6}},
      {"no steps", pass_through, {0, 1, 2, 3, 4, 5, 6, 7, 8}},
      {"drop", dropped, {1, 2, 3, 4, 5, 6, 8}},
  };
  Rows rows({row("NJ", "FORD", "P", "12", "MAIN ST", "21"), row("NY", "FORD", "P"),
             row("NJ", "FORD", "P", "3", "C", "abc"), row("NJ", "FORD", "P", "", "ELM AVE")});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto full = compile_ok(c.spec);
    auto projected = compile_ok(c.spec);
    ASSERT_NE(full, nullptr);
    ASSERT_NE(projected, nullptr);
    ASSERT_EQ(projected->input_columns_read(), c.read);
    projected->read_projected(c.read);
    RecordBatch batch = rows.batch;
    batch.column_count = c.read.size();
    batch.fields.clear();
    for (size_t r = 0; r < rows.batch.row_count; ++r) {
      for (size_t column : c.read) batch.fields.push_back(rows.batch.field(r, column));
    }
    BatchRun expected = run(*full, rows);
    BatchRun got;
    got.status = projected->process(batch, got.output, got.rejects, got.counters);
    ASSERT_TRUE(expected.status.is_ok()) << expected.status.message();
    ASSERT_TRUE(got.status.is_ok()) << got.status.message();
    EXPECT_EQ(lines(got.output), lines(expected.output));
    EXPECT_GT(got.output.row_count, 0u);
    ASSERT_EQ(got.rejects.size(), expected.rejects.size());
    for (size_t i = 0; i < got.rejects.size(); ++i) {
      EXPECT_EQ(got.rejects[i].reason, expected.rejects[i].reason);
      EXPECT_EQ(got.rejects[i].raw, expected.rejects[i].raw);
    }
    EXPECT_EQ(got.counters.rows_out, expected.counters.rows_out);
    if (c.read.size() == kColumns.size()) continue;
    // A batch of the wrong width is refused.
    BatchRun wrong;
    wrong.status = projected->process(rows.batch, wrong.output, wrong.rejects, wrong.counters);
    EXPECT_FALSE(wrong.status.is_ok());
  }
}

}  // namespace
}  // namespace sluice
