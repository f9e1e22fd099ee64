#pragma once
// proto/'s own: CURVE on a socket, and the ZAP handler (proto/security.h
// holds the keys). Used by link.cc.

#include <spdlog/logger.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "proto/security.h"

namespace sluice::proto {

// The keys were checked when loaded: this throws zmq::error_t only when
// libzmq has no CURVE, and callers catch it where they make the socket.
void apply_client_security(zmq::socket_t& socket, const ClientSecurity& security);

// The ZAP handler: a thread answering the context's authentication requests.
class ZapHandler {
 public:
  ZapHandler(zmq::context_t& context, std::set<std::string> authorized_public_z85);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;
  uint64_t denied() const { return denied_.load(); }

 private:
  void serve();
  // Answers one request, if one comes within a poll; zmq errors propagate
  // to serve(), which stops.
  void serve_one(spdlog::logger& log);
  zmq::socket_t socket_;
  std::set<std::string> authorized_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> denied_{0};
  std::thread thread_;
};

// Makes `socket` a CURVE server with `secret_z85`.
void apply_server_security(zmq::socket_t& socket, const KeyPair& keys);

}  // namespace sluice::proto
