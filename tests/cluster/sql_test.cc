// `sluice sql` and `sluice explain` with real processes: W1, W2 and W3 each
// written as one SQL statement give the same part files, byte for byte, as
// their job files (examples/); a job file with `query:` too; explain of W1
// shows its projection (5 of 43 columns) and filter without running
// anything; a SELECT without --out prints a table and leaves nothing
// behind; a bad statement is exit 2 with a caret under the fault.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/support/cluster.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

const char* kW1 =
    "SELECT \"Vehicle Make\" AS vehicle_make, CASE WHEN \"Issuing Agency\" = 'P' THEN 'police' "
    "ELSE \"Issuing Agency\" END AS issuing_agency, concat_ws(', ', \"House Number\", \"Street "
    "Name\", \"Registration State\") AS address FROM read_csv('INPUT', split_size='96KiB') WHERE "
    "\"Registration State\" = 'NJ' AND \"Vehicle Make\" = 'FORD' AND \"Issuing Agency\" = 'P'";
// W2, W3, W5 and W6 read their columns as text (all_varchar=true), as
// their job files do: by default a statement types the columns it reads
// from a sample, and W3 would then order violation codes as numbers.
const char* kW2 =
    "SELECT *, CASE WHEN strptime(substr(\"Issue Date\", 1, 10), '%Y-%m-%d') IS NULL OR "
    "strptime(\"Vehicle Expiration Date\", '%Y%m%d') IS NULL THEN -1 ELSE date_diff('day', "
    "strptime(substr(\"Issue Date\", 1, 10), '%Y-%m-%d'), strptime(\"Vehicle Expiration Date\", "
    "'%Y%m%d')) END AS days_until_expiration FROM read_csv('INPUT', split_size='96KiB', "
    "all_varchar=true)";
const char* kW3 =
    "SELECT \"Registration State\" AS registration_state, \"Violation Code\" AS violation_code, "
    "count(*) AS count FROM read_csv('INPUT', split_size='96KiB', all_varchar=true) "
    "GROUP BY 1, 2 "
    "ORDER BY count DESC, registration_state, violation_code";

