#include "common/jsonl/range_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "common/base/assert.h"
#include "common/base/utf8.h"

namespace sluice {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool is_blank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

std::string oversize_reason(uint64_t max_record_bytes) {
  return fmt::format("record longer than max_record_size ({} bytes)", max_record_bytes);
}

}  // namespace

JsonlRangeReader::JsonlRangeReader(ByteSource& source, JsonlRangeOptions options)
    : options_(std::move(options)),
      window_(source, options_.read_chunk_bytes, options_.max_record_bytes),
      parser_(options_.columns),
      arena_(std::make_unique_for_overwrite<char[]>(window_.capacity)) {}

Status JsonlRangeReader::read_more() { return window_.read_more(); }

// Drops the bytes before position_. Only while no batch views point into the
// buffer.
void JsonlRangeReader::compact() {
  window_.drop_front(position_);
  position_ = 0;
}

// Doubles the buffer, up to its cap. Only while the batch is empty.
void JsonlRangeReader::grow() {
  window_.grow();
  arena_ = std::make_unique_for_overwrite<char[]>(window_.capacity);
}

Status JsonlRangeReader::start() {
  uint64_t start = 0;
  if (options_.start_is_exact) {
    start = options_.exact_start_offset;
  } else if (options_.begin_offset > 0) {
    // The first line start p >= begin: p - 1 holds '\n'. Always a record
    // start in JSON Lines (a string cannot hold a raw newline).
    window_.buffer_offset = std::min(options_.begin_offset - 1, window_.source_size);
    window_.file_offset = window_.buffer_offset;
    for (;;) {
      if (at_eof() && position_ == window_.length) {
        start = window_.source_size;
        break;
      }
      if (position_ == window_.length) {
        compact();
        SLUICE_RETURN_IF_ERROR(read_more());
      }
      const void* newline =
          std::memchr(window_.data() + position_, '\n', window_.length - position_);
      if (newline != nullptr) {
        start = window_.buffer_offset +
                static_cast<size_t>(static_cast<const char*>(newline) - window_.data()) + 1;
        break;
      }
      position_ = window_.length;
    }
    window_.length = 0;
    position_ = 0;
  }
  start_offset_ = start;
  window_.buffer_offset = std::min(start, window_.source_size);
  window_.file_offset = window_.buffer_offset;
  window_.length = 0;
  position_ = 0;
  if (start == 0 && options_.end_offset > 0) {
    while (window_.length < kUtf8Bom.size() && !at_eof()) SLUICE_RETURN_IF_ERROR(read_more());
    if (std::string_view(window_.data(), window_.length).starts_with(kUtf8Bom)) {
      position_ = kUtf8Bom.size();
      bom_pending_ = true;
    }
  }
  return Status::ok();
}

void JsonlRangeReader::finish(uint64_t end_offset) {
  end_offset_ = end_offset;
  done_ = true;
}

void JsonlRangeReader::reject(std::vector<RejectedRecord>& rejects, uint64_t offset,
                              std::string reason, std::string_view raw) {
  const uint64_t keep = std::min<uint64_t>(limits::kRejectRawBytesMax, options_.max_record_bytes);
  raw = raw.substr(0, std::min<uint64_t>(raw.size(), keep));
  rejects.push_back(RejectedRecord{offset, std::move(reason), std::string(raw)});
}

// The line at position_ has no '\n' within max_record_bytes + 1 bytes: keep
// its first bytes for the reject and read on to its end without holding it.
Status JsonlRangeReader::skip_oversize_line(std::vector<RejectedRecord>& rejects) {
  const uint64_t offset = window_.buffer_offset + position_;
  const uint64_t keep = std::min<uint64_t>(limits::kRejectRawBytesMax, options_.max_record_bytes);
  std::string raw(window_.data() + position_, std::min<uint64_t>(window_.length - position_, keep));
  position_ = window_.length;
  scanned_ = 0;
  for (;;) {
    compact();
    if (at_eof()) break;
    SLUICE_RETURN_IF_ERROR(read_more());
    const void* newline = std::memchr(window_.data(), '\n', window_.length);
    if (newline != nullptr) {
      position_ = static_cast<size_t>(static_cast<const char*>(newline) - window_.data()) + 1;
      break;
    }
    position_ = window_.length;
  }
  records_read_ += 1;
  reject(rejects, offset, oversize_reason(options_.max_record_bytes), raw);
  return Status::ok();
}

void JsonlRangeReader::process_line(std::string_view line, uint64_t offset, RecordBatch& batch,
                                    std::vector<RejectedRecord>& rejects) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > options_.max_record_bytes) {
    records_read_ += 1;
    reject(rejects, offset, oversize_reason(options_.max_record_bytes), line);
    return;
  }
  if (is_blank(line)) return;  // blank lines are not records
  records_read_ += 1;
  const size_t bad = find_invalid_utf8(line);
  if (bad != std::string_view::npos) {
    reject(rejects, offset, fmt::format("invalid UTF-8 at byte {} of the record", bad), line);
    return;
  }
  const size_t arena_mark = arena_used_;
  std::string error = parser_.parse(line, values_, arena_.get(), arena_used_);
  if (!error.empty()) {
    arena_used_ = arena_mark;
    reject(rejects, offset, std::move(error), line);
    return;
  }
  batch.fields.insert(batch.fields.end(), values_.begin(), values_.end());
  batch.offsets.push_back(offset);
  batch.raw.push_back(line);
  batch.row_count += 1;
}

