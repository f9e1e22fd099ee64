// Encoding one column's buffered values: PLAIN, the dictionary of a string
// column, the chunk's statistics.
#include "common/parquet/column_encoder.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "common/base/limits.h"
#include "common/parquet/encoding.h"

namespace sluice::parquet {

bool build_dictionary(const ColumnBuffer& column, uint64_t dictionary_bytes_max,
                      std::vector<uint32_t>& indices, std::string& dictionary,
                      std::vector<std::string_view>& distinct) {
  std::unordered_map<std::string_view, uint32_t> ids;
  const size_t values = column.value_count();
  indices.reserve(values);
  ids.reserve(std::min<size_t>(values, 1 << 16));
  for (size_t i = 0; i < values; ++i) {
    const std::string_view text = column.string(i);
    auto [where, inserted] = ids.try_emplace(text, static_cast<uint32_t>(ids.size()));
    if (inserted) {
      append_le<uint32_t>(dictionary, static_cast<uint32_t>(text.size()));
      dictionary.append(text);
      if (dictionary.size() > dictionary_bytes_max) return false;
      distinct.push_back(text);
    }
    indices.push_back(where->second);
  }
  return true;
}

void append_plain(const ColumnBuffer& column, size_t begin, size_t end, std::string& out) {
  switch (column.type) {
    case ColumnType::kString:
      for (size_t i = begin; i < end; ++i) {
        const std::string_view text = column.string(i);
        append_le<uint32_t>(out, static_cast<uint32_t>(text.size()));
        out.append(text);
      }
      return;
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      for (size_t i = begin; i < end; ++i) append_le<int64_t>(out, column.ints[i]);
      return;
    case ColumnType::kDate:
      for (size_t i = begin; i < end; ++i) {
        append_le<int32_t>(out, static_cast<int32_t>(column.ints[i]));
      }
      return;
    case ColumnType::kFloat64:
      for (size_t i = begin; i < end; ++i) append_le<double>(out, column.doubles[i]);
      return;
    case ColumnType::kBool: {
      std::vector<uint8_t> bits;
      bits.reserve(end - begin);
      for (size_t i = begin; i < end; ++i) bits.push_back(column.ints[i] != 0);
      append_plain_bools(bits.data(), bits.size(), out);
      return;
    }
  }
}

Statistics statistics_of(const ColumnBuffer& column,
                         const std::vector<std::string_view>* distinct) {
  Statistics stats;
  stats.null_count = static_cast<int64_t>(column.defined.size() - column.value_count());
  const size_t values = column.value_count();
  if (values == 0) return stats;
  switch (column.type) {
    case ColumnType::kString: {
      const size_t candidates = distinct != nullptr ? distinct->size() : values;
      auto candidate = [&](size_t i) {
        return distinct != nullptr ? (*distinct)[i] : column.string(i);
      };
      std::string_view min = candidate(0), max = min;
      for (size_t i = 1; i < candidates; ++i) {
        const std::string_view text = candidate(i);
        if (text < min) min = text;  // unsigned bytes: char_traits<char> compares as memcmp
        if (text > max) max = text;
      }
      if (std::max(min.size(), max.size()) <= limits::kParquetStatisticsBytesMax) {
        stats.has_min_max = true;
        stats.min = min;
        stats.max = max;
      }
      return stats;
    }
    case ColumnType::kFloat64: {
      bool any = false;
      double min = 0, max = 0;
      for (double value : column.doubles) {
        if (std::isnan(value)) continue;  // NaN never goes into statistics
        if (!any || value < min) min = value;
        if (!any || value > max) max = value;
        any = true;
      }
      if (!any) return stats;
      if (min == 0) min = -0.0;  // the spec's rule for signed zeros
      if (max == 0) max = +0.0;
      stats.has_min_max = true;
      append_le<double>(stats.min, min);
      append_le<double>(stats.max, max);
      return stats;
    }
    default: {
      const auto [min, max] = std::minmax_element(column.ints.begin(), column.ints.end());
      stats.has_min_max = true;
      if (column.type == ColumnType::kDate) {
        append_le<int32_t>(stats.min, static_cast<int32_t>(*min));
        append_le<int32_t>(stats.max, static_cast<int32_t>(*max));
      } else if (column.type == ColumnType::kBool) {
        stats.min.push_back(static_cast<char>(*min));
        stats.max.push_back(static_cast<char>(*max));
      } else {
        append_le<int64_t>(stats.min, *min);
        append_le<int64_t>(stats.max, *max);
      }
      return stats;
    }
  }
}

}  // namespace sluice::parquet
