#pragma once
// The versions of the libraries proto/ wraps, for `sluice --version`.

#include <string>

namespace sluice::proto {

// "libzmq 4.3.4\nCap'n Proto 0.9.2": what this binary runs with.
std::string library_versions();

}  // namespace sluice::proto
