#pragma once
// Wakes a thread blocked in zmq::poll from any other thread: the owner polls
// socket() beside its own sockets; poke() (thread-safe) makes it readable.
// The worker's task threads poke their link when they finish; `sluice run`
// pokes the coordinator's loop when it should stop.

#include <string>
#include <zmq.hpp>

namespace sluice::proto {

class Waker {
 public:
  // Binds a PULL socket on a unique inproc endpoint of `context`.
  explicit Waker(zmq::context_t& context);
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;

  // From any thread: makes socket() readable. Never blocks, never throws
  // (a lost poke costs the owner one poll timeout).
  void poke();
  // The owner's thread: the socket to poll, and to empty after it was readable.
  zmq::socket_t& socket() { return pull_; }
  void drain();

 private:
  zmq::context_t& context_;
  zmq::socket_t pull_;
  std::string endpoint_;
};

}  // namespace sluice::proto
