#include "common/pipeline/lookup.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <map>
#include <mutex>

#include "common/base/limits.h"
#include "common/csv/range_reader.h"
#include "common/expr/eval.h"
#include "common/io/byte_source.h"

namespace sluice {
namespace {

// One loaded copy per (file version, key, columns, mode) per process: every
// partition a worker runs compiles the pipeline, and a 64 MiB table should
// not be read and held once per slot.
std::mutex cache_mutex;
std::map<std::string, std::weak_ptr<const LookupTable>> cache;

std::string cache_key(const std::string& path, const struct stat& info,
                      const std::string& key_column, const std::vector<std::string>& columns,
                      bool first_wins) {
  std::string key = fmt::format("{}\n{}\n{}.{}\n{}\n{}", path, info.st_size, info.st_mtim.tv_sec,
                                info.st_mtim.tv_nsec, first_wins ? 1 : 0, key_column);
  for (const std::string& column : columns) key += "\n" + column;
  return key;
}

}  // namespace

Result<std::shared_ptr<const LookupTable>> LookupTable::load(
    const std::string& path, const std::string& key_column,
    const std::vector<std::string>& value_columns, bool first_duplicate_wins) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return invalid_argument(fmt::format("lookup file {} cannot be read", path));
  }
  if (static_cast<uint64_t>(info.st_size) > limits::kLookupFileBytesMax) {
    return invalid_argument(fmt::format(
        "lookup file {} is {} bytes, more than the limit of {} MiB (a lookup table is held "
        "whole by every worker)",
        path, info.st_size, limits::kLookupFileBytesMax >> 20));
  }
  const std::string key = cache_key(path, info, key_column, value_columns, first_duplicate_wins);
  {
    std::lock_guard<std::mutex> lock(cache_mutex);
    auto found = cache.find(key);
    if (found != cache.end()) {
      if (auto table = found->second.lock()) return table;
    }
  }

  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<FileSource> source, FileSource::open(path));
  CsvDialect dialect;
  dialect.header = true;
  if (source->size_bytes() == 0) {
    return invalid_argument(fmt::format("lookup file {} is empty (it needs a header row)", path));
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> header,
                          read_csv_header(*source, dialect, limits::kRecordBytesDefault));
  auto column_of = [&](const std::string& name) -> int {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
    return -1;
  };
  auto names = [&]() {
    std::string out;
    for (const std::string& name : header) out += (out.empty() ? "\"" : ", \"") + name + "\"";
    return out;
  };
  const int key_index = column_of(key_column);
  if (key_index < 0) {
    return invalid_argument(
        fmt::format("lookup file {} has no column \"{}\" (it has {})", path, key_column, names()));
  }
  std::vector<int> kept;
  for (const std::string& name : value_columns) {
    const int index = column_of(name);
    if (index < 0) {
      return invalid_argument(
          fmt::format("lookup file {} has no column \"{}\" (it has {})", path, name, names()));
    }
    kept.push_back(index);
  }

  std::shared_ptr<LookupTable> table(new LookupTable());
  table->column_count_ = value_columns.size();
  table->text_.reserve(static_cast<size_t>(info.st_size));
  // Spans into text_ while it grows; views are made once it is complete.
  std::vector<std::pair<size_t, size_t>> spans;  // row * (1 + columns): key, then values
  std::vector<uint64_t> offsets;

  CsvRangeOptions options;
  options.dialect = dialect;
  options.begin_offset = 0;
  options.end_offset = source->size_bytes();
  options.expected_columns = header.size();
  CsvRangeReader reader(*source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  auto keep = [&](std::string_view text) {
    spans.emplace_back(table->text_.size(), text.size());
    table->text_.append(text);
  };
  while (true) {
    rejects.clear();
    SLUICE_ASSIGN_OR_RETURN(bool more, reader.next(batch, rejects));
    if (!rejects.empty()) {
      return invalid_argument(fmt::format("lookup file {}: record at byte offset {}: {}", path,
                                          rejects.front().offset, rejects.front().reason));
    }
    for (size_t row = 0; row < batch.row_count; ++row) {
      keep(batch.field(row, static_cast<size_t>(key_index)));
      for (int column : kept) keep(batch.field(row, static_cast<size_t>(column)));
      offsets.push_back(batch.offsets[row]);
    }
    if (!more) break;
  }
  if (offsets.size() > static_cast<size_t>(INT32_MAX)) {
    return invalid_argument(fmt::format("lookup file {} has too many rows", path));
  }

  const size_t stride = 1 + table->column_count_;
  table->values_.reserve(offsets.size() * table->column_count_);
  table->index_.reserve(offsets.size());
  size_t kept_rows = 0;
  for (size_t row = 0; row < offsets.size(); ++row) {
    const auto [key_offset, key_size] = spans[row * stride];
    const std::string_view row_key(table->text_.data() + key_offset, key_size);
    auto [entry, inserted] = table->index_.emplace(row_key, static_cast<int32_t>(kept_rows));
    if (!inserted) {
      if (first_duplicate_wins) continue;
      return invalid_argument(fmt::format(
          "lookup file {}: key \"{}\" of column \"{}\" appears again at byte offset {} (keys "
          "must be unique; `duplicates: first` keeps the first)",
          path, row_key.substr(0, 200), key_column, offsets[row]));
    }
    for (size_t column = 0; column < table->column_count_; ++column) {
      const auto [offset, size] = spans[row * stride + 1 + column];
      table->values_.emplace_back(table->text_.data() + offset, size);
    }
    ++kept_rows;
  }
  table->rows_ = kept_rows;

  std::lock_guard<std::mutex> lock(cache_mutex);
  for (auto it = cache.begin(); it != cache.end();) {
    it = it->second.expired() ? cache.erase(it) : std::next(it);
  }
  cache[key] = table;
  return std::shared_ptr<const LookupTable>(std::move(table));
}

void LookupTable::probe(const expr::Vector& keys, const expr::Selection& selection,
                        std::vector<int32_t>& matches, std::string& scratch) const {
  matches.resize(keys.valid.size());
  if (keys.type == expr::Type::kNull) {
    for (uint32_t row : selection) matches[row] = -1;
    return;
  }
  if (keys.type == expr::Type::kString) {
    for (uint32_t row : selection) {
      if (!keys.valid[row]) {
        matches[row] = -1;
        continue;
      }
      auto found = index_.find(keys.strings[row]);
      matches[row] = found == index_.end() ? -1 : found->second;
    }
    return;
  }
  // Typed keys: compared by their canonical text.
  std::deque<std::string> storage;
  expr::StringArena arena(&storage);
  for (uint32_t row : selection) {
    if (!keys.valid[row]) {
      matches[row] = -1;
      continue;
    }
    scratch.assign(expr::render_value(keys, row, arena));
    auto found = index_.find(std::string_view(scratch));
    matches[row] = found == index_.end() ? -1 : found->second;
    if (storage.size() > 16) {
      storage.clear();
      arena.rebind(&storage);
    }
  }
}

}  // namespace sluice
