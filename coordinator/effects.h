#pragma once
// The coordinator's slow effects — a round's renames of committed attempts
// into place (and an s3:// output's completed uploads), a job's end (its parts merged or the
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
  // Blocks the loop until `done()` holds (asked again each time an effect
  // has run) or nothing is queued or running any more; completions are not
  // run meanwhile, they come later as events. For what must not overlap an
  // effect (a stop collecting a job's temporary files while they are being
  // renamed). `done` is called on the loop thread, with effects running.
  virtual void wait_until(const std::function<bool()>& done) = 0;
};

// Runs an effect at once, on the caller's thread, and its completion right
// after (unit tests, scale_run: the loop's order without threads).
class InlineExecutor final : public EffectExecutor {
 public:
  bool submit(Effect effect) override {
    if (Completion completion = effect()) completion();
    return true;
  }
  void wait_until(const std::function<bool()>&) override {}  // nothing is ever in flight
};

InlineExecutor& inline_executor();

}  // namespace sluice
