// The exec step with real child processes: JSON lines out and back, NULLs
// and types, declared output columns, a program that fails and then
// succeeds, one that hangs past its timeout (killed), stderr in messages,
// and a program that answers the wrong number of rows.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/job/job_file.h"
#include "common/pipeline/pipeline.h"
#include "common/spec/job_spec.h"
#include "tests/support/batch_rows.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

using testing::read_file;
using testing::source_dir;
using testing::TempDir;
using testing::write_file;

const std::vector<std::string> kColumns = {"id", "name", "amount"};

// Rows of kColumns that own the text their RecordBatch views.
struct Rows : testing::BatchRows {
  explicit Rows(std::vector<std::vector<std::string>> rows)
      : BatchRows(kColumns.size(), std::move(rows)) {}
};

std::string exec_dir() { return source_dir() + "/tests/data/exec"; }

JobSpec job(const std::string& steps, const std::string& schema = "") {
  const std::string yaml =
      "name: t\ninput: {path: in.csv, null_values: [NA]}\noutput: {path: out}\n" + schema + steps;
  auto spec = parse_job_spec(yaml, "job.yaml");
  EXPECT_TRUE(spec.is_ok()) << spec.status().message();
  JobSpec result = spec.value();
  result.base_dir = exec_dir();
  return result;
}

std::unique_ptr<Pipeline> compile(const JobSpec& spec) {
  auto pipeline = Pipeline::compile(spec, kColumns);
  EXPECT_TRUE(pipeline.is_ok()) << pipeline.status().message();
  return pipeline.is_ok() ? std::move(pipeline).value() : nullptr;
}

Status process(Pipeline& pipeline, const Rows& rows, std::vector<std::string>& lines) {
  OutputBatch output;
  std::vector<RejectedRecord> rejects;
  PipelineCounters counters;
  Status status = pipeline.process(rows.batch, output, rejects, counters);
  lines.clear();
  for (size_t r = 0; r < output.row_count; ++r) {
    std::string line;
    for (size_t c = 0; c < output.column_count; ++c) {
      if (c > 0) line += "|";
      line += output.is_null(r, c) ? "<NULL>" : std::string(output.field(r, c));
    }
    lines.push_back(line);
  }
  return status;
}

TEST(PipelineExec, UppercasesAFieldThroughAProgramKeptAcrossBatches) {
  auto pipeline =
      compile(job("steps:\n"
                  "  - filter: \"id <> '2'\"\n"
                  "  - exec: {command: [./upper.py, name], batch_rows: 2, timeout: 10s}\n"));
  ASSERT_NE(pipeline, nullptr);
  EXPECT_EQ(pipeline->output_columns(), kColumns);
  std::vector<std::string> lines;
  Rows first({{"1", "ann", "x"},
              {"2", "bob", "y"},
              {"3", "caf\xc3\xa9 \"q\"\n", "z"},
              {"4", "NA", "w"},
              {"5", "eve", "v"}});
  Status status = process(*pipeline, first, lines);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(lines, (std::vector<std::string>{"1|ANN|x", "3|CAF\xc3\x89 \"Q\"\n|z", "4|<NULL>|w",
                                             "5|EVE|v"}));
  Rows second({{"6", "fay", "u"}});
  status = process(*pipeline, second, lines);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(lines, (std::vector<std::string>{"6|FAY|u"}));
}

TEST(PipelineExec, SendsTypedValuesAndReadsDeclaredColumns) {
  TempDir dir;
  // Echoes each row's JSON text back as one string column, plus a number.
  write_file(dir / "echo.py",
             "import json, sys\n"
             "for line in sys.stdin:\n"
             "    sys.stdout.write(json.dumps({'json': line.strip(), 'n': 7, 'ok': True, "
             "'nothing': None}) + '\\n')\n"
             "    sys.stdout.flush()\n");
  JobSpec spec =
      job("steps:\n"
          "  - derive: {half: \"amount / 2\", when: \"CAST('2018-01-02' AS date)\"}\n"
          "  - exec: {command: [python3, echo.py], columns: [json, n, ok, nothing]}\n",
          "schema: {columns: {amount: int64}}\n");
  spec.base_dir = dir.path();
  auto pipeline = compile(spec);
  ASSERT_NE(pipeline, nullptr);
  EXPECT_EQ(pipeline->output_columns(), (std::vector<std::string>{"json", "n", "ok", "nothing"}));
  std::vector<std::string> lines;
  Rows rows({{"1", "a", "5"}, {"2", "NA", ""}});
  Status status = process(*pipeline, rows, lines);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(
      lines,
      (std::vector<std::string>{
          R"({"id":"1","name":"a","amount":5,"half":2.5,"when":"2018-01-02"}|7|true|<NULL>)",
          R"({"id":"2","name":null,"amount":null,"half":null,"when":"2018-01-02"}|7|true|<NULL>)"}));
}

