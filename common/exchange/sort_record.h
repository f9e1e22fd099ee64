#pragma once
// The record of the exchange's sorted files (ExternalSorter's run and
// sorted-rows files, a global sort's sorted map outputs), little-endian:
//   key length u32, key bytes, then per column: null flag u8, length u32, bytes
// and the gathering of records back into OutputBatches.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"

namespace sluice {

// Per column of a record: null flag u8, length u32.
inline constexpr size_t kRecordFieldHeaderBytes = 5;

// Where a field's bytes are, relative to the start of its record.
struct FieldSpan {
  uint64_t offset;
  uint32_t length;
  bool null;
};

// Appends row `row` of `rows` with `key` to `out` as one record. The caller
// checks that the key and fields are shorter than 4 GiB.
void append_record(std::string& out, std::string_view key, const OutputBatch& rows, size_t row);

// The key of the whole record at `record`.
inline std::string_view record_key(const char* record);

// Parses the record at `bytes` (`available` of them at hand) into `spans`.
// Returns its length, or 0 when more bytes are needed: at least `needed`.
uint64_t parse_record(const char* bytes, uint64_t available, size_t columns,
                      std::vector<FieldSpan>& spans, uint64_t& needed);

// Gathers rows into OutputBatches of at most kBatchRowsMax rows. With
// `copy`, field bytes are copied into the batch (the records they come from
// do not outlive the next read); without, the batch views them.
class BatchBuilder {
 public:
  BatchBuilder(size_t columns, bool copy, const std::function<Status(const OutputBatch&)>& emit);
  Status add(const char* record, const std::vector<FieldSpan>& spans);
  Status flush();

 private:
  struct CopiedField {
    size_t offset;
    size_t length;
  };
  bool copy_;
  const std::function<Status(const OutputBatch&)>& emit_;
  OutputBatch batch_;
  std::string arena_;
  std::vector<CopiedField> copied_;
};

inline std::string_view record_key(const char* record) {
  uint32_t length = 0;
  for (int i = 3; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(record[i]);
  return std::string_view(record + 4, length);
}

}  // namespace sluice
