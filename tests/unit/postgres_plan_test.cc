// format: postgres without a server: planning key ranges, the dsn check and
// the job file's keys. The reader and the whole job run against a real
// server in tests/cluster/postgres_test.cc.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "common/job/job_file.h"
#include "common/postgres/connection.h"
#include "common/spec/job_spec.h"
#include "coordinator/planner.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

// Every key of [0, span) in exactly one range, ranges in order, each
// beginning where the previous ended, the first at 0 (split verification
// holds by construction), and about split_rows rows a range.
void expect_key_plan(uint64_t span, uint64_t rows, uint64_t split_rows) {
  SCOPED_TRACE(::testing::Message()
               << "span=" << span << " rows=" << rows << " split_rows=" << split_rows);
  const std::vector<PlannedRange> ranges = plan_key_ranges(span, rows, split_rows);
  ASSERT_FALSE(ranges.empty());
  EXPECT_EQ(ranges.front().begin_offset, 0u);
  EXPECT_EQ(ranges.back().end_offset, span);
  for (size_t i = 0; i < ranges.size(); ++i) {
    EXPECT_EQ(ranges[i].file_index, 0u);
    if (span > 0) {
      EXPECT_LT(ranges[i].begin_offset, ranges[i].end_offset);
    }
    if (i > 0) {
      EXPECT_EQ(ranges[i].begin_offset, ranges[i - 1].end_offset);
    }
  }
  const uint64_t wanted =
      span == 0 ? 1 : std::min(span, std::max<uint64_t>(1, (rows + split_rows - 1) / split_rows));
  EXPECT_EQ(ranges.size(), wanted);
  // Equal width: widths differ by at most one key.
  uint64_t narrowest = span, widest = 0;
  for (const PlannedRange& range : ranges) {
    narrowest = std::min(narrowest, range.end_offset - range.begin_offset);
    widest = std::max(widest, range.end_offset - range.begin_offset);
  }
  EXPECT_LE(widest - narrowest, 1u);
}

TEST(PostgresPlan, KeyRangesCoverEveryKeyOnceInOrder) {
  expect_key_plan(900000, 300000, 40000);  // the cluster test's table: 8 ranges
  EXPECT_EQ(plan_key_ranges(900000, 300000, 40000).size(), 8u);
  expect_key_plan(10, 10, 3);
  expect_key_plan(1, 1, 1000);
  expect_key_plan(5, 1000, 1);  // more rows than keys cannot happen, but stays sane: one a key
  expect_key_plan(std::numeric_limits<uint64_t>::max(), 1'000'000'000, 1000);
}

TEST(PostgresPlan, EmptyQueryGetsOneEmptyRange) {
  const auto ranges = plan_key_ranges(0, 0, 100);
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0].begin_offset, 0u);
  EXPECT_EQ(ranges[0].end_offset, 0u);
}

TEST(PostgresPlan, RandomSpansAndCountsPlanContiguousRanges) {
  const uint64_t seed = testing::test_seed();
  std::mt19937_64 random(seed);
  for (int i = 0; i < 2000; ++i) {
    const uint64_t span = 1 + random() % (i % 2 == 0 ? 1000 : 1'000'000'000'000ull);
    const uint64_t rows = 1 + random() % 5'000'000;
    const uint64_t split_rows = 1 + random() % 200'000;
    expect_key_plan(span, rows, split_rows);
    if (HasFailure()) break;
  }
}

TEST(PostgresPlan, KeyStatsSpanAndInputFile) {
  PostgresKeyStats stats{-5, 10, 7};
  EXPECT_EQ(stats.key_span(), 16u);
  InputSpec input;
  input.dsn = "host=db dbname=x user=u";
  input.key = "id";
  input.query = "SELECT * FROM t ;  ";
  const InputFile file = postgres_input_file(input, stats);
  EXPECT_EQ(file.path, "postgres: host=db dbname=x user=u; key=id; query=SELECT * FROM t");
  EXPECT_EQ(file.size_bytes, 16u);
  EXPECT_EQ(file.mtime_ns, -5);
  // A task's range of it: the name and the min key travel with the offsets.
  EXPECT_TRUE(is_postgres_input_file(file));
  EXPECT_FALSE(is_postgres_input_file(InputFile{"/data/postgres: x.csv", 1, 2}));
  EXPECT_EQ(postgres_key_range(file, 3, 9), (QueryKeyRange{file.path, -5, 3, 9}));
  EXPECT_EQ((PostgresKeyStats{0, 0, 0}.key_span()), 0u);
  const int64_t lowest = std::numeric_limits<int64_t>::min();
  const int64_t highest = std::numeric_limits<int64_t>::max();
  EXPECT_EQ((PostgresKeyStats{lowest, highest - 1, 2}.key_span()),
            std::numeric_limits<uint64_t>::max());
}

TEST(PostgresDsn, PasswordInKeyValueOrUriIsRefused) {
  EXPECT_TRUE(check_postgres_dsn("host=127.0.0.1 port=5432 dbname=x user=u").is_ok());
  EXPECT_TRUE(check_postgres_dsn("postgresql://u@localhost:5432/x").is_ok());
  for (const char* dsn :
       {"host=h password=secret", "host=h  password = 'se cret'",
        "postgresql://u:secret@localhost/x", "postgresql://u@localhost/x?password=secret"}) {
    Status status = check_postgres_dsn(dsn);
    EXPECT_FALSE(status.is_ok()) << dsn;
    EXPECT_NE(status.message().find("holds a password"), std::string::npos) << dsn;
    EXPECT_EQ(status.message().find("secret"), std::string::npos) << status.message();
  }
  Status broken = check_postgres_dsn("host='unterminated");
  EXPECT_FALSE(broken.is_ok());
  EXPECT_NE(broken.message().find("not a valid connection string"), std::string::npos);
}

