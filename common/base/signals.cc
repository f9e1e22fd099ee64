#include "common/base/signals.h"

#include <string.h>

namespace sluice {

std::string signal_name(int signal) {
  const char* abbreviation = ::sigabbrev_np(signal);  // "SEGV"; null when unknown
  if (abbreviation == nullptr) return "signal " + std::to_string(signal);
  return std::string("SIG") + abbreviation;
}

}  // namespace sluice
