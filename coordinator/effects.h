#pragma once
// The coordinator's slow effects — a job's end (its parts merged or the
// empty part written, the manifest streamed, `_SUCCESS`, the overwrite
// swap, the collection of its temporaries) — run on an EffectExecutor, off
// the loop; what an effect returns is its completion, which runs back on
// the loop (the only thread that touches the scheduler) as an event. While
// an effect is in flight the core remembers it (CoordinatorCore::ending),
// so that nothing is started twice; a crash with an effect in flight loses
// its completion, and recovery redoes the effect (every step of it is
// harmless when redone).
// Thread safety: submit() is for the loop thread.

#include <functional>

namespace sluice {

class EffectExecutor {
 public:
  using Completion = std::function<void()>;
  using Effect = std::function<Completion()>;

  virtual ~EffectExecutor() = default;
  // False when the executor's queue is full: the caller tries again later.
  // An effect must not throw.
  virtual bool submit(Effect effect) = 0;
};

// Runs an effect at once, on the caller's thread, and its completion right
// after (unit tests, scale_run: the loop's order without threads).
class InlineExecutor final : public EffectExecutor {
 public:
  bool submit(Effect effect) override {
    if (Completion completion = effect()) completion();
    return true;
  }
};

InlineExecutor& inline_executor();

}  // namespace sluice
