#include "tests/sim/network.h"

#include <limits>

namespace sluice::sim {

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kRegister:
      return "Register";
    case Kind::kRequestWork:
      return "RequestWork";
    case Kind::kHeartbeat:
      return "Heartbeat";
    case Kind::kProgress:
      return "Progress";
    case Kind::kDone:
      return "Done";
    case Kind::kFailed:
      return "Failed";
    case Kind::kWelcome:
      return "Welcome";
    case Kind::kTask:
      return "Task";
    case Kind::kAbort:
      return "Abort";
    case Kind::kCommitDecision:
      return "CommitDecision";
    case Kind::kRegisterAgain:
      return "RegisterAgain";
    case Kind::kCoordinatorHeartbeat:
      return "CoordinatorHeartbeat";
    case Kind::kProgressAck:
      return "ProgressAck";
  }
  return "?";
}

const char* job_kind_name(JobKind kind) {
  switch (kind) {
    case JobKind::kMapOnly:
      return "map-only";
    case JobKind::kAggregate:
      return "aggregate";
    case JobKind::kSort:
      return "sort";
    case JobKind::kSortedAggregate:
      return "aggregate-sort";
    case JobKind::kJoin:
      return "join";
    case JobKind::kPartitioned:
      return "partition_by";
  }
  return "?";
}

namespace {

bool is_work(Kind kind) {
  return kind == Kind::kTask || kind == Kind::kDone || kind == Kind::kFailed ||
         kind == Kind::kAbort || kind == Kind::kCommitDecision;
}

}  // namespace

size_t Input::first_at_or_after(uint64_t offset) const {
  size_t low = 0, high = offsets.size();
  while (low < high) {
    const size_t middle = (low + high) / 2;
    if (offsets[middle] < offset) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

void Network::send(int64_t now_ms, Message message) {
  const bool faulty = now_ms < faults_.faults_until_ms;
  if (faulty && rng_.chance(faults_.drop_per_million)) {
    dropped_++;
    return;
  }
  const int copies = faulty && rng_.chance(faults_.duplicate_per_million) ? 2 : 1;
  for (int copy = 0; copy < copies; ++copy) {
    const int64_t delay_ms = faulty ? 1 + rng_.between(0, faults_.delay_ms_max) : 1;
    in_flight_.emplace(std::make_pair(now_ms + delay_ms, sequence_++), message);
    if (is_work(message.kind)) work_in_flight_++;
  }
}

std::optional<Message> Network::take_due(int64_t now_ms) {
  if (in_flight_.empty() || in_flight_.begin()->first.first > now_ms) return std::nullopt;
  Message message = std::move(in_flight_.begin()->second);
  in_flight_.erase(in_flight_.begin());
  if (is_work(message.kind)) work_in_flight_--;
  return message;
}

int64_t Network::next_due_ms() const {
  return in_flight_.empty() ? std::numeric_limits<int64_t>::max() : in_flight_.begin()->first.first;
}

}  // namespace sluice::sim
