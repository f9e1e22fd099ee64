#include "worker/crash_trigger.h"

#include <csignal>
#include <cstdlib>

namespace sluice {

const CrashTrigger& CrashTrigger::from_environment() {
  static const CrashTrigger trigger = [] {
    CrashTrigger made;
    if (const char* marker = std::getenv("SLUICE_TEST_CRASH_ON_VALUE"); marker && *marker) {
      made.marker_ = marker;
    }
    return made;
  }();
  return trigger;
}

void CrashTrigger::crash_if_marked(const RecordBatch& batch) const {
  if (!marker_) return;
  for (std::string_view field : batch.fields) {
    if (field != *marker_) continue;
    // A real SIGSEGV, as a bug in the data path would give; the default
    // action even under a sanitizer's handler.
    std::signal(SIGSEGV, SIG_DFL);
    std::raise(SIGSEGV);
  }
}

}  // namespace sluice
