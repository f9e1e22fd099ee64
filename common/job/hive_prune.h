#pragma once
// Directory pruning for Hive-partitioned inputs: the job's leading `filter`
// steps are split at AND, and each conjunct that reads only partition
// columns is evaluated at planning against every file's partition values,
// with the expression binder and evaluator the workers use and the types
// the workers give those columns (the schema gate's, else string). A file
// whose values make a conjunct false or NULL holds no row the filter keeps:
// it is never opened nor planned. The workers still apply every filter, so
// correctness does not depend on pruning. Filters after any other step are
// not used (a derive or select could change the column).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/job/inputs.h"
#include "common/spec/job_spec.h"

namespace sluice {

// Per file (parallel to `values`, each parallel to hive_keys(spec.input)):
// whether some conjunct rules it out. `used` (optional) receives the
// filters some conjunct of which was evaluated (for explain). A conjunct that does not bind
// to the partition columns alone is not used. `spec` is decided
// (apply_hive_partitioning).
std::vector<bool> hive_files_ruled_out(
    const JobSpec& spec, const std::vector<std::vector<std::optional<std::string>>>& values,
    std::vector<std::string>* used = nullptr);

struct HivePruning {
  std::vector<bool> skipped;  // parallel to the files
  uint64_t files_skipped = 0;
  uint64_t bytes_skipped = 0;
  std::vector<std::string> filters;  // those evaluated on the paths
};

// hive_files_ruled_out over `files` (their values from their paths). A job
// without partition columns skips nothing.
Result<HivePruning> prune_hive_files(const JobSpec& spec, const std::vector<InputFile>& files);

}  // namespace sluice
