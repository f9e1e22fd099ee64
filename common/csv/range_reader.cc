#include "common/csv/range_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "common/base/assert.h"
#include "common/csv/scan.h"
#include "common/csv/utf8.h"

namespace sluice {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

}  // namespace

// Rejects keep at most kRejectRawBytesMax raw bytes, and never more than
// max_record_bytes, so that an oversize record skipped without being held
// reads the same whichever way it was found.
std::string CsvRangeReader::cut_raw(std::string_view raw) const {
  uint64_t keep = std::min<uint64_t>(limits::kRejectRawBytesMax, options_.max_record_bytes);
  return std::string(raw.substr(0, std::min<uint64_t>(raw.size(), keep)));
}

CsvRangeReader::CsvRangeReader(ByteSource& source, CsvRangeOptions options)
    : source_(source),
      options_(options),
      source_size_(source.size_bytes()),
      chunk_bytes_(std::max<size_t>(options.read_chunk_bytes, 1)),
      expected_columns_(options.expected_columns) {
  capacity_ = std::max<size_t>(2 * chunk_bytes_, 16);  // 16: room to see a BOM
  // Room for the longest accepted record, its line end ("\r\n") and a chunk.
  capacity_max_ = std::max<size_t>(capacity_, options_.max_record_bytes + 2 + chunk_bytes_);
  buffer_ = std::make_unique_for_overwrite<char[]>(capacity_);
}

CsvRangeReader::~CsvRangeReader() = default;

Status CsvRangeReader::read_more() {
  size_t want = std::min(chunk_bytes_, capacity_ - length_);
  want = static_cast<size_t>(std::min<uint64_t>(want, source_size_ - file_offset_));
  if (want == 0) return Status::ok();
  SLUICE_ASSIGN_OR_RETURN(size_t count,
                          source_.read_at(file_offset_, buffer_.get() + length_, want));
  if (count == 0) {
    return io_error(fmt::format("input ended at offset {} but its size was {} when opened",
                                file_offset_, source_size_));
  }
  length_ += count;
  file_offset_ += count;
  bytes_read_ += count;
  return Status::ok();
}

// Drops the bytes before position_. Only while no batch views point into the
// buffer (at the start of next(), or while the batch is empty).
void CsvRangeReader::compact() {
  if (position_ == 0) return;
  std::memmove(buffer_.get(), buffer_.get() + position_, length_ - position_);
  buffer_offset_ += position_;
  length_ -= position_;
  position_ = 0;
}

// Doubles the buffer, up to capacity_max_. Only while the batch is empty.
void CsvRangeReader::grow() {
  size_t capacity = std::min(capacity_ * 2, capacity_max_);
  SLUICE_ASSERT(capacity > capacity_, "grow past capacity_max={}", capacity_max_);
  auto buffer = std::make_unique_for_overwrite<char[]>(capacity);
  std::memcpy(buffer.get(), buffer_.get(), length_);
  buffer_ = std::move(buffer);
  capacity_ = capacity;
  arena_ = std::string();  // reallocated at the next use, at the new capacity
  arena_used_ = 0;
}

Status CsvRangeReader::find_guessed_start() {
  // The first line start p >= begin: p - 1 holds '\n'. Speculative: the '\n'
  // may lie inside a quoted field; the coordinator checks the guess.
  buffer_offset_ = std::min(options_.begin_offset - 1, source_size_);
  file_offset_ = buffer_offset_;
  length_ = 0;
  position_ = 0;
  for (;;) {
    if (length_ == capacity_) {  // no line start here: forget these bytes
      buffer_offset_ += length_;
      length_ = 0;
    }
    if (at_eof()) {
      position_ = length_;
      return Status::ok();
    }
    size_t from = length_;
    SLUICE_RETURN_IF_ERROR(read_more());
    const char* newline = csv_scan::find_char(buffer_.get() + from, buffer_.get() + length_, '\n');
    if (newline != buffer_.get() + length_) {
      position_ = static_cast<size_t>(newline - buffer_.get()) + 1;
      return Status::ok();
    }
  }
}

Status CsvRangeReader::start() {
  if (options_.start_is_exact || options_.begin_offset == 0) {
    uint64_t start = options_.start_is_exact ? options_.exact_start_offset : 0;
    buffer_offset_ = std::min(start, source_size_);
    file_offset_ = buffer_offset_;
    start_offset_ = start;
  } else {
    SLUICE_RETURN_IF_ERROR(find_guessed_start());
    start_offset_ = buffer_offset_ + position_;
  }
  if (start_offset_ == 0 && options_.end_offset > 0) {
    while (length_ < kUtf8Bom.size() && !at_eof()) SLUICE_RETURN_IF_ERROR(read_more());
    if (std::string_view(buffer_.get(), length_).starts_with(kUtf8Bom)) {
      bom_bytes_ = kUtf8Bom.size();
      position_ = bom_bytes_;
    }
    header_pending_ = options_.dialect.header;
  }
  return Status::ok();
}

