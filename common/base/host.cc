#include "common/base/host.h"

#include <unistd.h>

namespace sluice {

std::string host_name() {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return host;
}

}  // namespace sluice
