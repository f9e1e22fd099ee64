#include "proto/codec.h"

#include <capnp/schema.h>
#include <kj/exception.h>

#include <cstring>

#include "common/base/limits.h"

namespace sluice::proto {

Decoded::Decoded(kj::Array<capnp::word> words) : words_(kj::mv(words)) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = limits::kTraversalLimitWords;
  options.nestingLimit = limits::kNestingLimit;
  reader_ = std::make_unique<capnp::FlatArrayMessageReader>(words_.asPtr(), options);
  envelope_ = reader_->getRoot<Envelope>();
}

zmq::message_t encode(capnp::MessageBuilder& builder) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(builder);
  kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return zmq::message_t(bytes.begin(), bytes.size());
}

Result<std::unique_ptr<Decoded>> decode(const zmq::message_t& frame) {
  const size_t size = frame.size();
  if (size == 0) return invalid_argument("empty frame");
  if (size > static_cast<size_t>(limits::kMessageBytesMax)) {
    return invalid_argument("frame of " + std::to_string(size) + " bytes is over the limit");
  }
  if (size % sizeof(capnp::word) != 0) {
    return invalid_argument("frame length " + std::to_string(size) + " is not a whole word count");
  }
  // Copy into word-aligned memory: ZeroMQ frames carry no alignment promise.
  auto words = kj::heapArray<capnp::word>(size / sizeof(capnp::word));
  std::memcpy(words.begin(), frame.data(), size);
  try {
    auto decoded = std::make_unique<Decoded>(kj::mv(words));
    // Touch the union tag so a broken root pointer fails here, not later.
    auto which = decoded->envelope().which();
    // Every kind this build knows, from the schema: a new message kind needs
    // no change here.
    static const size_t kinds_known = capnp::Schema::from<Envelope>().getUnionFields().size();
    if (static_cast<uint16_t>(which) >= kinds_known) {
      return invalid_argument("unknown message kind " +
                              std::to_string(static_cast<uint16_t>(which)));
    }
    return decoded;
  } catch (const kj::Exception& error) {
    return invalid_argument(std::string("malformed message: ") + error.getDescription().cStr());
  }
}

bool is_done_report(Decoded& message) {
  try {
    if (message.envelope().which() != Envelope::DONE) return false;
    (void)message.envelope().getDone().getJobId();
    return true;
  } catch (const kj::Exception&) {
    return false;
  }
}

}  // namespace sluice::proto
