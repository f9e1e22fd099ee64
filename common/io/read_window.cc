#include "common/io/read_window.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "common/base/assert.h"

namespace sluice {

ReadWindow::ReadWindow(ByteSource& source, size_t chunk_bytes, uint64_t max_record_bytes)
    : source(source),
      source_size(source.size_bytes()),
      chunk_bytes(std::max<size_t>(chunk_bytes, 1)),
      capacity(std::max<size_t>(2 * this->chunk_bytes, 16)),  // 16: room to see a BOM
      capacity_max(std::max<size_t>(capacity, max_record_bytes + 2 + this->chunk_bytes)),
      buffer(std::make_unique_for_overwrite<char[]>(capacity)) {}

Status ReadWindow::read_more() {
  size_t want = std::min(chunk_bytes, capacity - length);
  want = static_cast<size_t>(std::min<uint64_t>(want, source_size - file_offset));
  if (want == 0) return Status::ok();
  SLUICE_ASSIGN_OR_RETURN(size_t count, source.read_at(file_offset, buffer.get() + length, want));
  if (count == 0) {
    return io_error(fmt::format("input ended at offset {} but its size was {} when opened",
                                file_offset, source_size));
  }
  length += count;
  file_offset += count;
  bytes_read += count;
  return Status::ok();
}

void ReadWindow::drop_front(size_t count) {
  if (count == 0) return;
  std::memmove(buffer.get(), buffer.get() + count, length - count);
  buffer_offset += count;
  length -= count;
}

void ReadWindow::grow() {
  const size_t grown = std::min(capacity * 2, capacity_max);
  SLUICE_ASSERT(grown > capacity, "grow past capacity_max={}", capacity_max);
  auto larger = std::make_unique_for_overwrite<char[]>(grown);
  std::memcpy(larger.get(), buffer.get(), length);
  buffer = std::move(larger);
  capacity = grown;
}

}  // namespace sluice
