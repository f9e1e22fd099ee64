#pragma once
// RecordSource: the records of one planned InputRange (common/spec/
// input_range.h), whatever the input — a byte range of a CSV, JSON lines or
// Parquet file (Hive-partitioned or not; on disk, http(s), s3://, gzip/zstd)
// or a key range of a PostgreSQL query — with the columns a pipeline
// compiles against. open_record_source is the one place a task's reader is
// opened (the input's mirror of common/formats' open_row_writer).
// Thread safety: one source per thread.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/io/record_reader.h"
#include "common/io/row_writer.h"
#include "common/spec/input_range.h"
#include "common/spec/job_spec.h"

namespace sluice {

// A RecordReader of the range with what the task runner asks of its input.
// Offsets, bytes_read() and the statistics are the reader's (RecordReader);
// before the first next() they are 0.
class RecordSource : public RecordReader {
 public:
  // The columns the batches index: a file's (its header; a Hive input's
  // partition keys after them, common/spec/hive_keys.h) or the query's.
  virtual const std::vector<std::string>& columns() const = 0;
  // Whether batches can hold only the columns read (project()): CSV and
  // Parquet; JSON lines and PostgreSQL read every column.
  virtual bool projects_columns() const = 0;
  // Before the first next(), when projects_columns(): batches hold only
  // columns `read` (ascending indexes into columns()), in that order.
  virtual void project(std::vector<size_t> read) = 0;
  // nullopt while the input is the one planned, else why not: a byte
  // range's file is gone or has another size or mtime (ETag for a URL). A
  // key range: always nullopt (rows changed in place are not detected,
  // docs/POSTGRES.md).
  virtual std::optional<std::string> input_changed() const = 0;
  // What the offsets of records and rejects are: bytes of the file, or keys.
  virtual RejectOffsets offsets() const = 0;
};

// Opens `range` of `spec`'s input (spec.base_dir resolves input.s3's and
// postgres' files). A byte range is first checked against its planned
// size and mtime, then its columns are read (read_input_columns); a key
// range connects and declares its cursor. On failure `retryable` says
// whether another attempt may succeed (the input could not be reached or
// read now) or not (the file changed since it was planned; a Hive path
// whose values do not have the pinned types).
Result<std::unique_ptr<RecordSource>> open_record_source(const JobSpec& spec,
                                                         const InputRange& range, bool& retryable);

}  // namespace sluice
