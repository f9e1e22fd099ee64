#include "common/expr/like.h"

namespace sluice::expr {
namespace {

size_t utf8_char_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// Matches `segment` at text[pos...]; returns the end offset or npos.
size_t match_segment(std::string_view text, size_t pos, std::string_view segment) {
  for (char p : segment) {
    if (pos >= text.size()) return std::string_view::npos;
    if (p == '_') {
      pos += utf8_char_length(static_cast<unsigned char>(text[pos]));
      if (pos > text.size()) return std::string_view::npos;
    } else {
      if (text[pos] != p) return std::string_view::npos;
      ++pos;
    }
  }
  return pos;
}

}  // namespace

LikePattern::LikePattern(std::string_view pattern) {
  anchored_start_ = pattern.empty() || pattern.front() != '%';
  anchored_end_ = pattern.empty() || pattern.back() != '%';
  std::string current;
  for (char c : pattern) {
    if (c == '%') {
      if (!current.empty()) segments_.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) segments_.push_back(std::move(current));
}

bool LikePattern::matches(std::string_view text) const {
  if (segments_.empty()) return !anchored_start_ || text.empty();
  size_t pos = 0;
  size_t first = 0;
  if (anchored_start_) {
    pos = match_segment(text, 0, segments_[0]);
    if (pos == std::string_view::npos) return false;
    first = 1;
    if (segments_.size() == 1 && anchored_end_) return pos == text.size();
  }
  // Middle segments: leftmost match is optimal (greedy is safe for '%' gaps).
  const size_t last = segments_.size() - (anchored_end_ ? 1 : 0);
  for (size_t i = first; i < last; ++i) {
    size_t end = std::string_view::npos;
    for (size_t start = pos; start <= text.size(); ++start) {
      end = match_segment(text, start, segments_[i]);
      if (end != std::string_view::npos) break;
    }
    if (end == std::string_view::npos) return false;
    pos = end;
  }
  if (!anchored_end_) return true;
  // The last segment must end exactly at the end of the text, at or after pos.
  if (last < first) return pos == text.size();
  const std::string& tail = segments_.back();
  // '_' may span multibyte characters, so try every start.
  for (size_t start = pos; start <= text.size(); ++start) {
    if (match_segment(text, start, tail) == text.size()) return true;
  }
  return false;
}

}  // namespace sluice::expr
