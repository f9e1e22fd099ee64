#pragma once
// Ports on 127.0.0.1 for the real servers tests start (PostgreSQL in
// tests/support/postgres_server.h, nginx in tests/unit/io_http_nginx.h).
// Header-only.
//
// free_tcp_port() is the port the kernel hands out for a bind to port 0,
// released again at once: another process may take it before the server
// binds it, so start_on_free_port() tries again on another.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <functional>

namespace sluice::testing {

// A free TCP port on 127.0.0.1, or 0 when the kernel gave none.
inline int free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// Whether something accepts TCP connections on 127.0.0.1:`port` now.
inline bool port_accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool accepted = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return accepted;
}

// Starts a server on a free port: calls `start(port)` with a new port from
// free_tcp_port() until it returns true (the server listens there), at most
// `attempts` times, so a port taken by another process in the meantime costs
// one more try. Returns the port the server started on, or 0.
inline int start_on_free_port(int attempts, const std::function<bool(int port)>& start) {
  for (int attempt = 0; attempt < attempts; ++attempt) {
    const int port = free_tcp_port();
    if (port != 0 && start(port)) return port;
  }
  return 0;
}

}  // namespace sluice::testing
