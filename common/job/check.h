#pragma once
// Checks a job before any work starts: its inputs exist, their columns are
// known, and every step's expressions bind and type-check against them.
// Used by the CLI (exit code 2 on error), the coordinator at submit, and
// workers when they compile a job.

#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/job/inputs.h"
#include "common/spec/job_spec.h"

namespace sluice {

class Pipeline;

struct CheckedJob {
  std::vector<InputFile> inputs;
  std::vector<std::string> input_columns;
  std::vector<std::string> output_columns;
  // The job has an exchange (an aggregate, distinct, or a global sort): its
  // partitions are map tasks whose outputs bucket tasks read.
  bool has_aggregate = false;
  bool header_known = true;  // false: every input is empty (see job_input_columns)
  // A join (common/exchange/join_plan.h): the join input's files and its columns
  // after its schema gate (what the right map tasks write).
  std::vector<InputFile> right_inputs;
  std::vector<std::string> right_columns;
  // The join runs as a lookup, map-only (join_as_lookup): no exchange.
  bool join_broadcast = false;
};

// Column names of an input: a CSV's header (column0..N-1 without one), or
// the keys of a JSON Lines input's first object.
Result<std::vector<std::string>> read_input_columns(const JobSpec& spec, const std::string& path);

// The columns of a job's input: those of its first input that is not empty
// (0 bytes: no rows, no header; such a file gets no partition). When every
// input is empty the header is unknown: the columns are those the steps
// read (columns_read_by_steps) and `header_known` is false, for
// Pipeline::compile. A postgres input's are its query's.
struct InputColumns {
  std::vector<std::string> names;
  bool header_known = true;
};
Result<InputColumns> job_input_columns(const JobSpec& spec, const std::vector<InputFile>& inputs);

// Resolves the inputs against `base_dir`, reads the columns of the first one
// and compiles the pipeline. Errors name the job file, line and key.
Result<CheckedJob> check_job(const JobSpec& spec, const std::string& base_dir);

// The join half of check_job (check_join.cc): refuses what a join job does
// not support, checks both sides and the steps after the join, and fills
// `checked`'s output columns and right side. `spec` has its base_dir.
Status check_join_job(const JobSpec& spec, const std::string& base_dir, CheckedJob& checked);

}  // namespace sluice
