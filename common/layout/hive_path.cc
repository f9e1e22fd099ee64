#include "common/layout/hive_path.h"

#include "common/base/utf8.h"

namespace sluice {
namespace {

bool needs_escape(unsigned char c) {
  if (c < 0x20 || c == 0x7F) return true;
  switch (c) {
    case '"':
    case '#':
    case '%':
    case '\'':
    case '*':
    case '/':
    case ':':
    case '=':
    case '?':
    case '\\':
    case '{':
    case '[':
    case ']':
    case '^':
      return true;
    default:
      return false;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

void append_hive_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  auto escape = [&](unsigned char byte) {
    out.push_back('%');
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xF]);
  };
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x80) {
      // A valid UTF-8 sequence stays as it is; a byte that is not part of
      // one is escaped, so that every directory name is valid UTF-8 (the
      // ledger and the manifest are JSON).
      const size_t length = utf8_sequence_length(text, i);
      if (length == 0) {
        escape(byte);
        ++i;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    if (needs_escape(byte)) {
      escape(byte);
    } else {
      out.push_back(text[i]);
    }
    ++i;
  }
}

std::string hive_component(std::string_view name, std::optional<std::string_view> value) {
  std::string component;
  append_hive_escaped(component, name);
  component.push_back('=');
  if (!value || value->empty()) {
    component.append(kHiveDefaultPartition);
  } else {
    append_hive_escaped(component, *value);
  }
  return component;
}

std::string hive_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

bool is_partition_dir(std::string_view dir, const std::vector<std::string>& columns) {
  for (size_t column = 0; column < columns.size(); ++column) {
    const size_t slash = dir.find('/');
    const bool last = column + 1 == columns.size();
    if (last != (slash == std::string_view::npos)) return false;
    const std::string_view component = last ? dir : dir.substr(0, slash);
    std::string prefix;
    append_hive_escaped(prefix, columns[column]);
    prefix.push_back('=');
    if (component.size() <= prefix.size() || component.size() > kPathComponentBytesMax) {
      return false;
    }
    if (component.substr(0, prefix.size()) != prefix) return false;
    if (component.find('\0') != std::string_view::npos) return false;
    if (find_invalid_utf8(component) != std::string_view::npos) return false;
    if (!last) dir.remove_prefix(slash + 1);
  }
  return !columns.empty();
}

}  // namespace sluice