void CsvRangeReader::finish(uint64_t end_offset) {
  end_offset_ = end_offset;
  phase_ = Phase::kDone;
}

void CsvRangeReader::reject(std::vector<RejectedRecord>& rejects, uint64_t offset,
                            std::string reason, std::string_view raw) {
  rejects.push_back(RejectedRecord{offset, std::move(reason), cut_raw(raw)});
}

std::string_view CsvRangeReader::unescape(const char* begin, const char* end,
                                          std::string_view tail) {
  if (arena_.empty()) arena_.resize(capacity_);
  size_t needed = static_cast<size_t>(end - begin) + tail.size();
  // Values are never longer than their raw bytes, and a batch's raw bytes all
  // sit in the buffer, so the arena (as large as the buffer) never overflows.
  SLUICE_ASSERT(arena_used_ + needed <= arena_.size(), "arena overflow used={} needed={}",
                arena_used_, needed);
  char* out = arena_.data() + arena_used_;
  char* cursor = out;
  const char quote = options_.dialect.quote;
  // Inside a closed quoted field every quote is doubled: copy one of each pair.
  for (const char* s = begin; s < end;) {
    const char* q = csv_scan::find_char(s, end, quote);
    std::memcpy(cursor, s, static_cast<size_t>(q - s));
    cursor += q - s;
    if (q == end) break;
    *cursor++ = quote;
    s = q + 2;
  }
  if (!tail.empty()) std::memcpy(cursor, tail.data(), tail.size());
  cursor += tail.size();
  arena_used_ += static_cast<size_t>(cursor - out);
  return std::string_view(out, static_cast<size_t>(cursor - out));
}

