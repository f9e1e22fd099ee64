// Several hosts: three network namespaces joined by a bridge (a fourth
// namespace acting as the switch), the coordinator on one and a worker on
// each of the others, CURVE on, a shared directory for data. One worker's
// link is cut mid-job; the job still ends with the exact output.
#include <gtest/gtest.h>
#include <re2/re2.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "tests/cluster/job_files.h"
#include "tests/support/cluster.h"

namespace sluice::testing {
namespace {

class Hosts : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = "slh" + std::to_string(::getpid() % 100000);
    if (!ip({"netns", "add", ns("sw")})) {
      GTEST_SKIP() << "cannot create network namespaces here (needs root and iproute2)";
    }
    created_ = true;
    ASSERT_TRUE(in(ns("sw"), {"ip", "link", "add", "br0", "type", "bridge"}));
    ASSERT_TRUE(in(ns("sw"), {"ip", "link", "set", "br0", "up"}));
    for (int host = 1; host <= 3; ++host) {
      const std::string h = ns("h" + std::to_string(host));
      const std::string inner = prefix_ + "a" + std::to_string(host);
      const std::string outer = prefix_ + "b" + std::to_string(host);
      ASSERT_TRUE(ip({"netns", "add", h}));
      ASSERT_TRUE(ip({"link", "add", inner, "type", "veth", "peer", "name", outer}));
      ASSERT_TRUE(ip({"link", "set", inner, "netns", h}));
      ASSERT_TRUE(ip({"link", "set", outer, "netns", ns("sw")}));
      ASSERT_TRUE(in(h, {"ip", "addr", "add", address(host) + "/24", "dev", inner}));
      ASSERT_TRUE(in(h, {"ip", "link", "set", inner, "up"}));
      ASSERT_TRUE(in(h, {"ip", "link", "set", "lo", "up"}));
      ASSERT_TRUE(in(ns("sw"), {"ip", "link", "set", outer, "master", "br0"}));
      ASSERT_TRUE(in(ns("sw"), {"ip", "link", "set", outer, "up"}));
    }
  }

  void TearDown() override {
    processes_.clear();  // stop the processes before their namespaces go
    if (!created_) return;
    for (const char* name : {"h1", "h2", "h3", "sw"}) ip({"netns", "del", ns(name)});
  }

  std::string ns(const std::string& name) const { return prefix_ + "-" + name; }
  static std::string address(int host) { return "10.231.77." + std::to_string(host); }

  static bool ip(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"ip"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv).exit_code == 0;
  }
  static bool in(const std::string& netns, const std::vector<std::string>& command) {
    return run(exec_in(netns, command)).exit_code == 0;
  }
  static std::vector<std::string> exec_in(const std::string& netns,
                                          const std::vector<std::string>& command) {
    std::vector<std::string> argv = {"ip", "netns", "exec", netns};
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
  }

  Process& start(const std::string& netns, const std::vector<std::string>& command,
                 const std::string& log) {
    processes_.push_back(
        std::make_unique<Process>(exec_in(netns, command), dir_ / log, dir_.path()));
    return *processes_.back();
  }

  std::vector<std::string> keys(const std::string& who) {
    return {"--curve-secret", dir_ / (who + ".key"), "--coordinator-key", dir_ / "coordinator.pub"};
  }

  TempDir dir_;
  std::string prefix_;
  bool created_ = false;
  std::vector<std::unique_ptr<Process>> processes_;
};

TEST_F(Hosts, CutWorkerLinkMidJobWithCurveGivesExactOutput) {
  for (const char* name : {"coordinator", "worker2", "worker3", "client"}) {
    ASSERT_EQ(run({sluice_binary(), "keygen", "--out", dir_ / name}).exit_code, 0);
  }
  write_file(dir_ / "authorized", read_file(dir_ / "worker2.pub") +
                                      read_file(dir_ / "worker3.pub") +
                                      read_file(dir_ / "client.pub"));
  ASSERT_EQ(run({sluice_binary(), "gen", "parking", "--rows", "30000", "--seed", "21", "--out",
                 dir_ / "parking.csv"})
                .exit_code,
            0);
  write_file(dir_ / "w1.yaml", w1_job(dir_ / "parking.csv", "out/", "32KiB"));
  const std::string endpoint = "tcp://" + address(1) + ":7700";

  start(ns("h1"),
        {sluice_binary(), "coordinator", "--listen", endpoint, "--state", dir_ / "state",
         "--curve-secret", dir_ / "coordinator.key", "--authorized-keys", dir_ / "authorized"},
        "coordinator.log");
  wait_for_text(dir_ / "coordinator.log", "--coordinator tcp://", 10000);
  for (int host : {2, 3}) {
    std::vector<std::string> worker = {sluice_binary(), "worker", "--coordinator", endpoint};
    for (const std::string& flag : keys("worker" + std::to_string(host))) worker.push_back(flag);
    start(ns("h" + std::to_string(host)), worker, "worker" + std::to_string(host) + ".log");
  }
  std::vector<std::string> submit = {sluice_binary(), "submit", dir_ / "w1.yaml", "--coordinator",
                                     endpoint};
  for (const std::string& flag : keys("client")) submit.push_back(flag);
  // The client runs on host 2's side of the network.
  auto submitted = run(exec_in(ns("h2"), submit), dir_.path());
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err << read_file(dir_ / "coordinator.log");

  // Cut host 2's link once the job is under way.
  std::vector<std::string> status = {sluice_binary(), "status", "--coordinator", endpoint};
  for (const std::string& flag : keys("client")) status.push_back(flag);
  bool cut = false;
  for (int i = 0; i < 300 && !cut; ++i) {
    auto seen = run(exec_in(ns("h3"), status));
    int finished = 0;
    if (RE2::PartialMatch(seen.out, " ([0-9]+)/[0-9]+ ", &finished) && finished >= 10) {
      ASSERT_TRUE(in(ns("h2"), {"ip", "link", "set", prefix_ + "a2", "down"}));
      cut = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(cut) << "the job never got under way\n" << read_file(dir_ / "coordinator.log");

  std::vector<std::string> wait = submit;
  wait.push_back("--wait");
  auto finished = run(exec_in(ns("h3"), wait), dir_.path());
  ASSERT_EQ(finished.exit_code, 0) << finished.err << read_file(dir_ / "coordinator.log");
  ASSERT_TRUE(in(ns("h2"), {"ip", "link", "set", prefix_ + "a2", "up"}));

  const std::string reference = dir_ / "reference.csv";
  ASSERT_EQ(run({"python3", source_dir() + "/tests/reference/reference.py", "w1",
                 dir_ / "parking.csv", reference})
                .exit_code,
            0);
  EXPECT_EQ(concat_parts(dir_ / "out"), read_file(reference));
  EXPECT_EQ(run({sluice_binary(), "verify", dir_ / "out"}).exit_code, 0);
  // Whether host 2 held a lease at the instant of the cut is timing (a
  // partition takes milliseconds); either way the output is exact, and the
  // coordinator expires the silent worker within kLeaseMs of the cut — the
  // job may have finished before that.
  const std::string log = wait_for_text(dir_ / "coordinator.log", "worker expired", 10000);
  EXPECT_NE(log.find("worker expired"), std::string::npos) << log;
  EXPECT_NE(log.find("CURVE on"), std::string::npos);
}

}  // namespace
}  // namespace sluice::testing