class Sql : public ::testing::Test {
 protected:
  void SetUp() override {
    input_ = dir_ / "parking.csv";
    seed_ = test_seed();
    auto result = run({sluice_binary(), "gen", "parking", "--rows", "20000", "--seed",
                       std::to_string(seed_), "--multiline-rate", "0.001", "--out", input_});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  std::string query(const char* text) const {
    std::string out = text;
    const size_t at = out.find("INPUT");
    out.replace(at, 5, input_);
    return out;
  }

  // An example job file with the test's input, a small split and `out`.
  std::string example(const std::string& file, const std::string& out) {
    std::string text = read_file(source_dir() + "/examples/" + file);
    replace(text, "path: data/parking.csv", "path: " + input_);
    replace(text, "split_size: 64MiB", "split_size: 96KiB");
    const size_t at = text.find("path: out/");
    const size_t end = text.find('\n', at);
    text.replace(at, end - at, "path: " + out);
    const std::string path = dir_ / file;
    write_file(path, text);
    return path;
  }

  static void replace(std::string& text, const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  }

  CommandResult sluice(std::vector<std::string> args) {
    args.insert(args.begin(), sluice_binary());
    return run(args, dir_.path());
  }

  // The job file and the statement: the same part files, byte for byte.
  void expect_same_output(const std::string& example_file, const char* statement) {
    auto yaml = sluice({"run", example(example_file, "out-yaml"), "--workers", "2", "--state",
                        dir_ / "state-yaml", "--no-progress"});
    ASSERT_EQ(yaml.exit_code, 0) << yaml.out << yaml.err;
    auto sql = sluice({"sql", query(statement), "--out", "out-sql", "--workers", "2", "--state",
                       dir_ / "state-sql", "--no-progress"});
    ASSERT_EQ(sql.exit_code, 0) << sql.out << sql.err;
    EXPECT_NE(sql.out.find(") succeeded"), std::string::npos) << sql.out;
    const std::vector<std::string> parts = part_files(dir_ / "out-yaml");
    ASSERT_EQ(part_files(dir_ / "out-sql"), parts);
    ASSERT_FALSE(parts.empty());
    for (const std::string& part : parts) {
      EXPECT_EQ(read_file(dir_ / ("out-sql/" + part)), read_file(dir_ / ("out-yaml/" + part)))
          << part;
    }
    auto verified = sluice({"verify", dir_ / "out-sql"});
    EXPECT_EQ(verified.exit_code, 0) << verified.err;
  }

  TempDir dir_;
  std::string input_;
  uint64_t seed_ = 0;
};

TEST_F(Sql, W1AsOneStatementWritesTheSamePartsAsItsJobFile) {
  expect_same_output("w1-nj-ford-police.yaml", kW1);
  EXPECT_GT(part_files(dir_ / "out-sql").size(), 20u);
}

TEST_F(Sql, W2AsOneStatementWritesTheSamePartsAsItsJobFile) {
  expect_same_output("w2-days-until-expiration.yaml", kW2);
}

TEST_F(Sql, W3AsOneStatementWritesTheSamePartsAsItsJobFile) {
  expect_same_output("w3-count-by-state-code.yaml", kW3);
  const std::string sorted = concat_parts(dir_ / "out-sql");
  EXPECT_GT(std::count(sorted.begin(), sorted.end(), '\n'), 100);
}

// The exec step's SQL form (Spark's script transform): the same parts as
// examples/exec-street-suffix.yaml.
TEST_F(Sql, TransformThroughAPythonScriptWritesTheSamePartsAsTheExecJobFile) {
  fs::create_directories(dir_ / "examples");
  fs::copy_file(source_dir() + "/examples/street_suffix.py", dir_ / "examples/street_suffix.py");
  expect_same_output(
      "exec-street-suffix.yaml",
      "SELECT TRANSFORM (\"Summons Number\" AS summons, \"Street Name\" AS street) USING "
      "'python3 examples/street_suffix.py' AS (summons, street) WITH (batch_rows 1000, timeout "
      "'30s', max_attempts 3) FROM read_csv('INPUT', split_size='96KiB') WHERE \"Registration "
      "State\" = 'NY'");
}

TEST_F(Sql, W5GlobalSortAsOneStatementWritesTheSamePartsAsItsJobFile) {
  expect_same_output(
      "w5-sort-by-date.yaml",
      "SELECT * FROM read_csv('INPUT', split_size='96KiB', all_varchar=true) ORDER BY "
      "\"Issue Date\", "
      "\"Summons Number\"");
}

TEST_F(Sql, W6JoinAsOneStatementWritesTheSamePartsAsItsJobFile) {
  // Tickets without multi-line records (which draw other plates) and the
  // registrations of their plates: the same seed.
  const std::string tickets = dir_ / "tickets.csv";
  auto ticketed = sluice(
      {"gen", "parking", "--rows", "20000", "--seed", std::to_string(seed_), "--out", tickets});
  ASSERT_EQ(ticketed.exit_code, 0) << ticketed.err;
  auto generated = sluice({"gen", "registrations", "--rows", "20000", "--seed",
                           std::to_string(seed_), "--out", dir_ / "registrations.csv"});
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  std::string text = read_file(source_dir() + "/examples/w6-tickets-registrations.yaml");
  replace(text, "path: data/parking.csv", "path: " + tickets);
  replace(text, "path: data/registrations.csv", "path: " + (dir_ / "registrations.csv"));
  replace(text, "split_size: 64MiB", "split_size: 96KiB");
  replace(text, "split_size: 64MiB", "split_size: 96KiB");
  replace(text, "path: out/w6/", "path: out-yaml");
  write_file(dir_ / "w6.yaml", text);
  auto yaml = sluice(
      {"run", dir_ / "w6.yaml", "--workers", "2", "--state", dir_ / "state-yaml", "--no-progress"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.out << yaml.err;
  const std::string statement =
      "SELECT t.\"Summons Number\", t.\"Plate ID\", t.\"Registration State\", t.\"Issue "
      "Date\", t.\"Violation Code\", r.\"Owner ZIP\" AS owner_zip, r.\"Vehicle Year\" AS "
      "vehicle_year, r.\"Vehicle Make\" AS registered_make FROM read_csv('" +
      tickets + "', split_size='96KiB', all_varchar=true) AS t JOIN read_csv('" +
      (dir_ / "registrations.csv") +
      "', split_size='96KiB') AS r ON t.\"Plate ID\" = r.\"Plate ID\"";
  auto sql = sluice({"sql", statement, "--out", "out-sql", "--workers", "2", "--state",
                     dir_ / "state-sql", "--no-progress"});
  ASSERT_EQ(sql.exit_code, 0) << sql.out << sql.err;
  const std::vector<std::string> parts = part_files(dir_ / "out-yaml");
  ASSERT_EQ(part_files(dir_ / "out-sql"), parts);
  for (const std::string& part : parts) {
    EXPECT_EQ(read_file(dir_ / ("out-sql/" + part)), read_file(dir_ / ("out-yaml/" + part)))
        << part;
  }
  const std::string joined = concat_parts(dir_ / "out-sql");
  EXPECT_GT(std::count(joined.begin(), joined.end(), '\n'), 1000);
}

TEST_F(Sql, CopyToParquetPartitionedIsTheJobFilesOutput) {
  write_file(dir_ / "by-state.yaml",
             "name: by-state\ninput: {path: " + input_ +
                 ", split_size: 256KiB}\nsteps:\n  - filter: \"\\\"Registration State\\\" IN "
                 "('NY', 'NJ', 'PA')\"\n  - select: {state: \"\\\"Registration State\\\"\", "
                 "plate: \"\\\"Plate ID\\\"\", code: \"CAST(\\\"Violation Code\\\" AS "
                 "int)\"}\noutput: {path: out-yaml, format: parquet, partition_by: [state]}\n");
  auto yaml = sluice({"run", dir_ / "by-state.yaml", "--workers", "2", "--state",
                      dir_ / "state-yaml", "--no-progress"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.out << yaml.err;
  auto sql = sluice({"sql",
                     "COPY (SELECT \"Registration State\" AS state, \"Plate ID\" AS plate, "
                     "\"Violation Code\"::int AS code FROM read_csv('" +
                         input_ +
                         "', split_size='256KiB') WHERE \"Registration State\" IN ('NY', 'NJ', "
                         "'PA')) TO 'out-sql' (FORMAT parquet, PARTITION_BY (state))",
                     "--workers", "2", "--state", dir_ / "state-sql", "--no-progress"});
  ASSERT_EQ(sql.exit_code, 0) << sql.out << sql.err;
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "out-yaml")) {
    const std::string relative = fs::relative(entry.path(), dir_ / "out-yaml").string();
    if (!entry.is_regular_file() || relative.starts_with("_")) continue;
    ++files;
    EXPECT_EQ(read_file(dir_ / ("out-sql/" + relative)), read_file(entry.path().string()))
        << relative;
  }
  EXPECT_GT(files, 3u);
  EXPECT_TRUE(fs::exists(dir_ / "out-sql/state=NJ"));
  auto verified = sluice({"verify", dir_ / "out-sql"});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
}

TEST_F(Sql, AJobFileWithQueryRunsLikeItsSteps) {
  // examples/w3-count-by-state-code-sql.yaml: W3 as a query: job file.
  std::string text = read_file(source_dir() + "/examples/w3-count-by-state-code-sql.yaml");
  replace(text, "read_csv('data/parking.csv', split_size='64MiB'",
          "read_csv('" + input_ + "', split_size='96KiB'");
  replace(text, "path: out/w3-sql/", "path: out-sql");
  write_file(dir_ / "w3-sql.yaml", text);
  auto yaml = sluice({"run", example("w3-count-by-state-code.yaml", "out-yaml"), "--workers", "2",
                      "--state", dir_ / "state-yaml", "--no-progress"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  auto sql = sluice({"run", dir_ / "w3-sql.yaml", "--workers", "2", "--state", dir_ / "state-sql",
                     "--no-progress"});
  ASSERT_EQ(sql.exit_code, 0) << sql.out << sql.err;
  const std::vector<std::string> parts = part_files(dir_ / "out-yaml");
  ASSERT_EQ(part_files(dir_ / "out-sql"), parts);
  for (const std::string& part : parts) {
    EXPECT_EQ(read_file(dir_ / ("out-sql/" + part)), read_file(dir_ / ("out-yaml/" + part)));
  }
  auto plan = sluice({"explain", dir_ / "w3-sql.yaml"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("aggregate by \"Registration State\", \"Violation Code\"   ← GROUP BY"),
            std::string::npos)
      << plan.out;
}

TEST_F(Sql, ExplainOfW1ShowsTheProjectionAndTheFilterWithoutRunning) {
  const std::string job = example("w1-nj-ford-police.yaml", "out-w1");
  auto plan = sluice({"explain", job});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("reads 5 of 43 columns: \"Registration State\", \"Vehicle Make\", "
                          "\"Issuing Agency\", \"House Number\", \"Street Name\"\n"),
            std::string::npos)
      << plan.out;
  EXPECT_NE(plan.out.find("1. filter \"Registration State\" = 'NJ' AND \"Vehicle Make\" = "
                          "'FORD' AND \"Issuing Agency\" = 'P'\n      runs: map side"),
            std::string::npos)
      << plan.out;
  EXPECT_NE(plan.out.find("map only (no exchange)"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("columns: \"vehicle_make\", \"issuing_agency\", \"address\""),
            std::string::npos)
      << plan.out;
  EXPECT_FALSE(fs::exists(dir_ / "out-w1"));
  EXPECT_FALSE(fs::exists(dir_ / ".sluice"));

  auto from_sql = sluice({"explain", "--sql", query(kW1), "--out", "out-w1"});
  ASSERT_EQ(from_sql.exit_code, 0) << from_sql.err;
  EXPECT_NE(from_sql.out.find("reads 5 of 43 columns"), std::string::npos) << from_sql.out;
  EXPECT_NE(from_sql.out.find("← WHERE"), std::string::npos) << from_sql.out;
  EXPECT_FALSE(fs::exists(dir_ / "out-w1"));

  auto w3 = sluice({"explain", "--sql", query(kW3)});
  ASSERT_EQ(w3.exit_code, 0) << w3.err;
  EXPECT_NE(w3.out.find("reads 2 of 43 columns"), std::string::npos) << w3.out;
  EXPECT_NE(w3.out.find("exchange: hash partitioning"), std::string::npos) << w3.out;
  EXPECT_NE(w3.out.find("3. merge: 1 task"), std::string::npos) << w3.out;
}

TEST_F(Sql, ASelectWithoutOutPrintsATableAndRemovesItsDirectory) {
  fs::create_directory(dir_ / "tmp");
  auto table = run({"env", "TMPDIR=" + (dir_ / "tmp"), sluice_binary(), "sql",
                    "SELECT \"Registration State\" AS state, count(*) AS tickets FROM '" + input_ +
                        "' GROUP BY 1 ORDER BY tickets DESC, state LIMIT 3",
                    "--workers", "2"},
                   dir_.path());
  ASSERT_EQ(table.exit_code, 0) << table.out << table.err;
  EXPECT_NE(table.out.find("│ state │ tickets │"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("│ NY    │"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("\n3 rows\n"), std::string::npos) << table.out;
  EXPECT_TRUE(fs::is_empty(dir_ / "tmp"));

  auto many = run({"env", "TMPDIR=" + (dir_ / "tmp"), sluice_binary(), "sql",
                   "SELECT \"Summons Number\" FROM '" + input_ +
                       "' WHERE \"Registration State\" "
                       "= 'NY'",
                   "--workers", "1"},
                  dir_.path());
  ASSERT_EQ(many.exit_code, 0) << many.err;
  EXPECT_NE(many.out.find("│ ·              │"), std::string::npos) << many.out;
  EXPECT_NE(many.out.find(" rows (40 shown)\n"), std::string::npos) << many.out;
  EXPECT_TRUE(fs::is_empty(dir_ / "tmp"));
}

// No schema: the compared column's type is inferred from a sample, so a
// numeric comparison works; the count equals the one with the type given.
TEST_F(Sql, ACountWithoutASchemaComparesNumbersByInferredTypes) {
  const std::string where = " WHERE \"Violation Code\" > 10";
  auto inferred = sluice({"sql", "SELECT count(*) AS n FROM '" + input_ + "'" + where});
  ASSERT_EQ(inferred.exit_code, 0) << inferred.out << inferred.err;
  auto typed = sluice({"sql", "SELECT count(*) AS n FROM read_csv('" + input_ +
                                  "', types={'Violation Code': 'BIGINT'})" + where});
  ASSERT_EQ(typed.exit_code, 0) << typed.out << typed.err;
  EXPECT_EQ(inferred.out, typed.out);
  auto as_text = sluice(
      {"sql", "SELECT count(*) AS n FROM read_csv('" + input_ + "', all_varchar=true)" + where});
  EXPECT_EQ(as_text.exit_code, 2) << as_text.out;
  EXPECT_NE(as_text.err.find("cannot compare string with int64"), std::string::npos) << as_text.err;
  // The table's one value (the line after the header's rule): a count of
  // most, not all, of the 20,000 rows.
  const size_t rule = inferred.out.find("├");
  ASSERT_NE(rule, std::string::npos) << inferred.out;
  const size_t row = inferred.out.find('\n', rule) + 1;
  std::string digits;
  for (size_t i = row; i < inferred.out.size() && inferred.out[i] != '\n'; ++i) {
    if (std::isdigit(static_cast<unsigned char>(inferred.out[i]))) digits += inferred.out[i];
  }
  ASSERT_FALSE(digits.empty()) << inferred.out;
  EXPECT_GT(std::stoull(digits), 1000u) << inferred.out;
  EXPECT_LT(std::stoull(digits), 20000u) << inferred.out;
}

TEST_F(Sql, ABadStatementIsExitTwoWithACaretUnderTheFault) {
  const std::string statement = "SELECT \"Plate ID\" FROM '" + input_ + "' WHERE sum(x) > 1";
  auto bad = sluice({"sql", statement});
  EXPECT_EQ(bad.exit_code, 2);
  const size_t at = statement.find("sum");
  EXPECT_EQ(bad.err, "sluice sql: line 1: aggregate function sum() is not allowed in WHERE\n" +
                         statement + "\n" + std::string(at, ' ') + "^\n");
  // Found when the job is checked, and still told against the statement.
  const std::string misspelt =
      "SELECT \"Plate ID\" FROM '" + input_ + "'\nWHERE \"Regstration State\" = 'NJ'";
  auto unknown = sluice({"sql", misspelt});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err,
            "sluice sql: line 2: WHERE: unknown column \"Regstration State\" (did you mean "
            "\"Registration State\"?)\nWHERE \"Regstration State\" = 'NJ'\n      ^\n");
  EXPECT_FALSE(fs::exists(dir_ / ".sluice"));
}

}  // namespace
}  // namespace sluice::testing
