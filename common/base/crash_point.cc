#include "common/base/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

namespace sluice {
namespace {

struct CrashSpec {
  std::string name;
  long count = 1;
};

const CrashSpec* crash_spec() {
  static const CrashSpec* spec = []() -> const CrashSpec* {
    const char* text = std::getenv("SLUICE_CRASH_AT");
    if (text == nullptr || *text == '\0') return nullptr;
    auto* parsed = new CrashSpec;
    const char* colon = std::strchr(text, ':');
    parsed->name = colon == nullptr ? std::string(text) : std::string(text, colon - text);
    if (colon != nullptr) parsed->count = std::max(1L, std::strtol(colon + 1, nullptr, 10));
    return parsed;
  }();
  return spec;
}

std::atomic<long> g_hits{0};
std::atomic<CrashPointHook> g_hook{nullptr};

}  // namespace

void set_crash_point_hook(CrashPointHook hook) { g_hook.store(hook); }

void crash_point(const char* name) {
  if (CrashPointHook hook = g_hook.load(std::memory_order_relaxed)) hook(name);
  const CrashSpec* spec = crash_spec();
  if (spec == nullptr || spec->name != name) return;
  if (g_hits.fetch_add(1) + 1 < spec->count) return;
  const char message[] = "sluice: crash point reached, killing this process\n";
  (void)!::write(STDERR_FILENO, message, sizeof(message) - 1);
  ::kill(::getpid(), SIGKILL);
}

}  // namespace sluice
