// `format: postgres` against a real PostgreSQL server started for the suite
// (tests/support/postgres_server.h): a few hundred thousand rows made with
// generate_series, read by `sluice run --workers 2` and compared with psql's
// own `COPY (query) TO STDOUT WITH CSV HEADER`, row for row in key order; a
// worker killed mid-read; passwords from a file and from the environment;
// the errors a user meets (bad password, missing file, password in the dsn,
// a key that is no integer or is NULL).
//
// The cases share the server (SetUpTestSuite) and run in one process, one
// ctest entry (tests/CMakeLists.txt), so the server starts once a run; each
// case has its own temp dir and job. One case: --gtest_filter=Postgres.Name.
//
// No server binaries: the suite is skipped with the reason. Binaries present
// but the server does not start: every test fails with the server's error.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "common/base/limits.h"
#include "common/postgres/connection.h"
#include "common/postgres/range_reader.h"
#include "common/spec/job_spec.h"
#include "tests/support/cluster.h"
#include "tests/support/coordinator_process.h"
#include "tests/support/postgres_server.h"

namespace sluice::testing {
namespace {

constexpr int kRows = 300000;

class Postgres : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new PostgresServer();
    if (!server_->ok()) return;
    // Keys -4997, -4994, ... (sparse, some negative); NULLs, commas, quotes
    // and newlines in `note`; numeric, boolean and timestamp columns.
    auto loaded = server_->psql(
        "CREATE TABLE t (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2), "
        "flag boolean, created timestamp, note text);"
        "INSERT INTO t SELECT g * 3 - 5000, 'name ' || g, (g % 1000) / 7.0, g % 2 = 0, "
        "timestamp '2020-01-01' + g * interval '1 minute', "
        "CASE WHEN g % 10 = 0 THEN NULL WHEN g % 17 = 0 THEN 'has, comma \"and quote\"' "
        "WHEN g % 29 = 0 THEN E'two\\nlines' ELSE 'n' || g END "
        "FROM generate_series(1, " +
        std::to_string(kRows) +
        ") g;"
        "CREATE TABLE words (word text, n int);"
        "INSERT INTO words VALUES ('a', 1), ('b', NULL);"
        "CREATE TABLE empty (id int);"
        // Tickets of t's rows for the joins: every 30,000th ticket has the
        // same vid, every 11th a vid that is no key, every 13th none.
        "CREATE TABLE tickets AS SELECT g AS ticket, CASE WHEN g % 13 = 0 THEN NULL "
        "ELSE ((g % 30000) * 7919 % 400000) * 3 - 5000 + (CASE WHEN g % 11 = 0 THEN 1 ELSE 0 END) "
        "END AS vid FROM generate_series(1, 50000) g;"
        "ALTER TABLE tickets OWNER TO sluice;"
        "ALTER TABLE t OWNER TO sluice; ALTER TABLE words OWNER TO sluice;"
        "ALTER TABLE empty OWNER TO sluice; ANALYZE t;");
    if (loaded.exit_code != 0) load_error_ = "loading the table: " + loaded.err;
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    if (server_->binaries_missing()) GTEST_SKIP() << server_->missing();
    ASSERT_TRUE(server_->ok()) << "the PostgreSQL server did not start: " << server_->error();
    ASSERT_TRUE(load_error_.empty()) << load_error_;
    write_file(dir_ / "pw.txt", std::string(PostgresServer::kPassword) + "\n");
    ::chmod((dir_ / "pw.txt").c_str(), 0600);
  }

  // A job over `query`; `extra` is more input keys (indented), `steps` a
  // steps: block or empty.
  std::string job(const std::string& name, const std::string& query, const std::string& extra,
                  const std::string& steps = "", const std::string& dsn = "") {
    const std::string path = dir_ / (name + ".yaml");
    write_file(path, "name: " + name +
                         "\n"
                         "input:\n"
                         "  format: postgres\n"
                         "  dsn: \"" +
                         (dsn.empty() ? server_->dsn() : dsn) +
                         "\"\n"
                         "  query: \"" +
                         query +
                         "\"\n"
                         "  key: id\n" +
                         extra + steps + "output:\n  path: out-" + name + "/\n");
    return path;
  }

  CommandResult run_job(const std::string& job_path, int workers = 2) {
    return run({sluice_binary(), "run", job_path, "--workers", std::to_string(workers), "--state",
                dir_ / "state", "--no-progress"},
               dir_.path());
  }

