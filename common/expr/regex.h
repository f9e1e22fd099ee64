#pragma once
// Regular expressions through RE2 (https://github.com/google/re2/wiki/Syntax):
// matching takes time linear in the text and never recurses, whatever the
// pattern and however long the field (fields reach limits::kRecordBytesMax).
// The dialect has no backreferences and no lookaround; patterns and text are
// UTF-8 (the readers reject invalid UTF-8). Used by regexp_matches() and the
// schema's `pattern` rule; each constant pattern is compiled once.
// Thread safety: a compiled Regex may be matched from many threads at once.

#include <memory>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace re2 {
class RE2;
}

namespace sluice::expr {

class Regex {
 public:
  // kInvalidArgument with RE2's reason when `pattern` is not valid RE2 syntax
  // or needs more than limits::kRegexMemoryBytesMax, e.g.
  // "invalid escape sequence: \1 (backreferences are not supported)".
  static Result<std::shared_ptr<const Regex>> compile(std::string_view pattern);

  explicit Regex(std::unique_ptr<const re2::RE2> re2);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // True when the pattern matches anywhere in `text` (regexp_matches, as
  // DuckDB's: anchor with ^ and $ to match the whole text).
  bool search(std::string_view text) const;
  // True when the pattern matches all of `text` (the schema's `pattern`).
  bool full_match(std::string_view text) const;

 private:
  std::unique_ptr<const re2::RE2> re2_;
};

}  // namespace sluice::expr
