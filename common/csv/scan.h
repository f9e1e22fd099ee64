#pragma once
// The reader's inner loops: find the next structural character. SSE2 on
// x86-64 (16 bytes per step), a plain loop elsewhere and for the tail.

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice::csv_scan {

// First position in [p, end) holding `delimiter` or '\n', or `end`.
inline const char* find_delimiter_or_newline(const char* p, const char* end, char delimiter) {
#if defined(__SSE2__)
  const __m128i delimiters = _mm_set1_epi8(delimiter);
  const __m128i newlines = _mm_set1_epi8('\n');
  while (end - p >= 16) {
    __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    int mask = _mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(block, delimiters), _mm_cmpeq_epi8(block, newlines)));
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && *p != delimiter && *p != '\n') ++p;
  return p;
}

// First position in [p, end) holding `c`, or `end`.
inline const char* find_char(const char* p, const char* end, char c) {
  const void* found = std::memchr(p, c, static_cast<size_t>(end - p));
  return found ? static_cast<const char*>(found) : end;
}

}  // namespace sluice::csv_scan