TEST(PipelineExec, ProgramThatFailsTwiceSucceedsOnTheThirdTry) {
  TempDir dir;
  const std::string counter = dir / "starts";
  auto pipeline = compile(job("steps:\n  - exec: {command: [./flaky.py, " + counter +
                              ", 2, name], max_attempts: 3}\n"));
  ASSERT_NE(pipeline, nullptr);
  std::vector<std::string> lines;
  Rows rows({{"1", "ann", "x"}, {"2", "bob", "y"}});
  Status status = process(*pipeline, rows, lines);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(lines, (std::vector<std::string>{"1|ANN|x", "2|BOB|y"}));
  EXPECT_EQ(read_file(counter), "3");
}

TEST(PipelineExec, ProgramThatKeepsFailingFailsWithItsStderr) {
  TempDir dir;
  const std::string counter = dir / "starts";
  auto pipeline = compile(
      job("steps:\n  - exec: {command: [./flaky.py, " + counter + ", 5], max_attempts: 2}\n"));
  ASSERT_NE(pipeline, nullptr);
  std::vector<std::string> lines;
  Rows rows({{"1", "ann", "x"}});
  Status status = process(*pipeline, rows, lines);
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);  // the attempt fails; it is retried
  EXPECT_NE(status.message().find("job.yaml:5: steps[0].exec"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("failed 2 times"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("exited with status 3"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("stderr: flaky: failing on purpose, start 2"), std::string::npos)
      << status.message();
  EXPECT_EQ(read_file(counter), "2");
}

TEST(PipelineExec, HangingProgramIsKilledAtItsTimeout) {
  // A sleep of its own length: another test's hang.sh is not this one's.
  const std::string seconds = std::to_string(600000 + ::getpid() % 100000);
  auto pipeline = compile(job("steps:\n  - exec: {command: [./hang.sh, \"" + seconds +
                              "\"], timeout: 300ms, max_attempts: 2}\n"));
  ASSERT_NE(pipeline, nullptr);
  std::vector<std::string> lines;
  Rows rows({{"1", "ann", "x"}});
  const auto start = std::chrono::steady_clock::now();
  Status status = process(*pipeline, rows, lines);
  const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("no answer to 1 rows within 300ms (0 answered); killed"),
            std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("hang: going to sleep"), std::string::npos) << status.message();
  EXPECT_LT(elapsed_ms, 5000);
  // The process group is gone: its sleep is not left behind.
  const auto pgrep = testing::run({"pgrep", "-f", "^sleep " + seconds + "$"});
  EXPECT_NE(pgrep.exit_code, 0) << pgrep.out;
}

TEST(PipelineExec, WrongNumberOfAnswersIsAnError) {
  TempDir dir;
  write_file(dir / "twice.py",
             "import sys\n"
             "for line in sys.stdin:\n"
             "    sys.stdout.write(line + line)\n"
             "    sys.stdout.flush()\n");
  JobSpec spec = job("steps:\n  - exec: {command: [python3, twice.py], max_attempts: 1}\n");
  spec.base_dir = dir.path();
  auto pipeline = compile(spec);
  ASSERT_NE(pipeline, nullptr);
  std::vector<std::string> lines;
  // One row: both answers come in one write. Two batches of one row: the
  // second answer waits in the pipe and is refused before the next batch.
  Rows one({{"1", "ann", "x"}});
  Status status = process(*pipeline, one, lines);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("more rows than"), std::string::npos) << status.message();
}

TEST(PipelineExec, UnknownKeyInAnAnswerIsAnError) {
  TempDir dir;
  write_file(dir / "extra.py",
             "import sys\n"
             "for line in sys.stdin:\n"
             "    sys.stdout.write('{\"surprise\": 1}\\n')\n"
             "    sys.stdout.flush()\n");
  JobSpec spec = job("steps:\n  - exec: {command: [python3, extra.py], max_attempts: 1}\n");
  spec.base_dir = dir.path();
  auto pipeline = compile(spec);
  ASSERT_NE(pipeline, nullptr);
  std::vector<std::string> lines;
  Rows rows({{"1", "ann", "x"}});
  Status status = process(*pipeline, rows, lines);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("has the key \"surprise\""), std::string::npos)
      << status.message();
}

TEST(PipelineExec, CompileChecksTheCommandAndShapes) {
  auto missing = Pipeline::compile(job("steps:\n  - exec: {command: [./nope.py]}\n"), kColumns);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("steps[0].exec.command: " + exec_dir() +
                                            "/nope.py is not an executable file"),
            std::string::npos)
      << missing.status().message();
  auto parsed = parse_job_spec(
      "name: t\ninput: {path: in.csv}\noutput: {path: out}\nsteps:\n"
      "  - exec: {command: [x], batch_rows: 0}\n",
      "job.yaml");
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_NE(parsed.status().message().find("job.yaml:5: steps[0].exec.batch_rows: must be"),
            std::string::npos)
      << parsed.status().message();
  auto after_aggregate =
      Pipeline::compile(job("steps:\n  - aggregate: {by: [name], aggs: {n: \"count(*)\"}}\n"
                            "  - exec: {command: [cat]}\n"),
                        kColumns);
  ASSERT_FALSE(after_aggregate.is_ok());
  EXPECT_NE(after_aggregate.status().message().find("not supported after an aggregate"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice
