#pragma once
// Checksums of output files and ids derived from content (xxHash64).

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice {

uint64_t hash64(std::string_view bytes, uint64_t seed = 0);

// A streaming xxHash64 over bytes written in pieces.
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  void update(std::string_view bytes);
  uint64_t digest() const;

 private:
  void* state_;
};

// 16 lowercase hex digits.
std::string hex64(uint64_t value);

}  // namespace sluice
