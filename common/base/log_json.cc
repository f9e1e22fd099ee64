#include "common/base/log_json.h"

#include <fmt/format.h>

#include <ctime>
#include <nlohmann/json.hpp>

namespace sluice {
namespace {

bool is_key_start(char c) { return c >= 'a' && c <= 'z'; }
bool is_key_char(char c) { return is_key_start(c) || (c >= '0' && c <= '9') || c == '_'; }

// The position of the '=' when a key starts at `at`, else npos.
size_t key_equals_at(std::string_view message, size_t at) {
  if (at >= message.size() || (at > 0 && message[at - 1] != ' ')) return std::string_view::npos;
  if (!is_key_start(message[at])) return std::string_view::npos;
  size_t end = at + 1;
  while (end < message.size() && is_key_char(message[end])) ++end;
  return end < message.size() && message[end] == '=' ? end : std::string_view::npos;
}

// Where the next key after `from` starts, or the message's size.
size_t next_key(std::string_view message, size_t from) {
  for (size_t at = from; at < message.size(); ++at) {
    if (key_equals_at(message, at) != std::string_view::npos) return at;
  }
  return message.size();
}

std::string utc_timestamp(std::chrono::system_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
  const std::time_t whole = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  ::gmtime_r(&whole, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     static_cast<int>(ms.count()));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> message_fields(std::string_view message) {
  std::vector<std::pair<std::string, std::string>> fields;
  size_t at = next_key(message, 0);
  while (at < message.size()) {
    const size_t equals = key_equals_at(message, at);
    const size_t value_start = equals + 1;
    size_t end = next_key(message, value_start);
    std::string_view value = message.substr(value_start, end - value_start);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    fields.emplace_back(std::string(message.substr(at, equals - at)), std::string(value));
    at = end;
  }
  return fields;
}

std::string json_log_line(std::chrono::system_clock::time_point time, std::string_view level,
                          std::string_view logger_name, int pid, std::string_view message) {
  nlohmann::ordered_json line;
  line["ts"] = utc_timestamp(time);
  line["level"] = level;
  line["logger"] = logger_name;
  line["pid"] = pid;
  line["msg"] = message;
  for (auto& [key, value] : message_fields(message)) {
    if (line.contains(key)) continue;
    line[key] = std::move(value);
  }
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sluice