  // psql's CSV of the query in key order: the reference.
  std::string copy_csv(const std::string& query) {
    auto copied =
        server_->psql("COPY (" + query + " ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)");
    EXPECT_EQ(copied.exit_code, 0) << copied.err;
    return copied.out;
  }

  static PostgresServer* server_;
  static std::string load_error_;
  TempDir dir_;
};

PostgresServer* Postgres::server_ = nullptr;
std::string Postgres::load_error_;

TEST_F(Postgres, EmbeddedRunMatchesCopyRowForRowInKeyOrder) {
  const std::string path =
      job("all", "SELECT * FROM t",
          "  split_rows: 40000\n  fetch_rows: 5000\n  password_file: pw.txt\n");
  auto result = run_job(path);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  // 900,000 keys, 300,000 rows, 40,000 a partition: 8 key ranges.
  EXPECT_EQ(part_files(dir_ / "out-all").size(), 8u);
  const std::string expected = copy_csv("SELECT * FROM t");
  ASSERT_EQ(
      std::count(expected.begin(), expected.end(), '\n'),
      kRows + 1 + kRows / 29 - kRows / (29 * 10) - kRows / (29 * 17) + kRows / (29 * 17 * 10));
  EXPECT_TRUE(concat_parts(dir_ / "out-all") == expected) << "output differs from COPY";
  auto verified = run({sluice_binary(), "verify", dir_ / "out-all"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  const std::string manifest = read_file(dir_ / "out-all/_MANIFEST.json");
  EXPECT_EQ(manifest.find(PostgresServer::kPassword), std::string::npos);
  EXPECT_EQ(result.err.find(PostgresServer::kPassword), std::string::npos);

  // The same job on the same rows is the same job: nothing new.
  auto again = run_job(path);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("finished before"), std::string::npos) << again.err;
}

TEST_F(Postgres, WorkerKilledMidReadStillGivesExactOutput) {
  const std::string path =
      job("killed", "SELECT * FROM t",
          "  split_rows: 50000\n  fetch_rows: 2000\n  password_file: pw.txt\n");
  CoordinatorProcess coordinator(dir_);
  ASSERT_FALSE(coordinator.endpoint().empty()) << coordinator.log();
  const std::string endpoint = coordinator.endpoint();
  // The victim kills itself (SIGKILL) at its 4th FETCH: inside its first
  // partition, with 6,000 rows read and a cursor
  // open on the server.
  Process victim({"env", "SLUICE_CRASH_AT=postgres-fetched:4", sluice_binary(), "worker",
                  "--coordinator", endpoint, "--slots", "1"},
                 dir_ / "victim.log");
  auto submitted = run({sluice_binary(), "submit", path, "--coordinator", endpoint}, dir_.path());
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  for (int i = 0; i < 600 && victim.running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (victim.running()) {
    victim.signal(SIGKILL);
    ADD_FAILURE() << "the victim never reached its 4th FETCH: " << read_file(dir_ / "victim.log");
  }
  EXPECT_EQ(victim.wait(), 128 + SIGKILL) << read_file(dir_ / "victim.log");
  EXPECT_NE(read_file(dir_ / "victim.log").find("crash point reached"), std::string::npos);

  Process survivor({sluice_binary(), "worker", "--coordinator", endpoint, "--slots", "2"},
                   dir_ / "survivor.log");
  auto waited =
      run({sluice_binary(), "submit", path, "--coordinator", endpoint, "--wait"}, dir_.path());
  ASSERT_EQ(waited.exit_code, 0) << waited.out << waited.err << coordinator.log();
  EXPECT_TRUE(concat_parts(dir_ / "out-killed") == copy_csv("SELECT * FROM t"))
      << "output differs from COPY";
  EXPECT_EQ(run({sluice_binary(), "verify", dir_ / "out-killed"}).exit_code, 0);
}

// The data lines of every part of `output_dir` (headers dropped), sorted:
// a join's rows as a multiset.
std::vector<std::string> sorted_part_lines(const std::string& output_dir) {
  std::vector<std::string> lines;
  for (const std::string& part : part_files(output_dir)) {
    std::istringstream in(read_file(output_dir + "/" + part));
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

// A join whose input is a PostgreSQL query, read by key ranges through the
// exchange with its own schema gate, against PostgreSQL's own FULL JOIN.
TEST_F(Postgres, JoinInputFromAQueryMatchesPostgresFullJoin) {
  auto tickets = server_->psql("COPY tickets TO STDOUT WITH (FORMAT csv, HEADER)");
  ASSERT_EQ(tickets.exit_code, 0) << tickets.err;
  write_file(dir_ / "tickets.csv", tickets.out);
  const std::string path = dir_ / "pgjoin.yaml";
  write_file(path,
             "name: pgjoin\n"
             "input:\n  path: tickets.csv\n  split_size: 128KiB\n"
             "steps:\n  - join:\n      input:\n        format: postgres\n"
             "        dsn: \"" +
                 server_->dsn() +
                 "\"\n"
                 "        query: \"SELECT id, name, amount FROM t\"\n"
                 "        key: id\n        split_rows: 40000\n"
                 "        password_file: pw.txt\n"
                 "        schema:\n          columns:\n"
                 "            name: {pattern: \"name [0-9]*[1-9]\"}\n"
                 "      on: {vid: id}\n      how: full\n      columns: [name, amount]\n"
                 "parallelism: 3\n"
                 "output:\n  path: out-pgjoin/\n");
  auto result = run_job(path);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.err.find("plan=exchange"), std::string::npos) << result.err;
  // The right side's rows whose name ends in 0 are its rejects.
  auto expected = server_->psql(
      "COPY (SELECT tickets.ticket, COALESCE(tickets.vid, r.id), r.name, r.amount FROM tickets "
      "FULL JOIN (SELECT id, name, amount FROM t WHERE name NOT LIKE '%0') r "
      "ON tickets.vid = r.id) TO STDOUT WITH (FORMAT csv)");
  ASSERT_EQ(expected.exit_code, 0) << expected.err;
  const std::vector<std::string> want = sorted_lines(expected.out);
  ASSERT_GT(want.size(), 300000u);
  EXPECT_TRUE(sorted_part_lines(dir_ / "out-pgjoin") == want)
      << "the joined rows differ from PostgreSQL's FULL JOIN";
  const std::vector<std::string> rejects = sorted_part_lines(dir_ / "out-pgjoin/_rejects");
  EXPECT_EQ(rejects.size(), static_cast<size_t>(kRows / 10));
  // A reject's offset is its key, negative ones too.
  const std::string key_of_name_10 = "\",-4970,\"column \"\"name\"\": value \"\"name 10\"\"";
  EXPECT_TRUE(std::any_of(rejects.begin(), rejects.end(), [&](const std::string& line) {
    return line.find(key_of_name_10) != std::string::npos;
  })) << rejects.front();
  EXPECT_EQ(run({sluice_binary(), "verify", dir_ / "out-pgjoin"}).exit_code, 0);
}

// A PostgreSQL query as the left side: its key ranges are the left map
// tasks, the steps before the join run on them.
TEST_F(Postgres, QueryJoinedWithFilesAsSemiJoin) {
  auto tickets = server_->psql("COPY tickets TO STDOUT WITH (FORMAT csv, HEADER)");
  ASSERT_EQ(tickets.exit_code, 0) << tickets.err;
  write_file(dir_ / "tickets.csv", tickets.out);
  const std::string path = job("semi", "SELECT id, name, amount FROM t",
                               "  split_rows: 100000\n  password_file: pw.txt\n",
                               "steps:\n  - filter: \"name <> 'name 7'\"\n  - join:\n"
                               "      input: {path: tickets.csv, split_size: 64KiB}\n"
                               "      on: {id: vid}\n      how: semi\n");
  auto result = run_job(path);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  auto expected = server_->psql(
      "COPY (SELECT id, name, amount FROM t WHERE name <> 'name 7' AND EXISTS "
      "(SELECT 1 FROM tickets WHERE tickets.vid = t.id)) TO STDOUT WITH (FORMAT csv)");
  ASSERT_EQ(expected.exit_code, 0) << expected.err;
  const std::vector<std::string> want = sorted_lines(expected.out);
  ASSERT_GT(want.size(), 10000u);
  EXPECT_TRUE(sorted_part_lines(dir_ / "out-semi") == want)
      << "the rows differ from PostgreSQL's semi join";
}

// A NULL reads as an empty field, as in a CSV input: the empty string in an
// untyped column, so the filter that drops NULL notes is note <> ''.
TEST_F(Postgres, PasswordFromEnvironmentAndStepsOverAQuery) {
  const std::string query = "SELECT id, name, note FROM t WHERE id < 20000";
  const std::string path =
      job("env", query, "  split_rows: 1000\n  password_env: SLUICE_TEST_PG_PASSWORD\n",
          "steps:\n  - filter: \"note <> ''\"\n  - select: [id, name]\n");
  ::setenv("SLUICE_TEST_PG_PASSWORD", PostgresServer::kPassword, 1);
  auto result = run_job(path);
  ::unsetenv("SLUICE_TEST_PG_PASSWORD");
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_TRUE(concat_parts(dir_ / "out-env") ==
              copy_csv("SELECT id, name FROM t WHERE id < 20000 AND note IS NOT NULL"));
}

// The same as a SQL statement (docs/SQL.md): postgres_query() is the input,
// WHERE and the select list its steps.
TEST_F(Postgres, SqlStatementReadsAQueryThroughPostgresQuery) {
  const std::string statement = "SELECT id, name FROM postgres_query('" + server_->dsn() +
                                "', 'SELECT id, name, note FROM t WHERE id < 20000', key='id', "
                                "split_rows=1000, password_file='pw.txt') WHERE note <> ''";
  auto result = run({sluice_binary(), "sql", statement, "--out", "out-sql", "--workers", "2",
                     "--state", dir_ / "state", "--no-progress"},
                    dir_.path());
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_GT(part_files(dir_ / "out-sql").size(), 5u);
  EXPECT_TRUE(concat_parts(dir_ / "out-sql") ==
              copy_csv("SELECT id, name FROM t WHERE id < 20000 AND note IS NOT NULL"));
}

// A row failing the schema goes to the rejects with its key as the offset
// and the row rendered as CSV as the raw record.
TEST_F(Postgres, SchemaRejectsCarryKeyAndRow) {
  const std::string path =
      job("rejects", "SELECT id, name, note FROM t WHERE id > 0 AND id < 3000",
          "  password_file: pw.txt\n", "schema:\n  columns:\n    note: {type: int64}\n");
  auto result = run_job(path);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  // 1000 rows (ids 1, 4, ... 2998); the 100 NULL notes pass as NULL, the rest are rejected.
  const std::string rejects = read_file(dir_ / "out-rejects/_rejects/part-00000.csv");
  EXPECT_NE(rejects.find(",1,"), std::string::npos) << rejects.substr(0, 500);
  EXPECT_NE(rejects.find("1,name 1667,n1667"), std::string::npos) << rejects.substr(0, 500);
  const std::string output = concat_parts(dir_ / "out-rejects");
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 101) << output.substr(0, 300);
  auto verified = run({sluice_binary(), "verify", dir_ / "out-rejects"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

// The job id covers the planned key bounds: the same rows give the same job,
// a row past the max key a new one; a change in place (bounds unchanged) does
// not (docs/POSTGRES.md: what a retry sees).
TEST_F(Postgres, JobIdentityIncludesThePlannedKeyBounds) {
  ASSERT_EQ(server_
                ->psql("CREATE TABLE grow (id int, v text); ALTER TABLE grow OWNER TO sluice;"
                       "INSERT INTO grow SELECT g, 'v' FROM generate_series(1, 100) g")
                .exit_code,
            0);
  const std::string path = job("grow", "SELECT * FROM grow", "  password_file: pw.txt\n");
  CoordinatorProcess coordinator(dir_);
  ASSERT_FALSE(coordinator.endpoint().empty()) << coordinator.log();
  auto submit = [&]() {
    auto submitted = run({sluice_binary(), "submit", path, "--coordinator", coordinator.endpoint()},
                         dir_.path());
    EXPECT_EQ(submitted.exit_code, 0) << submitted.err;
    return submitted.out.substr(0, 16);
  };
  const std::string first = submit();
  EXPECT_EQ(submit(), first);
  ASSERT_EQ(server_->psql("UPDATE grow SET v = 'w' WHERE id = 50").exit_code, 0);
  EXPECT_EQ(submit(), first);
  ASSERT_EQ(server_->psql("INSERT INTO grow VALUES (101, 'v')").exit_code, 0);
  // A new job: it is refused because the first one owns the output directory.
  auto again =
      run({sluice_binary(), "submit", path, "--coordinator", coordinator.endpoint()}, dir_.path());
  EXPECT_EQ(again.exit_code, 2) << again.out << again.err;
  EXPECT_NE(again.err.find("is being written by job " + first), std::string::npos) << again.err;
}

TEST_F(Postgres, EmptyQueryGivesOneEmptyPart) {
  const std::string path = job("empty", "SELECT * FROM empty", "  password_file: pw.txt\n");
  auto result = run_job(path);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(part_files(dir_ / "out-empty").size(), 1u);
  EXPECT_EQ(concat_parts(dir_ / "out-empty"), "id\n");
}

TEST_F(Postgres, WrongPasswordFailsClearlyWithoutShowingIt) {
  write_file(dir_ / "wrong.txt", "not-the-password-42\n");
  auto result = run_job(job("wrong", "SELECT * FROM t", "  password_file: wrong.txt\n"));
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("password authentication failed"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("not-the-password-42"), std::string::npos) << result.err;
}

TEST_F(Postgres, MissingPasswordFileOrVariableFailsClearly) {
  auto missing = run_job(job("missing", "SELECT * FROM t", "  password_file: nowhere.txt\n"));
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("input.password_file: cannot read"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("nowhere.txt"), std::string::npos) << missing.err;

  ::unsetenv("SLUICE_TEST_PG_UNSET");
  auto unset = run_job(job("unset", "SELECT * FROM t", "  password_env: SLUICE_TEST_PG_UNSET\n"));
  EXPECT_EQ(unset.exit_code, 2) << unset.err;
  EXPECT_NE(unset.err.find("SLUICE_TEST_PG_UNSET is not set"), std::string::npos) << unset.err;
}

TEST_F(Postgres, DsnWithPasswordIsRefused) {
  for (const std::string& dsn :
       {server_->dsn() + " password=" + PostgresServer::kPassword,
        std::string("postgresql://sluice:") + PostgresServer::kPassword +
            "@127.0.0.1:" + std::to_string(server_->port()) + "/sluicedb"}) {
    auto result = run_job(job("inline", "SELECT * FROM t", "", "", dsn));
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_NE(result.err.find("input.dsn: holds a password"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find(PostgresServer::kPassword), std::string::npos) << result.err;
  }
}

TEST_F(Postgres, KeyMustBeAnIntegerColumnWithoutNulls) {
  auto text_key = run_job(job("text-key", "SELECT name AS id FROM t", "  password_file: pw.txt\n"));
  EXPECT_EQ(text_key.exit_code, 2) << text_key.err;
  EXPECT_NE(text_key.err.find("the key must be an integer column"), std::string::npos)
      << text_key.err;
  auto null_key =
      run_job(job("null-key", "SELECT n AS id, word FROM words", "  password_file: pw.txt\n"));
  EXPECT_NE(null_key.exit_code, 0) << null_key.err;
  EXPECT_NE(null_key.err.find("have a NULL id"), std::string::npos) << null_key.err;
  auto no_key = run_job(job("no-key", "SELECT name FROM t", "  password_file: pw.txt\n"));
  EXPECT_EQ(no_key.exit_code, 2) << no_key.err;
  EXPECT_NE(no_key.err.find("'id' is not a column of the query"), std::string::npos) << no_key.err;
}

// The reader alone: a range of keys in small FETCHes; batches never mix two
// FETCHes and never exceed kBatchRowsMax; NULL reads as an empty field.
TEST_F(Postgres, RangeReaderFetchesBoundedBatchesOfItsRangeOnly) {
  InputSpec input;
  input.format = InputFormat::kPostgres;
  input.dsn = server_->dsn();
  input.query = "SELECT id, note FROM t;";
  input.key = "id";
  input.fetch_rows = 700;
  input.password_file = dir_ / "pw.txt";
  PostgresRangeOptions options;
  options.input = input;
  options.range.key_min = -4997;
  options.range.begin_offset = 3000;  // keys -1997 ..
  options.range.end_offset = 33000;   // .. 28002 (exclusive): 10,000 rows
  auto reader = PostgresRangeReader::open(options);
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  EXPECT_EQ(reader.value()->columns(), (std::vector<std::string>{"id", "note"}));
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  uint64_t rows = 0, nulls = 0;
  int64_t previous = -2000;
  while (true) {
    auto more = reader.value()->next(batch, rejects);
    ASSERT_TRUE(more.is_ok()) << more.status().to_string();
    if (!more.value()) break;
    ASSERT_LE(batch.row_count, 700u);
    for (size_t row = 0; row < batch.row_count; ++row) {
      const int64_t key = std::stoll(std::string(batch.field(row, 0)));
      EXPECT_EQ(key, previous + 3);
      EXPECT_EQ(static_cast<int64_t>(batch.offsets[row]), key);
      previous = key;
      if (batch.field(row, 1).empty()) nulls++;
    }
    rows += batch.row_count;
  }
  EXPECT_EQ(batch.row_count, 0u);
  EXPECT_EQ(rows, 10000u);
  EXPECT_EQ(nulls, 1000u);
  EXPECT_EQ(reader.value()->records_read(), 10000u);
  EXPECT_EQ(reader.value()->start_offset(), 3000u);
  EXPECT_EQ(reader.value()->end_offset(), 33000u);
}

}  // namespace
}  // namespace sluice::testing
