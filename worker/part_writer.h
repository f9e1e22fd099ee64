#pragma once
// The writer of a task's part: one file at the attempt's temporary path, or
// under `output.partition_by` one file per partition value in the
// directory beside it (common/layout/partitioned_writer.h), listed in the
// outcome for the coordinator to rename.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"
#include "common/expr/types.h"
#include "common/io/row_writer.h"
#include "common/layout/partitioned_writer.h"
#include "common/spec/job_spec.h"
#include "worker/task_runner.h"

namespace sluice {

class PartWriter {
 public:
  // `temp_path`: the attempt's temporary part (TaskSpec::temp_path); a
  // partitioned part's files go to partition_files_dir(temp_path).
  // `memory_budget_bytes`: what a partitioned writer may hold.
  static Result<std::unique_ptr<PartWriter>> open(const std::string& temp_path, const JobSpec& spec,
                                                  const std::vector<std::string>& columns,
                                                  const std::vector<expr::Type>& types,
                                                  uint64_t memory_budget_bytes);
  Status write(const OutputBatch& batch);
  // Finishes the file(s) and fills the outcome's bytes_written and checksum
  // (of the one file; for partitioned files the sum of their bytes and 0),
  // and its files. Returns the rows written.
  Result<uint64_t> finish(TaskOutcome& outcome);

 private:
  std::unique_ptr<RowWriter> single_;
  std::unique_ptr<PartitionedWriter> partitioned_;
};

}  // namespace sluice
