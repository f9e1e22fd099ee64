// proto::Link on loopback: a DEALER's typed messages reach the ROUTER with
// the sender's routing id and back; what cannot be done is a Status, never
// an exception (a bad endpoint, a message over the size limit).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <variant>

#include "common/base/limits.h"
#include "proto/link.h"

namespace sluice::proto {
namespace {

// The next message on `link` within 5 s.
std::optional<Received> next(Link& link) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto received = link.receive()) return received;
    link.poll(50);
  }
  return std::nullopt;
}

TEST(Link, TypedMessagesGoBothWays) {
  auto server = Link::listen("tcp://127.0.0.1:0", ServerSecurity{});
  ASSERT_TRUE(server.is_ok()) << server.status().to_string();
  EXPECT_NE(server.value()->endpoint().find("tcp://127.0.0.1:"), std::string::npos);
  DialOptions options;
  options.routing_id = "worker-1";
  auto client = Link::dial(server.value()->endpoint(), options);
  ASSERT_TRUE(client.is_ok()) << client.status().to_string();

  ASSERT_TRUE(client.value()->send(Register{"worker-1", 2, "host", 7, 1}).is_ok());
  auto received = next(*server.value());
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->peer, "worker-1");
  ASSERT_TRUE(received->message.is_ok());
  EXPECT_TRUE(received->message.value() == Message(Register{"worker-1", 2, "host", 7, 1}));

  Task task;
  task.job_id = "job";
  task.input = QueryKeyRange{"postgres: q", -3, 0, 10};
  ASSERT_TRUE(server.value()->send_to("worker-1", task).is_ok());
  auto back = next(*client.value());
  ASSERT_TRUE(back.has_value());
  ASSERT_TRUE(back->message.is_ok());
  EXPECT_EQ(std::get<Task>(back->message.value()).input, task.input);
}

TEST(Link, OversizedMessagesAreRefusedBeforeSending) {
  auto server = Link::listen("tcp://127.0.0.1:0", ServerSecurity{});
  ASSERT_TRUE(server.is_ok());
  auto client = Link::dial(server.value()->endpoint(), DialOptions{});
  ASSERT_TRUE(client.is_ok());
  SubmitJob huge{std::string(static_cast<size_t>(limits::kMessageBytesMax), 'x'), "", ""};
  Status sent = client.value()->send(huge);
  EXPECT_FALSE(sent.is_ok());
  EXPECT_NE(sent.message().find("over the limit"), std::string::npos) << sent.message();
}

TEST(Link, BadEndpointsAreErrorsNotExceptions) {
  // Endpoints libzmq itself refuses (the CLI checks them first, proto/endpoint.h).
  for (const char* endpoint :
       {"not-an-endpoint", "ipc://@", "tcp://127.0.0.1:00", "tcp://8.8.8.8:1"}) {
    auto listened = Link::listen(endpoint, ServerSecurity{});
    EXPECT_FALSE(listened.is_ok()) << endpoint;
  }
  for (const char* endpoint : {"not-an-endpoint", "ipc://@", "bogus://x"}) {
    auto dialled = Link::dial(endpoint, DialOptions{});
    EXPECT_FALSE(dialled.is_ok()) << endpoint;
  }
}

TEST(Link, WakeEndsAPollFromAnotherThread) {
  auto server = Link::listen("tcp://127.0.0.1:0", ServerSecurity{});
  ASSERT_TRUE(server.is_ok());
  std::thread poker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    server.value()->wake();
  });
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(server.value()->poll(5000));
  poker.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
}

}  // namespace
}  // namespace sluice::proto
