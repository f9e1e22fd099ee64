#pragma once
// CsvRangeReader reads the CSV records that START in a byte range [begin, end)
// of a source, in bounded memory. See common/csv/README.md for the
// split-correctness contract (which range a record belongs to, speculative
// starts and how the coordinator verifies them).
//
// Thread safety: one reader per thread; several readers may share a source
// whose read_at is thread-safe (FileSource).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/batch.h"
#include "common/base/limits.h"
#include "common/base/status.h"
#include "common/csv/dialect.h"
#include "common/csv/structural_index.h"
#include "common/io/byte_source.h"
#include "common/io/read_window.h"

namespace sluice {

struct CsvRangeOptions {
  CsvDialect dialect;
  uint64_t begin_offset = 0;  // range [begin, end) in which the records start
  uint64_t end_offset = 0;
  bool start_is_exact = false;  // true: a record starts exactly at exact_start_offset
  uint64_t exact_start_offset = 0;
  uint64_t max_record_bytes = limits::kRecordBytesDefault;
  size_t expected_columns = 0;  // 0: take from the first record read
  // Bytes per read_at(); tests make it tiny to cross buffer boundaries often.
  size_t read_chunk_bytes = limits::kReadChunkBytes;
  // Cut records with the block structural index (common/csv/structural_index.h)
  // where it applies. false: the byte-by-byte grammar only, the reference the
  // tests compare the index with. Both give the same output.
  bool structural_index = true;
  // The columns to materialize: source column indexes, strictly ascending.
  // A batch then holds only these, in this order (column_count = their
  // number). Every record is still checked whole: its field count, quotes
  // and UTF-8. nullopt: every column.
  std::optional<std::vector<size_t>> columns;
};

class CsvRangeReader {
 public:
  CsvRangeReader(ByteSource& source, CsvRangeOptions options);
  ~CsvRangeReader();
  CsvRangeReader(const CsvRangeReader&) = delete;
  CsvRangeReader& operator=(const CsvRangeReader&) = delete;

  // Fills `batch` (cleared first) with up to limits::kBatchRowsMax records;
  // malformed records are appended to `rejects` instead. Returns false when
  // the range is exhausted (the batch may still hold rows on the last true
  // call; after false it is empty). The batch's views stay valid until the
  // next call.
  Result<bool> next(RecordBatch& batch, std::vector<RejectedRecord>& rejects);

  // Offset of the first record (or empty line) this reader started at: exact,
  // or its guess. Valid after the first next().
  uint64_t start_offset() const { return start_offset_; }
  // Valid after next() returned false: where the first record starting at or
  // after options.end_offset begins (the source size at EOF). The next range's
  // records must start exactly here.
  uint64_t end_offset() const { return end_offset_; }
  uint64_t bytes_read() const { return window_.bytes_read; }
  // Records seen, rejected ones included; the header and empty lines excluded.
  uint64_t records_read() const { return records_read_; }
  // Columns every record must have (0 until known).
  size_t expected_columns() const { return expected_columns_; }
  // Columns of each batch: the projection's, or expected_columns().
  size_t batch_columns() const {
    return options_.columns ? options_.columns->size() : expected_columns_;
  }
  // The read buffer's size: bounded by max(2 chunks, max_record_bytes + 2 + chunk).
  size_t buffer_capacity_bytes() const { return window_.capacity; }

 private:
  enum class Phase { kStart, kRecords, kDone };
  enum class Parsed { kRecord, kEmptyLine, kRejected, kNeedMore };

