#pragma once
// Hive-style partitioned inputs (docs/INPUTS.md, "Hive-partitioned inputs"):
// `key=value` directories under an input's root become columns, the exact
// inverse of what `output.partition_by` writes (common/layout/hive_path.h):
// names and values are unescaped (%XX), and `__HIVE_DEFAULT_PARTITION__` (or
// an empty value) is NULL.
//
// `input.hive_partitioning` is true, false or absent (auto: on when the
// first file has `key=value` directories below its root, as DuckDB and
// Spark decide). apply_hive_partitioning decides it at submission and lists
// every key in path order with its type in `input.hive_types`; the
// coordinator pins both into the job file the workers read
// (pin_hive_partitioning), so a worker never lists directories: it reads a
// file's values from its own path (hive_values_of).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/job/infer_types.h"
#include "common/job/inputs.h"
#include "common/spec/hive_keys.h"
#include "common/spec/job_spec.h"

namespace sluice {

struct HiveSegment {
  std::string key;                   // unescaped
  std::optional<std::string> value;  // unescaped; nullopt: NULL
};

// `key=value` (a path component) unescaped, or nullopt when `component` is
// not one (no '=', or nothing before it).
std::optional<HiveSegment> parse_hive_segment(std::string_view component);

// The `key=value` directories of `relative_path` (its last component, the
// file name, is not one), in order. Other directories are passed over.
std::vector<HiveSegment> hive_segments_of(std::string_view relative_path);

// The directory below which an input pattern's partition directories are
// read: a directory itself, a file's parent, a glob's directories before its
// first component with a wildcard. Absolute, against `base_dir`.
std::string hive_root_of(const std::string& pattern, const std::string& base_dir);

// The type DuckDB's hive_types_autocast gives a key's values: int64 when
// every non-NULL value is an integer, else float64, else date, else
// timestamp, else string. A number with a leading zero ("007") stays text;
// `true`/`false` stay text (DuckDB does not cast them); only NULLs: string.
std::string hive_type_of(const std::vector<std::optional<std::string>>& values);

// What apply_hive_partitioning decided for the job's input.
struct HiveLayout {
  std::vector<std::string> keys;   // in path order
  std::vector<std::string> types;  // parallel: hive_types, else schema, else inferred
  // Per input file (parallel to the resolved files): its values, parallel to keys.
  std::vector<std::vector<std::optional<std::string>>> values;
};

// Reads the partition directories of `files` (resolved from `input.paths`
// against `base_dir`). nullopt: hive partitioning is off (false, or auto and
// the first file has no `key=value` directory, or a postgres input). Every
// file must have the same keys in the same order, else an error naming two
// files; a value that does not parse as its key's type in `input.hive_types`
// is an error naming the file.
Result<std::optional<HiveLayout>> discover_hive_layout(const JobSpec& spec,
                                                       const std::vector<InputFile>& files,
                                                       const std::string& base_dir);

// Decides `input.hive_partitioning` (for auto, from the files) and fills
// `input.hive_types` with every key in path order; the keys the steps read
// that are not string and that `schema.columns` does not name are added to
// the schema (as input.infer_types does), and returned in `added`. Errors
// name the job file. Idempotent: a pinned spec decides the same again.
Status apply_hive_partitioning(JobSpec& spec, const std::string& base_dir,
                               std::vector<ColumnRule>* added = nullptr);

// `spec_yaml` with `input.hive_partitioning`, `input.hive_types` and the
// `added` schema rules written in (a query: its sections written out).
Result<std::string> pin_hive_partitioning(const std::string& spec_yaml, const InputSpec& input,
                                          const InferredSchema& added);

// A file's partition values, parallel to hive_keys(input): the last
// `key=value` directories of `path` must be exactly the keys, in order.
Result<std::vector<std::optional<std::string>>> hive_values_of(const InputSpec& input,
                                                               const std::string& path);

}  // namespace sluice
