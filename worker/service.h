#pragma once
// The worker's link to the coordinator: one thread owns the DEALER socket,
// registers, heartbeats, asks for work when a slot is free (credit), starts a
// thread per task and reports each outcome. When the coordinator goes quiet
// for longer than a lease it reconnects with backoff and registers again;
// running tasks go on.

#include <atomic>
#include <string>

#include "common/base/status.h"

namespace sluice {

struct WorkerOptions {
  std::string coordinator = "tcp://127.0.0.1:7700";
  uint32_t slots = 1;
  std::string worker_id;          // empty: derived from host and pid
  std::string curve_secret_path;  // with coordinator_key_path: CURVE on
  std::string coordinator_key_path;
};

// Serves until `stop` becomes true.
Status run_worker(const WorkerOptions& options, const std::atomic<bool>& stop);

}  // namespace sluice
