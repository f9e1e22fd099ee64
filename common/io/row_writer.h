#pragma once
// RowWriter, what every output format's writer is (CSV: common/csv/writer.h,
// JSON lines: common/jsonl/writer.h, Parquet: common/parquet/writer.h; one is
// chosen by open_row_writer, common/formats/row_writers.h), and the rejects
// writer. Buffered (limits::kWriteBufferBytes); bytes and checksum are of
// the file's bytes, after compression. Thread safety: one thread per writer.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"
#include "common/spec/output_spec.h"

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

// kInternal unless `batch` holds `columns` columns and a field and a null
// flag for each (an empty batch always fits); `path` names the file.
Status check_batch_shape(const OutputBatch& batch, size_t columns, const std::string& path);

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
