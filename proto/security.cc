#include "proto/security.h"

#include <zmq.h>

#include <fstream>

#include "common/base/log.h"
#include "proto/socket.h"
#include "proto/zap.h"

namespace sluice::proto {
namespace {

Result<std::string> read_key_line(const std::string& path) {
  std::ifstream file(path);
  if (!file) return not_found("cannot read key file " + path);
  std::string line;
  std::getline(file, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.size() != 40) return invalid_argument(path + ": not a Z85 key of 40 characters");
  return line;
}

}  // namespace

Result<KeyPair> load_key_pair(const std::string& secret_path) {
  SLUICE_ASSIGN_OR_RETURN(std::string secret, read_key_line(secret_path));
  char public_key[41] = {};
  if (zmq_curve_public(public_key, secret.c_str()) != 0) {
    return invalid_argument(secret_path + ": not a valid CURVE secret key");
  }
  return KeyPair{public_key, secret};
}

Result<KeyPair> generate_key_pair() {
  char public_key[41] = {};
  char secret_key[41] = {};
  if (zmq_curve_keypair(public_key, secret_key) != 0) {
    return Status(StatusCode::kUnavailable, "this libzmq has no CURVE support");
  }
  return KeyPair{public_key, secret_key};
}

Result<std::string> load_public_key(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::string key, read_key_line(path));
  // Checked here, not by zmq_setsockopt later (which would throw).
  uint8_t decoded[32];
  if (zmq_z85_decode(decoded, key.c_str()) == nullptr) {
    return invalid_argument(path + ": not a Z85 key of 40 characters");
  }
  return key;
}

Result<std::set<std::string>> load_authorized_keys(const std::string& path) {
  std::ifstream file(path);
  if (!file) return not_found("cannot read authorized keys " + path);
  std::set<std::string> keys;
  std::string line;
  int number = 0;
  while (std::getline(file, line)) {
    ++number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (line.size() != 40) {
      return invalid_argument(path + ":" + std::to_string(number) + ": not a Z85 public key");
    }
    keys.insert(line);
  }
  return keys;
}

Result<ClientSecurity> client_security(const std::string& secret_path,
                                       const std::string& coordinator_key_path) {
  ClientSecurity security;
  if (secret_path.empty() && coordinator_key_path.empty()) return security;
  if (secret_path.empty() || coordinator_key_path.empty()) {
    return invalid_argument("--curve-secret and --coordinator-key go together");
  }
  SLUICE_ASSIGN_OR_RETURN(security.own, load_key_pair(secret_path));
  SLUICE_ASSIGN_OR_RETURN(security.server_public_z85, load_public_key(coordinator_key_path));
  security.enabled = true;
  return security;
}

void apply_client_security(zmq::socket_t& socket, const ClientSecurity& security) {
  if (!security.enabled) return;
  socket.set(zmq::sockopt::curve_serverkey, security.server_public_z85);
  socket.set(zmq::sockopt::curve_publickey, security.own.public_z85);
  socket.set(zmq::sockopt::curve_secretkey, security.own.secret_z85);
}

void apply_server_security(zmq::socket_t& socket, const KeyPair& keys) {
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, keys.secret_z85);
  socket.set(zmq::sockopt::zap_domain, "sluice");
}

ZapHandler::ZapHandler(zmq::context_t& context, std::set<std::string> authorized_public_z85)
    : socket_(context, zmq::socket_type::rep), authorized_(std::move(authorized_public_z85)) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("inproc://zeromq.zap.01");
  thread_ = std::thread([this] { serve(); });
}

ZapHandler::~ZapHandler() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ZapHandler::serve() {
  auto log = logger("security");
  while (!stop_.load()) {
    try {
      serve_one(*log);
    } catch (const zmq::error_t& error) {
      // The context is ending or the socket is gone: nothing more to admit.
      log->warn("authentication handler stopped error={}", error.what());
      return;
    }
  }
}

// ZAP (RFC 27): request frames are version, request id, domain, address,
// identity, mechanism, credentials...; the reply is version, request id,
// status code, status text, user id, metadata.
void ZapHandler::serve_one(spdlog::logger& log) {
  if (!poll_readable(socket_, 100)) return;
  std::vector<zmq::message_t> frames;
  while (true) {
    zmq::message_t frame;
    if (!socket_.recv(frame, zmq::recv_flags::none)) break;
    const bool more = frame.more();
    frames.push_back(std::move(frame));
    if (!more) break;
  }
  std::string status = "400", text = "denied";
  std::string user;
  if (frames.size() >= 6) {
    const std::string mechanism = frames[5].to_string();
    const std::string address = frames[3].to_string();
    if (mechanism == "CURVE" && frames.size() >= 7 && frames[6].size() == 32) {
      char z85[41] = {};
      zmq_z85_encode(z85, static_cast<const uint8_t*>(frames[6].data()), 32);
      if (authorized_.count(z85) != 0) {
        status = "200";
        text = "OK";
        user = z85;
      } else {
        log.warn("peer denied address={} reason=key not authorized key={}", address, z85);
      }
    } else {
      log.warn("peer denied address={} reason=mechanism {} not allowed", address, mechanism);
    }
  }
  if (status != "200") denied_++;
  const std::string version = "1.0";
  const std::string request_id = frames.size() >= 2 ? frames[1].to_string() : "";
  socket_.send(zmq::buffer(version), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(status), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(text), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(user), zmq::send_flags::sndmore);
  socket_.send(zmq::message_t(), zmq::send_flags::none);
}

}  // namespace sluice::proto
