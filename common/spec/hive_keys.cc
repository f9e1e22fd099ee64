#include "common/spec/hive_keys.h"

#include <algorithm>

namespace sluice {

std::vector<std::string> hive_keys(const InputSpec& input) {
  std::vector<std::string> keys;
  if (!hive_partitioning_on(input)) return keys;
  for (const auto& [key, type] : input.hive_types) keys.push_back(key);
  return keys;
}

std::vector<std::string> columns_with_hive_keys(const std::vector<std::string>& file_columns,
                                                const InputSpec& input) {
  std::vector<std::string> columns = file_columns;
  for (const std::string& key : hive_keys(input)) {
    if (std::find(file_columns.begin(), file_columns.end(), key) == file_columns.end()) {
      columns.push_back(key);
    }
  }
  return columns;
}

}  // namespace sluice
