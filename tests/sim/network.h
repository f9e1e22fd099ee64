#pragma once
// The simulated network: every message gets a delivery time. While faults
// last a message may be dropped, duplicated, or delayed up to delay_ms_max
// (so overtaken by later ones: reordered); afterwards it arrives in order,
// 1 ms later. Ties are broken by send order, so a seed replays exactly.

#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "tests/sim/sim_types.h"

namespace sluice::sim {

class Network {
 public:
  Network(Rng& rng, const Faults& faults) : rng_(rng), faults_(faults) {}

  void send(int64_t now_ms, Message message);
  // The next message due at or before now_ms, in delivery order.
  std::optional<Message> take_due(int64_t now_ms);
  // When the next message is due (INT64_MAX: none in flight).
  int64_t next_due_ms() const;
  // Tasks, Done and Failed reports, aborts and decisions in flight (not
  // heartbeats, which never stop).
  uint64_t work_in_flight() const { return work_in_flight_; }
  uint64_t dropped() const { return dropped_; }

 private:
  Rng& rng_;
  const Faults& faults_;
  std::map<std::pair<int64_t, uint64_t>, Message> in_flight_;  // (due, sequence)
  uint64_t sequence_ = 0;
  uint64_t dropped_ = 0;
  uint64_t work_in_flight_ = 0;
};

}  // namespace sluice::sim
