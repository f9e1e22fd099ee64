#pragma once
// The coordinator's half of an aggregate job: merges every partition's
// partial-state CSV file once, at the end of the job, and runs the steps that
// follow the aggregate (select, derive, drop, filter, sort) over the merged
// groups.

#include <functional>
#include <string>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"
#include "common/spec/job_spec.h"

namespace sluice {

// The header of an aggregate job's final output: the columns after the last
// step (for W3: registration_state, violation_code, count). Compile errors as
// Pipeline::compile.
Result<std::vector<std::string>> aggregate_output_columns(
    const JobSpec& spec, const std::vector<std::string>& input_columns);

// Reads the partial-state CSV files (a header row of Pipeline::partial_columns(),
// RFC 4180, as sluice's CSV writer writes them), merges the groups, finalizes
// them and runs the post-aggregate steps; the final rows go to `emit` in
// batches of at most limits::kBatchRowsMax rows (views valid during the call).
// Without a sort step, rows come in the order of their group key's bytes.
// Errors: kInvalidArgument (spec), kIoError (files), kDataError (a file whose
// header or rows are not partial states of this spec); an error from `emit`
// is returned as is.
Status merge_partials(const JobSpec& spec, const std::vector<std::string>& input_columns,
                      const std::vector<std::string>& partial_csv_paths,
                      const std::function<Status(const OutputBatch&)>& emit);

}  // namespace sluice
