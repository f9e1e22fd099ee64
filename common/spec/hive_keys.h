#pragma once
// The Hive partition keys of an input whose layout is decided (pinned into
// the job file at submission: common/job/hive_partitions.h), and the columns
// they add to the file's.

#include <string>
#include <vector>

#include "common/spec/job_spec.h"

namespace sluice {

// Whether the job reads partition columns (decided: true).
inline bool hive_partitioning_on(const InputSpec& input) {
  return input.hive_partitioning.value_or(false) && !input.hive_types.empty();
}

// The partition keys of a decided input, in path order.
std::vector<std::string> hive_keys(const InputSpec& input);

// The job's input columns: the file's, then each key that is not one of
// them (a key that is a file column takes its place: the path's value wins,
// as in DuckDB).
std::vector<std::string> columns_with_hive_keys(const std::vector<std::string>& file_columns,
                                                const InputSpec& input);

}  // namespace sluice
