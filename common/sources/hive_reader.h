#pragma once
// The records of one range of a Hive-partitioned input file: its own
// columns through open_record_reader, each row given the file's partition
// values (common/job/hive_partitions.h) as further columns.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/job/inputs.h"
#include "common/spec/job_spec.h"

namespace sluice {

// `file_columns`: the file's own (read_input_columns); the job's columns are
// columns_with_hive_keys(file_columns, spec.input), which `read_columns`
// (ascending, or nullopt: all) indexes. `values`: hive_values_of the file.
// A NULL value is an empty view with no data, as the readers mark NULLs.
std::unique_ptr<RecordReader> open_hive_record_reader(
    const JobSpec& spec, ByteSource& source, const std::vector<std::string>& file_columns,
    std::vector<std::optional<std::string>> values, const ByteRange& range,
    std::optional<std::vector<size_t>> read_columns);

}  // namespace sluice
