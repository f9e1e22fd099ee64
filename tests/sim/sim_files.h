#pragma once
// Reading what the simulated workers wrote: every part, rejects file and
// map output starts with "attempt N\n", the attempt that wrote it.

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace sluice::sim {

// The file's bytes, or nullopt when it cannot be opened (it is not there).
inline std::optional<std::string> read_sim_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The attempt a simulated output's first line names.
inline std::optional<uint32_t> attempt_of(const std::string& text) {
  if (!text.starts_with("attempt ")) return std::nullopt;
  return static_cast<uint32_t>(std::strtoul(text.c_str() + 8, nullptr, 10));
}

}  // namespace sluice::sim
