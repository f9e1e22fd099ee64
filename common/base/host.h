#pragma once
// This machine's host name (gethostname), as workers report it in Register
// and the coordinator matches it against workers whose exits it saw.

#include <string>

namespace sluice {

std::string host_name();

}  // namespace sluice
