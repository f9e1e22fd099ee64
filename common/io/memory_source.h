#pragma once
// A ByteSource over bytes in memory (tests, small lookup tables).

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "common/io/byte_source.h"

namespace sluice {

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string bytes) : bytes_(std::move(bytes)) {}
  Result<size_t> read_at(uint64_t offset, char* buffer, size_t length) override {
    if (offset >= bytes_.size()) return size_t{0};
    size_t count = std::min<uint64_t>(length, bytes_.size() - offset);
    std::memcpy(buffer, bytes_.data() + offset, count);
    return count;
  }
  uint64_t size_bytes() const override { return bytes_.size(); }

 private:
  std::string bytes_;
};

}  // namespace sluice
