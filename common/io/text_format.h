#pragma once
// How values are spelled in output files: CSV fields (RFC 4180, minimal
// quoting) and JSON strings.

#include <string>
#include <string_view>

namespace sluice {

// True when `value` must be quoted: it holds the delimiter, the quote, '\n'
// or '\r'.
inline bool csv_needs_quotes(std::string_view value, char delimiter = ',', char quote = '"') {
  for (char c : value) {
    if (c == delimiter || c == quote || c == '\n' || c == '\r') return true;
  }
  return false;
}

// Appends `value` as one CSV field, quoted only when needed (quotes doubled).
inline void append_csv_field(std::string& out, std::string_view value, char delimiter = ',',
                             char quote = '"') {
  if (!csv_needs_quotes(value, delimiter, quote)) {
    out.append(value);
    return;
  }
  out.push_back(quote);
  for (char c : value) {
    out.push_back(c);
    if (c == quote) out.push_back(quote);
  }
  out.push_back(quote);
}

// Appends `value` as a JSON string with its quotes. Control characters are
// escaped; valid UTF-8 is kept as is; an invalid byte becomes U+FFFD.
void append_json_string(std::string& out, std::string_view value);

}  // namespace sluice
