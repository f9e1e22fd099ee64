#pragma once
// Hive-style partition directories (`output.partition_by`): the path of a
// row's partition is `col=value/col2=value2`, each name and value escaped as
// Hive and Spark escape them (ExternalCatalogUtils.escapePathName): control
// bytes, '"', '#', '%', '\'', '*', '/', ':', '=', '?', '\\', DEL, '{', '[',
// ']' and '^' become %XX (upper-case hex), and so does a byte that is not
// part of valid UTF-8 (Hive's strings are always valid). A NULL or empty
// value is `__HIVE_DEFAULT_PARTITION__`, as in Hive and Spark.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// One file a partitioned task wrote: what its report and the ledger carry.
struct PartitionFile {
  std::string dir;  // "col=value/col2=value2", escaped
  uint64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t checksum = 0;  // xxh64 of the file's bytes
};

inline constexpr std::string_view kHiveDefaultPartition = "__HIVE_DEFAULT_PARTITION__";
// Longest path component most filesystems take (NAME_MAX).
inline constexpr size_t kPathComponentBytesMax = 255;

// Appends `text` escaped for a path component.
void append_hive_escaped(std::string& out, std::string_view text);
// `name=value` escaped; a NULL (nullopt) or empty value is the default partition.
std::string hive_component(std::string_view name, std::optional<std::string_view> value);
// Undoes append_hive_escaped (a '%' not followed by two hex digits stays).
std::string hive_unescape(std::string_view text);

// Whether `dir` could be a partition directory of `columns`, in order: one
// component per column, each `escaped(column)=...`, no '/' or NUL inside a
// value, no more than kPathComponentBytesMax bytes each, valid UTF-8. The coordinator
// checks a worker's report with it before it builds paths from it.
bool is_partition_dir(std::string_view dir, const std::vector<std::string>& columns);

}  // namespace sluice
