#pragma once
// Little-endian integers in the exchange's files (map outputs' indexes,
// sorted-rows records and trailers): appended to a string, read from bytes.

#include <cstdint>
#include <string>

namespace sluice {

inline void put_u32(std::string& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}
inline void put_u64(std::string& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}
inline uint32_t get_u32(const char* bytes) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}
// Big-endian, for bytes compared as numbers in their memcmp order (the
// external sort's key prefixes).
inline uint64_t get_u64_big_endian(const char* bytes) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}
inline uint64_t get_u64(const char* bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

}  // namespace sluice
