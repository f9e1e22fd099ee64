#pragma once
// JSON text of a value whose strings may hold bytes that are not UTF-8 (a
// worker's error message, a peer's input, a file name): such bytes become
// U+FFFD instead of an exception that would stop the coordinator.

#include <nlohmann/json.hpp>
#include <string>

namespace sluice {

inline std::string json_text(const nlohmann::json& value, int indent = -1) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sluice
