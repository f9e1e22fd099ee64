// Workers and coordinators of different sluice versions do not talk
// (proto/messages.h kProtocolVersion): a real coordinator refuses the
// Register of another version with a reply saying so, and a real worker
// refused so exits with that reason instead of misreading Tasks.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <thread>
#include <variant>

#include "proto/link.h"
#include "tests/support/cluster.h"
#include "tests/support/coordinator_process.h"
#include "tests/support/next_message.h"

namespace sluice::testing {
namespace {

TEST(ProtocolVersion, ACoordinatorRefusesAWorkerOfAnotherVersion) {
  TempDir dir;
  CoordinatorProcess coordinator(dir);
  ASSERT_FALSE(coordinator.endpoint().empty()) << coordinator.log();
  proto::DialOptions options;
  options.routing_id = "old-worker";
  auto dialled = proto::Link::dial(coordinator.endpoint(), options);
  ASSERT_TRUE(dialled.is_ok()) << dialled.status().to_string();
  proto::Link& link = *dialled.value();
  proto::Register old_worker{"old-worker", 1, "host", 1, proto::kProtocolVersion - 1};
  ASSERT_TRUE(link.send(old_worker).is_ok());
  const auto refused = next_message<proto::ErrorReply>(link);
  ASSERT_TRUE(refused.has_value()) << coordinator.log();
  EXPECT_EQ(refused->message.rfind(proto::kVersionMismatch, 0), 0u) << refused->message;
  EXPECT_NE(refused->message.find(std::to_string(proto::kProtocolVersion)), std::string::npos)
      << refused->message;

  // Refused, not registered: the same worker of this version is welcome.
  proto::Register this_worker{"old-worker", 1, "host", 1, proto::kProtocolVersion};
  ASSERT_TRUE(link.send(this_worker).is_ok());
  EXPECT_TRUE(next_message<proto::Welcome>(link).has_value()) << coordinator.log();
  EXPECT_NE(coordinator.log().find("worker refused"), std::string::npos) << coordinator.log();
  EXPECT_TRUE(coordinator.process().running());
}

TEST(ProtocolVersion, AWorkerRefusedForItsVersionExitsSayingWhy) {
  TempDir dir;
  PlayedCoordinator played(dir);
  ASSERT_TRUE(played.link) << played.error;
  ASSERT_TRUE(played.registration.has_value()) << played.worker_log();
  EXPECT_EQ(played.registration->protocol_version, proto::kProtocolVersion);
  proto::Link& link = *played.link;
  const std::string& peer = played.peer;
  Process& worker = *played.worker;
  const std::string reason = std::string(proto::kVersionMismatch) +
                             ": the worker speaks 2, the coordinator 3; run one sluice "
                             "version on every host";
  ASSERT_TRUE(link.send_to(peer, proto::ErrorReply{reason}).is_ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (worker.running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(worker.running()) << "still running: " << read_file(dir / "worker.log");
  const int exit_code = worker.wait();
  EXPECT_NE(exit_code, 0) << read_file(dir / "worker.log");
  EXPECT_LT(exit_code, 128) << "killed, not exited: " << read_file(dir / "worker.log");
  EXPECT_NE(read_file(dir / "worker.log").find(reason), std::string::npos)
      << read_file(dir / "worker.log");
}

}  // namespace
}  // namespace sluice::testing
