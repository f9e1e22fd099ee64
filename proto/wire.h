#pragma once
// Messages <-> bytes (one ZeroMQ frame). encode() writes a Cap'n Proto
// Envelope (sluice.capnp); decode() reads one back with the size, traversal
// and nesting limits of limits.h, copying the bytes to word-aligned memory
// first. A malformed, truncated or oversized frame, or a kind this build does
// not know, is an error Status: nothing here throws.

#include <string>
#include <string_view>

#include "common/base/status.h"
#include "proto/messages.h"

namespace sluice::proto {

std::string encode(const Message& message);
// Any one kind: encode(Task{...}).
template <typename T>
std::string encode(const T& message) {
  return encode(Message(message));
}

Result<Message> decode(std::string_view bytes);

}  // namespace sluice::proto
