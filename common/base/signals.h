#pragma once
// Names of POSIX signals for messages: signal_name(11) is "SIGSEGV".

#include <string>

namespace sluice {

std::string signal_name(int signal);

}  // namespace sluice
