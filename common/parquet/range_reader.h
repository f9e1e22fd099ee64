#pragma once
// The rows of one byte range of a Parquet file, as RecordBatches of text
// (the shape the CSV and JSON Lines readers produce), for the worker.
//
// A row group is a partition's unit: a reader of [begin, end) reads exactly
// the row groups whose first byte (the smallest column-chunk offset) lies in
// [begin, end), so ranges of any size cover every row group once.
// start_offset() / end_offset() follow CsvRangeReader's contract with row
// group starts as record starts: the first row group start at or after
// begin (end), else the footer's offset (or begin/end when past it).
//
// Only the columns asked for are decoded (projection). Row groups that
// `skip_row_group` rejects (predicate pushdown on statistics) are not read:
// their rows count as read and filtered (rows_skipped()).
//
// Memory: per column read, one page and the chunk's dictionary (column_reader.h);
// the batch's text, about limits::kParquetBatchBytesTarget.
// Thread safety: one thread per reader.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"
#include "common/io/byte_source.h"
#include "common/parquet/column_reader.h"
#include "common/parquet/file_reader.h"

namespace sluice::parquet {

struct ParquetRangeOptions {
  uint64_t begin_offset = 0;
  uint64_t end_offset = 0;
  // The job's input columns (the first file's): each must be a column of
  // this file (matched by name; others are not read).
  std::vector<std::string> columns;
  // Indexes into `columns` (ascending) a batch holds; nullopt: all.
  std::optional<std::vector<size_t>> read_columns;
  uint64_t max_value_bytes = 16u << 20;
  bool keep_raw = false;  // each row as CSV text in batch.raw (for rejects)
  // Row groups this returns true for are skipped unread (pushdown.h);
  // empty: none is.
  std::function<bool(const FileInfo&, const RowGroupInfo&)> skip_row_group;
};

class ParquetRangeReader {
 public:
  ParquetRangeReader(ByteSource& source, ParquetRangeOptions options);
  ~ParquetRangeReader();
  ParquetRangeReader(const ParquetRangeReader&) = delete;
  ParquetRangeReader& operator=(const ParquetRangeReader&) = delete;

  // Fills `batch` (cleared first) with the next rows; false when the range
  // is exhausted (the batch is then empty). A malformed file is an error
  // (kDataError naming the column and byte); nothing is rejected row by row.
  Result<bool> next(RecordBatch& batch, std::vector<RejectedRecord>& rejects);

  uint64_t start_offset() const { return start_offset_; }
  uint64_t end_offset() const { return end_offset_; }
  uint64_t bytes_read() const;
  uint64_t records_read() const { return records_read_; }
  // Row groups skipped by skip_row_group, and their rows.
  uint64_t row_groups_skipped() const { return row_groups_skipped_; }
  uint64_t rows_skipped() const { return rows_skipped_; }
  // Pages decoded so far, by kind (tests check what a file exercised).
  ColumnChunkReader::PageCounts page_counts() const;

 private:
  Status open();
  Status start_row_group();

  ByteSource& source_;
  ParquetRangeOptions options_;
  bool opened_ = false;
  FileInfo info_;
  std::vector<size_t> file_columns_;  // per batch column: its index in the file
  std::vector<size_t> groups_;        // row groups of the range, in file order
  size_t next_group_ = 0;
  const RowGroupInfo* group_ = nullptr;
  uint64_t group_row_ = 0;  // rows of the current group already returned
  std::vector<std::unique_ptr<ColumnChunkReader>> chunks_;
  std::vector<std::vector<std::string_view>> values_;  // per batch column
  TextArena arena_;
  std::string raw_;
  size_t batch_rows_ = 0;  // rows of the next batch (from the last one's bytes)
  uint64_t start_offset_ = 0;
  uint64_t end_offset_ = 0;
  uint64_t records_read_ = 0;
  uint64_t bytes_done_ = 0;                   // footer and finished chunks
  ColumnChunkReader::PageCounts pages_done_;  // of finished chunks
  uint64_t row_groups_skipped_ = 0;
  uint64_t rows_skipped_ = 0;
};

}  // namespace sluice::parquet
