#pragma once
// The column side of the Parquet writer (writer.cc): one column's values as
// buffered for a row group, and how they are encoded into a column chunk —
// the PLAIN values, the dictionary of a string column, the statistics.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/parquet/writer.h"

namespace sluice::parquet {

template <typename T>
void append_le(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // x86-64 and aarch64 are little-endian
  out.append(bytes, sizeof(T));
}

// The values of one column in the row group being buffered.
struct ColumnBuffer {
  ColumnType type = ColumnType::kString;
  std::vector<uint32_t> defined;  // definition level per row: 1 value, 0 NULL
  std::vector<int64_t> ints;      // int64, timestamp, date, bool
  std::vector<double> doubles;    // float64
  std::string bytes;              // strings, back to back
  std::vector<uint64_t> ends;     // end of each string in `bytes`

  size_t value_count() const {
    return type == ColumnType::kString    ? ends.size()
           : type == ColumnType::kFloat64 ? doubles.size()
                                          : ints.size();
  }
  std::string_view string(size_t value) const {
    const uint64_t begin = value == 0 ? 0 : ends[value - 1];
    return std::string_view(bytes).substr(begin, ends[value] - begin);
  }
  void clear() {
    defined.clear();
    ints.clear();
    doubles.clear();
    bytes.clear();
    ends.clear();
  }
};

struct Statistics {
  int64_t null_count = 0;
  bool has_min_max = false;
  std::string min;  // PLAIN bytes of the value (no length for strings)
  std::string max;
};

// Fills `indices` (one per value) and the PLAIN dictionary page body;
// false when the distinct values take more than `dictionary_bytes_max`.
bool build_dictionary(const ColumnBuffer& column, uint64_t dictionary_bytes_max,
                      std::vector<uint32_t>& indices, std::string& dictionary,
                      std::vector<std::string_view>& distinct);

// Appends the PLAIN encoding of values [begin, end) of `column` to `out`.
void append_plain(const ColumnBuffer& column, size_t begin, size_t end, std::string& out);

// `distinct`, when given, holds every distinct string of the column.
Statistics statistics_of(const ColumnBuffer& column, const std::vector<std::string_view>* distinct);

}  // namespace sluice::parquet
