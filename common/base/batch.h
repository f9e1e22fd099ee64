#pragma once
// The two shapes rows take inside a worker:
//  - RecordBatch: records as read from the input, every field a view into the
//    reader's buffer (or its unescape arena), valid until the reader advances.
//  - OutputBatch: rows produced by the pipeline, as views into the input or
//    into strings the batch owns; NULLs are flagged.
// Both are row-major so a row's fields sit together for the writers.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

struct RecordBatch {
  size_t column_count = 0;
  size_t row_count = 0;
  std::vector<std::string_view> fields;  // row * column_count + column
  std::vector<uint64_t> offsets;         // byte offset of each record in its source
  std::vector<std::string_view> raw;     // each record's raw bytes, for rejects

  std::string_view field(size_t row, size_t column) const {
    return fields[row * column_count + column];
  }
  void clear() {
    row_count = 0;
    fields.clear();
    offsets.clear();
    raw.clear();
  }
};

// A record that goes to the rejects instead of the output.
struct RejectedRecord {
  uint64_t offset = 0;  // byte offset of the record in its source file
  std::string reason;   // one line, e.g. "expected 43 fields, found 42"
  std::string raw;      // the raw record, cut to limits::kRejectRawBytesMax
};

struct OutputBatch {
  size_t column_count = 0;
  size_t row_count = 0;
  std::vector<std::string_view> fields;  // row * column_count + column
  std::vector<uint8_t> nulls;            // parallel to fields: 1 when the value is NULL
  std::deque<std::string> owned;         // storage for computed values (stable addresses)

  std::string_view field(size_t row, size_t column) const {
    return fields[row * column_count + column];
  }
  bool is_null(size_t row, size_t column) const { return nulls[row * column_count + column] != 0; }
  void clear() {
    row_count = 0;
    fields.clear();
    nulls.clear();
    owned.clear();
  }
};

}  // namespace sluice
