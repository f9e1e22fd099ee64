#pragma once
// What every libcurl client here (common/io/http_source.cc,
// common/s3/client.cc) needs besides the retry rule (http_retry.h): libcurl
// initialised once per process, and a response header's value.

#include <curl/curl.h>

#include <cctype>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

inline void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The value of header line `line` ("Name: value\r\n") if its name is
// `lower_name` (given in lower case; names compare case-insensitively),
// without surrounding white space.
inline std::optional<std::string> header_value(std::string_view line, std::string_view lower_name) {
  if (line.size() <= lower_name.size() || line[lower_name.size()] != ':') return std::nullopt;
  for (size_t i = 0; i < lower_name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != lower_name[i]) return std::nullopt;
  }
  std::string_view value = line.substr(lower_name.size() + 1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
    value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
    value.remove_suffix(1);
  return std::string(value);
}

}  // namespace sluice
