#pragma once
// A global sort's bucket task (docs/ARCHITECTURE.md, "Global sort"): bucket
// task n of T reads the samples of every map output, computes the key range
// of task n (the same in every task), seeks in each sorted map output to
// that range with its block index and merges the ranges as a stream into
// part n. A map output that is missing or fails a checksum is reported
// (TaskOutcome::map_output_lost) so the coordinator runs that map task again.

#include "common/spec/job_spec.h"
#include "worker/task_runner.h"

namespace sluice {

TaskOutcome run_sort_bucket_task(const TaskSpec& task, const JobSpec& spec, TaskControl& control);

}  // namespace sluice
