#include "common/csv/range_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "common/base/assert.h"
#include "common/base/utf8.h"
#include "common/csv/scan.h"

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
    : options_(options),
      window_(source, options.read_chunk_bytes, options.max_record_bytes),
      expected_columns_(options.expected_columns) {
  const char delimiter = options_.dialect.delimiter;
  const char quote = options_.dialect.quote;
  index_usable_ = options_.structural_index && delimiter != quote && delimiter != '\n' &&
                  delimiter != '\r' && quote != '\n' && quote != '\r';
  set_wanted_columns();
}

CsvRangeReader::~CsvRangeReader() = default;

Status CsvRangeReader::read_more() { return window_.read_more(); }

// Drops the bytes before position_. Only while no batch views point into the
// buffer.
void CsvRangeReader::compact() {
  window_.drop_front(position_);
  position_ = 0;
}

// Doubles the buffer, up to its cap. Only while the batch is empty.
void CsvRangeReader::grow() {
  window_.grow();
  arena_ = std::string();  // reallocated at the next use, at the new capacity
  arena_used_ = 0;
}

Status CsvRangeReader::find_guessed_start() {
  // The first line start p >= begin: p - 1 holds '\n'. Speculative: the '\n'
  // may lie inside a quoted field; the coordinator checks the guess.
  window_.buffer_offset = std::min(options_.begin_offset - 1, window_.source_size);
  window_.file_offset = window_.buffer_offset;
  window_.length = 0;
  position_ = 0;
  for (;;) {
    if (window_.length == window_.capacity) {  // no line start here: forget these bytes
      window_.buffer_offset += window_.length;
      window_.length = 0;
    }
    if (at_eof()) {
      position_ = window_.length;
      return Status::ok();
    }
    size_t from = window_.length;
    SLUICE_RETURN_IF_ERROR(read_more());
    const char* newline =
        csv_scan::find_char(window_.data() + from, window_.data() + window_.length, '\n');
    if (newline != window_.data() + window_.length) {
      position_ = static_cast<size_t>(newline - window_.data()) + 1;
      return Status::ok();
    }
  }
}

