#include "common/exchange/sort_record.h"

#include "common/base/limits.h"
#include "common/exchange/little_endian.h"

namespace sluice {

void append_record(std::string& out, std::string_view key, const OutputBatch& rows, size_t row) {
  put_u32(out, static_cast<uint32_t>(key.size()));
  out.append(key);
  for (size_t column = 0; column < rows.column_count; ++column) {
    const std::string_view value = rows.field(row, column);
    out.push_back(rows.is_null(row, column) ? 1 : 0);
    put_u32(out, static_cast<uint32_t>(value.size()));
    out.append(value);
  }
}

uint64_t parse_record(const char* bytes, uint64_t available, size_t columns,
                      std::vector<FieldSpan>& spans, uint64_t& needed) {
  spans.clear();
  uint64_t at = 4;
  if (available < at) {
    needed = at;
    return 0;
  }
  at += get_u32(bytes);
  for (size_t column = 0; column < columns; ++column) {
    if (available < at + kRecordFieldHeaderBytes) {
      needed = at + kRecordFieldHeaderBytes;
      return 0;
    }
    const bool null = bytes[at] != 0;
    const uint32_t length = get_u32(bytes + at + 1);
    at += kRecordFieldHeaderBytes;
    spans.push_back(FieldSpan{at, length, null});
    at += length;
  }
  if (available < at) {
    needed = at;
    return 0;
  }
  return at;
}

BatchBuilder::BatchBuilder(size_t columns, bool copy,
                           const std::function<Status(const OutputBatch&)>& emit)
    : copy_(copy), emit_(emit) {
  batch_.column_count = columns;
}

Status BatchBuilder::add(const char* record, const std::vector<FieldSpan>& spans) {
  for (const FieldSpan& span : spans) {
    if (copy_) {
      copied_.push_back(CopiedField{arena_.size(), span.length});
      arena_.append(record + span.offset, span.length);
    } else {
      batch_.fields.emplace_back(record + span.offset, span.length);
    }
    batch_.nulls.push_back(span.null ? 1 : 0);
  }
  batch_.row_count++;
  return batch_.row_count == limits::kBatchRowsMax ? flush() : Status::ok();
}

Status BatchBuilder::flush() {
  if (batch_.row_count == 0) return Status::ok();
  if (copy_) {
    const std::string& bytes = batch_.owned.emplace_back(std::move(arena_));
    arena_.clear();
    batch_.fields.reserve(copied_.size());
    for (const CopiedField& field : copied_) {
      batch_.fields.emplace_back(bytes.data() + field.offset, field.length);
    }
    copied_.clear();
  }
  Status status = emit_(batch_);
  batch_.clear();
  return status;
}

}  // namespace sluice
