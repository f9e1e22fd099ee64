#pragma once
// Writers of output rows to one file: CSV (RFC 4180, header row, minimal
// quoting, '\n') or JSON lines, optionally gzip or zstd compressed, and the
// rejects writer. Buffered (limits::kWriteBufferBytes); bytes and checksum
// are of the file's bytes, after compression. Thread safety: one thread per
// writer.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/batch.h"
#include "common/base/limits.h"
#include "common/base/status.h"
#include "common/expr/types.h"
#include "common/job/job_spec.h"

namespace sluice {

struct WriteStats {
  uint64_t rows = 0;
  uint64_t bytes = 0;     // bytes in the file
  uint64_t checksum = 0;  // xxh64 of the file's bytes
};

class RowWriter {
 public:
  virtual ~RowWriter();
  // batch.column_count must be the number of columns given at open.
  virtual Status write(const OutputBatch& batch) = 0;
  // Flushes, fsyncs and closes. Once; the writer takes no rows after it.
  virtual Result<WriteStats> finish() = 0;
};

// Creates `path` (and its parent directories). CSV gets its header row now.
// NULL is an empty field in CSV (a lone column's empty value is written ""
// so the row is not an empty line) and null in JSON lines, whose values are
// otherwise JSON strings.
// Parquet (common/parquet/writer.h) needs the columns' types, parallel to
// `columns` (Pipeline::output_types()); without them every column is a
// string. CSV and JSON lines ignore them, and the row group size, which
// several files open at once keep smaller (common/layout/partitioned_writer.h).
Result<std::unique_ptr<RowWriter>> open_row_writer(
    const std::string& path, OutputFormat format, Compression compression,
    const std::vector<std::string>& columns, const std::vector<expr::Type>& types = {},
    uint64_t parquet_row_group_bytes_max = limits::kParquetRowGroupBytesMax);

class OutputSink;

// The rejects file of a partition: CSV with the header
// `source_file,offset,reason,record`, one line per rejected record, with the
// same quoting as CSV output. The file is created at the first reject: a
// partition without rejects writes (and fsyncs) no file at all. Thread
// safety: one thread.
// What a reject's `offset` is: a byte offset in its file, or (a postgres
// input) the row's key, an int64 carried in the uint64.
enum class RejectOffsets { kBytes, kSignedKeys };

class RejectWriter {
 public:
  RejectWriter(std::string path, std::string source_file,
               RejectOffsets offsets = RejectOffsets::kBytes);
  ~RejectWriter();
  RejectWriter(const RejectWriter&) = delete;
  RejectWriter& operator=(const RejectWriter&) = delete;

  Status write(const std::vector<RejectedRecord>& rejects);
  // Flushes, fsyncs and closes. Once. rows = rejects written; with none, no
  // file exists and the stats are zero.
  Result<WriteStats> finish();

 private:
  std::string path_;
  std::unique_ptr<OutputSink> sink_;  // opened at the first reject
  std::string source_field_;          // source_file, already quoted as needed
  RejectOffsets offsets_;
  uint64_t rows_ = 0;
};

// A RejectWriter for `path` (created, with its parent directories, at the
// first reject).
Result<std::unique_ptr<RejectWriter>> open_reject_writer(
    const std::string& path, const std::string& source_file,
    RejectOffsets offsets = RejectOffsets::kBytes);

}  // namespace sluice
