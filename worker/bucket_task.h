#pragma once
// A bucket task of the exchange (docs/ARCHITECTURE.md, "Stages and
// exchanges"): reads its buckets of every committed map output (checked
// against their indexed checksums), merges the partial states in bounded
// memory (ExternalAggregator: past memory_per_task it spills sorted runs),
// runs the steps after the aggregate and writes one part. A map output that
// is missing or fails its checksum is reported (TaskOutcome::map_output_lost)
// so the coordinator runs that map task again.

#include "common/spec/job_spec.h"
#include "worker/task_runner.h"

namespace sluice {

TaskOutcome run_bucket_task(const TaskSpec& task, const JobSpec& spec, TaskControl& control);

// The merge task of a job that sorts after its aggregate: a k-way merge of
// the bucket tasks' sorted outputs, as a stream, into the job's one part.
TaskOutcome run_merge_task(const TaskSpec& task, const JobSpec& spec, TaskControl& control);

}  // namespace sluice
