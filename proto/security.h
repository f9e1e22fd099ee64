#pragma once
// CurveZMQ authentication and encryption. The coordinator runs a
// deny-by-default ZAP handler (started before its socket binds: without one,
// CURVE accepts any client that knows the server key) that admits only the
// public keys listed in its authorized-keys file. Workers and clients connect
// with their own key pair and the coordinator's public key.

#include <set>
#include <string>

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
// A new CURVE key pair (`sluice keygen`); an error when libzmq has no CURVE.
Result<KeyPair> generate_key_pair();

}  // namespace sluice::proto
