#include "tools/cli/signals.h"

#include <csignal>

namespace sluice {

std::atomic<bool>& stop_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

void install_stop_signals() {
  struct sigaction action {};
  action.sa_handler = [](int) { stop_requested().store(true); };
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace sluice
