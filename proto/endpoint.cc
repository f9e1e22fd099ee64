#include "proto/endpoint.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <net/if.h>
#include <netdb.h>
#include <sys/un.h>

#include <string_view>

namespace sluice::proto {
namespace {

constexpr std::string_view kWanted = "want tcp://HOST:PORT, ipc://PATH or inproc://NAME";

Status check_port(std::string_view port, EndpointUse use) {
  if (port.empty()) return invalid_argument("no port after ':'");
  if (port == "*" && use == EndpointUse::kBind) return Status::ok();
  uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || port.size() > 5) {
      return invalid_argument(fmt::format("port '{}' is not a number from 1 to 65535", port));
    }
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535) return invalid_argument(fmt::format("port {} is over 65535", value));
  // libzmq refuses to bind "00" (only "0" is any free port).
  if (value == 0 && port.size() > 1) {
    return invalid_argument(fmt::format("port '{}': write 0 for any free port", port));
  }
  if (value == 0 && use == EndpointUse::kConnect) {
    return invalid_argument("port 0 (any free port) is only for binding (--listen)");
  }
  return Status::ok();
}

// HOST:PORT or [IPV6]:PORT.
Status split_host_port(std::string_view text, std::string& host, std::string_view& port) {
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return invalid_argument("'[' of an IPv6 host not closed");
    host = std::string(text.substr(1, close - 1));
    text.remove_prefix(close + 1);
    if (text.empty() || text.front() != ':') return invalid_argument("no :PORT after the host");
    port = text.substr(1);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return invalid_argument("no :PORT after the host");
    host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (host.empty()) return invalid_argument("no host before the :PORT");
  return Status::ok();
}

Status resolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int code = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (code != 0) {
    return invalid_argument(
        fmt::format("cannot resolve host '{}': {}", host, ::gai_strerror(code)));
  }
  ::freeaddrinfo(found);
  return Status::ok();
}

bool is_ip_address(const std::string& host) {
  unsigned char address[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), address) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), address) == 1;
}

Status check_tcp(std::string_view rest, EndpointUse use) {
  std::string host;
  std::string_view port;
  SLUICE_RETURN_IF_ERROR(split_host_port(rest, host, port));
  SLUICE_RETURN_IF_ERROR(check_port(port, use));
  if (use == EndpointUse::kConnect) return resolve(host);
  if (host == "*" || is_ip_address(host) || ::if_nametoindex(host.c_str()) != 0) {
    return Status::ok();
  }
  return invalid_argument(
      fmt::format("cannot bind to host '{}': want '*', an IP address or an interface name "
                  "(libzmq binds to no DNS name)",
                  host));
}

}  // namespace

Status check_endpoint(const std::string& endpoint, EndpointUse use) {
  const size_t separator = endpoint.find("://");
  if (separator == std::string::npos)
    return invalid_argument(fmt::format("not an endpoint; {}", kWanted));
  const std::string_view transport = std::string_view(endpoint).substr(0, separator);
  const std::string_view rest = std::string_view(endpoint).substr(separator + 3);
  if (transport == "tcp") return check_tcp(rest, use);
  if (transport == "ipc") {
    if (rest.empty()) return invalid_argument("no path after ipc://");
    // A leading '@' is Linux's abstract namespace; libzmq needs a name after it.
    if (rest == "@") return invalid_argument("no name after ipc://@ (an abstract socket)");
    constexpr size_t kPathBytesMax = sizeof(sockaddr_un::sun_path) - 1;
    if (rest.size() > kPathBytesMax) {
      return invalid_argument(fmt::format("ipc path of {} bytes is over the {} of a Unix socket",
                                          rest.size(), kPathBytesMax));
    }
    return Status::ok();
  }
  if (transport == "inproc") {
    if (rest.empty()) return invalid_argument("no name after inproc://");
    return Status::ok();
  }
  return invalid_argument(fmt::format("transport '{}' is not supported; {}", transport, kWanted));
}

Status check_host_port(const std::string& address, EndpointUse use) {
  std::string host;
  std::string_view port;
  SLUICE_RETURN_IF_ERROR(split_host_port(address, host, port));
  if (port == "*") return invalid_argument("port '*' is not a number from 0 to 65535");
  SLUICE_RETURN_IF_ERROR(check_port(port, use));
  return resolve(host);
}

}  // namespace sluice::proto
