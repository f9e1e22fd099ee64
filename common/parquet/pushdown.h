#pragma once
// Predicate pushdown for the Parquet reader: from a job's leading `filter`
// steps, the conjuncts (AND) of the form `column op 'text'` (or the other
// way round) that a row group's min/max statistics can prove false for
// every row; such a row group is skipped without being read.
//
// What is pushed (docs/INPUTS.md, "Parquet"): only when the job has no
// schema (a gate could reject rows of the group, and a skipped row must
// count as filtered, not rejected) and only filters before any other step.
// Input columns are then strings in the pipeline, compared byte by byte,
// and a NULL reads as '' — so the range a group's values span is
// [min, max], widened to '' when the chunk may hold NULLs:
//  - string columns (BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY as bytes): =, <, <=,
//    >, >= and <> against the unsigned byte order of min_value/max_value;
//  - integer columns (INT32/INT64, no logical type) and DATE columns: `=`
//    with a literal that is a value's exact text ('21', '2020-01-31'), by
//    value (their text order is not their value order).
// Anything else is not pushed (the rows are read and filtered as usual).
// Thread safety: the returned predicate is immutable.

#include <functional>
#include <string>
#include <vector>

#include "common/parquet/file_reader.h"
#include "common/spec/job_spec.h"

namespace sluice::parquet {

using RowGroupPredicate = std::function<bool(const FileInfo&, const RowGroupInfo&)>;

// A predicate that returns true for a row group the job's filters reject
// whole; an empty function when nothing can be pushed.
RowGroupPredicate row_group_pruner(const JobSpec& spec);

}  // namespace sluice::parquet
