#pragma once
// Socket set-up and sending shared by every role. Each socket is owned by one
// thread; linger is 0; frames are size-limited (ZMQ_MAXMSGSIZE).

#include <string>
#include <zmq.hpp>

#include "common/base/status.h"

namespace sluice::proto {

// Applies the limits of limits.h (max message size, high-water marks, linger 0).
void configure_socket(zmq::socket_t& socket);

// socket.connect() without exceptions: an error names the endpoint (check
// it first with proto/endpoint.h for a clearer message).
Status connect(zmq::socket_t& socket, const std::string& endpoint);

// Waits up to `timeout_ms` for `socket` to be readable. A signal (EINTR)
// counts as a timeout so that stop flags are checked; so does any other poll
// error (logged once), after the full timeout, so a caller's loop never spins.
bool poll_readable(zmq::socket_t& socket, int64_t timeout_ms);
// The same, also returning early (false) when `wake` becomes readable; the
// caller drains `wake`.
bool poll_readable(zmq::socket_t& socket, zmq::socket_t& wake, int64_t timeout_ms);

// A ROUTER's next message, without waiting: the sender's routing id and
// its one payload frame (a message of more frames arrives with an empty
// payload: the decoder drops it). False when nothing is waiting or the
// socket failed (logged).
bool receive_routed(zmq::socket_t& router, std::string& identity, zmq::message_t& payload);

}  // namespace sluice::proto
