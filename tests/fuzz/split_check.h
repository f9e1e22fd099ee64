#pragma once
// What the split-invariance fuzz targets share: read a file once whole, then
// as a chain of ranges the way the coordinator runs them (a guessed start
// refuted by the previous range's end runs again from the exact start), and
// abort unless both give the same record offsets, values and rejects.
// Works for any range reader with the CsvRangeReader contract and options
// with begin/end offsets and an exact start.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/base/batch.h"
#include "common/io/byte_source.h"

namespace sluice::fuzz {

struct RangeRead {
  std::vector<uint64_t> offsets;
  std::vector<std::optional<std::string>> values;  // rows one after another; nullopt: NULL
  std::vector<std::pair<uint64_t, std::string>> rejects;
  uint64_t start = 0;
  uint64_t end = 0;

  void append(const RangeRead& part) {
    offsets.insert(offsets.end(), part.offsets.begin(), part.offsets.end());
    values.insert(values.end(), part.values.begin(), part.values.end());
    rejects.insert(rejects.end(), part.rejects.begin(), part.rejects.end());
  }
};

[[noreturn]] inline void fail(const char* reader, const char* what, uint64_t detail) {
  std::fprintf(stderr, "%s split invariance broken: %s (%llu)\n", reader, what,
               static_cast<unsigned long long>(detail));
  std::abort();
}

template <class Reader, class Options>
bool read_range(ByteSource& source, const Options& options, RangeRead& out) {
  Reader reader(source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  for (;;) {
    auto more = reader.next(batch, rejects);
    if (!more.is_ok()) return false;
    for (size_t row = 0; row < batch.row_count; ++row) {
      out.offsets.push_back(batch.offsets[row]);
      for (size_t column = 0; column < batch.column_count; ++column) {
        const std::string_view value = batch.field(row, column);
        if (value.data() == nullptr) {
          out.values.emplace_back(std::nullopt);
        } else {
          out.values.emplace_back(std::string(value));
        }
      }
    }
    if (!more.value()) break;
  }
  for (const RejectedRecord& reject : rejects)
    out.rejects.emplace_back(reject.offset, reject.reason);
  out.start = reader.start_offset();
  out.end = reader.end_offset();
  return true;
}

// Aborts unless reading [0, size) whole and as ranges of `split` bytes give
// the same records. `guess_may_be_refuted`: false where every line start is
// a record start (JSON Lines), so a refuted guess is itself a bug.
template <class Reader, class Options>
void check_split_invariance(const char* name, ByteSource& source, Options options, uint64_t split,
                            bool guess_may_be_refuted) {
  const uint64_t file_size = source.size_bytes();
  RangeRead whole;
  options.begin_offset = 0;
  options.end_offset = file_size;
  if (!read_range<Reader>(source, options, whole)) fail(name, "whole read failed", 0);
  if (whole.end != file_size) fail(name, "whole end", whole.end);

  RangeRead chained;
  uint64_t previous_end = 0;
  for (uint64_t begin = 0; begin < file_size; begin += split) {
    Options range = options;
    range.begin_offset = begin;
    range.end_offset = std::min(file_size, begin + split);
    RangeRead part;
    if (!read_range<Reader>(source, range, part)) fail(name, "range read failed", begin);
    if (begin > 0 && part.start != previous_end) {
      if (!guess_may_be_refuted) fail(name, "guessed start refuted", begin);
      range.start_is_exact = true;  // the guess was refuted: run again from the true start
      range.exact_start_offset = previous_end;
      part = RangeRead{};
      if (!read_range<Reader>(source, range, part)) fail(name, "exact range read failed", begin);
    }
    if (begin > 0 && part.start != previous_end) fail(name, "exact start not kept", begin);
    previous_end = part.end;
    chained.append(part);
  }
  if (file_size > 0 && previous_end != file_size) fail(name, "chain end", previous_end);
  if (chained.offsets != whole.offsets) fail(name, "record offsets differ", chained.offsets.size());
  if (chained.values != whole.values) fail(name, "values differ", chained.values.size());
  if (chained.rejects != whole.rejects) fail(name, "rejects differ", chained.rejects.size());
}

}  // namespace sluice::fuzz
