#pragma once
// The reused input buffer of a range reader: bytes [buffer_offset,
// file_offset) of a source, read a chunk at a time, compacted in place and
// grown by doubling up to a cap, so memory never grows with the range.
// Shared by the CSV and JSON Lines range readers.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/base/status.h"
#include "common/io/byte_source.h"

namespace sluice {

struct ReadWindow {
  // Reads `chunk_bytes` at a time; holds at most one record of
  // `max_record_bytes`, its line end ("\r\n") and a chunk.
  ReadWindow(ByteSource& source, size_t chunk_bytes, uint64_t max_record_bytes);

  // Appends up to one chunk from the source (nothing at its end).
  Status read_more();
  // Drops the first `count` bytes. Only while no view points into the buffer.
  void drop_front(size_t count);
  // Doubles the buffer, up to capacity_max. Only while no view points into it.
  void grow();
  bool at_eof() const { return file_offset >= source_size; }
  char* data() { return buffer.get(); }
  const char* data() const { return buffer.get(); }

  ByteSource& source;
  const uint64_t source_size;
  const size_t chunk_bytes;
  size_t capacity;
  const size_t capacity_max;
  std::unique_ptr<char[]> buffer;
  size_t length = 0;           // valid bytes in buffer
  uint64_t buffer_offset = 0;  // source offset of buffer[0]
  uint64_t file_offset = 0;    // next offset to read == buffer_offset + length
  uint64_t bytes_read = 0;
};

}  // namespace sluice
