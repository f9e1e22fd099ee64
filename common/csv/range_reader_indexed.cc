// CsvRangeReader's fast path: records cut from the block structural index
// (common/csv/structural_index.h) instead of a search per field, and the
// projection's tables it reads (set_wanted_columns).
//
// The index is built from a record start, so its quote parity says which
// delimiters and line feeds lie outside quotes — if every quote of the record
// opens or closes a quoted field. cut_indexed checks exactly that: each field
// that starts with a quote ends with one, and the record holds no other quote
// (quotes counted = 2 x quoted fields). Then the grammar of parse_record reads
// the same fields, so those are the fields; otherwise (a doubled quote, a
// quote inside an unquoted field, text after a closing quote) parse_record
// reads the record. Records that run past the bytes in the buffer, or are
// longer than the index span, also go to parse_record, which alone decides
// about needing more bytes, EOF and oversize records.

#include <algorithm>
#include <bit>

#include "common/base/assert.h"
#include "common/csv/range_reader.h"

namespace sluice {

namespace {

// Bytes indexed per build: 8 KiB (5 KiB of masks), doubled while a record
// does not fit, up to 256 KiB (160 KiB of masks); longer records are read by
// the grammar alone.
constexpr uint64_t kIndexSpanBytesMin = 8 << 10;
constexpr uint64_t kIndexSpanBytesMax = 256 << 10;

}  // namespace

void CsvRangeReader::set_wanted_columns() {
  if (options_.columns) {
    const std::vector<size_t>& columns = *options_.columns;
    wanted_end_ = columns.empty() ? 0 : columns.back() + 1;
    SLUICE_ASSERT(wanted_end_ <= options_.expected_columns,
                  "a projection needs the column count: {} columns, projection up to {}",
                  options_.expected_columns, wanted_end_);
    wanted_.assign(wanted_end_, 0);
    for (size_t i = 0; i < columns.size(); ++i) {
      SLUICE_ASSERT(i == 0 || columns[i - 1] < columns[i], "projection not ascending at {}", i);
      wanted_[columns[i]] = 1;
    }
    wanted_count_ = columns.size();
  } else {
    wanted_end_ = expected_columns_;
    wanted_.assign(wanted_end_, 1);
    wanted_count_ = wanted_end_;
  }
  cut_fields_.resize(wanted_count_ + 1);
  // Skipping a run costs a lookup per field and a bit loop; from about four
  // columns on it saves more (callgrind on csv_index_bench's W1 projection,
  // runs of 4 and 14: cut_indexed -14% instructions). W3's runs of 2 keep
  // the plain loop.
  constexpr size_t kSkipRunMin = 4;
  skip_run_.assign(wanted_end_, 0);
  bool any_run = false;
  size_t next_kept = wanted_end_;
  for (size_t c = wanted_end_; c-- > 0;) {
    if (wanted_[c] != 0) {
      next_kept = c;
      continue;
    }
    const size_t run = next_kept - c;
    if (run >= kSkipRunMin) {
      skip_run_[c] = static_cast<uint8_t>(std::min<size_t>(run, 255));
      any_run = true;
    }
  }
  if (!any_run) skip_run_.clear();
}

// Indexes the buffer's bytes from source offset `from_offset` (a record
// start) for up to index_span_bytes_.
void CsvRangeReader::build_index(uint64_t from_offset) {
  if (index_span_bytes_ == 0) index_span_bytes_ = kIndexSpanBytesMin;
  const size_t blocks = static_cast<size_t>(index_span_bytes_ / csv_index::kBlockBytes);
  if (index_.size() < blocks) index_.resize(blocks);
  const uint64_t buffer_end = window_.buffer_offset + window_.length;
  const uint64_t length = std::min<uint64_t>(index_span_bytes_, buffer_end - from_offset);
  const char* from = window_.data() + (from_offset - window_.buffer_offset);
  csv_index::build(from, static_cast<size_t>(length), options_.dialect.delimiter,
                   options_.dialect.quote, index_.data());
  index_begin_ = from_offset;
  index_end_ = from_offset + length;
}

template <bool kEveryColumn, bool kSkipRuns>
__attribute__((always_inline)) inline CsvRangeReader::Cut CsvRangeReader::cut_record(
    RecordBatch& batch, const char*& raw_end, const char*& next, bool& non_ascii,
    size_t& field_count) {
  const char quote = options_.dialect.quote;
  const uint64_t record_offset = window_.buffer_offset + position_;
  const uint64_t relative = record_offset - index_begin_;
  size_t block = static_cast<size_t>(relative / csv_index::kBlockBytes);
  const size_t blocks = static_cast<size_t>(
      (index_end_ - index_begin_ + csv_index::kBlockBytes - 1) / csv_index::kBlockBytes);
  // Quote parity relative to the record start: the index's parity XOR its
  // value just before the record (prefix XOR is linear).
  uint64_t flip = 0;
  if (relative > 0) {
    const uint64_t before = relative - 1;
    const uint64_t parity = index_[before / csv_index::kBlockBytes].parity;
    flip = ((parity >> (before % csv_index::kBlockBytes)) & 1) != 0 ? ~uint64_t{0} : 0;
  }
  // Where block `block` starts, as a position in the buffer (the first block
  // may start before the buffer when it was compacted since; only bits at or
  // after the record start are read).
  const char* const base = window_.data();
  int64_t block_position = static_cast<int64_t>(index_begin_ + block * csv_index::kBlockBytes) -
                           static_cast<int64_t>(window_.buffer_offset);
  uint64_t in_record = ~uint64_t{0} << (relative % csv_index::kBlockBytes);
  const char* field = base + position_;
  size_t column = 0;  // of the field that starts at `field`
  size_t quoted_fields = 0;
  size_t quotes = 0;
  uint64_t quotes_seen = 0;  // any quote in the record so far (through this block)
  uint64_t high_bytes = 0;

  std::string_view* const out = cut_fields_.data();
  const uint8_t* const wanted = wanted_.data();
  const uint8_t* const skip_run = skip_run_.data();
  size_t kept = 0;
  // Ends the field at `field` just before `end`; a field that starts with a
  // quote must end with one (false otherwise). Within the projection's span
  // it is written at slot `kept`, which moves on only for a kept column.
  auto end_field = [&](const char* end) __attribute__((always_inline)) {
    const char* value = field;
    size_t size = static_cast<size_t>(end - field);
    if (quotes_seen != 0 && *field == quote) {
      if (size < 2 || end[-1] != quote) return false;
      quoted_fields += 1;
      value += 1;
      size -= 2;
    }
    if (column < wanted_end_) {
      if constexpr (kEveryColumn) {
        batch.fields.emplace_back(value, size);  // reserved by next()
      } else {
        out[kept] = std::string_view(value, size);
        kept += wanted[column];
      }
    }
    column += 1;
    return true;
  };

  for (; block < blocks; ++block, block_position += csv_index::kBlockBytes) {
    const csv_index::BlockMasks& masks = index_[block];
    const uint64_t block_quotes = masks.quote & in_record;
    quotes_seen |= block_quotes;
    const uint64_t cuts = masks.structural & ~(masks.parity ^ flip) & in_record;
    const uint64_t line_ends = cuts & masks.newline;
    // The delimiters before the first line end (all of them without one).
    uint64_t delimiters = cuts & ~masks.newline & (line_ends - 1) & ~line_ends;
    // Field by field within the projection's span.
    while (delimiters != 0 && column < wanted_end_) {
      const char* cut = base + (block_position + std::countr_zero(delimiters));
      delimiters &= delimiters - 1;
      if (!end_field(cut)) return Cut::kIrregular;
      field = cut + 1;
      if constexpr (kSkipRuns) {
        // A run of unwanted fields starting in a block without quotes: none
        // of them is quoted, so only their delimiters are counted.
        if (column < wanted_end_ && skip_run[column] != 0 && block_quotes == 0 && delimiters != 0) {
          const size_t run = skip_run[column];
          const size_t here = static_cast<size_t>(std::popcount(delimiters));
          if (here < run) {  // the run goes on in the next block
            column += here;
            field = base + (block_position + 64 - std::countl_zero(delimiters));
            delimiters = 0;
          } else {
            for (size_t i = 1; i < run; ++i) delimiters &= delimiters - 1;
            column += run;
            field = base + (block_position + std::countr_zero(delimiters) + 1);
            delimiters &= delimiters - 1;
          }
        }
      }
    }
    if (delimiters != 0 && block_quotes == 0) {
      // Past the projection in a block without quotes: only the first field
      // ending here can be quoted (it began before the block); the fields
      // after it are only counted.
      const char* cut = base + (block_position + std::countr_zero(delimiters));
      delimiters &= delimiters - 1;
      if (!end_field(cut)) return Cut::kIrregular;
      field = cut + 1;
      if (delimiters != 0) {
        column += static_cast<size_t>(std::popcount(delimiters));
        field = base + (block_position + 64 - std::countl_zero(delimiters));
        delimiters = 0;
      }
    }
    while (delimiters != 0) {  // past the projection, quotes in the block
      const char* cut = base + (block_position + std::countr_zero(delimiters));
      delimiters &= delimiters - 1;
      if (!end_field(cut)) return Cut::kIrregular;
      field = cut + 1;
    }
    if (line_ends == 0) {
      if (block_quotes != 0) quotes += static_cast<size_t>(std::popcount(block_quotes));
      high_bytes |= masks.non_ascii & in_record;
      in_record = ~uint64_t{0};
      continue;
    }
    // The line end: the last field, without a '\r' before the '\n'.
    const int bit = std::countr_zero(line_ends);
    const char* cut = base + (block_position + bit);
    const char* end = cut > field && cut[-1] == '\r' ? cut - 1 : cut;
    if (!end_field(end)) return Cut::kIrregular;
    const uint64_t through_cut = ~uint64_t{0} >> (63 - bit);
    if ((block_quotes & through_cut) != 0) {
      quotes += static_cast<size_t>(std::popcount(block_quotes & through_cut));
    }
    if (quotes != 2 * quoted_fields) return Cut::kIrregular;
    raw_end = end;
    next = cut + 1;
    non_ascii = (high_bytes | (masks.non_ascii & in_record & through_cut)) != 0;
    field_count = column;
    if constexpr (!kEveryColumn) {
      for (size_t i = 0; i < kept; ++i) batch.fields.push_back(out[i]);  // reserved by next()
    }
    return Cut::kRecord;
  }
  return Cut::kPastIndex;
}

// Two builds, chosen at load time: with the POPCNT instruction where the CPU
// has it, else std::popcount is a libgcc call. Not under ThreadSanitizer:
// its instrumented resolver would run before TSan is set up, at load.
#if defined(__x86_64__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("popcnt", "default")))
#endif
CsvRangeReader::Cut
CsvRangeReader::cut_indexed(RecordBatch& batch, const char*& raw_end, const char*& next,
                            bool& non_ascii, size_t& field_count) {
  if (!options_.columns) {
    return cut_record<true, false>(batch, raw_end, next, non_ascii, field_count);
  }
  if (skip_run_.empty()) {
    return cut_record<false, false>(batch, raw_end, next, non_ascii, field_count);
  }
  return cut_record<false, true>(batch, raw_end, next, non_ascii, field_count);
}

bool CsvRangeReader::parse_indexed(RecordBatch& batch, std::vector<RejectedRecord>& rejects,
                                   Parsed& parsed) {
  const uint64_t record_offset = window_.buffer_offset + position_;
  const uint64_t buffer_end = window_.buffer_offset + window_.length;
  const size_t fields_begin = batch.fields.size();
  // The index path needs the record width (kept columns); the grammar reads
  // the first record when it is not known yet.
  if (!options_.columns && expected_columns_ == 0) return false;
  if (record_offset < index_begin_ || record_offset >= index_end_) build_index(record_offset);
  for (;;) {
    const char* raw_end = nullptr;
    const char* next = nullptr;
    bool non_ascii = false;
    size_t field_count = 0;
    const Cut cut = cut_indexed(batch, raw_end, next, non_ascii, field_count);
    if (cut == Cut::kRecord) {
      parsed = accept_record(batch, rejects, raw_end, next, fields_begin, arena_used_, non_ascii,
                             field_count, true);
      return true;
    }
    batch.fields.resize(fields_begin);
    if (cut == Cut::kIrregular) return false;
    // Past the index: index again from this record if that covers more.
    if (index_end_ == buffer_end) return false;
    if (index_begin_ == record_offset && index_end_ - index_begin_ == index_span_bytes_) {
      // The record is longer than the span: a longer span, up to the limit.
      if (index_span_bytes_ == kIndexSpanBytesMax) return false;
      index_span_bytes_ *= 2;
    }
    build_index(record_offset);
  }
}

}  // namespace sluice
