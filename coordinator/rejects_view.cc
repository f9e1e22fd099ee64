#include "coordinator/rejects_view.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace sluice {
namespace {

namespace fs = std::filesystem;

// One CSV record from `text` at `pos` (quotes as the rejects writer writes
// them: "" inside a quoted field). Returns false at the end of text or on a
// record cut by the byte budget.
bool next_record(const std::string& text, size_t& pos, std::vector<std::string>& fields) {
  fields.assign(1, std::string());
  bool quoted = false;
  while (pos < text.size()) {
    const char c = text[pos++];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (pos < text.size() && text[pos] == '"') {
        fields.back() += '"';
        ++pos;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      return true;
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return false;  // no newline: the last record is incomplete (or absent)
}

std::vector<fs::path> rejects_files(const std::string& output_dir) {
  std::vector<fs::path> files;
  std::error_code error;
  fs::directory_iterator it(fs::path(output_dir) / "_rejects", error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with("part-") && name.ends_with(".csv")) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string cut(const std::string& text, size_t chars_max) {
  if (text.size() <= chars_max) return text;
  size_t end = chars_max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // UTF-8
  return text.substr(0, end) + "…";
}

}  // namespace

std::string read_rejects_json(const std::string& output_dir, const RejectsLimits& limits) {
  using nlohmann::json;
  json rejects = json::array();
  std::map<std::string, uint64_t> by_reason;
  const std::vector<fs::path> files = rejects_files(output_dir);
  size_t bytes_left = limits.bytes_max;
  bool truncated = false;
  for (const fs::path& file : files) {
    if (rejects.size() >= limits.lines_max || bytes_left == 0) {
      truncated = true;
      break;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) continue;
    std::string text(bytes_left, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    if (in.peek() != std::ifstream::traits_type::eof()) truncated = true;
    size_t pos = 0;
    std::vector<std::string> fields;
    bool header = true;
    while (rejects.size() < limits.lines_max && next_record(text, pos, fields)) {
      if (std::exchange(header, false)) continue;  // source_file,offset,reason,record
      fields.resize(4);
      by_reason[fields[2]]++;
      rejects.push_back({{"file", "_rejects/" + file.filename().string()},
                         {"source_file", fields[0]},
                         {"offset", fields[1]},
                         {"reason", fields[2]},
                         {"record", cut(fields[3], limits.record_chars_max)}});
    }
    if (rejects.size() >= limits.lines_max && pos < text.size()) truncated = true;
    bytes_left -= std::min(bytes_left, text.size());
  }
  json reasons = json::object();
  for (const auto& [reason, count] : by_reason) reasons[reason] = count;
  return json{{"rejects", rejects},
              {"by_reason", reasons},
              {"files", files.size()},
              {"truncated", truncated}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace sluice