CsvRangeReader::Parsed CsvRangeReader::parse_record(RecordBatch& batch,
                                                    std::vector<RejectedRecord>& rejects) {
  const char* const base = buffer_.get();
  const char* const start = base + position_;
  const char* const end = base + length_;
  const bool eof = at_eof();
  const char delimiter = options_.dialect.delimiter;
  const char quote = options_.dialect.quote;
  const uint64_t offset = buffer_offset_ + position_;

  // Empty lines are not records.
  if (*start == '\n') {
    position_ += 1;
    return Parsed::kEmptyLine;
  }
  if (*start == '\r') {
    if (start + 1 == end) {
      if (!eof) return Parsed::kNeedMore;
      position_ += 1;
      return Parsed::kEmptyLine;
    }
    if (start[1] == '\n') {
      position_ += 2;
      return Parsed::kEmptyLine;
    }
  }

  const size_t fields_begin = batch.fields.size();
  const size_t arena_mark = arena_used_;
  auto roll_back = [&] {
    batch.fields.resize(fields_begin);
    arena_used_ = arena_mark;
  };
  auto need_more = [&] {
    roll_back();
    return Parsed::kNeedMore;
  };

  const char* p = start;
  const char* raw_end = nullptr;  // the record without its line end
  const char* next = nullptr;     // just past its line end
  for (;;) {
    if (p == end) {  // after a delimiter, at the end of the bytes
      if (!eof) return need_more();
      batch.fields.emplace_back();
      raw_end = next = end;
      break;
    }
    if (*p != quote) {
      // Unquoted: up to the delimiter or the line end; quotes are literal.
      const char* x = csv_scan::find_delimiter_or_newline(p, end, delimiter);
      if (x == end && !eof) return need_more();
      if (x != end && *x == delimiter) {
        batch.fields.emplace_back(p, static_cast<size_t>(x - p));
        p = x + 1;
        continue;
      }
      const char* e = x;
      if (e > p && e[-1] == '\r') --e;
      batch.fields.emplace_back(p, static_cast<size_t>(e - p));
      raw_end = e;
      next = x == end ? end : x + 1;
      break;
    }

    // Quoted: up to the closing quote; "" stands for one quote.
    const char* value_begin = p + 1;
    const char* scan = value_begin;
    bool doubled = false;
    const char* close = nullptr;
    for (;;) {
      const char* q = csv_scan::find_char(scan, end, quote);
      if (q == end) {
        if (!eof) return need_more();
        roll_back();
        position_ = length_;
        reject(rejects, offset, "unterminated quoted field",
               std::string_view(start, static_cast<size_t>(end - start)));
        return Parsed::kRejected;
      }
      if (q + 1 == end && !eof) return need_more();
      if (q + 1 < end && q[1] == quote) {
        doubled = true;
        scan = q + 2;
        continue;
      }
      close = q;
      break;
    }
    auto value = [&] {
      return doubled ? unescape(value_begin, close, {})
                     : std::string_view(value_begin, static_cast<size_t>(close - value_begin));
    };
    const char* after = close + 1;
    if (after == end) {  // closing quote at EOF
      batch.fields.push_back(value());
      raw_end = next = end;
      break;
    }
    if (*after == delimiter) {
      batch.fields.push_back(value());
      p = after + 1;
      continue;
    }
    if (*after == '\n') {
      batch.fields.push_back(value());
      raw_end = after;
      next = after + 1;
      break;
    }
    if (*after == '\r') {
      if (after + 1 == end) {
        if (!eof) return need_more();
        batch.fields.push_back(value());
        raw_end = after;
        next = end;
        break;
      }
      if (after[1] == '\n') {
        batch.fields.push_back(value());
        raw_end = after;
        next = after + 2;
        break;
      }
    }
    // Lenient, like Python's csv module: text after the closing quote is
    // appended literally up to the next delimiter or line end.
    const char* x = csv_scan::find_delimiter_or_newline(after, end, delimiter);
    if (x == end && !eof) return need_more();
    const bool ends_record = x == end || *x == '\n';
    const char* e = x;
    if (ends_record && e > after && e[-1] == '\r') --e;
    batch.fields.push_back(
        unescape(value_begin, close, std::string_view(after, static_cast<size_t>(e - after))));
    if (!ends_record) {
      p = x + 1;
      continue;
    }
    raw_end = e;
    next = x == end ? end : x + 1;
    break;
  }

  position_ = static_cast<size_t>(next - base);
  const std::string_view raw(start, static_cast<size_t>(raw_end - start));
  const size_t field_count = batch.fields.size() - fields_begin;
  if (raw.size() > options_.max_record_bytes) {
    roll_back();
    reject(rejects, offset,
           fmt::format("record longer than max_record_size ({} bytes)", options_.max_record_bytes),
           raw);
    return Parsed::kRejected;
  }
  if (size_t bad = find_invalid_utf8(raw); bad != std::string_view::npos) {
    roll_back();
    reject(rejects, offset, fmt::format("invalid UTF-8 at byte {} of the record", bad), raw);
    return Parsed::kRejected;
  }
  if (expected_columns_ == 0) {
    expected_columns_ = field_count;
  } else if (field_count != expected_columns_) {
    roll_back();
    reject(rejects, offset,
           fmt::format("expected {} fields, found {}", expected_columns_, field_count), raw);
    return Parsed::kRejected;
  }
  batch.offsets.push_back(offset);
  batch.raw.push_back(raw);
  batch.row_count += 1;
  return Parsed::kRecord;
}

// The record at the front of the buffer is longer than max_record_bytes: keep
// its first bytes for the reject and scan to its end without holding it,
// tracking the quote state with the same grammar as parse_record.
Status CsvRangeReader::skip_oversize_record(std::vector<RejectedRecord>& rejects) {
  SLUICE_ASSERT(position_ == 0, "skip starts at the buffer front position={}", position_);
  const uint64_t offset = buffer_offset_;
  std::string raw = cut_raw(std::string_view(buffer_.get(), length_));
  const char delimiter = options_.dialect.delimiter;
  const char quote = options_.dialect.quote;
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };
  State state = State::kFieldStart;
  bool found_end = false;
  for (;;) {
    const char* p = buffer_.get() + position_;
    const char* end = buffer_.get() + length_;
    while (p < end && !found_end) {
      switch (state) {
        case State::kFieldStart:
          if (*p == quote) {
            state = State::kQuoted;
            ++p;
            break;
          }
          state = State::kUnquoted;
          [[fallthrough]];
        case State::kUnquoted:
          p = csv_scan::find_delimiter_or_newline(p, end, delimiter);
          if (p == end) break;
          if (*p == '\n') found_end = true;
          state = State::kFieldStart;
          ++p;
          break;
        case State::kQuoted:
          p = csv_scan::find_char(p, end, quote);
          if (p == end) break;
          state = State::kQuoteInQuoted;
          ++p;
          break;
        case State::kQuoteInQuoted:
          if (*p == quote) {
            state = State::kQuoted;
          } else if (*p == delimiter) {
            state = State::kFieldStart;
          } else if (*p == '\n') {
            found_end = true;
          } else {
            state = State::kUnquoted;
          }
          ++p;
          break;
      }
    }
    position_ = static_cast<size_t>(p - buffer_.get());
    if (found_end || at_eof()) break;
    buffer_offset_ += length_;  // forget the bytes scanned
    length_ = 0;
    position_ = 0;
    SLUICE_RETURN_IF_ERROR(read_more());
  }
  std::string reason =
      !found_end && state == State::kQuoted
          ? std::string("unterminated quoted field")
          : fmt::format("record longer than max_record_size ({} bytes)", options_.max_record_bytes);
  rejects.push_back(RejectedRecord{offset, std::move(reason), std::move(raw)});
  return Status::ok();
}

