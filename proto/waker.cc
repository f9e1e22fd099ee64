#include "proto/waker.h"

#include <fmt/format.h>

namespace sluice::proto {

Waker::Waker(zmq::context_t& context) : context_(context), pull_(context, zmq::socket_type::pull) {
  endpoint_ = fmt::format("inproc://sluice-wake-{}", static_cast<void*>(this));
  pull_.set(zmq::sockopt::linger, 0);
  pull_.bind(endpoint_);
}

// A poke that fails (no file descriptor left, the context ending) is lost:
// the owner's poll then ends at its timeout instead.
void Waker::poke() {
  try {
    zmq::socket_t push(context_, zmq::socket_type::push);
    push.set(zmq::sockopt::linger, 0);
    push.connect(endpoint_);
    (void)push.send(zmq::str_buffer("wake"), zmq::send_flags::dontwait);
  } catch (const zmq::error_t&) {
  }
}

void Waker::drain() {
  try {
    zmq::message_t poke;
    while (pull_.recv(poke, zmq::recv_flags::dontwait)) {
    }
  } catch (const zmq::error_t&) {
  }
}

}  // namespace sluice::proto
