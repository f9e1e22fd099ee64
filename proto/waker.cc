#include "proto/waker.h"

#include <fmt/format.h>

namespace sluice::proto {

Waker::Waker(zmq::context_t& context) : context_(context), pull_(context, zmq::socket_type::pull) {
  endpoint_ = fmt::format("inproc://sluice-wake-{}", static_cast<void*>(this));
  pull_.set(zmq::sockopt::linger, 0);
  pull_.bind(endpoint_);
}

void Waker::poke() {
  zmq::socket_t push(context_, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 0);
  push.connect(endpoint_);
  (void)push.send(zmq::str_buffer("wake"), zmq::send_flags::dontwait);
}

void Waker::drain() {
  zmq::message_t poke;
  while (pull_.recv(poke, zmq::recv_flags::dontwait)) {
  }
}

}  // namespace sluice::proto
