#pragma once
// `--log-format json`: one JSON object per log line, always valid JSON. The
// message is escaped whole into "msg", and each `key=value` in it becomes a
// key of its own, so job, partition, attempt and worker are fields a log
// pipeline can select on, not text inside "msg".

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

// The `key=value` pairs of a log message, in order. A key is [a-z][a-z0-9_]*
// at the start of the message or after a space. A value runs to the next
// ` key=` (so it may hold spaces and quotes: `name=say "hi"`), trailing
// spaces dropped; a value in double quotes ends at the quote before the
// next ` key=` or the end, and loses its quotes.
std::vector<std::pair<std::string, std::string>> message_fields(std::string_view message);

// {"ts":"2026-01-02T03:04:05.678Z","level":..,"logger":..,"pid":..,"msg":..,
// then message_fields(message) as strings}, without a newline. A field named
// like one of the fixed keys, or seen before in the message, stays in msg
// only. Bytes that are not UTF-8 become U+FFFD.
std::string json_log_line(std::chrono::system_clock::time_point time, std::string_view level,
                          std::string_view logger_name, int pid, std::string_view message);

}  // namespace sluice
