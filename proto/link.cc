#include "proto/link.h"

#include <kj/exception.h>

#include <zmq.hpp>

#include "common/base/limits.h"
#include "common/base/log.h"
#include "proto/socket.h"
#include "proto/waker.h"
#include "proto/wire.h"
#include "proto/zap.h"

namespace sluice::proto {

class Link::Impl {
 public:
  Impl(zmq::socket_type type, std::string endpoint)
      : type_(type), endpoint_(std::move(endpoint)), socket_(context_, type), waker_(context_) {}

  // The socket's options and its bind (ROUTER) or connect (DEALER); throws
  // zmq::error_t, caught by the factories.
  void listen(const ServerSecurity& security) {
    configure_socket(socket_);
    // A worker that reconnects (same routing id, new connection) is routed
    // to at once; without this its new connection is ignored until the old
    // one is torn down, and what is sent meanwhile is lost.
    socket_.set(zmq::sockopt::router_handover, 1);
    if (security.enabled) {
      // The handler must exist before the socket binds.
      zap_ = std::make_unique<ZapHandler>(context_, security.authorized_public_z85);
      apply_server_security(socket_, security.own);
    }
    socket_.bind(endpoint_);
    endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
  }

  void dial(const DialOptions& options) {
    options_ = options;
    socket_ = zmq::socket_t(context_, type_);
    configure_socket(socket_);
    apply_client_security(socket_, options.security);
    if (!options.routing_id.empty()) socket_.set(zmq::sockopt::routing_id, options.routing_id);
    if (options.reconnect_ms_min > 0) {
      socket_.set(zmq::sockopt::reconnect_ivl, static_cast<int>(options.reconnect_ms_min));
      socket_.set(zmq::sockopt::reconnect_ivl_max, static_cast<int>(options.reconnect_ms_max));
    }
    socket_.connect(endpoint_);
  }

  Status redial() {
    try {
      dial(options_);
      return Status::ok();
    } catch (const zmq::error_t& error) {
      return Status(StatusCode::kUnavailable,
                    "cannot connect to " + endpoint_ + ": " + error.what());
    }
  }

  const std::string& endpoint() const { return endpoint_; }

  bool poll(int64_t timeout_ms) {
    const bool readable = poll_readable(socket_, waker_.socket(), timeout_ms);
    waker_.drain();
    return readable;
  }

  std::optional<Received> receive() {
    std::string peer;
    zmq::message_t payload;
    if (type_ == zmq::socket_type::router) {
      if (!receive_routed(socket_, peer, payload)) return std::nullopt;
    } else {
      try {
        if (!socket_.recv(payload, zmq::recv_flags::dontwait)) return std::nullopt;
      } catch (const zmq::error_t& error) {
        logger("proto")->error("receive failed error={}", error.what());
        return std::nullopt;
      }
    }
    return Received{
        std::move(peer),
        decode(std::string_view(static_cast<const char*>(payload.data()), payload.size()))};
  }

  Status send(const std::string* peer, const Message& message) {
    std::string bytes;
    try {
      bytes = encode(message);
    } catch (const kj::Exception& error) {
      return internal_error(std::string("cannot encode ") + kind_name(message) + ": " +
                            error.getDescription().cStr());
    }
    if (bytes.size() > static_cast<size_t>(limits::kMessageBytesMax)) {
      // The peer's socket would drop the connection (ZMQ_MAXMSGSIZE).
      return invalid_argument(std::string(kind_name(message)) + " of " +
                              std::to_string(bytes.size()) + " bytes is over the limit");
    }
    try {
      if (peer != nullptr) {
        zmq::message_t address(peer->data(), peer->size());
        if (!socket_.send(address, zmq::send_flags::sndmore | zmq::send_flags::dontwait))
          return Status(StatusCode::kUnavailable, "peer not reachable now");
      }
      zmq::message_t payload(bytes.data(), bytes.size());
      if (!socket_.send(payload, zmq::send_flags::dontwait))
        return Status(StatusCode::kUnavailable, "peer not reachable now");
      return Status::ok();
    } catch (const zmq::error_t& error) {
      return Status(StatusCode::kUnavailable, std::string("send failed: ") + error.what());
    }
  }

  void wake() { waker_.poke(); }

 private:
  zmq::socket_type type_;
  std::string endpoint_;
  DialOptions options_;
  zmq::context_t context_;
  std::unique_ptr<ZapHandler> zap_;  // before socket_: outlives it
  zmq::socket_t socket_;
  Waker waker_;  // other threads -> the owner's poll
};

Link::Link(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Link::~Link() = default;

Result<std::unique_ptr<Link>> Link::listen(const std::string& endpoint,
                                           const ServerSecurity& security) {
  try {
    auto impl = std::make_unique<Impl>(zmq::socket_type::router, endpoint);
    impl->listen(security);
    return std::unique_ptr<Link>(new Link(std::move(impl)));
  } catch (const zmq::error_t& error) {
    return Status(StatusCode::kUnavailable, "cannot listen on " + endpoint + ": " + error.what());
  }
}

Result<std::unique_ptr<Link>> Link::dial(const std::string& endpoint, const DialOptions& options) {
  try {
    auto impl = std::make_unique<Impl>(zmq::socket_type::dealer, endpoint);
    impl->dial(options);
    return std::unique_ptr<Link>(new Link(std::move(impl)));
  } catch (const zmq::error_t& error) {
    return invalid_argument("cannot connect to " + endpoint + ": " + error.what());
  }
}

const std::string& Link::endpoint() const { return impl_->endpoint(); }
bool Link::poll(int64_t timeout_ms) { return impl_->poll(timeout_ms); }
std::optional<Received> Link::receive() { return impl_->receive(); }
Status Link::send(const Message& message) { return impl_->send(nullptr, message); }
Status Link::send_to(const std::string& peer, const Message& message) {
  return impl_->send(&peer, message);
}
Status Link::redial() { return impl_->redial(); }
void Link::wake() { impl_->wake(); }

}  // namespace sluice::proto
