#pragma once
// Checks a ZeroMQ endpoint before any socket is made. libzmq throws on some
// malformed endpoints and takes others (an unknown host, port 99999) to
// resolve them later, in its I/O thread, where a connect then retries
// forever. Checked here, every such mistake is one line of error up front.

#include <string>

#include "common/base/status.h"

namespace sluice::proto {

enum class EndpointUse { kConnect, kBind };

// tcp://HOST:PORT, ipc://PATH or inproc://NAME; InvalidArgument saying what
// is wrong otherwise. PORT is 1..65535, or also 0 or '*' (a free port) to
// bind. To connect, HOST is a name that resolves (getaddrinfo) or an address;
// to bind, '*', an IP address ([...] for IPv6) or an interface name, as
// libzmq binds to no DNS name. The message does not repeat the endpoint.
Status check_endpoint(const std::string& endpoint, EndpointUse use);

// HOST:PORT without a transport (the coordinator's --http address, served by
// cpp-httplib): HOST must resolve (getaddrinfo) for either use; PORT as above.
Status check_host_port(const std::string& address, EndpointUse use);

}  // namespace sluice::proto
