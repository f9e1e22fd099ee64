// --log-format json: every line every process writes to stderr is a JSON
// object with ts, level and msg, and what a line is about (job, partition,
// attempt, worker) are keys of their own. The job's name holds quotes, a
// backslash and a byte that is not UTF-8.
#include <gtest/gtest.h>
#include <re2/re2.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "tests/support/cluster.h"
#include "tests/support/coordinator_process.h"

namespace sluice::testing {
namespace {

// In YAML (double-quoted): say "hi" back\slash <0xFF> end.
const std::string kNameYaml = "\"say \\\"hi\\\" back\\\\slash \xff end\"";
// As a JSON log shows it: the byte that is not UTF-8 replaced by U+FFFD.
const std::string kNameLogged = "say \"hi\" back\\slash \xef\xbf\xbd end";

std::string job_yaml(const std::string& input) {
  return "name: " + kNameYaml + "\ninput:\n  path: " + input +
         "\n  split_size: 16KiB\noutput:\n  path: out/\n";
}

using LogLines = std::vector<nlohmann::json>;

// Parses every line of `text` (named `source` in failures) into `into`.
void parse_every_line(const std::string& source, const std::string& text, LogLines& into) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    SCOPED_TRACE(source + ": " + line);
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << "not JSON";
    ASSERT_TRUE(parsed.is_object());
    EXPECT_TRUE(parsed.contains("ts") && parsed["ts"].is_string());
    EXPECT_TRUE(parsed.contains("level") && parsed["level"].is_string());
    EXPECT_TRUE(parsed.contains("msg") && parsed["msg"].is_string());
    into.push_back(std::move(parsed));
  }
}

// Lines whose message names the job carry it as "job"; the job's name is
// there whole, as a key of its own.
void expect_job_keys(const LogLines& logs, const std::string& job_id) {
  size_t about_job = 0, with_name = 0;
  for (const nlohmann::json& line : logs) {
    const std::string msg = line["msg"];
    if (msg.find(job_id) == std::string::npos) continue;
    ++about_job;
    EXPECT_EQ(line.value("job", ""), job_id) << line.dump();
    if (line.contains("name")) {
      EXPECT_EQ(line["name"], kNameLogged) << line.dump();
      ++with_name;
    }
  }
  EXPECT_GT(about_job, 0u);
  EXPECT_GT(with_name, 0u);
}

bool any_line_with(const LogLines& logs, const std::vector<std::string>& keys) {
  for (const nlohmann::json& line : logs) {
    bool all = true;
    for (const std::string& key : keys) all = all && line.contains(key);
    if (all) return true;
  }
  return false;
}

class JsonLogs : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run({sluice_binary(), "gen", "parking", "--rows", "2000", "--seed", "3", "--out",
                   dir_ / "parking.csv"})
                  .exit_code,
              0);
    write_file(dir_ / "job.yaml", job_yaml(dir_ / "parking.csv"));
  }
  TempDir dir_;
};

TEST_F(JsonLogs, RunAndTheWorkersItForksLogJson) {
  // At info the forked workers log too (they default to warn otherwise).
  const CommandResult result =
      run({"env", "SLUICE_LOG_LEVEL=info", sluice_binary(), "run", dir_ / "job.yaml", "--workers",
           "2", "--no-progress", "--log-format", "json"},
          dir_.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::string job_id;
  ASSERT_TRUE(RE2::PartialMatch(result.out, "job ([0-9a-f]{16})", &job_id)) << result.out;
  LogLines logs;
  parse_every_line("sluice run", result.err, logs);
  expect_job_keys(logs, job_id);
  size_t worker_lines = 0;
  for (const nlohmann::json& line : logs) worker_lines += line["logger"] == "worker";
  EXPECT_GE(worker_lines, 2u) << "the forked workers' lines are missing";
  EXPECT_TRUE(any_line_with(logs, {"worker"}));
}

TEST_F(JsonLogs, CoordinatorWorkerAndClientLogJson) {
  CoordinatorProcess coordinator(dir_, {"--log-format", "json", "--log-level", "debug"});
  ASSERT_FALSE(coordinator.endpoint().empty()) << coordinator.log();
  Process worker({sluice_binary(), "worker", "--coordinator", coordinator.endpoint(),
                  "--log-format", "json", "--log-level", "debug"},
                 dir_ / "worker.log");
  const CommandResult submitted =
      run({sluice_binary(), "submit", dir_ / "job.yaml", "--coordinator", coordinator.endpoint(),
           "--wait", "--log-format", "json"},
          dir_.path());
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string job_id = submitted.out.substr(0, 16);
  // Submitting again says, as a JSON line, that the job exists.
  const CommandResult again = run({sluice_binary(), "submit", dir_ / "job.yaml", "--coordinator",
                                   coordinator.endpoint(), "--log-format", "json"},
                                  dir_.path());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  worker.signal(SIGTERM);
  worker.wait();
  coordinator.process().signal(SIGTERM);
  coordinator.process().wait();

  LogLines coordinator_logs, worker_logs, client_logs;
  parse_every_line("coordinator", coordinator.log(), coordinator_logs);
  parse_every_line("worker", read_file(dir_ / "worker.log"), worker_logs);
  parse_every_line("submit", submitted.err, client_logs);
  parse_every_line("submit again", again.err, client_logs);
  expect_job_keys(coordinator_logs, job_id);
  EXPECT_TRUE(any_line_with(coordinator_logs, {"job", "partition", "attempt", "worker"}));
  EXPECT_TRUE(any_line_with(worker_logs, {"job", "partition", "attempt"}));
  EXPECT_TRUE(any_line_with(worker_logs, {"worker"}));
  EXPECT_TRUE(any_line_with(client_logs, {"job"}));
}

}  // namespace
}  // namespace sluice::testing