Result<bool> JsonlRangeReader::next(RecordBatch& batch, std::vector<RejectedRecord>& rejects) {
  batch.clear();
  batch.column_count = options_.columns.size();
  arena_used_ = 0;
  if (!started_) {
    started_ = true;
    SLUICE_RETURN_IF_ERROR(start());
  }
  if (done_) return false;
  const size_t rejects_at_start = rejects.size();
  for (;;) {
    uint64_t offset = window_.buffer_offset + position_;
    // The line after a BOM starts at 0: it belongs to the first range however
    // small that range is.
    if (bom_pending_) {
      if (offset == kUtf8Bom.size())
        offset = 0;
      else
        bom_pending_ = false;
    }
    if (offset >= options_.end_offset) {
      finish(offset);
      break;
    }
    if (position_ == window_.length) {
      if (at_eof()) {
        finish(window_.buffer_offset + position_);  // not `offset`: after a lone BOM it is 3, not 0
        break;
      }
      if (batch.row_count > 0) return true;  // compacting would move the batch's views
      compact();
      scanned_ = 0;
      SLUICE_RETURN_IF_ERROR(read_more());
      continue;
    }
    const char* from = window_.data() + position_;
    const size_t available = window_.length - position_;
    const void* found = std::memchr(from + scanned_, '\n', available - scanned_);
    size_t line_length;
    size_t consumed;
    if (found != nullptr) {
      line_length = static_cast<size_t>(static_cast<const char*>(found) - from);
      consumed = line_length + 1;
    } else if (at_eof()) {
      line_length = available;  // the last line, without a line end
      consumed = available;
    } else {
      scanned_ = available;
      if (batch.row_count > 0) return true;
      if (available > options_.max_record_bytes + 1) {
        SLUICE_RETURN_IF_ERROR(skip_oversize_line(rejects));
        continue;
      }
      compact();
      if (window_.length == window_.capacity) grow();
      SLUICE_RETURN_IF_ERROR(read_more());
      continue;
    }
    scanned_ = 0;
    process_line(std::string_view(from, line_length), offset, batch, rejects);
    position_ += consumed;
    // Rejects count too: a range of bad lines must not pile up in one call.
    if (batch.row_count + (rejects.size() - rejects_at_start) >= limits::kBatchRowsMax) {
      return true;
    }
  }
  return batch.row_count > 0;
}

Result<std::vector<std::string>> read_jsonl_columns(ByteSource& source, uint64_t max_record_bytes) {
  // The keys of the first kJsonlColumnSampleRows objects (within
  // kJsonlColumnSampleBytes), in the order first seen: a key missing from
  // the first object but present soon after is a column, not a reject. Read
  // in steps; never more than one line held past the step.
  constexpr size_t kStepBytes = 64 << 10;
  const uint64_t size = source.size_bytes();
  std::string pending;
  size_t position = 0;       // of the next line in pending
  uint64_t offset = 0;       // source offset of pending[position]
  uint64_t read_offset = 0;  // next source offset to read
  bool bom_checked = false;
  std::vector<std::string> columns;
  std::unordered_set<std::string> seen;
  uint64_t objects = 0;
  const auto merge = [&](std::vector<std::string>& keys) {
    for (std::string& key : keys) {
      if (seen.insert(key).second) columns.push_back(std::move(key));
    }
    objects++;
  };
  for (;;) {
    if (objects >= kJsonlColumnSampleRows || (objects > 0 && offset >= kJsonlColumnSampleBytes)) {
      return columns;
    }
    size_t newline = pending.find('\n', position);
    if (newline == std::string::npos && read_offset < size) {
      pending.erase(0, position);  // once per step, not once per line
      position = 0;
      if (pending.size() > max_record_bytes + 1) {
        if (objects > 0) return columns;  // a long record past the first: read as a reject
        return data_error(fmt::format("cannot read the first JSON object at offset {}: {}", offset,
                                      oversize_reason(max_record_bytes)));
      }
      const size_t step = static_cast<size_t>(std::min<uint64_t>(kStepBytes, size - read_offset));
      const size_t old_size = pending.size();
      pending.resize(old_size + step);
      SLUICE_ASSIGN_OR_RETURN(size_t count,
                              source.read_at(read_offset, pending.data() + old_size, step));
      pending.resize(old_size + count);
      read_offset += count;
      if (count == 0) return io_error(fmt::format("input ended at offset {}", read_offset));
      if (!bom_checked && pending.size() >= kUtf8Bom.size()) {
        bom_checked = true;
        if (std::string_view(pending).starts_with(kUtf8Bom)) {
          pending.erase(0, kUtf8Bom.size());
          offset = kUtf8Bom.size();
        }
      }
      continue;
    }
    std::string_view line = std::string_view(pending).substr(position);
    if (newline != std::string::npos) line = line.substr(0, newline - position);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() && newline == std::string::npos) return columns;
    if (!is_blank(line)) {
      std::string error;
      std::vector<std::string> keys;
      const uint64_t record_offset = offset == kUtf8Bom.size() && bom_checked ? 0 : offset;
      if (line.size() > max_record_bytes) {
        error = oversize_reason(max_record_bytes);
      } else if (size_t bad = find_invalid_utf8(line); bad != std::string_view::npos) {
        error = fmt::format("invalid UTF-8 at byte {} of the record", bad);
      } else {
        error = jsonl_object_keys(line, keys);
      }
      if (error.empty()) {
        merge(keys);
      } else if (objects == 0) {
        return data_error(fmt::format("cannot read the first JSON object at offset {}: {}",
                                      record_offset, error));
      }  // a bad object past the first is a reject when read, not a column
    }
    if (newline == std::string::npos) return columns;
    offset += newline + 1 - position;
    position = newline + 1;
  }
}

}  // namespace sluice
