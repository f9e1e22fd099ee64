#pragma once
// A bucket task of a join (docs/ARCHITECTURE.md, "Join"): reads its buckets
// of every left and right map output (checked against their indexed
// checksums), joins them in bounded memory (common/exchange/bucket_join.h:
// a sort-merge join that spills past memory_per_task), runs the steps after
// the join and writes one part. A map output missing or failing its
// checksum is reported (TaskOutcome::map_output_lost): that map task runs
// again.

#include "common/spec/job_spec.h"
#include "worker/task_runner.h"

namespace sluice {

TaskOutcome run_join_bucket_task(const TaskSpec& task, const JobSpec& spec, TaskControl& control);

}  // namespace sluice
