#pragma once
// Renders the scheduler's state and the loop's counters into a BoardSnapshot
// (JSON for /api/jobs, Prometheus text for /metrics), and takes the
// telemetry's samples (about once a second; telemetry.h). Runs on the loop
// thread. Cost: one pass over each job's partitions (counts by state and the
// partition grid, at most PartitionGrid::kCellsMax cells).

#include "coordinator/scheduler.h"
#include "coordinator/status_board.h"
#include "coordinator/telemetry.h"

namespace sluice {

BoardSnapshot render_board(const Scheduler& scheduler, const LoopMetrics& metrics,
                           Telemetry& telemetry, int64_t now_ms, bool ready);

}  // namespace sluice
