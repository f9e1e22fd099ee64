#include "common/io/row_writer.h"

#include <fmt/format.h>

namespace sluice {

RowWriter::~RowWriter() = default;

Status check_batch_shape(const OutputBatch& batch, size_t columns, const std::string& path) {
  if (batch.row_count == 0) return Status::ok();
  if (batch.column_count != columns) {
    return internal_error(fmt::format("{}: batch has {} columns, the file has {}", path,
                                      batch.column_count, columns));
  }
  if (batch.fields.size() < batch.row_count * columns ||
      batch.nulls.size() < batch.row_count * columns) {
    return internal_error(fmt::format("{}: batch of {} rows has {} fields and {} null flags", path,
                                      batch.row_count, batch.fields.size(), batch.nulls.size()));
  }
  return Status::ok();
}

}  // namespace sluice
