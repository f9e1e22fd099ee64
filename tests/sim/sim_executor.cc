#include "tests/sim/sim_executor.h"

#include <utility>

namespace sluice::sim {

bool SimExecutor::submit(Effect effect) {
  effects_.push_back(std::move(effect));
  return true;
}

void SimExecutor::step(Rng& rng) {
  if (!effects_.empty() && rng.chance(500'000)) {
    Effect effect = std::move(effects_.front());
    effects_.pop_front();
    if (Completion completion = effect()) completions_.push_back(std::move(completion));
  }
  if (!completions_.empty() && rng.chance(500'000)) {
    Completion completion = std::move(completions_.front());
    completions_.pop_front();
    completion();
  }
}

void SimExecutor::wait_until(const std::function<bool()>& done) {
  while (!done() && !effects_.empty()) {
    Effect effect = std::move(effects_.front());
    effects_.pop_front();
    if (Completion completion = effect()) completions_.push_back(std::move(completion));
  }
}

void SimExecutor::clear() {
  effects_.clear();
  completions_.clear();
}

}  // namespace sluice::sim
