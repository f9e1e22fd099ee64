#include "proto/versions.h"

#include <capnp/common.h>
#include <fmt/format.h>
#include <zmq.h>

namespace sluice::proto {

std::string library_versions() {
  int zmq_major = 0, zmq_minor = 0, zmq_patch = 0;
  zmq_version(&zmq_major, &zmq_minor, &zmq_patch);
  return fmt::format("libzmq {}.{}.{}\nCap'n Proto {}.{}.{}", zmq_major, zmq_minor, zmq_patch,
                     CAPNP_VERSION_MAJOR, CAPNP_VERSION_MINOR, CAPNP_VERSION_MICRO);
}

}  // namespace sluice::proto
