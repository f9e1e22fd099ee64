#pragma once
// JsonlRangeReader reads the JSON Lines records that START in a byte range
// [begin, end) of a source, in bounded memory, with the same offset contract
// as CsvRangeReader (common/csv/README.md): start_offset(), end_offset(), a
// range finishes its last line past `end`, and the coordinator chains ranges
// by comparing k+1's start with k's end. A JSON string cannot hold a raw
// newline, so a guessed start (the first line start at or after begin) is
// always a true record start. See common/jsonl/README.md.
//
// Thread safety: one reader per thread; several readers may share a source
// whose read_at is thread-safe.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/batch.h"
#include "common/base/limits.h"
#include "common/base/status.h"
#include "common/io/byte_source.h"
#include "common/io/read_window.h"
#include "common/jsonl/line_parser.h"

namespace sluice {

struct JsonlRangeOptions {
  std::vector<std::string> columns;  // the keys of the first object of the first file
  uint64_t begin_offset = 0;
  uint64_t end_offset = 0;
  bool start_is_exact = false;
  uint64_t exact_start_offset = 0;
  uint64_t max_record_bytes = limits::kRecordBytesDefault;
  size_t read_chunk_bytes = limits::kReadChunkBytes;
};

class JsonlRangeReader {
 public:
  JsonlRangeReader(ByteSource& source, JsonlRangeOptions options);
  JsonlRangeReader(const JsonlRangeReader&) = delete;
  JsonlRangeReader& operator=(const JsonlRangeReader&) = delete;

  // As CsvRangeReader::next: fills `batch` (cleared first) with up to
  // limits::kBatchRowsMax records, appends malformed ones to `rejects`;
  // false when the range is exhausted. Views stay valid until the next call.
  // A JSON null or a missing key is an empty view with a null data pointer.
  Result<bool> next(RecordBatch& batch, std::vector<RejectedRecord>& rejects);

  uint64_t start_offset() const { return start_offset_; }
  uint64_t end_offset() const { return end_offset_; }
  uint64_t bytes_read() const { return window_.bytes_read; }
  // Records seen, rejected ones included; blank lines excluded.
  uint64_t records_read() const { return records_read_; }
  size_t buffer_capacity_bytes() const { return window_.capacity; }

 private:
  Status start();
  Status read_more();
  void compact();
  void grow();
  Status skip_oversize_line(std::vector<RejectedRecord>& rejects);
  void process_line(std::string_view line, uint64_t offset, RecordBatch& batch,
                    std::vector<RejectedRecord>& rejects);
  void reject(std::vector<RejectedRecord>& rejects, uint64_t offset, std::string reason,
              std::string_view raw);
  void finish(uint64_t end_offset);
  bool at_eof() const { return window_.at_eof(); }

  JsonlRangeOptions options_;
  ReadWindow window_;  // the reused input buffer
  JsonlLineParser parser_;

  size_t position_ = 0;
  size_t scanned_ = 0;  // bytes from position_ known to hold no '\n'

  std::unique_ptr<char[]> arena_;  // unescaped strings of the current batch
  size_t arena_used_ = 0;
  std::vector<std::string_view> values_;

  bool started_ = false;
  bool done_ = false;
  bool bom_pending_ = false;  // the input starts with a UTF-8 BOM, not yet passed
  uint64_t start_offset_ = 0;
  uint64_t end_offset_ = 0;
  uint64_t records_read_ = 0;
};

// The columns of a JSONL input: the keys of its first
// kJsonlColumnSampleRows objects (within kJsonlColumnSampleBytes; after a
// UTF-8 BOM and blank lines), in the order first seen. No columns for an
// empty file; a malformed first object is a kDataError, a malformed later one
// is skipped here (it is a reject when read).
inline constexpr uint64_t kJsonlColumnSampleRows = 20480;
inline constexpr uint64_t kJsonlColumnSampleBytes = 8ull << 20;
Result<std::vector<std::string>> read_jsonl_columns(ByteSource& source, uint64_t max_record_bytes);

}  // namespace sluice
