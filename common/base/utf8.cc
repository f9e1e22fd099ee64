#include "common/base/utf8.h"

#include <cstdint>
#include <cstring>

namespace sluice {

size_t utf8_sequence_length(std::string_view bytes, size_t index) {
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  unsigned char lead = s[index];
  if (lead < 0x80) return 1;
  auto cont = [&](size_t i) { return i < n && (s[i] & 0xC0) == 0x80; };
  if (lead >= 0xC2 && lead <= 0xDF) return cont(index + 1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (index + 1 >= n) return 0;
    unsigned char second = s[index + 1];
    if (lead == 0xE0 && second < 0xA0) return 0;  // overlong
    if (lead == 0xED && second > 0x9F) return 0;  // surrogate
    return cont(index + 1) && cont(index + 2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (index + 1 >= n) return 0;
    unsigned char second = s[index + 1];
    if (lead == 0xF0 && second < 0x90) return 0;  // overlong
    if (lead == 0xF4 && second > 0x8F) return 0;  // above U+10FFFF
    return cont(index + 1) && cont(index + 2) && cont(index + 3) ? 4 : 0;
  }
  return 0;
}

size_t find_invalid_utf8(std::string_view bytes) {
  const char* data = bytes.data();
  size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    if (n - i >= 8) {
      uint64_t word;
      std::memcpy(&word, data + i, 8);
      if ((word & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    if (static_cast<unsigned char>(data[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t length = utf8_sequence_length(bytes, i);
    if (length == 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

}  // namespace sluice
