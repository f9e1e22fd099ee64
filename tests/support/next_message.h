#pragma once
// A test playing a coordinator or a worker over a real proto::Link: the next
// message of one kind, the others (heartbeats, progress) skipped.
// Header-only: the test binaries that use it link sluice::proto.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "proto/link.h"
#include "tests/support/cluster.h"

namespace sluice::testing {

// The next message of kind `Kind` within 10 s, or nullopt; `peer` is set to
// its sender (a ROUTER's routing id).
template <typename Kind>
std::optional<Kind> next_message(proto::Link& link, std::string* peer = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::optional<proto::Received> received = link.receive();
    if (!received) {
      link.poll(50);
      continue;
    }
    if (!received->message.is_ok()) continue;
    if (auto* message = std::get_if<Kind>(&received->message.value())) {
      if (peer != nullptr) *peer = received->peer;
      return *message;
    }
  }
  return std::nullopt;
}

// A real `sluice worker` (one slot, its log dir / "worker.log") dialled to
// a ROUTER the test plays on 127.0.0.1: `link` (null when it could not
// listen, `error` says why), `registration` its first Register (nullopt
// when none came within 10 s), `peer` its routing id.
struct PlayedCoordinator {
  explicit PlayedCoordinator(const TempDir& dir) : log_path(dir / "worker.log") {
    auto listened = proto::Link::listen("tcp://127.0.0.1:0", proto::ServerSecurity{});
    if (!listened.is_ok()) {
      error = listened.status().to_string();
      return;
    }
    link = std::move(listened).value();
    worker = std::make_unique<Process>(
        std::vector<std::string>{sluice_binary(), "worker", "--coordinator", link->endpoint(),
                                 "--slots", "1"},
        log_path);
    registration = next_message<proto::Register>(*link, &peer);
  }
  std::string worker_log() const { return read_file(log_path); }

  std::string log_path;
  std::string error;
  std::unique_ptr<proto::Link> link;
  std::unique_ptr<Process> worker;
  std::string peer;
  std::optional<proto::Register> registration;
};

}  // namespace sluice::testing
