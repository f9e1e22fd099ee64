#pragma once
// The simulation's EffectExecutor (coordinator/effects.h): effects wait in
// a queue, and the seed decides, step by step, when each one runs and when
// its completion reaches the coordinator's loop — so a job's end can be in
// flight across rounds, and the coordinator can crash with an effect
// queued, half done (a crash point inside it) or done and its completion
// not yet delivered. All on the simulation's one thread: a run replays.

#include <deque>
#include <functional>

#include "coordinator/effects.h"
#include "tests/sim/sim_types.h"

namespace sluice::sim {

class SimExecutor final : public EffectExecutor {
 public:
  bool submit(Effect effect) override;

  // One step: the oldest queued effect runs (one in two steps), and the
  // oldest waiting completion is delivered (one in two). A crash point
  // inside an effect or a completion throws out of here.
  void step(Rng& rng);
  // A crash: what was in flight is lost (the effects' file changes stay).
  void clear();
  // Runs the queued effects, oldest first, until `done()` (their
  // completions wait as always).
  void wait_until(const std::function<bool()>& done) override;
  bool idle() const { return effects_.empty() && completions_.empty(); }

 private:
  std::deque<Effect> effects_;
  std::deque<Completion> completions_;
};

}  // namespace sluice::sim
