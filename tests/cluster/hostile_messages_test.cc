// A coordinator never crashes on a hostile peer: random frames, truncated and
// bit-flipped messages, oversized frames, extra frames, and well-formed
// messages with absurd fields are dropped and logged, and it keeps serving.
// The peers here are raw ZeroMQ sockets (a hostile peer is not a
// proto::Link); their well-formed messages come from proto/wire.h.
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <thread>
#include <variant>
#include <zmq.hpp>

#include "proto/wire.h"
#include "tests/support/cluster.h"
#include "tests/support/coordinator_process.h"

namespace sluice::testing {
namespace {

zmq::message_t frame_of(const proto::Message& message) {
  const std::string bytes = proto::encode(message);
  return zmq::message_t(bytes.data(), bytes.size());
}

zmq::message_t done_message(uint32_t partition, uint64_t start, uint64_t end) {
  proto::Done done{{"0000000000000000", partition, 1}, {}};
  done.stats.rows_in = 10;
  done.stats.rows_out = 3;
  done.stats.start_offset = start;
  done.stats.end_offset = end;
  return frame_of(done);
}

TEST(HostileMessages, CoordinatorSurvivesAndKeepsServing) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  TempDir dir;
  CoordinatorProcess coordinator(dir);
  ASSERT_FALSE(coordinator.endpoint().empty()) << coordinator.log();

  zmq::context_t context;
  zmq::socket_t peer(context, zmq::socket_type::dealer);
  peer.set(zmq::sockopt::linger, 0);
  peer.connect(coordinator.endpoint());

  // Random bytes of random lengths.
  for (int i = 0; i < 300; ++i) {
    std::string bytes(random() % 512, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    peer.send(zmq::buffer(bytes), zmq::send_flags::none);
  }
  // Valid messages, truncated and with flipped bits.
  const zmq::message_t valid = done_message(0, 0, 10);
  const std::string valid_bytes(static_cast<const char*>(valid.data()), valid.size());
  for (int i = 0; i < 300; ++i) {
    std::string bytes = valid_bytes;
    if (i % 2 == 0) {
      bytes.resize(random() % bytes.size());
    } else {
      for (int flips = 0; flips < 4; ++flips) bytes[random() % bytes.size()] ^= 1 << (random() % 8);
    }
    peer.send(zmq::buffer(bytes), zmq::send_flags::none);
  }
  // Well-formed messages with absurd fields: unknown job, offsets backwards,
  // a huge partition number, a Register claiming a billion slots.
  peer.send(done_message(7, 100, 5), zmq::send_flags::none);
  peer.send(done_message(4'000'000'000u, 0, UINT64_MAX), zmq::send_flags::none);
  peer.send(frame_of(proto::Register{std::string(100, '\x01'), 1'000'000'000, "", 0,
                                     proto::kProtocolVersion}),
            zmq::send_flags::none);
  // Several frames in one message.
  peer.send(zmq::str_buffer("a"), zmq::send_flags::sndmore);
  peer.send(zmq::str_buffer("b"), zmq::send_flags::none);
  // A frame over the size limit: the coordinator's socket drops the peer.
  {
    zmq::socket_t big(context, zmq::socket_type::dealer);
    big.set(zmq::sockopt::linger, 0);
    big.connect(coordinator.endpoint());
    std::string huge(4 << 20, 'x');
    big.send(zmq::buffer(huge), zmq::send_flags::none);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  ASSERT_TRUE(coordinator.process().running()) << "seed=" << seed << "\n" << coordinator.log();
  auto status = run({sluice_binary(), "status", "--coordinator", coordinator.endpoint()});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(coordinator.log().find("message dropped"), std::string::npos);
}

// Reads frames until one decodes to a message of `kind` (other messages, such
// as heartbeats, are skipped), for up to 10 s.
template <typename Kind>
std::optional<Kind> receive(zmq::socket_t& socket) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    zmq::message_t frame;
    if (!socket.recv(frame, zmq::recv_flags::dontwait)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    auto decoded =
        proto::decode(std::string_view(static_cast<const char*>(frame.data()), frame.size()));
    if (decoded.is_ok() && std::holds_alternative<Kind>(decoded.value())) {
      return std::get<Kind>(std::move(decoded).value());
    }
  }
  return std::nullopt;
}

// A worker's failure reason is stored in the ledger and shown in status as
// JSON: bytes that are not UTF-8 must neither stop the coordinator nor be
// lost (found by coordinator_message_fuzz).
TEST(HostileMessages, FailureReasonThatIsNotUtf8IsKept) {
  TempDir dir;
  write_file(dir / "in.csv", "a,b\n1,2\n");
  write_file(dir / "job.yaml", "name: t\ninput: {path: in.csv}\noutput: {path: out/}\n");
  CoordinatorProcess coordinator(dir);
  ASSERT_FALSE(coordinator.endpoint().empty()) << coordinator.log();
  auto submitted = run(
      {sluice_binary(), "submit", "job.yaml", "--coordinator", coordinator.endpoint()}, dir.path());
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;

  zmq::context_t context;
  zmq::socket_t worker(context, zmq::socket_type::dealer);
  worker.set(zmq::sockopt::linger, 0);
  worker.set(zmq::sockopt::routing_id, "hostile-worker");
  worker.connect(coordinator.endpoint());
  worker.send(frame_of(proto::Register{"hostile-worker", 1, "", 0, proto::kProtocolVersion}),
              zmq::send_flags::none);
  ASSERT_TRUE(receive<proto::Welcome>(worker).has_value()) << coordinator.log();
  worker.send(frame_of(proto::RequestWork{1}), zmq::send_flags::none);
  auto task = receive<proto::Task>(worker);
  ASSERT_TRUE(task.has_value()) << coordinator.log();
  worker.send(frame_of(proto::Failed{task->attempt_id(), "bad \xff\xfe bytes", false, false, 0}),
              zmq::send_flags::none);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_TRUE(coordinator.process().running()) << coordinator.log();
  auto status = run({sluice_binary(), "status", submitted.out.substr(0, 16), "--coordinator",
                     coordinator.endpoint()});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("failed"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("bad "), std::string::npos) << status.out;
}

}  // namespace
}  // namespace sluice::testing
