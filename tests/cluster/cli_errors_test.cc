// Bad endpoints and bad flags, on every subcommand that takes them: one line
// on stderr naming the problem, exit 2, at once. Never an exception reaching
// std::terminate (exit 134), never a worker reconnecting forever to a port
// that cannot exist.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "tests/cluster/job_files.h"
#include "tests/support/cluster.h"

namespace sluice::testing {
namespace {

constexpr int kElapsedMsMax = 5000;  // the check needs no network: well under this

struct Case {
  std::vector<std::string> args;  // after the binary
  std::string needle;             // what the one line must name
};

// Runs each case under `timeout` (a hang ends as exit 124 after 8 s) and
// checks exit 2, exactly one line on stderr holding the needle, no
// "terminate", done in a few seconds.
void expect_one_line_usage_errors(const std::vector<Case>& cases, const std::string& cwd) {
  for (const Case& item : cases) {
    std::vector<std::string> argv = {"timeout", "8", sluice_binary()};
    argv.insert(argv.end(), item.args.begin(), item.args.end());
    std::string shown;
    for (const std::string& arg : item.args) shown += " " + arg;
    SCOPED_TRACE("sluice" + shown);
    const auto started = std::chrono::steady_clock::now();
    const CommandResult result = run(argv, cwd);
    const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_TRUE(!result.err.empty() && result.err.back() == '\n') << result.err;
    EXPECT_NE(result.err.find(item.needle), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("terminate"), std::string::npos) << result.err;
    EXPECT_LT(elapsed_ms, kElapsedMsMax);
  }
}

// Malformed, unresolvable, over 65535, no port.
const std::vector<std::pair<std::string, std::string>> kBadEndpoints = {
    {"not-an-endpoint", "not-an-endpoint"},
    {"tcp://nohost.invalid:7700", "nohost.invalid"},
    {"tcp://127.0.0.1:99999", "99999"},
    {"tcp://127.0.0.1:", "port"},
    // Once accepted by the check and refused by libzmq after a socket was
    // made (exit 1, "worker socket error"): an abstract socket with no name,
    // port 0 written as 00 (bind).
    {"ipc://@", "ipc://@"},
    {"tcp://127.0.0.1:00", "127.0.0.1:00"},
};

class CliErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(
        run({sluice_binary(), "gen", "parking", "--rows", "100", "--out", dir_ / "parking.csv"})
            .exit_code,
        0);
    write_file(dir_ / "job.yaml", passthrough_job(dir_ / "parking.csv", "out/", "64KiB"));
  }
  TempDir dir_;
};

TEST_F(CliErrors, BadCoordinatorEndpointIsOneLineOnEveryClientAndWorker) {
  std::vector<Case> cases;
  for (const auto& [endpoint, needle] : kBadEndpoints) {
    cases.push_back({{"status", "--coordinator", endpoint}, needle});
    cases.push_back({{"cancel", "0123456789abcdef", "--coordinator", endpoint}, needle});
    cases.push_back({{"submit", dir_ / "job.yaml", "--coordinator", endpoint}, needle});
    cases.push_back({{"submit", dir_ / "job.yaml", "--wait", "--coordinator", endpoint}, needle});
    cases.push_back({{"worker", "--coordinator", endpoint}, needle});
  }
  // The worker of the issue: an unknown host and a port that cannot exist.
  cases.push_back({{"worker", "--coordinator", "tcp://nohost:99999"}, "99999"});
  expect_one_line_usage_errors(cases, dir_.path());
}

TEST_F(CliErrors, BadEndpointFromTheEnvironmentIsOneLine) {
  const CommandResult result =
      run({"timeout", "8", "env", "SLUICE_COORDINATOR=tcp://127.0.0.1:99999", sluice_binary(),
           "status"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_NE(result.err.find("99999"), std::string::npos) << result.err;
}

TEST_F(CliErrors, BadListenAndHttpAddressesAreOneLine) {
  std::vector<Case> cases;
  for (const auto& [endpoint, needle] : kBadEndpoints) {
    cases.push_back({{"coordinator", "--state", dir_ / "state", "--listen", endpoint}, needle});
  }
  cases.push_back({{"coordinator", "--state", dir_ / "state", "--listen", "tcp://127.0.0.1:0",
                    "--http", "127.0.0.1:99999"},
                   "99999"});
  cases.push_back({{"coordinator", "--state", dir_ / "state", "--listen", "tcp://127.0.0.1:0",
                    "--http", "no-port"},
                   "--http"});
  // `sluice run --http`: checked before the job is even loaded.
  cases.push_back({{"run", dir_ / "job.yaml", "--http", "127.0.0.1:99999"}, "99999"});
  cases.push_back({{"run", dir_ / "job.yaml", "--http", "no-port"}, "--http"});
  expect_one_line_usage_errors(cases, dir_.path());
}

TEST_F(CliErrors, BadFlagsAreOneLine) {
  const std::string job = dir_ / "job.yaml";
  const std::string endpoint = "tcp://127.0.0.1:7700";
  std::vector<Case> cases = {
      {{"worker", "--coordinator", endpoint, "--slots", "-1"}, "--slots"},
      {{"worker", "--coordinator", endpoint, "--slots", "many"}, "--slots"},
      {{"run", job, "--workers", "abc"}, "--workers"},
      {{"run", job, "--workers", "-1"}, "--workers"},
      {{"--log-format", "xml", "verify", dir_ / "nothing"}, "--log-format"},
      {{"--log-level", "loud", "verify", dir_ / "nothing"}, "--log-level"},
      {{"status"}, "--coordinator"},  // required
      {{"no-such-subcommand"}, "no-such-subcommand"},
  };
  // An unknown flag on every subcommand.
  const std::vector<std::vector<std::string>> subcommands = {
      {"run", job},
      {"check", job},
      {"coordinator", "--state", dir_ / "state"},
      {"worker", "--coordinator", endpoint},
      {"submit", job, "--coordinator", endpoint},
      {"status", "--coordinator", endpoint},
      {"cancel", "0123456789abcdef", "--coordinator", endpoint},
      {"verify", dir_ / "out"},
      {"keygen", "--out", dir_ / "key"},
      {"gen", "parking", "--out", dir_ / "gen.csv"},
  };
  for (std::vector<std::string> args : subcommands) {
    args.push_back("--no-such-flag");
    cases.push_back({args, "--no-such-flag"});
  }
  expect_one_line_usage_errors(cases, dir_.path());
}

}  // namespace
}  // namespace sluice::testing