Result<bool> CsvRangeReader::next(RecordBatch& batch, std::vector<RejectedRecord>& rejects) {
  batch.clear();
  batch.column_count = expected_columns_;
  if (phase_ == Phase::kDone) return false;
  if (phase_ == Phase::kStart) {
    SLUICE_RETURN_IF_ERROR(start());
    phase_ = Phase::kRecords;
  }
  compact();
  arena_used_ = 0;
  auto batch_ready = [&] {
    batch.column_count = expected_columns_;
    return true;
  };

  while (phase_ == Phase::kRecords) {
    uint64_t scan_offset = buffer_offset_ + position_;
    // A record right after a BOM counts as starting at 0, the file's start.
    if (bom_bytes_ != 0 && scan_offset == bom_bytes_) scan_offset = 0;
    // The header (and any empty lines before it) belongs to the range that
    // starts the file, however small it is.
    if (scan_offset >= options_.end_offset && !header_pending_) {
      finish(scan_offset);
      break;
    }
    if (position_ == length_) {
      if (at_eof()) {
        finish(buffer_offset_ + length_);
        break;
      }
      if (length_ == capacity_) {
        if (batch.row_count > 0) return batch_ready();
        compact();
        arena_used_ = 0;
      }
      SLUICE_RETURN_IF_ERROR(read_more());
      continue;
    }

    const size_t rejects_before = rejects.size();
    Parsed parsed = parse_record(batch, rejects);
    if (parsed == Parsed::kNeedMore) {
      if (length_ < capacity_) {
        SLUICE_RETURN_IF_ERROR(read_more());
        continue;
      }
      if (batch.row_count > 0) return batch_ready();  // the next call compacts
      compact();
      arena_used_ = 0;
      // All of the buffer is one unfinished record; its last byte may be the
      // '\r' of its line end.
      if (length_ - 1 > options_.max_record_bytes) {
        SLUICE_RETURN_IF_ERROR(skip_oversize_record(rejects));
        parsed = Parsed::kRejected;
      } else {
        if (length_ == capacity_) grow();
        SLUICE_RETURN_IF_ERROR(read_more());
        continue;
      }
    }
    if (parsed == Parsed::kEmptyLine) continue;
    if (header_pending_) {
      // The header is the first record of the file: not data, not counted.
      header_pending_ = false;
      if (parsed == Parsed::kRecord) {
        batch.row_count -= 1;
        batch.offsets.pop_back();
        batch.raw.pop_back();
        batch.fields.resize(batch.row_count * expected_columns_);
      } else {
        rejects.resize(rejects_before);
      }
      continue;
    }
    records_read_ += 1;
    if (batch.row_count == limits::kBatchRowsMax) return batch_ready();
  }
  batch.column_count = expected_columns_;
  return batch.row_count > 0;
}

Result<std::vector<std::string>> read_csv_header(ByteSource& source, const CsvDialect& dialect,
                                                 uint64_t max_record_bytes) {
  CsvRangeOptions options;
  options.dialect = dialect;
  options.dialect.header = false;  // read it as a record
  options.begin_offset = 0;
  options.end_offset = source.size_bytes();
  options.max_record_bytes = max_record_bytes;
  CsvRangeReader reader(source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool more, reader.next(batch, rejects));
    bool reject_first = !rejects.empty() &&
                        (batch.row_count == 0 || rejects.front().offset < batch.offsets.front());
    if (reject_first) {
      return data_error(fmt::format("cannot read the CSV header at offset {}: {}",
                                    rejects.front().offset, rejects.front().reason));
    }
    if (batch.row_count > 0) {
      std::vector<std::string> columns;
      columns.reserve(batch.column_count);
      for (size_t column = 0; column < batch.column_count; ++column) {
        columns.emplace_back(batch.field(0, column));
      }
      return columns;
    }
    if (!more) return std::vector<std::string>{};
  }
}

}  // namespace sluice
