#pragma once
// SQL LIKE without regular expressions: '%' matches any run of bytes, '_'
// one UTF-8 character; everything else matches itself (no ESCAPE clause).
// Compiled once per pattern into literal segments.

#include <string>
#include <string_view>
#include <vector>

namespace sluice::expr {

class LikePattern {
 public:
  explicit LikePattern(std::string_view pattern);
  bool matches(std::string_view text) const;

 private:
  // The pattern split at '%': each segment must match in order; '_' inside a
  // segment is a one-character wildcard.
  std::vector<std::string> segments_;
  bool anchored_start_ = true;  // pattern does not begin with '%'
  bool anchored_end_ = true;    // pattern does not end with '%'
};

}  // namespace sluice::expr
