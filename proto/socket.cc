#include "proto/socket.h"

#include <atomic>
#include <thread>

#include "common/base/limits.h"
#include "common/base/log.h"

namespace sluice::proto {

void configure_socket(zmq::socket_t& socket) {
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::maxmsgsize, limits::kMessageBytesMax);
  socket.set(zmq::sockopt::sndhwm, limits::kSocketHighWaterMark);
  socket.set(zmq::sockopt::rcvhwm, limits::kSocketHighWaterMark);
}

Status connect(zmq::socket_t& socket, const std::string& endpoint) {
  try {
    socket.connect(endpoint);
    return Status::ok();
  } catch (const zmq::error_t& error) {
    return invalid_argument("cannot connect to " + endpoint + ": " + error.what());
  }
}

namespace {

// zmq::poll; a signal (EINTR) counts as a timeout (nothing readable), and so
// does any other error (a closed socket, a terminated context) after the
// whole timeout has passed.
void poll_items(zmq::pollitem_t* items, size_t count, int64_t timeout_ms) {
  try {
    zmq::poll(items, count, std::chrono::milliseconds(timeout_ms));
  } catch (const zmq::error_t& error) {
    for (size_t i = 0; i < count; ++i) items[i].revents = 0;
    if (error.num() == EINTR) return;
    static std::atomic<bool> logged{false};
    if (!logged.exchange(true)) logger("proto")->error("poll failed error={}", error.what());
    std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
  }
}

}  // namespace

bool poll_readable(zmq::socket_t& socket, int64_t timeout_ms) {
  zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
  poll_items(items, 1, timeout_ms);
  return (items[0].revents & ZMQ_POLLIN) != 0;
}

bool poll_readable(zmq::socket_t& socket, zmq::socket_t& wake, int64_t timeout_ms) {
  zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0},
                             {wake.handle(), 0, ZMQ_POLLIN, 0}};
  poll_items(items, 2, timeout_ms);
  return (items[0].revents & ZMQ_POLLIN) != 0;
}

bool receive_routed(zmq::socket_t& router, std::string& identity, zmq::message_t& payload) {
  try {
    while (true) {
      zmq::message_t address;
      if (!router.recv(address, zmq::recv_flags::dontwait)) return false;
      if (!address.more()) continue;  // no payload: not a message
      if (!router.recv(payload, zmq::recv_flags::dontwait)) return false;
      while (payload.more()) {  // extra frames: drop the whole message
        zmq::message_t extra;
        if (!router.recv(extra, zmq::recv_flags::dontwait)) break;
        if (!extra.more()) {
          payload = zmq::message_t();
          break;
        }
      }
      identity = address.to_string();
      return true;
    }
  } catch (const zmq::error_t& error) {
    logger("proto")->error("receive failed error={}", error.what());
    return false;
  }
}

}  // namespace sluice::proto
