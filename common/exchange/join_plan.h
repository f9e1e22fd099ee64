#pragma once
// A job with a `join` step is cut in three (docs/ARCHITECTURE.md, "Join"):
// the left map tasks run the job's steps before the join over its input; the
// right map tasks run the join input's schema gate over the join's input;
// both write their rows hash-partitioned by the join key; the bucket tasks
// join each bucket and run the steps after the join. These functions give
// each piece its own JobSpec (so the pipeline compiler never sees a join)
// and the column arithmetic they share.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/spec/job_spec.h"

namespace sluice {

// The join step of `spec`, if it has one (check_job refuses two).
std::optional<size_t> join_step_index(const JobSpec& spec);
const JoinSpec* join_of(const JobSpec& spec);

// The left map tasks' job: the steps before the join.
JobSpec join_left_spec(const JobSpec& spec);
// The right map tasks' job: the join's input and schema gate, no steps.
JobSpec join_right_spec(const JobSpec& spec);
// The bucket tasks' steps after the join: over the joined columns as text,
// an empty field being NULL (no schema gate).
JobSpec join_after_spec(const JobSpec& spec);

// Where the key and kept columns are in the rows each side writes.
struct JoinLayout {
  JoinHow how = JoinHow::kInner;
  size_t left_column_count = 0;
  size_t right_column_count = 0;
  std::vector<size_t> left_keys;   // indexes of the left rows' key columns
  std::vector<size_t> right_keys;  // parallel: the right rows'
  std::vector<size_t> right_kept;  // right columns in the output, in order
  // The joined rows' columns: the left's, then the kept right ones (semi and
  // anti: the left's only).
  std::vector<std::string> columns;
  size_t output_column_count() const { return columns.size(); }
};

// The layout of `spec`'s join between rows of `left_columns` (the columns at
// the join) and the right input's `right_columns`. kInvalidArgument naming
// the job file and step: a key that is not a column of its side, a right
// column that does not exist, an output name used twice.
Result<JoinLayout> plan_join_layout(const JobSpec& spec,
                                    const std::vector<std::string>& left_columns,
                                    const std::vector<std::string>& right_columns);

// A broadcast join (docs/REFERENCE.md, "join", Broadcast): `spec` with its
// join step replaced by the `lookup` step that gives the same rows — a left
// join on one key pair of a small right file with unique keys, keeping
// `layout`'s right columns under their names. `right_columns`: the join
// input's columns (JobRecord::join_right_columns).
JobSpec join_as_lookup(const JobSpec& spec, const std::vector<std::string>& right_columns);

// Why `spec`'s join cannot be a lookup, from the spec alone (the file's
// size and keys are checked by check_join_job); nullopt: it may be.
std::optional<std::string> join_not_broadcastable(const JobSpec& spec);

// Whether a side's rows whose key holds a NULL can appear in the output: a
// NULL never equals anything, so such a row only comes out unmatched.
bool join_keeps_unmatched_left(JoinHow how);
bool join_keeps_unmatched_right(JoinHow how);

}  // namespace sluice
