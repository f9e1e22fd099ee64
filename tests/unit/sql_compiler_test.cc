// The SQL front end (common/sql): statements → the steps of a job file, and
// statements refused with a message and the exact byte position of the
// fault (docs/SQL.md).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <random>
#include <string>

#include "common/job/job_file.h"
#include "common/spec/job_spec.h"
#include "common/sql/sql.h"
#include "tests/support/cluster.h"

namespace sluice::sql {
namespace {

// The compiled sections, with or without `input.infer_types` (a CSV
// input's default; InferTypesIsOnForCsvUnlessTurnedOff checks where it is
// set), or the error.
CompiledSql compile_ok(const std::string& query) {
  CompiledSql out;
  expr::ExprError error;
  EXPECT_TRUE(compile_sql(query, out, error)) << query << ": " << error.message;
  return out;
}

// The compiled sections as YAML text (flow style) without
// input.infer_types, or "error at N: message".
std::string compiled(const std::string& query) {
  CompiledSql out;
  expr::ExprError error;
  if (!compile_sql(query, out, error)) {
    return "error at " + std::to_string(error.position) + ": " + error.message;
  }
  if (out.job["input"]) out.job["input"].remove("infer_types");
  YAML::Emitter yaml;
  yaml.SetMapFormat(YAML::Flow);
  yaml.SetSeqFormat(YAML::Flow);
  yaml << out.job;
  return yaml.c_str();
}

// The position and message of a refused statement.
std::pair<size_t, std::string> refused(const std::string& query) {
  CompiledSql out;
  expr::ExprError error;
  EXPECT_FALSE(compile_sql(query, out, error)) << query;
  return {error.position, error.message};
}

const char* kW1 =
    "SELECT \"Vehicle Make\" AS vehicle_make,\n"
    "       CASE WHEN \"Issuing Agency\" = 'P' THEN 'police' ELSE \"Issuing Agency\" END AS "
    "issuing_agency,\n"
    "       concat_ws(', ', \"House Number\", \"Street Name\", \"Registration State\") AS address\n"
    "FROM read_csv('data/parking.csv', split_size='64MiB')\n"
    "WHERE \"Registration State\" = 'NJ' AND \"Vehicle Make\" = 'FORD' AND \"Issuing Agency\" = "
    "'P'";

TEST(SqlCompiler, InferTypesIsOnForCsvUnlessTurnedOff) {
  const auto infers = [](const std::string& query) {
    const CompiledSql out = compile_ok(query);
    return out.job["input"]["infer_types"] && out.job["input"]["infer_types"].as<bool>();
  };
  EXPECT_TRUE(infers("SELECT a FROM 'p.csv'"));
  EXPECT_TRUE(infers("SELECT a FROM read_csv('p.csv', delim=';')"));
  EXPECT_TRUE(infers("SELECT a FROM read_csv('p.csv', auto_detect=true)"));
  EXPECT_FALSE(infers("SELECT a FROM read_csv('p.csv', all_varchar=true)"));
  EXPECT_FALSE(infers("SELECT a FROM read_csv('p.csv', auto_detect=false)"));
  EXPECT_FALSE(infers("SELECT a FROM read_csv('dir/*.csv', incremental=true)"));
  EXPECT_FALSE(infers("SELECT a FROM 'p.jsonl'"));
  EXPECT_FALSE(infers("SELECT a FROM 'p.parquet'"));
  EXPECT_FALSE(infers("SELECT a FROM read_parquet('p.parquet', split_size='1MiB')"));
  // A join's input reads text: only the job's input is typed from a sample.
  const CompiledSql joined =
      compile_ok("SELECT t.a, r.b FROM 'p.csv' t JOIN 'q.csv' r ON t.a = r.a");
  EXPECT_TRUE(joined.job["input"]["infer_types"]);
  EXPECT_EQ(YAML::Dump(joined.job["steps"]).find("infer_types"), std::string::npos);
}

TEST(SqlCompiler, W1IsAFilterThenASelect) {
  const std::string yaml = compiled(kW1);
  EXPECT_NE(yaml.find("input: {path: data/parking.csv, format: csv, split_size: 64MiB}"),
            std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find("steps: [{filter: \"\\\"Registration State\\\" = 'NJ' AND"),
            std::string::npos)
      << yaml;
  EXPECT_NE(
      yaml.find("{select: {vehicle_make: \"\\\"Vehicle Make\\\"\", issuing_agency: "
                "CASE WHEN \"Issuing Agency\" = 'P' THEN 'police' ELSE \"Issuing Agency\" END"),
      std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find("address: \"concat_ws(', ', \\\"House Number\\\""), std::string::npos)
      << yaml;
}

TEST(SqlCompiler, StarWithAnExpressionIsADerive) {
  EXPECT_EQ(compiled("SELECT *, upper(\"Plate ID\") AS plate FROM 'a.csv'"),
            "{input: {path: a.csv, format: csv}, steps: [{derive: {plate: upper(\"Plate ID\")}}]}");
  EXPECT_EQ(compiled("SELECT * EXCLUDE (a, \"b c\") FROM 'a.jsonl'"),
            "{input: {path: a.jsonl, format: jsonl}, steps: [{drop: [a, b c]}]}");
  EXPECT_EQ(compiled("select * from 'a.csv'"), "{input: {path: a.csv, format: csv}}");
}

TEST(SqlCompiler, GroupByOrdinalsMapToTheAggregateStepAsW3Does) {
  EXPECT_EQ(compiled("SELECT \"Registration State\" AS registration_state, \"Violation Code\" AS "
                     "violation_code, count(*) AS count FROM 'p.csv' GROUP BY 1, 2 "
                     "ORDER BY count DESC, registration_state, violation_code"),
            "{input: {path: p.csv, format: csv}, steps: [{aggregate: {by: [Registration State, "
            "Violation Code], aggs: {__agg_1: count(*)}}}, {select: {registration_state: "
            "\"\\\"Registration State\\\"\", violation_code: \"\\\"Violation Code\\\"\", count: "
            "\"\\\"__agg_1\\\"\"}}, {sort: [{count: desc}, {registration_state: asc}, "
            "{violation_code: asc}]}]}");
}

TEST(SqlCompiler, HavingAddsTheAggregatesItNamesAndFiltersAfterTheAggregate) {
  EXPECT_EQ(compiled("SELECT s, sum(CAST(f AS int)) AS total FROM 'p.csv' WHERE f <> '' GROUP BY s "
                     "HAVING count(DISTINCT p) > 2 AND sum(CAST(f AS int)) > 10"),
            "{input: {path: p.csv, format: csv}, steps: [{filter: f <> ''}, {aggregate: {by: "
            "[s], aggs: {__agg_1: sum(CAST(f AS int)), __agg_2: count_distinct(p)}}}, {filter: "
            "\"\\\"__agg_2\\\" > 2 AND \\\"__agg_1\\\" > 10\"}, {select: {s: \"\\\"s\\\"\", total: "
            "\"\\\"__agg_1\\\"\"}}]}");
}

TEST(SqlCompiler, FromFirstAsDuckDBWritesIt) {
  EXPECT_EQ(compiled("FROM 'p.csv' LIMIT 5"),
            "{input: {path: p.csv, format: csv}, steps: [{limit: 5}]}");
  EXPECT_EQ(compiled("FROM 'p.csv' SELECT a WHERE b = 'x'"),
            "{input: {path: p.csv, format: csv}, steps: [{filter: b = 'x'}, {select: {a: a}}]}");
}

TEST(SqlCompiler, PostfixCastIsCast) {
  EXPECT_EQ(compiled("SELECT a::int x, upper(b)::varchar y, (a + b)::double z, a + b::int w, "
                     "t.c::date v FROM 'p.csv' t"),
            "{input: {path: p.csv, format: csv}, steps: [{select: {x: CAST(a AS int), y: "
            "CAST(upper(b) AS varchar), z: CAST((a + b) AS double), w: a + CAST(b AS int), v: "
            "CAST(\"c\" AS date)}}]}");
  EXPECT_EQ(refused("SELECT ::int FROM 'p.csv'").first, 7u);
}

TEST(SqlCompiler, AnAliasMayComeWithoutAs) {
  EXPECT_EQ(compiled("SELECT count(*) n, a IS NULL missing, CASE WHEN b THEN 1 END \"One\" FROM "
                     "'p.csv' GROUP BY ALL"),
            "{input: {path: p.csv, format: csv}, steps: [{derive: {missing: a IS NULL, One: CASE "
            "WHEN b THEN 1 END}}, {aggregate: {by: [missing, One], aggs: {__agg_1: count(*)}}}, "
            "{select: {n: \"\\\"__agg_1\\\"\", missing: \"\\\"missing\\\"\", One: "
            "\"\\\"One\\\"\"}}]}");
  EXPECT_EQ(refused("SELECT a b c FROM 'p.csv'").first, 11u);
}

TEST(SqlCompiler, GroupByAnAliasOfAColumnGroupsByTheColumn) {
  EXPECT_EQ(compiled("SELECT \"Registration State\" AS s, count(*) AS n FROM 'p.csv' GROUP BY s"),
            "{input: {path: p.csv, format: csv}, steps: [{aggregate: {by: [Registration State], "
            "aggs: {__agg_1: count(*)}}}, {select: {s: \"\\\"Registration State\\\"\", n: "
            "\"\\\"__agg_1\\\"\"}}]}");
  // A name that is both an alias and the column it aliases is that column.
  EXPECT_EQ(compiled("SELECT a AS a, count(*) AS n FROM 'p.csv' GROUP BY a"),
            "{input: {path: p.csv, format: csv}, steps: [{aggregate: {by: [a], aggs: {__agg_1: "
            "count(*)}}}, {select: {a: \"\\\"a\\\"\", n: \"\\\"__agg_1\\\"\"}}]}");
}

TEST(SqlCompiler, CheckErrorsAreToldAgainstTheStatement) {
  const std::string query = "SELECT a\nFROM 'p.csv'\nWHERE  upper(\"Regstration\") = 'X'";
  CompiledSql out;
  expr::ExprError error;
  ASSERT_TRUE(compile_sql(query, out, error));
  // common/expr's message for the compiled WHERE (one space between tokens).
  const std::string message =
      "WHERE: unknown column \"Regstration\"\nupper(\"Regstration\") = 'X'\n      ^";
  EXPECT_EQ(statement_error(out, query, message),
            "line 3: WHERE: unknown column \"Regstration\"\nWHERE  upper(\"Regstration\") = "
            "'X'\n             ^");
  EXPECT_EQ(statement_error(out, query, "no caret here"), "no caret here");
}

TEST(SqlCompiler, GroupByAnExpressionDerivesItFirst) {
  EXPECT_EQ(compiled("SELECT year(d) AS y, count(*) FROM 'p.csv' GROUP BY y ORDER BY 2 DESC "
                     "LIMIT 3"),
            "{input: {path: p.csv, format: csv}, steps: [{derive: {y: year(d)}}, {aggregate: "
            "{by: [y], aggs: {__agg_1: count(*)}}}, {select: {y: \"\\\"y\\\"\", count_star(): "
            "\"\\\"__agg_1\\\"\"}}, {sort: [{count_star(): desc}]}, {limit: 3}]}");
}

TEST(SqlCompiler, DistinctAndGroupByWithoutAggregatesAreDistinctSteps) {
  const std::string distinct = compiled("SELECT DISTINCT a, b FROM 'p.csv' ORDER BY b");
  EXPECT_NE(distinct.find("{select: {a: a, b: b}}, {distinct: []}, {sort: [{b: asc}]}"),
            std::string::npos)
      << distinct;
  const std::string grouped = compiled("SELECT a FROM 'p.csv' GROUP BY a");
  EXPECT_NE(grouped.find("{distinct: [a]}, {select: {a: \"\\\"a\\\"\"}}"), std::string::npos)
      << grouped;
}

TEST(SqlCompiler, OrderByAColumnNotSelectedSortsBeforeTheProjection) {
  EXPECT_EQ(compiled("SELECT a FROM 'p.csv' ORDER BY b DESC, upper(c) LIMIT 5"),
            "{input: {path: p.csv, format: csv}, steps: [{derive: {__order_2: upper(c)}}, "
            "{sort: [{b: desc}, {__order_2: asc}]}, {limit: 5}, {select: {a: a}}]}");
  EXPECT_EQ(compiled("SELECT * FROM 'p.csv' ORDER BY \"Issue Date\", \"Summons Number\""),
            "{input: {path: p.csv, format: csv}, steps: [{sort: [{Issue Date: asc}, {Summons "
            "Number: asc}]}]}");
}

TEST(SqlCompiler, TableFunctionOptionsBecomeInputKeysAndASchema) {
  EXPECT_EQ(compiled("SELECT * FROM read_csv(['a.csv', 'b/*.csv'], delim=';', header=false, "
                     "nullstr=['NA', ''], types={'Fine': 'DOUBLE', 'n': 'INTEGER'}) t"),
            "{input: {path: [a.csv, b/*.csv], format: csv, delimiter: ;, header: false, "
            "null_values: [NA, \"\"]}, schema: {columns: {Fine: float64, n: int32}}}");
  EXPECT_EQ(compiled("SELECT id FROM postgres_query('host=db dbname=shop', 'SELECT id FROM o', "
                     "key='id', split_rows=1000)"),
            "{input: {format: postgres, dsn: host=db dbname=shop, query: SELECT id FROM o, key: "
            "id, split_rows: 1000}, steps: [{select: {id: id}}]}");
}

TEST(SqlCompiler, CopyToIsTheOutputSection) {
  EXPECT_EQ(compiled("COPY (SELECT a, b FROM 'p.csv') TO 'out/x' (FORMAT parquet, "
                     "PARTITION_BY (a), COMPRESSION zstd, OVERWRITE_OR_IGNORE)"),
            "{input: {path: p.csv, format: csv}, output: {path: out/x, format: parquet, "
            "partition_by: [a], compression: zstd, mode: overwrite}, steps: [{select: {a: a, b: "
            "b}}]}");
}

TEST(SqlCompiler, JoinBecomesAJoinStepKeepingTheRightColumnsTheQueryNames) {
  EXPECT_EQ(compiled("SELECT t.\"Plate ID\", r.\"Vehicle Year\" AS year FROM 'p.csv' AS t "
                     "LEFT JOIN 'r.csv' AS r ON t.\"Plate ID\" = r.\"Plate ID\" "
                     "WHERE t.s = 'NY' AND r.z IS NOT NULL"),
            "{input: {path: p.csv, format: csv}, steps: [{filter: (\"s\" = 'NY')}, {select: [Plate "
            "ID]}, {join: "
            "{input: {path: r.csv, format: csv}, on: {Plate ID: Plate ID}, how: left, columns: "
            "{r.z: z, r.Vehicle Year: Vehicle Year}}}, {filter: (\"r.z\" IS NOT NULL)}, "
            "{select: {Plate ID: \"\\\"Plate ID\\\"\", year: \"\\\"r.Vehicle Year\\\"\"}}]}");
  const std::string anti = compiled("SELECT * FROM 'p.csv' a ANTI JOIN 'r.csv' b USING (k)");
  EXPECT_NE(anti.find("{join: {input: {path: r.csv, format: csv}, on: {k: k}, how: anti}}"),
            std::string::npos)
      << anti;
}

TEST(SqlCompiler, TransformIsAnExecStepWithItsCommandSplitAsAShellWould) {
  EXPECT_EQ(compiled("SELECT TRANSFORM (\"Summons Number\" AS summons, street) USING 'python3 "
                     "\"my udf.py\" --mode=a\\ b' AS (summons int64, street) WITH (batch_rows "
                     "500, timeout '10s') FROM 'p.csv' WHERE s = 'NY' ORDER BY 1 DESC LIMIT 3"),
            "{input: {path: p.csv, format: csv}, steps: [{filter: s = 'NY'}, "
            "{select: {summons: \"\\\"Summons Number\\\"\", street: street}}, {exec: "
            "{command: [python3, my udf.py, --mode=a b], columns: [summons, street], "
            "batch_rows: 500, timeout: 10s}}, {select: {summons: CAST(\"summons\" AS int64), "
            "street: \"\\\"street\\\"\"}}, {sort: [{summons: desc}]}, {limit: 3}]}");
  // Without AS (…) the script answers the columns it was given; FROM first.
  EXPECT_EQ(compiled("FROM 'p.csv' SELECT TRANSFORM (*) USING 'tr a-z A-Z'"),
            "{input: {path: p.csv, format: csv}, steps: [{exec: {command: [tr, a-z, A-Z]}}]}");
}

struct Refusal {
  const char* query;
  size_t position;
  const char* message;  // a part of it
};

TEST(SqlCompiler, RefusesWhatItCannotDoAtTheExactPosition) {
  const Refusal refusals[] = {
      {"SELECT a FROM 'p.csv' WHERE sum(a) > 1", 28,
       "aggregate function sum() is not allowed in WHERE"},
      {"SELECT a FROM parking", 14, "there are no tables"},
      {"SELECT a FROM 'p.csv' ORDER BY a NULLS FIRST", 33, "NULLS FIRST is not supported"},
      {"SELECT a FROM 'p.csv' UNION SELECT b FROM 'q.csv'", 22, "UNION is not supported yet"},
      {"SELECT a + FROM 'p.csv'", 11, "expected an expression, found 'FROM'"},
      {"SELECT a, b FROM 'p.csv' GROUP BY a", 10, "column \"b\" must be in GROUP BY"},
      {"SELECT a FROM 'p.csv' LIMIT x", 28, "expected a whole number"},
      {"SELECT count(*) FROM 'p.csv' GROUP BY 3", 38, "GROUP BY 3: the select list has 1 items"},
      {"SELECT x.a FROM 'p.csv' AS t", 7, "unknown table 'x'"},
      {"SELECT * FROM read_csv('p.csv', foo=1)", 32, "unknown or unsupported option 'foo'"},
      {"SELECT * FROM read_parquet('p.parquet', delim=';')", 40,
       "unknown or unsupported option 'delim'"},
      {"SELECT a FROM (SELECT 1)", 14, "a subquery in FROM is not supported"},
      {"WITH t AS (SELECT 1) SELECT * FROM t", 0, "WITH (common table expressions)"},
      {"SELECT a, count(*) FROM 'p.csv' JOIN 'q.csv' AS q USING (a) GROUP BY a", 60,
       "an aggregate with a JOIN is not supported yet"},
      {"SELECT a FROM 'p.csv' LIMIT 10 OFFSET 5", 31, "OFFSET is not supported yet"},
      {"SELECT a, a FROM 'p.csv'", 10, "selected twice"},
      {"SELECT sum(DISTINCT a) FROM 'p.csv'", 11, "sum(DISTINCT …) is not supported"},
      {"SELECT DISTINCT a FROM 'p.csv' LIMIT 3", 37, "needs an ORDER BY"},
      {"SELECT 'unterminated FROM 'p.csv'", 32, "unterminated string literal"},
      {"SELECT a FROM 'p.csv' WHERE a = 'x' OR", 38, "expected"},
      {"SELECT TRANSFORM (a) USING 'python3 \"x.py' FROM 'p.csv'", 27, "unclosed double quote"},
      {"SELECT TRANSFORM (a) USING udf FROM 'p.csv'", 27, "expected the command in quotes"},
      {"SELECT TRANSFORM (a) USING 'x' WITH (retries 2) FROM 'p.csv'", 37,
       "unknown option \"retries\" of TRANSFORM"},
      {"SELECT TRANSFORM (a) USING 'x' AS (a decimal) FROM 'p.csv'", 37, "unknown type"},
      {"SELECT TRANSFORM (count(*)) USING 'x' FROM 'p.csv'", 7, "an aggregate in TRANSFORM"},
      {"SELECT TRANSFORM (a) USING 'x' FROM 'p.csv' GROUP BY a", 44, "GROUP BY with TRANSFORM"},
      {"SELECT TRANSFORM (a) USING 'x' AS (b) FROM 'p.csv' ORDER BY 2", 60,
       "not one of TRANSFORM's AS"},
  };
  for (const Refusal& refusal : refusals) {
    const auto [position, message] = refused(refusal.query);
    EXPECT_EQ(position, refusal.position) << refusal.query << "\n" << message;
    EXPECT_NE(message.find(refusal.message), std::string::npos) << refusal.query << "\n" << message;
  }
}

TEST(SqlCompiler, ErrorsShowTheLineAndACaretUnderTheFault) {
  const std::string query = "SELECT a\nFROM 'p.csv'\nWHERE sum(a) > 1";
  const auto [position, message] = refused(query);
  EXPECT_EQ(format_sql_error(query, position, message),
            "line 3: aggregate function sum() is not allowed in WHERE\n"
            "WHERE sum(a) > 1\n"
            "      ^");
}

TEST(SqlCompiler, AJobFileWithQueryIsTheJobFileWithThoseSteps) {
  auto from_sql = parse_job_spec(
      "name: w3\nquery: |\n  SELECT \"Registration State\" AS registration_state, count(*) AS n\n"
      "  FROM 'p.csv' GROUP BY 1 ORDER BY n DESC\noutput: {path: out/}\n",
      "job.yaml");
  ASSERT_TRUE(from_sql.is_ok()) << from_sql.status().message();
  ASSERT_EQ(from_sql->steps.size(), 3u);
  EXPECT_EQ(from_sql->steps[0].kind, StepKind::kAggregate);
  EXPECT_EQ(from_sql->steps[0].aggregate.by, std::vector<std::string>{"Registration State"});
  EXPECT_EQ(from_sql->steps[1].kind, StepKind::kSelect);
  EXPECT_EQ(from_sql->steps[2].kind, StepKind::kSort);
  EXPECT_EQ(from_sql->steps[2].where.to_string(), "job.yaml:2: query: ORDER BY");
  EXPECT_EQ(from_sql->input.paths, std::vector<std::string>{"p.csv"});
  EXPECT_EQ(from_sql->output.path, "out/");

  auto bad = parse_job_spec("name: x\nquery: SELECT a FROM 'p.csv' WHERE\noutput: {path: o}\n",
                            "job.yaml");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(),
            "job.yaml:2: query: line 1: expected a condition after WHERE, found the end of the "
            "statement\nSELECT a FROM 'p.csv' WHERE\n                           ^");
  auto option = parse_job_spec(
      "name: x\nquery: SELECT a FROM read_csv('p.csv', delim='ab')\noutput: {path: o}\n",
      "job.yaml");
  ASSERT_FALSE(option.is_ok());
  EXPECT_NE(option.status().message().find("query: line 1: input.delimiter: expected one "
                                           "character, found 'ab'\n"),
            std::string::npos)
      << option.status().message();
  EXPECT_NE(option.status().message().find("\n                                      ^"),
            std::string::npos)
      << option.status().message();
  auto both = parse_job_spec(
      "name: x\nquery: SELECT a FROM 'p.csv'\ninput: {path: p.csv}\n"
      "output: {path: o}\n",
      "job.yaml");
  ASSERT_FALSE(both.is_ok());
  EXPECT_NE(both.status().message().find("takes its input and steps from the query"),
            std::string::npos);
}

// Spacing, comments and keyword case do not change what a statement is.
TEST(SqlCompiler, SpacingCommentsAndKeywordCaseDoNotChangeTheSteps) {
  const uint64_t seed = testing::test_seed();
  std::mt19937_64 random(seed);
  const std::vector<std::string> words = {"SELECT",   "\"Registration State\"",
                                          "AS",       "s",
                                          ",",        "count",
                                          "(",        "*",
                                          ")",        "AS",
                                          "n",        "FROM",
                                          "'p.csv'",  "WHERE",
                                          "\"Fine\"", "<>",
                                          "''",       "GROUP",
                                          "BY",       "1",
                                          "ORDER",    "BY",
                                          "n",        "DESC",
                                          ",",        "s",
                                          "LIMIT",    "10"};
  std::string plain;
  for (const std::string& word : words) plain += word + " ";
  const std::string expected = compiled(plain);
  ASSERT_EQ(expected.find("error"), std::string::npos) << expected;
  const char* blanks[] = {" ", "  ", "\n", "\t", " /* c */ ", " -- c\n"};
  for (int round = 0; round < 200; ++round) {
    std::string query;
    for (const std::string& word : words) {
      std::string w = word;
      if (w[0] != '"' && w[0] != '\'' && random() % 2 == 0) {
        for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      query += w + blanks[random() % std::size(blanks)];
    }
    ASSERT_EQ(compiled(query), expected) << "seed=" << seed << " query=" << query;
  }
}

TEST(SqlCompiler, HivePartitioningOptionsAreDuckDbs) {
  EXPECT_EQ(compiled("SELECT * FROM read_csv('d/**/*.csv', hive_partitioning=true, "
                     "hive_types={'year': 'BIGINT'})"),
            "{input: {path: d/**/*.csv, format: csv, hive_partitioning: true, hive_types: {year: "
            "int64}}}");
  EXPECT_EQ(compiled("SELECT * FROM read_parquet('d', hive_partitioning=0)"),
            "{input: {path: d, format: parquet, hive_partitioning: false}}");
  EXPECT_EQ(refused("SELECT * FROM read_csv('d', hive_partitioning='maybe')").second,
            "hive_partitioning takes true, false or auto");
}

}  // namespace
}  // namespace sluice::sql
