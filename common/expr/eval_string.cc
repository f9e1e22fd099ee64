// The string functions. Results that are a part of an input (trim, substr)
// are views into it; new strings go to the batch's arena.
#include <cstring>
#include <string>

#include "common/expr/eval.h"

namespace sluice::expr {
namespace {

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

int64_t count_characters(std::string_view text) {
  int64_t count = 0;
  for (char c : text) count += !is_continuation_byte(c);
  return count;
}

// Byte offset of the character with 0-based index `index` (text.size() past the end).
size_t byte_offset_of(std::string_view text, int64_t index) {
  int64_t seen = -1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!is_continuation_byte(text[i]) && ++seen == index) return i;
  }
  return text.size();
}

// SQL substring with 1-based `start`; a negative start counts from the end.
std::string_view substring(std::string_view text, int64_t start, bool has_length, int64_t length) {
  const int64_t characters = count_characters(text);
  if (start < 0) start = characters + start + 1;
  int64_t end = characters + 1;  // exclusive, 1-based
  if (has_length) {
    if (length < 0) return std::string_view();
    if (!__builtin_add_overflow(start, length, &end))
      end = std::min(end, characters + 1);
    else
      end = characters + 1;
  }
  start = std::max<int64_t>(start, 1);
  if (end <= start) return std::string_view();
  const size_t begin_byte = byte_offset_of(text, start - 1);
  const size_t end_byte = byte_offset_of(text, end - 1);
  return text.substr(begin_byte, end_byte - begin_byte);
}

std::string_view change_case(std::string_view text, bool to_upper, StringArena& arena) {
  size_t first = 0;
  for (; first < text.size(); ++first) {
    const char c = text[first];
    if (to_upper ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z')) break;
  }
  if (first == text.size()) return text;  // nothing to change: keep the view
  char* buffer = arena.allocate(text.size());
  std::memcpy(buffer, text.data(), text.size());
  for (size_t i = first; i < text.size(); ++i) {
    const char c = buffer[i];
    if (to_upper && c >= 'a' && c <= 'z') buffer[i] = static_cast<char>(c - 'a' + 'A');
    if (!to_upper && c >= 'A' && c <= 'Z') buffer[i] = static_cast<char>(c - 'A' + 'a');
  }
  return arena.commit(text.size());
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// concat and concat_ws: NULL parts are skipped; a NULL separator gives NULL.
void evaluate_concat(const std::vector<const Vector*>& arguments, bool with_separator,
                     const Selection& selection, StringArena& arena, Vector& out) {
  const size_t first = with_separator ? 1 : 0;
  for (uint32_t row : selection) {
    std::string_view separator;
    if (with_separator) {
      if (!arguments[0]->valid[row]) {
        out.valid[row] = 0;
        continue;
      }
      separator = arguments[0]->strings[row];
    }
    size_t size = 0;
    size_t parts = 0;
    for (size_t i = first; i < arguments.size(); ++i) {
      if (!arguments[i]->valid[row]) continue;
      size += arguments[i]->strings[row].size();
      ++parts;
    }
    if (parts > 1) size += separator.size() * (parts - 1);
    char* buffer = arena.allocate(size);
    char* cursor = buffer;
    bool any = false;
    for (size_t i = first; i < arguments.size(); ++i) {
      if (!arguments[i]->valid[row]) continue;
      if (any && !separator.empty()) {
        std::memcpy(cursor, separator.data(), separator.size());
        cursor += separator.size();
      }
      const std::string_view part = arguments[i]->strings[row];
      if (!part.empty()) std::memcpy(cursor, part.data(), part.size());
      cursor += part.size();
      any = true;
    }
    out.valid[row] = 1;
    out.strings[row] = arena.commit(size);
  }
}

std::string_view replace_all(std::string_view text, std::string_view from, std::string_view to,
                             StringArena& arena) {
  if (from.empty() || text.find(from) == std::string_view::npos) return text;
  std::string result;
  size_t pos = 0;
  while (true) {
    const size_t found = text.find(from, pos);
    if (found == std::string_view::npos) break;
    result.append(text.substr(pos, found - pos));
    result.append(to);
    pos = found + from.size();
  }
  result.append(text.substr(pos));
  return arena.copy(result);
}

}  // namespace

void evaluate_string_function(const Node& node, const std::vector<const Vector*>& arguments,
                              const Selection& selection, StringArena& arena, Vector& out) {
  auto all_valid = [&](uint32_t row) {
    for (const Vector* argument : arguments) {
      if (!argument->valid[row]) return false;
    }
    return true;
  };
  auto text = [&](size_t index, uint32_t row) { return arguments[index]->strings[row]; };
  if (node.function == Function::kConcat || node.function == Function::kConcatWs) {
    evaluate_concat(arguments, node.function == Function::kConcatWs, selection, arena, out);
    return;
  }
  for (uint32_t row : selection) {
    if (!all_valid(row)) {
      out.valid[row] = 0;
      continue;
    }
    out.valid[row] = 1;
    switch (node.function) {
      case Function::kUpper:
        out.strings[row] = change_case(text(0, row), true, arena);
        break;
      case Function::kLower:
        out.strings[row] = change_case(text(0, row), false, arena);
        break;
      case Function::kTrim:
        out.strings[row] = trim(text(0, row));
        break;
      case Function::kSubstr:
        out.strings[row] = substring(text(0, row), arguments[1]->ints[row], arguments.size() > 2,
                                     arguments.size() > 2 ? arguments[2]->ints[row] : 0);
        break;
      case Function::kLength:
        out.ints[row] = count_characters(text(0, row));
        break;
      case Function::kReplace:
        out.strings[row] = replace_all(text(0, row), text(1, row), text(2, row), arena);
        break;
      case Function::kStartsWith:
        out.ints[row] = text(0, row).starts_with(text(1, row));
        break;
      case Function::kContains:
        out.ints[row] = text(0, row).find(text(1, row)) != std::string_view::npos;
        break;
      case Function::kRegexpMatches:
        out.ints[row] = node.regex->search(text(0, row));
        break;
      default:
        out.valid[row] = 0;
        break;
    }
  }
}

}  // namespace sluice::expr