Status CsvRangeReader::start() {
  if (options_.start_is_exact || options_.begin_offset == 0) {
    uint64_t start = options_.start_is_exact ? options_.exact_start_offset : 0;
    window_.buffer_offset = std::min(start, window_.source_size);
    window_.file_offset = window_.buffer_offset;
    start_offset_ = start;
  } else {
    SLUICE_RETURN_IF_ERROR(find_guessed_start());
    start_offset_ = window_.buffer_offset + position_;
  }
  if (start_offset_ == 0 && options_.end_offset > 0) {
    while (window_.length < kUtf8Bom.size() && !at_eof()) SLUICE_RETURN_IF_ERROR(read_more());
    if (std::string_view(window_.data(), window_.length).starts_with(kUtf8Bom)) {
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
  if (arena_.empty()) arena_.resize(window_.capacity);
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
  const char* const base = window_.data();
  const char* const start = base + position_;
  const char* const end = base + window_.length;
  const bool eof = at_eof();
  const char delimiter = options_.dialect.delimiter;
  const char quote = options_.dialect.quote;
  const uint64_t offset = window_.buffer_offset + position_;

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

  if (index_usable_) {
    Parsed parsed;
    if (parse_indexed(batch, rejects, parsed)) return parsed;
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
        position_ = window_.length;
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

  return accept_record(batch, rejects, raw_end, next, fields_begin, arena_mark, true,
                       batch.fields.size() - fields_begin, false);
}

CsvRangeReader::Parsed CsvRangeReader::accept_record(RecordBatch& batch,
                                                     std::vector<RejectedRecord>& rejects,
                                                     const char* raw_end, const char* next,
                                                     size_t fields_begin, size_t arena_mark,
                                                     bool maybe_non_ascii, size_t field_count,
                                                     bool projected) {
  const char* const start = window_.data() + position_;
  const uint64_t offset = window_.buffer_offset + position_;
  auto roll_back = [&] {
    batch.fields.resize(fields_begin);
    arena_used_ = arena_mark;
  };
  position_ = static_cast<size_t>(next - window_.data());
  const std::string_view raw(start, static_cast<size_t>(raw_end - start));
  if (raw.size() > options_.max_record_bytes) {
    roll_back();
    reject(rejects, offset,
           fmt::format("record longer than max_record_size ({} bytes)", options_.max_record_bytes),
           raw);
    return Parsed::kRejected;
  }
  if (maybe_non_ascii) {
    if (size_t bad = find_invalid_utf8(raw); bad != std::string_view::npos) {
      roll_back();
      reject(rejects, offset, fmt::format("invalid UTF-8 at byte {} of the record", bad), raw);
      return Parsed::kRejected;
    }
  }
  if (expected_columns_ == 0) {
    expected_columns_ = field_count;
    set_wanted_columns();
  } else if (field_count != expected_columns_) {
    roll_back();
    reject(rejects, offset,
           fmt::format("expected {} fields, found {}", expected_columns_, field_count), raw);
    return Parsed::kRejected;
  }
  if (options_.columns && !projected) {
    // Ascending indexes: each kept field moves to a slot at or before its own.
    const std::vector<size_t>& columns = *options_.columns;
    std::string_view* fields = batch.fields.data() + fields_begin;
    for (size_t i = 0; i < columns.size(); ++i) fields[i] = fields[columns[i]];
    batch.fields.resize(fields_begin + columns.size());
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
  const uint64_t offset = window_.buffer_offset;
  std::string raw = cut_raw(std::string_view(window_.data(), window_.length));
  const char delimiter = options_.dialect.delimiter;
  const char quote = options_.dialect.quote;
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };
  State state = State::kFieldStart;
  bool found_end = false;
  for (;;) {
    const char* p = window_.data() + position_;
    const char* end = window_.data() + window_.length;
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
    position_ = static_cast<size_t>(p - window_.data());
    if (found_end || at_eof()) break;
    window_.buffer_offset += window_.length;  // forget the bytes scanned
    window_.length = 0;
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
  batch.column_count = batch_columns();
  if (phase_ == Phase::kDone) return false;
  // A full batch (and a record's spare fields) without growing.
  batch.fields.reserve(limits::kBatchRowsMax * batch_columns() + 1);
  if (phase_ == Phase::kStart) {
    SLUICE_RETURN_IF_ERROR(start());
    phase_ = Phase::kRecords;
  }
  // The buffer is compacted only when a chunk no longer fits behind its
  // bytes, and then at the start of a batch: the unread tail moved is at most
  // a record, not what is left of the last chunk.
  arena_used_ = 0;
  auto batch_ready = [&] {
    batch.column_count = batch_columns();
    return true;
  };
  auto room_for_chunk = [&] { return window_.capacity - window_.length >= window_.chunk_bytes; };

  while (phase_ == Phase::kRecords) {
    uint64_t scan_offset = window_.buffer_offset + position_;
    // A record right after a BOM counts as starting at 0, the file's start.
    if (bom_bytes_ != 0 && scan_offset == bom_bytes_) scan_offset = 0;
    // The header (and any empty lines before it) belongs to the range that
    // starts the file, however small it is.
    if (scan_offset >= options_.end_offset && !header_pending_) {
      finish(scan_offset);
      break;
    }
    if (position_ == window_.length) {
      if (at_eof()) {
        finish(window_.buffer_offset + window_.length);
        break;
      }
      if (!room_for_chunk()) {
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
      if (room_for_chunk()) {
        SLUICE_RETURN_IF_ERROR(read_more());
        continue;
      }
      if (batch.row_count > 0) return batch_ready();  // the next call compacts
      if (position_ > 0) {
        compact();
        arena_used_ = 0;
        if (room_for_chunk()) {
          SLUICE_RETURN_IF_ERROR(read_more());
          continue;
        }
      }
      // All of the buffer is one unfinished record; its last byte may be the
      // '\r' of its line end.
      if (window_.length - 1 > options_.max_record_bytes) {
        SLUICE_RETURN_IF_ERROR(skip_oversize_record(rejects));
        parsed = Parsed::kRejected;
      } else {
        if (window_.length == window_.capacity) grow();
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
        batch.fields.resize(batch.row_count * batch_columns());
      } else {
        rejects.resize(rejects_before);
      }
      continue;
    }
    records_read_ += 1;
    if (batch.row_count == limits::kBatchRowsMax) return batch_ready();
  }
  batch.column_count = batch_columns();
  return batch.row_count > 0;
}

namespace {

// Where the header is looked for first; the prefix grows 16-fold while the
// first record may still be cut off by it.
constexpr uint64_t kHeaderProbeBytes = 16 << 10;

// The first record of `source` (read whole), or nothing when `source` is a
// proper prefix in which no second record or reject begins: the first one may
// then be cut off, and a longer prefix is needed.
Result<std::optional<std::vector<std::string>>> read_first_record(ByteSource& source,
                                                                  bool is_prefix,
                                                                  const CsvDialect& dialect,
                                                                  uint64_t max_record_bytes) {
  CsvRangeOptions options;
  options.dialect = dialect;
  options.dialect.header = false;  // read it as a record
  options.begin_offset = 0;
  options.end_offset = source.size_bytes();
  options.max_record_bytes = max_record_bytes;
  options.read_chunk_bytes = std::min<size_t>(limits::kReadChunkBytes, kHeaderProbeBytes);
  CsvRangeReader reader(source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  std::vector<std::string> first;
  uint64_t first_offset = 0;
  size_t records = 0;  // rows and rejects seen
  bool more = true;
  while (more && records < 2) {
    SLUICE_ASSIGN_OR_RETURN(more, reader.next(batch, rejects));
    if (records == 0 && batch.row_count > 0) {
      first_offset = batch.offsets.front();
      for (size_t column = 0; column < batch.column_count; ++column) {
        first.emplace_back(batch.field(0, column));
      }
    }
    records += batch.row_count;
    if (!rejects.empty() && (first.empty() || rejects.front().offset < first_offset)) {
      if (is_prefix && records + rejects.size() < 2)
        return std::optional<std::vector<std::string>>();
      return data_error(fmt::format("cannot read the CSV header at offset {}: {}",
                                    rejects.front().offset, rejects.front().reason));
    }
    records += rejects.size();
    rejects.clear();
  }
  if (is_prefix && records < 2) return std::optional<std::vector<std::string>>();
  return std::optional<std::vector<std::string>>(std::move(first));
}

}  // namespace

Result<std::vector<std::string>> read_csv_header(ByteSource& source, const CsvDialect& dialect,
                                                 uint64_t max_record_bytes) {
  const uint64_t size = source.size_bytes();
  for (uint64_t limit = kHeaderProbeBytes;; limit *= 16) {
    PrefixSource prefix(source, limit);
    SLUICE_ASSIGN_OR_RETURN(auto first,
                            read_first_record(prefix, limit < size, dialect, max_record_bytes));
    if (first) return std::move(*first);
  }
}

}  // namespace sluice