TEST(PostgresDsn, SubqueryAndIdentifierQuoting) {
  EXPECT_EQ(postgres_subquery("SELECT 1;\n ; "), "SELECT 1");
  EXPECT_EQ(postgres_identifier("id"), "\"id\"");
  EXPECT_EQ(postgres_identifier("a\"b"), "\"a\"\"b\"");
}

std::string postgres_job(const std::string& input_keys) {
  return "name: pg\ninput:\n  format: postgres\n" + input_keys + "output:\n  path: out/\n";
}

TEST(PostgresJobFile, ReadsKeysWithDefaults) {
  auto spec = parse_job_spec(postgres_job("  dsn: \"host=h dbname=d\"\n  query: SELECT * FROM t\n"
                                          "  key: id\n  password_env: PGPW\n"),
                             "job.yaml");
  ASSERT_TRUE(spec.is_ok()) << spec.status().to_string();
  EXPECT_EQ(spec->input.format, InputFormat::kPostgres);
  EXPECT_EQ(spec->input.dsn, "host=h dbname=d");
  EXPECT_EQ(spec->input.query, "SELECT * FROM t");
  EXPECT_EQ(spec->input.key, "id");
  EXPECT_EQ(spec->input.split_rows, kPostgresSplitRowsDefault);
  EXPECT_EQ(spec->input.fetch_rows, kPostgresFetchRowsDefault);
  EXPECT_EQ(spec->input.password_env, "PGPW");
  EXPECT_TRUE(spec->input.paths.empty());
}

TEST(PostgresJobFile, ErrorsNameFileLineAndKey) {
  struct Case {
    std::string keys;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"  dsn: \"host=h password=x\"\n  query: q\n  key: id\n",
       "job.yaml:4: input.dsn: holds a password"},
      {"  query: q\n  key: id\n", "input.dsn: missing (format: postgres)"},
      {"  dsn: host=h\n  key: id\n", "input.query: missing"},
      {"  dsn: host=h\n  query: q\n", "input.key: missing"},
      {"  dsn: host=h\n  query: q\n  key: id\n  path: a.csv\n",
       "input.path: not used with format: postgres"},
      {"  dsn: host=h\n  query: q\n  key: id\n  split_rows: 0\n",
       "input.split_rows: must be a whole number"},
      {"  dsn: host=h\n  query: q\n  key: id\n  fetch_rows: 2.5\n",
       "input.fetch_rows: must be a whole number"},
      {"  dsn: host=h\n  query: q\n  key: id\n  password_file: f\n  password_env: E\n", "not both"},
      {"  dsn: host=h\n  query: q\n  key: id\n  incremental: true\n",
       "input.incremental: not used with format: postgres"},
      {"  dsn: host=h\n  query: q\n  key: id\n  passwd: x\n", "input.passwd: unknown key"},
  };
  for (const Case& c : cases) {
    auto spec = parse_job_spec(postgres_job(c.keys), "job.yaml");
    ASSERT_FALSE(spec.is_ok()) << c.keys;
    EXPECT_NE(spec.status().message().find(c.expected), std::string::npos)
        << spec.status().message();
  }
}

// A join's input may be a query: the same keys, errors under its own key.
TEST(PostgresJobFile, JoinInputIsAQueryWithItsOwnKeys) {
  const std::string head = "name: j\ninput:\n  path: a.csv\nsteps:\n  - join:\n      input:\n";
  const std::string tail = "      on: {a: id}\noutput:\n  path: out/\n";
  auto spec = parse_job_spec(head +
                                 "        format: postgres\n        dsn: host=h\n"
                                 "        query: SELECT id, v FROM t\n        key: id\n"
                                 "        split_rows: 10\n        schema: {columns: {v: int64}}\n" +
                                 tail,
                             "job.yaml");
  ASSERT_TRUE(spec.is_ok()) << spec.status().to_string();
  const JoinSpec& join = *spec->steps[0].join;
  EXPECT_EQ(join.input.format, InputFormat::kPostgres);
  EXPECT_EQ(join.input.query, "SELECT id, v FROM t");
  EXPECT_EQ(join.input.split_rows, 10u);
  ASSERT_TRUE(join.schema.has_value());

  auto missing = parse_job_spec(
      head + "        format: postgres\n        dsn: host=h\n        query: q\n" + tail,
      "job.yaml");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("steps[0].join.input.key: missing"), std::string::npos)
      << missing.status().message();
  auto file_key = parse_job_spec(head +
                                     "        format: postgres\n        dsn: host=h\n"
                                     "        query: q\n        key: id\n        path: b.csv\n" +
                                     tail,
                                 "job.yaml");
  ASSERT_FALSE(file_key.is_ok());
  EXPECT_NE(
      file_key.status().message().find("steps[0].join.input.path: not used with format: postgres"),
      std::string::npos)
      << file_key.status().message();
}

}  // namespace
}  // namespace sluice
