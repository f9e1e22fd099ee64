#pragma once
// SIGINT/SIGTERM set a stop flag that long-running commands poll.
#include <atomic>

namespace sluice {
std::atomic<bool>& stop_requested();
void install_stop_signals();
}  // namespace sluice
