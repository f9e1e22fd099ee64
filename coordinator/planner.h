#pragma once
// The planner turns a job's input paths into files and byte-range partitions.
// It touches the filesystem only to list and stat inputs, and to read the
// footers of Parquet inputs (parquet_row_group_starts).

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/job/inputs.h"
#include "common/spec/job_spec.h"

namespace sluice {

// A planned range as the ledger keeps it (partition_codec.cc): an index into
// JobRecord::inputs and [begin, end). A task reads it as an InputRange
// (common/spec/input_range.h), which task_for (wire.cc) makes from it and the
// file: a ByteRange, or for the postgres input a QueryKeyRange
// (postgres_key_range).
struct PlannedRange {
  uint32_t file_index = 0;
  uint64_t begin_offset = 0;  // records that start in [begin, end) belong to it
  uint64_t end_offset = 0;
};

// Splits each file into ranges of `split_size_bytes` (the last may be shorter).
// An empty (0-byte) file gets none: it holds 0 rows, as Spark and Polars
// read it (its header, if any, is another file's). A compressed input (.gz,
// .zst) is one range [0, size).
// `row_group_starts` (Parquet inputs; parallel to `files`): the first byte of
// each row group of a file, ascending. A file that has them is cut only
// there, a range ending at the first start at least `split_size_bytes` past
// its beginning, so every range holds at least one whole row group (a row
// group larger than the split is one range). The reader's contract (a row
// group belongs to the range its first byte is in) makes any cut correct;
// this one leaves no range empty. A file with none is cut by bytes.
std::vector<PlannedRange> plan_ranges(
    const std::vector<InputFile>& files, uint64_t split_size_bytes,
    const std::vector<std::vector<uint64_t>>* row_group_starts = nullptr);

// The row group starts of each Parquet file (its footer, read on the
// caller's thread: at most limits::kParquetFooterBytesMax a file). A file
// whose footer cannot be read gets none: it is planned by bytes, and its
// reader reports what is wrong with it.
std::vector<std::vector<uint64_t>> parquet_row_group_starts(const std::vector<InputFile>& files,
                                                            const S3Options& s3 = {});

// A job's files (not postgres) planned: Parquet files at their row group
// starts, the others by bytes; the files `skipped` marks (Hive partition
// pruning, common/job/hive_prune.h; parallel to `files`, may be empty) get
// no range and their footers are not read.
std::vector<PlannedRange> plan_input_ranges(const InputSpec& input,
                                            const std::vector<InputFile>& files,
                                            const std::vector<bool>& skipped,
                                            const S3Options& s3 = {});

// format: postgres (docs/POSTGRES.md). Partitions of a key range: `span`
// keys relative to the min key ([0, span)), split into ceil(rows /
// split_rows) ranges (at most one a key) whose widths differ by at most one
// key. Equal width by key, not quantiles: even for dense keys (serial ids),
// uneven for skewed ones. The first range begins at 0 and each begins where
// the previous ends, so split verification holds by construction. An empty
// query (span 0) gets one empty range.
std::vector<PlannedRange> plan_key_ranges(uint64_t span, uint64_t rows, uint64_t split_rows);

// Reads the key's min, max and count from the database, records them as the
// input (`inputs` becomes the one postgres_input_file) and plans the ranges.
Result<std::vector<PlannedRange>> plan_postgres_input(const InputSpec& input,
                                                      const std::string& base_dir,
                                                      std::vector<InputFile>& inputs);

}  // namespace sluice
