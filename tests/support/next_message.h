#pragma once
// A test playing a coordinator or a worker over a real proto::Link: the next
// message of one kind, the others (heartbeats, progress) skipped.
// Header-only: the test binaries that use it link sluice::proto.

#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include "proto/link.h"

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

}  // namespace sluice::testing
