#include "common/jsonl/line_parser.h"

#include <fmt/format.h>

#include <cstring>

namespace sluice {
namespace {

// Arrays and objects nested deeper than this are rejected (the scanner
// recurses once per level).
constexpr int kNestingMax = 64;

enum class Kind { kString, kNumber, kLiteral, kNull, kNested };

// One pass over a line. Errors carry the byte offset within the line.
class Scanner {
 public:
  Scanner(std::string_view line, char* arena, size_t* arena_used)
      : begin_(line.data()),
        p_(line.data()),
        end_(line.data() + line.size()),
        arena_(arena),
        arena_used_(arena_used) {}

  // Calls on_member(key, value, kind) for each member of the top-level
  // object; it returns an error reason or "".
  template <typename OnMember>
  std::string object(OnMember&& on_member) {
    skip_whitespace();
    if (p_ == end_ || *p_ != '{') return fail("expected '{'");
    ++p_;
    skip_whitespace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return trailer();
    }
    for (;;) {
      skip_whitespace();
      if (p_ == end_ || *p_ != '"') return fail("expected a string key");
      std::string_view key;
      if (!string(key, true)) return error_;
      skip_whitespace();
      if (p_ == end_ || *p_ != ':') return fail("expected ':'");
      ++p_;
      skip_whitespace();
      std::string_view value;
      Kind kind;
      if (!value_of(value, kind)) return error_;
      std::string reason = on_member(key, value, kind);
      if (!reason.empty()) return reason;
      skip_whitespace();
      if (p_ == end_) return fail("unterminated object");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return trailer();
      }
      return fail("expected ',' or '}'");
    }
  }

 private:
  std::string trailer() {
    skip_whitespace();
    if (p_ != end_) return fail("text after the object");
    return std::string();
  }

  std::string fail(std::string_view what) {
    error_ = fmt::format("invalid JSON at byte {} of the record: {}", p_ - begin_, what);
    return error_;
  }
  bool failed(std::string_view what) {
    fail(what);
    return false;
  }

  void skip_whitespace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool hex4(uint32_t& code) {
    if (end_ - p_ < 4) return failed("truncated \\u escape");
    code = 0;
    for (int i = 0; i < 4; ++i) {
      int digit = hex_value(p_[i]);
      if (digit < 0) return failed("invalid \\u escape");
      code = code * 16 + static_cast<uint32_t>(digit);
    }
    p_ += 4;
    return true;
  }

  // At '"'. Unescapes into the arena when `decode` and the string has escapes.
  bool string(std::string_view& out, bool decode) {
    ++p_;  // the opening quote
    const char* start = p_;
    // Fast path: no escape.
    while (p_ < end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20) ++p_;
    if (p_ == end_) return failed("unterminated string");
    if (*p_ == '"') {
      out = std::string_view(start, static_cast<size_t>(p_ - start));
      ++p_;
      return true;
    }
    if (*p_ != '\\') return failed("control character in a string");
    char* cursor = nullptr;
    if (decode) {
      cursor = arena_ + *arena_used_;
      std::memcpy(cursor, start, static_cast<size_t>(p_ - start));
      cursor += p_ - start;
    }
    char* const out_begin = decode ? arena_ + *arena_used_ : nullptr;
    while (true) {
      if (p_ == end_) return failed("unterminated string");
      const char c = *p_;
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) return failed("control character in a string");
      if (c != '\\') {
        if (decode) *cursor++ = c;
        ++p_;
        continue;
      }
      ++p_;
      if (p_ == end_) return failed("unterminated string");
      const char e = *p_++;
      char plain = 0;
      switch (e) {
        case '"':
          plain = '"';
          break;
        case '\\':
          plain = '\\';
          break;
        case '/':
          plain = '/';
          break;
        case 'b':
          plain = '\b';
          break;
        case 'f':
          plain = '\f';
          break;
        case 'n':
          plain = '\n';
          break;
        case 'r':
          plain = '\r';
          break;
        case 't':
          plain = '\t';
          break;
        case 'u': {
          uint32_t code = 0;
          if (!hex4(code)) return false;
          if (code >= 0xDC00 && code <= 0xDFFF) return failed("lone low surrogate");
          if (code >= 0xD800 && code <= 0xDBFF) {
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
              return failed("lone high surrogate");
            }
            p_ += 2;
            uint32_t low = 0;
            if (!hex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return failed("invalid surrogate pair");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          if (decode) cursor = encode_utf8(code, cursor);
          continue;
        }
        default:
          return failed("invalid escape");
      }
      if (decode) *cursor++ = plain;
    }
    ++p_;  // the closing quote
    if (decode) {
      // An escape is never shorter than what it decodes to, so the arena
      // (as large as the line) cannot overflow.
      const size_t length = static_cast<size_t>(cursor - out_begin);
      out = std::string_view(out_begin, length);
      *arena_used_ += length;
    }
    return true;
  }

