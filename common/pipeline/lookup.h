#pragma once
// The table of a `lookup` step: a small CSV file (header row) loaded whole
// and keyed by one of its columns, probed a batch at a time (a broadcast
// hash join: every worker holds the whole table).
//
// Keys are compared as text: a typed left column is compared by its
// canonical text (ints in decimal, dates YYYY-MM-DD, ...). A NULL or absent
// key matches nothing; the added columns are then NULL. Lookup values are
// strings as the file holds them (an empty field is the empty string).
//
// Thread safety: a loaded table is immutable and shared (load() keeps one
// copy per file version per process); probe() may run on many threads.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/base/status.h"
#include "common/expr/vector.h"

namespace sluice {

class LookupTable {
 public:
  // Loads `path` (absolute) keyed by its column `key_column`, keeping
  // `value_columns`. Errors (kInvalidArgument): the file is missing, larger
  // than limits::kLookupFileBytesMax, malformed, lacks a named column, or
  // holds a key twice (unless `first_duplicate_wins`). Messages name the
  // file and, for data, the byte offset.
  static Result<std::shared_ptr<const LookupTable>> load(
      const std::string& path, const std::string& key_column,
      const std::vector<std::string>& value_columns, bool first_duplicate_wins);

  // For each row of `selection`, the index of the matching table row in
  // `matches[row]`, or -1 (sized to keys.valid.size()). Typed keys are
  // rendered to text in `scratch`.
  void probe(const expr::Vector& keys, const expr::Selection& selection,
             std::vector<int32_t>& matches, std::string& scratch) const;

  size_t row_count() const { return rows_; }
  // Value of table row `row`, kept column `column` (in value_columns order).
  std::string_view value(size_t row, size_t column) const {
    return values_[row * column_count_ + column];
  }

 private:
  LookupTable() = default;
  std::string text_;                                     // every kept value, back to back
  std::vector<std::string_view> values_;                 // row * column_count_ + column, into text_
  std::unordered_map<std::string_view, int32_t> index_;  // key -> row
  size_t column_count_ = 0;
  size_t rows_ = 0;
};

}  // namespace sluice
