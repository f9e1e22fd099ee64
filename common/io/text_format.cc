#include "common/io/text_format.h"

#include "common/base/utf8.h"

namespace sluice {

void append_json_string(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run_begin = 0;
  size_t i = 0;
  const size_t n = value.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      size_t length = utf8_sequence_length(value, i);
      if (length != 0) {
        i += length;
        continue;
      }
    }
    out.append(value.data() + run_begin, i - run_begin);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default:
        if (c >= 0x80) {
          out.append("\\ufffd");
        } else {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        }
    }
    ++i;
    run_begin = i;
  }
  out.append(value.data() + run_begin, n - run_begin);
  out.push_back('"');
}

}  // namespace sluice