  static char* encode_utf8(uint32_t code, char* out) {
    if (code < 0x80) {
      *out++ = static_cast<char>(code);
    } else if (code < 0x800) {
      *out++ = static_cast<char>(0xC0 | (code >> 6));
      *out++ = static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      *out++ = static_cast<char>(0xE0 | (code >> 12));
      *out++ = static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      *out++ = static_cast<char>(0x80 | (code & 0x3F));
    } else {
      *out++ = static_cast<char>(0xF0 | (code >> 18));
      *out++ = static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      *out++ = static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      *out++ = static_cast<char>(0x80 | (code & 0x3F));
    }
    return out;
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  bool number() {
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ == end_ || !is_digit(*p_)) return failed("invalid number");
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ < end_ && is_digit(*p_)) ++p_;
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !is_digit(*p_)) return failed("invalid number");
      while (p_ < end_ && is_digit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !is_digit(*p_)) return failed("invalid number");
      while (p_ < end_ && is_digit(*p_)) ++p_;
    }
    return true;
  }

  bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return failed("invalid literal");
    }
    p_ += word.size();
    return true;
  }

  // Validates a nested value without decoding it.
  bool skip(int depth) {
    if (depth > kNestingMax) return failed("nested deeper than 64 levels");
    skip_whitespace();
    if (p_ == end_) return failed("expected a value");
    std::string_view ignored;
    switch (*p_) {
      case '"':
        return string(ignored, false);
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      case '[': {
        ++p_;
        skip_whitespace();
        if (p_ < end_ && *p_ == ']') {
          ++p_;
          return true;
        }
        for (;;) {
          if (!skip(depth + 1)) return false;
          skip_whitespace();
          if (p_ == end_) return failed("unterminated array");
          if (*p_ == ',') {
            ++p_;
            continue;
          }
          if (*p_ == ']') {
            ++p_;
            return true;
          }
          return failed("expected ',' or ']'");
        }
      }
      case '{': {
        ++p_;
        skip_whitespace();
        if (p_ < end_ && *p_ == '}') {
          ++p_;
          return true;
        }
        for (;;) {
          skip_whitespace();
          if (p_ == end_ || *p_ != '"') return failed("expected a string key");
          if (!string(ignored, false)) return false;
          skip_whitespace();
          if (p_ == end_ || *p_ != ':') return failed("expected ':'");
          ++p_;
          if (!skip(depth + 1)) return false;
          skip_whitespace();
          if (p_ == end_) return failed("unterminated object");
          if (*p_ == ',') {
            ++p_;
            continue;
          }
          if (*p_ == '}') {
            ++p_;
            return true;
          }
          return failed("expected ',' or '}'");
        }
      }
      default:
        return number();
    }
  }

  bool value_of(std::string_view& out, Kind& kind) {
    if (p_ == end_) return failed("expected a value");
    const char* start = p_;
    switch (*p_) {
      case '"':
        kind = Kind::kString;
        return string(out, true);
      case 'n':
        kind = Kind::kNull;
        out = std::string_view();
        return literal("null");
      case 't':
      case 'f':
        kind = Kind::kLiteral;
        if (!literal(*p_ == 't' ? "true" : "false")) return false;
        break;
      case '[':
      case '{':
        kind = Kind::kNested;
        if (!skip(1)) return false;
        break;
      default:
        kind = Kind::kNumber;
        if (!number()) return false;
        break;
    }
    out = std::string_view(start, static_cast<size_t>(p_ - start));
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  char* arena_;
  size_t* arena_used_;
  std::string error_;
};

std::string quoted(std::string_view key) {
  std::string shown(key.substr(0, 200));
  return "\"" + shown + "\"";
}

}  // namespace

JsonlLineParser::JsonlLineParser(std::vector<std::string> columns)
    : columns_(std::move(columns)), seen_(columns_.size(), 0) {
  for (size_t i = 0; i < columns_.size(); ++i) index_.emplace(columns_[i], i);
}

std::string JsonlLineParser::parse(std::string_view line, std::vector<std::string_view>& values,
                                   char* arena, size_t& arena_used) {
  values.assign(columns_.size(), std::string_view());
  if (++generation_ == 0) {  // wrapped: forget every mark
    std::fill(seen_.begin(), seen_.end(), 0);
    generation_ = 1;
  }
  Scanner scanner(line, arena, &arena_used);
  return scanner.object([&](std::string_view key, std::string_view value, Kind) -> std::string {
    auto found = index_.find(key);
    if (found == index_.end()) return "unexpected key " + quoted(key);
    if (seen_[found->second] == generation_) return "duplicate key " + quoted(key);
    seen_[found->second] = generation_;
    values[found->second] = value;
    return std::string();
  });
}

std::string jsonl_object_keys(std::string_view line, std::vector<std::string>& keys) {
  keys.clear();
  std::string arena(line.size(), '\0');
  size_t arena_used = 0;
  Scanner scanner(line, arena.data(), &arena_used);
  return scanner.object([&](std::string_view key, std::string_view, Kind) -> std::string {
    for (const std::string& existing : keys) {
      if (existing == key) return "duplicate key " + quoted(key);
    }
    keys.emplace_back(key);
    return std::string();
  });
}

}  // namespace sluice
