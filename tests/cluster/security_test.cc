// CurveZMQ: only workers and clients whose public keys are authorized get
// anything from the coordinator; strangers and plaintext peers are refused
// and the attempt is logged.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "tests/cluster/job_files.h"
#include "tests/support/cluster.h"
#include "tests/support/coordinator_process.h"

namespace sluice::testing {
namespace {

class Security : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"coordinator", "worker", "client", "stranger"}) {
      auto made = run({sluice_binary(), "keygen", "--out", dir_ / name});
      ASSERT_EQ(made.exit_code, 0) << made.err;
    }
    write_file(dir_ / "authorized", "# workers and clients\n" + read_file(dir_ / "worker.pub") +
                                        read_file(dir_ / "client.pub"));
    auto generated = run({sluice_binary(), "gen", "parking", "--rows", "3000", "--seed", "4",
                          "--out", dir_ / "parking.csv"});
    ASSERT_EQ(generated.exit_code, 0) << generated.err;
    write_file(dir_ / "w1.yaml", w1_job(dir_ / "parking.csv", "out/", "32KiB"));
  }

  std::vector<std::string> client_keys(const std::string& who) {
    return {"--curve-secret", dir_ / (who + ".key"), "--coordinator-key", dir_ / "coordinator.pub"};
  }

  std::vector<std::string> server_keys() {
    return {"--curve-secret", dir_ / "coordinator.key", "--authorized-keys", dir_ / "authorized"};
  }

  TempDir dir_;
};

TEST_F(Security, KeygenWritesSecretKeyReadableOnlyByOwner) {
  struct stat info {};
  ASSERT_EQ(::stat((dir_ / "worker.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(read_file(dir_ / "worker.pub").size(), 41u);  // 40 Z85 characters and a newline
}

TEST_F(Security, AuthorizedWorkerAndClientRunAJob) {
  CoordinatorProcess coordinator(dir_, server_keys());
  ASSERT_FALSE(coordinator.endpoint().empty()) << coordinator.log();
  std::vector<std::string> worker_argv = {sluice_binary(), "worker", "--coordinator",
                                          coordinator.endpoint()};
  for (const std::string& flag : client_keys("worker")) worker_argv.push_back(flag);
  Process worker(worker_argv, dir_ / "worker.log");
  std::vector<std::string> submit = {sluice_binary(),        "submit",
                                     dir_ / "w1.yaml",       "--coordinator",
                                     coordinator.endpoint(), "--wait"};
  for (const std::string& flag : client_keys("client")) submit.push_back(flag);
  auto result = run(submit, dir_.path());
  ASSERT_EQ(result.exit_code, 0) << result.err << coordinator.log();
  EXPECT_EQ(run({sluice_binary(), "verify", dir_ / "out"}).exit_code, 0);
  EXPECT_NE(coordinator.log().find("CURVE on"), std::string::npos);
}

TEST_F(Security, StrangerAndPlaintextPeersGetNothing) {
  CoordinatorProcess coordinator(dir_, server_keys());
  ASSERT_FALSE(coordinator.endpoint().empty()) << coordinator.log();
  // A worker with a key that is not authorized.
  std::vector<std::string> stranger = {sluice_binary(), "worker", "--coordinator",
                                       coordinator.endpoint()};
  for (const std::string& flag : client_keys("stranger")) stranger.push_back(flag);
  Process stranger_worker(stranger, dir_ / "stranger.log");
  // A plaintext worker.
  Process plaintext_worker({sluice_binary(), "worker", "--coordinator", coordinator.endpoint()},
                           dir_ / "plaintext.log");
  // The authorized client submits; with only strangers around nothing runs.
  std::vector<std::string> submit = {sluice_binary(), "submit", dir_ / "w1.yaml", "--coordinator",
                                     coordinator.endpoint()};
  for (const std::string& flag : client_keys("client")) submit.push_back(flag);
  auto submitted = run(submit, dir_.path());
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;

  // A plaintext client gets no answer at all: it gives up after its 10 s
  // timeout, all the while the strangers keep trying.
  auto plaintext_status = run({sluice_binary(), "status", "--coordinator", coordinator.endpoint()});
  EXPECT_EQ(plaintext_status.exit_code, 1);
  EXPECT_NE(plaintext_status.err.find("no answer"), std::string::npos) << plaintext_status.err;

  // Those 10 s later, nothing has run.
  std::vector<std::string> status = {sluice_binary(), "status", "--coordinator",
                                     coordinator.endpoint()};
  for (const std::string& flag : client_keys("client")) status.push_back(flag);
  auto seen = run(status);
  ASSERT_EQ(seen.exit_code, 0) << seen.err;
  EXPECT_NE(seen.out.find("workers connected: 0"), std::string::npos) << seen.out;
  EXPECT_NE(seen.out.find(" 0/"), std::string::npos) << "no partition may be done: " << seen.out;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out/part-00000.csv"));
  EXPECT_NE(coordinator.log().find("peer denied"), std::string::npos) << coordinator.log();
}

}  // namespace
}  // namespace sluice::testing
