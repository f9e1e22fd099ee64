#pragma once
// Renders the scheduler's state and the loop's counters into a BoardSnapshot
// (JSON for /api/jobs, Prometheus text for /metrics). Runs on the loop thread.

#include "coordinator/scheduler.h"
#include "coordinator/status_board.h"

namespace sluice {

BoardSnapshot render_board(const Scheduler& scheduler, const LoopMetrics& metrics, int64_t now_ms,
                           bool ready);

}  // namespace sluice