  Status start();
  Status find_guessed_start();
  Status read_more();
  void compact();
  void grow();
  Parsed parse_record(RecordBatch& batch, std::vector<RejectedRecord>& rejects);
  // The record at position_ cut with the structural index; false when the
  // index does not settle it (it runs past the bytes in the buffer, is longer
  // than the index span, or holds a quote other than one opening and one
  // closing a quoted field): parse_record's grammar then reads it.
  bool parse_indexed(RecordBatch& batch, std::vector<RejectedRecord>& rejects, Parsed& parsed);
  enum class Cut { kRecord, kIrregular, kPastIndex };
  // Appends the projected fields; `field_count` is the record's whole count.
  Cut cut_indexed(RecordBatch& batch, const char*& raw_end, const char*& next, bool& non_ascii,
                  size_t& field_count);
  // cut_indexed for every column (appended as cut) or for a projection
  // (through cut_fields_); kSkipRuns: runs of skip_run_[c] unwanted columns
  // in a block without quotes are counted, not cut.
  template <bool kEveryColumn, bool kSkipRuns>
  Cut cut_record(RecordBatch& batch, const char*& raw_end, const char*& next, bool& non_ascii,
                 size_t& field_count);
  void build_index(uint64_t from_offset);
  // The checks every record passes once its fields are cut: size, UTF-8 (when
  // it may hold a byte >= 0x80), field count (`field_count`, all of the
  // record's fields). `projected`: the batch holds only the projected
  // fields already; otherwise it holds all and they are projected here.
  Parsed accept_record(RecordBatch& batch, std::vector<RejectedRecord>& rejects,
                       const char* raw_end, const char* next, size_t fields_begin,
                       size_t arena_mark, bool maybe_non_ascii, size_t field_count, bool projected);
  Status skip_oversize_record(std::vector<RejectedRecord>& rejects);
  void reject(std::vector<RejectedRecord>& rejects, uint64_t offset, std::string reason,
              std::string_view raw);
  std::string cut_raw(std::string_view raw) const;
  std::string_view unescape(const char* begin, const char* end, std::string_view tail);
  void finish(uint64_t end_offset);
  bool at_eof() const { return window_.at_eof(); }

  CsvRangeOptions options_;
  ReadWindow window_;  // the reused input buffer

  size_t position_ = 0;  // parse position in buffer_

  // The columns kept (options_.columns, or all expected_columns_): column c
  // is kept when c < wanted_end_ and wanted_[c] == 1. Set once the record
  // width is known; until then (wanted_end_ == 0 without a projection) the
  // index path declines and the grammar reads the record.
  void set_wanted_columns();
  std::vector<uint8_t> wanted_;
  size_t wanted_end_ = 0;
  size_t wanted_count_ = 0;
  // cut_indexed's fields of one record: every field up to wanted_end_ is
  // written at slot `kept`, which advances only for kept columns (no
  // branch); so wanted_count_ + 1 slots.
  std::vector<std::string_view> cut_fields_;
  // For column c < wanted_end_: the unwanted columns from c to the next kept
  // one, when at least kSkipRunMin (else 0). Empty when there is no such run.
  std::vector<uint8_t> skip_run_;

  // The structural index of source bytes [index_begin_, index_end_), built
  // from a record start (parity 0 there), index_span_bytes_ at most.
  bool index_usable_ = false;  // the dialect's characters allow it
  std::vector<csv_index::BlockMasks> index_;
  uint64_t index_span_bytes_ = 0;  // 8 KiB, doubled for long records up to 256 KiB
  uint64_t index_begin_ = 0;
  uint64_t index_end_ = 0;

  std::string arena_;  // unescaped values of the current batch
  size_t arena_used_ = 0;

  Phase phase_ = Phase::kStart;
  bool header_pending_ = false;
  uint64_t bom_bytes_ = 0;  // 3 when the file starts with a UTF-8 BOM
  size_t expected_columns_ = 0;
  uint64_t start_offset_ = 0;
  uint64_t end_offset_ = 0;
  uint64_t records_read_ = 0;
};

// Reads the header (the first record of the file, after a UTF-8 BOM) as
// column names. An empty file (or one of empty lines only) gives no columns.
Result<std::vector<std::string>> read_csv_header(ByteSource& source, const CsvDialect& dialect,
                                                 uint64_t max_record_bytes);

}  // namespace sluice
