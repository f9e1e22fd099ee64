#pragma once
// Parses one JSON Lines record (one line, without its line end) into the
// values of a fixed list of columns, in place: no allocation per field.
//
// Values become text: strings unescaped, numbers and true/false as written,
// null as an absent value (see common/jsonl/README.md), nested objects and
// arrays as their JSON text (as written, whitespace included). Strings are
// views into the line when they hold no escape, else into `arena`.
//
// Thread safety: one parser per thread.

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice {

class JsonlLineParser {
 public:
  explicit JsonlLineParser(std::vector<std::string> columns);

  // Parses `line` (valid UTF-8 is checked by the caller) into `values`
  // (resized to the column count; a missing key or a null is an empty view
  // with a null data pointer). Escaped strings are appended to `arena`, whose
  // capacity must be at least line.size() so that views stay valid. Returns
  // an empty string on success, else the reject reason.
  std::string parse(std::string_view line, std::vector<std::string_view>& values, char* arena,
                    size_t& arena_used);

  const std::vector<std::string>& columns() const { return columns_; }

 private:
  std::vector<std::string> columns_;
  std::unordered_map<std::string_view, size_t> index_;  // views into columns_
  std::vector<uint32_t> seen_;                          // generation per column: duplicates
  uint32_t generation_ = 0;
};

// The keys of one JSON object line, in order (the columns of a JSONL input).
// Returns an error reason (non-empty) when the line is not a JSON object.
std::string jsonl_object_keys(std::string_view line, std::vector<std::string>& keys);

}  // namespace sluice
