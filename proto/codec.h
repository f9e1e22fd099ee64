#pragma once
// Frames <-> messages. Every frame read goes through decode(), which copies it
// to an aligned buffer and applies the size, traversal and nesting limits of
// limits.h; a malformed frame is a Status, never an exception.

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>

#include <memory>
#include <zmq.hpp>

#include "common/base/status.h"
#include "proto/sluice.capnp.h"

namespace sluice::proto {

// A decoded message; the reader views memory owned by this object.
class Decoded {
 public:
  explicit Decoded(kj::Array<capnp::word> words);
  Envelope::Reader envelope() { return envelope_; }

 private:
  kj::Array<capnp::word> words_;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader_;
  Envelope::Reader envelope_;
};

// Serializes a built message into one ZeroMQ frame.
zmq::message_t encode(capnp::MessageBuilder& builder);
// Validates and decodes one frame; errors for oversized, misaligned-length or
// malformed frames, and for an Envelope whose union kind is unknown.
Result<std::unique_ptr<Decoded>> decode(const zmq::message_t& frame);
// True when `message` is a Done report whose fields can be read (a
// malformed one is not: its handler reports it).
bool is_done_report(Decoded& message);

}  // namespace sluice::proto
