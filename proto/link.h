#pragma once
// A Link owns one ZeroMQ socket and carries typed messages (proto/messages.h)
// over it: the coordinator's ROUTER (listen), a worker's or a client's DEALER
// (dial). It encodes, decodes and contains every zmq and kj exception: each
// call reports a Status or a value, never throws. One thread owns a Link;
// only wake() may be called from others.

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/base/status.h"
#include "proto/messages.h"
#include "proto/security.h"

namespace sluice::proto {

// The coordinator's CURVE keys and the clients it admits.
struct ServerSecurity {
  bool enabled = false;
  KeyPair own;
  std::set<std::string> authorized_public_z85;
};

struct DialOptions {
  ClientSecurity security;
  std::string routing_id;        // empty: ZeroMQ makes one up (clients)
  int64_t reconnect_ms_min = 0;  // 0: libzmq's defaults
  int64_t reconnect_ms_max = 0;
};

// A message received: who sent it (a ROUTER's routing id; empty on a
// DEALER) and what, or why it could not be read (dropped by the caller).
struct Received {
  std::string peer;
  Result<Message> message;
};

class Link {
 public:
  // A ROUTER bound to `endpoint` (PORT 0: any free port) with the limits of
  // limits.h and router handover (a worker that reconnects is routed to at
  // once); with CURVE, a deny-by-default ZAP handler runs first.
  static Result<std::unique_ptr<Link>> listen(const std::string& endpoint,
                                              const ServerSecurity& security);
  // A DEALER connected to `endpoint` (check it first with proto/endpoint.h
  // for a clearer message).
  static Result<std::unique_ptr<Link>> dial(const std::string& endpoint,
                                            const DialOptions& options);
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // The endpoint bound or dialled (with the real port when PORT was 0).
  const std::string& endpoint() const;

  // Waits up to `timeout_ms` until a message is waiting (true) or wake() was
  // called or the time passed (false). A signal counts as a timeout.
  bool poll(int64_t timeout_ms);
  // The next message, without waiting; nullopt when none is waiting.
  std::optional<Received> receive();
  // A DEALER's message to its peer; a ROUTER's to `peer`. Never blocks: an
  // error when the peer's queue is full or gone, or the message is over
  // limits::kMessageBytesMax.
  Status send(const Message& message);
  Status send_to(const std::string& peer, const Message& message);
  // A DEALER's socket made again, connected to the same endpoint (a worker
  // whose coordinator went quiet).
  Status redial();
  // From any thread: ends the owner's poll() at once. Never blocks.
  void wake();

 private:
  class Impl;
  explicit Link(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::proto
