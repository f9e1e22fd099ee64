#pragma once
// CurveZMQ authentication and encryption. The coordinator runs a
// deny-by-default ZAP handler (started before its socket binds: without one,
// CURVE accepts any client that knows the server key) that admits only the
// public keys listed in its authorized-keys file. Workers and clients connect
// with their own key pair and the coordinator's public key.

#include <spdlog/logger.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "common/base/status.h"

namespace sluice::proto {

struct KeyPair {
  std::string public_z85;  // 40 characters
  std::string secret_z85;
};

// Reads a secret key file written by `sluice keygen` and derives its public key.
Result<KeyPair> load_key_pair(const std::string& secret_path);
// Reads a public key (Z85, 40 characters) from a file.
Result<std::string> load_public_key(const std::string& path);
// One public key per line; blank lines and lines starting with '#' skipped.
Result<std::set<std::string>> load_authorized_keys(const std::string& path);

struct ClientSecurity {
  bool enabled = false;
  KeyPair own;
  std::string server_public_z85;
};

// Loads client keys from flags; both empty means plaintext.
Result<ClientSecurity> client_security(const std::string& secret_path,
                                       const std::string& coordinator_key_path);
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
