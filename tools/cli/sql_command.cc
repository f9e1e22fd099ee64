// `sluice sql "SELECT …" [--out DIR] [--format F] [--workers N]`: the
// statement compiled into a job (common/sql) and run as `sluice run` runs a
// job file. Without --out (and without COPY … TO) the result goes to a
// temporary directory, is printed as a table — the first and last rows and
// the count, as DuckDB's CLI does — and the directory is removed.
#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <vector>

#include "tools/cli/commands.h"
#include "tools/cli/sql_job.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

// Reads a CSV part as sluice writes it (RFC 4180: quoted fields may hold
// the delimiter, quotes doubled, newlines). One record per call.
bool next_record(std::istream& in, std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false, any = false;
  char c;
  while (in.get(c)) {
    any = true;
    if (quoted) {
      if (c == '"') {
        if (in.peek() == '"') {
          in.get(c);
          field += '"';
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      fields.push_back(std::move(field));
      return true;
    } else if (c != '\r') {
      field += c;
    }
  }
  if (any) fields.push_back(std::move(field));
  return any;
}

// Display width in characters (UTF-8), and a value cut to `width_max`.
size_t width_of(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

std::string shown(std::string text, size_t width_max) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (width_of(text) <= width_max) return text;
  std::string cut;
  size_t width = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80 && ++width > width_max - 1) break;
    cut += text[i];
  }
  return cut + "…";
}

bool numeric(const std::string& text) {
  if (text.empty()) return false;
  return text.find_first_not_of("0123456789.-+e") == std::string::npos &&
         text.find_first_of("0123456789") != std::string::npos;
}

constexpr size_t kRowsShownHalf = 20;  // DuckDB shows 40 rows: the first and last 20
constexpr size_t kValueWidthMax = 40;

// Prints the parts of `dir` in name order as one table.
int print_table(const fs::path& dir) {
  std::vector<fs::path> parts;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("part-")) parts.push_back(entry.path());
  }
  std::sort(parts.begin(), parts.end());
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> first, last_rows;
  std::deque<std::vector<std::string>> last;
  uint64_t rows = 0;
  for (const fs::path& part : parts) {
    std::ifstream in(part, std::ios::binary);
    std::vector<std::string> fields;
    if (!next_record(in, fields)) continue;
    if (header.empty()) header = fields;
    while (next_record(in, fields)) {
      ++rows;
      if (first.size() < kRowsShownHalf) {
        first.push_back(fields);
      } else {
        last.push_back(fields);
        if (last.size() > kRowsShownHalf) last.pop_front();
      }
    }
  }
  const bool gap = rows > 2 * kRowsShownHalf;
  std::vector<std::vector<std::string>> table(first.begin(), first.end());
  table.insert(table.end(), last.begin(), last.end());
  std::vector<size_t> widths(header.size(), 1);
  std::vector<bool> right(header.size(), true);
  for (size_t c = 0; c < header.size(); ++c) {
    header[c] = shown(header[c], kValueWidthMax);
    widths[c] = std::max(widths[c], width_of(header[c]));
  }
  for (auto& row : table) {
    row.resize(header.size());
    for (size_t c = 0; c < header.size(); ++c) {
      row[c] = shown(row[c], kValueWidthMax);
      widths[c] = std::max(widths[c], width_of(row[c]));
      if (!row[c].empty() && !numeric(row[c])) right[c] = false;
    }
  }
  const auto rule = [&](const char* left, const char* middle, const char* end) {
    std::string line = left;
    for (size_t c = 0; c < widths.size(); ++c) {
      for (size_t i = 0; i < widths[c] + 2; ++i) line += "─";
      line += c + 1 < widths.size() ? middle : end;
    }
    fmt::print("{}\n", line);
  };
  const auto print_row = [&](const std::vector<std::string>& row, bool header_row) {
    std::string line = "│";
    for (size_t c = 0; c < widths.size(); ++c) {
      const size_t pad = widths[c] - width_of(row[c]);
      const bool align_right = right[c] && !header_row;
      line += " " + std::string(align_right ? pad : 0, ' ') + row[c] +
              std::string(align_right ? 0 : pad, ' ') + " │";
    }
    fmt::print("{}\n", line);
  };
  if (!header.empty()) {
    rule("┌", "┬", "┐");
    print_row(header, true);
    rule("├", "┼", "┤");
    for (size_t r = 0; r < table.size(); ++r) {
      if (gap && r == first.size()) {
        std::vector<std::string> dots(header.size(), "·");
        print_row(dots, true);
      }
      print_row(table[r], false);
    }
    rule("└", "┴", "┘");
  }
  fmt::print("{} row{}{}\n", rows, rows == 1 ? "" : "s",
             gap ? fmt::format(" ({} shown)", table.size()) : "");
  return kExitOk;
}

}  // namespace

int sql_command(const SqlFlags& flags) {
  SqlJobRequest request;
  request.query = flags.query;
  request.out = flags.out;
  request.format = flags.format;
  std::string temporary;
  const std::optional<std::string> text = sql_job_text(request, "sql");
  if (!text) return kExitUsage;
  const bool terminal = flags.out.empty() && text->find("\noutput:") != std::string::npos;
  if (terminal) {
    std::string pattern = (fs::temp_directory_path() / "sluice-sql-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      fmt::print(stderr, "sluice sql: cannot make a temporary directory under {}\n",
                 fs::temp_directory_path().string());
      return kExitJobFailed;
    }
    temporary = pattern;
    request.terminal_dir = (fs::path(temporary) / "out").string();
  }
  std::optional<LoadedJob> job = load_sql_job(request, "sql");
  int exit_code = kExitUsage;
  if (job) {
    RunFlags run;
    run.job_file = kSqlJobFile;
    run.workers = flags.workers;
    run.no_progress = flags.no_progress || terminal;
    run.state_dir = flags.state_dir;
    run.http = terminal ? "off" : "";  // a table on the terminal: nothing to watch
    if (terminal && run.state_dir.empty()) run.state_dir = (fs::path(temporary) / "state").string();
    exit_code = run_loaded_job(*job, run, !terminal);
    if (exit_code == kExitOk && terminal) exit_code = print_table(request.terminal_dir);
  }
  if (!temporary.empty()) {
    std::error_code error;
    fs::remove_all(temporary, error);
  }
  return exit_code;
}

}  // namespace sluice
