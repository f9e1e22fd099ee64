// libFuzzer target: the CSV reader's split invariance on arbitrary bytes.
// The input is a few option bytes followed by the file's bytes. The file is
// read once whole, then as a chain of ranges the way the coordinator runs
// them (a guessed start refuted by the previous range's end is re-run with
// the exact start); both must give the same records, offsets and rejects
// (split_check.h). Then the whole file is read with a large buffer, where
// the structural index cuts most records, and with the byte grammar alone:
// both must give the same records and rejects. A difference aborts
// (libFuzzer saves the input). Built only with -DSLUICE_FUZZ=ON and clang
// (scripts/fuzz.sh).
#include <cstdint>
#include <string>

#include "common/csv/range_reader.h"
#include "common/io/memory_source.h"
#include "tests/fuzz/split_check.h"

namespace {
constexpr size_t kOptionBytes = 4;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  if (size < kOptionBytes) return 0;
  static const char kDelimiters[] = {',', ';', '\t', '|'};
  CsvRangeOptions options;
  options.dialect.header = (data[0] & 1) != 0;
  options.dialect.delimiter = kDelimiters[(data[0] >> 1) & 3];
  options.dialect.quote = (data[0] & 8) != 0 ? '\'' : '"';
  const uint64_t split = 1 + data[1] % 64;
  options.read_chunk_bytes = 1 + data[2] % 32;
  options.max_record_bytes = (data[3] & 0x80) != 0 ? limits::kRecordBytesDefault : 4 + data[3];
  MemorySource source(
      std::string(reinterpret_cast<const char*>(data) + kOptionBytes, size - kOptionBytes));

  // The job's column count, as the coordinator and workers take it.
  auto header = read_csv_header(source, options.dialect, options.max_record_bytes);
  if (!header.is_ok() || header->empty()) return 0;  // the job is refused before any work
  options.expected_columns = header->size();
  fuzz::check_split_invariance<CsvRangeReader>("csv", source, options, split, true);

  CsvRangeOptions whole = options;
  whole.begin_offset = 0;
  whole.end_offset = source.size_bytes();
  whole.read_chunk_bytes = (data[2] & 0x80) != 0 ? limits::kReadChunkBytes : 64 + data[2];
  CsvRangeOptions grammar = whole;
  grammar.structural_index = false;
  fuzz::RangeRead indexed_read;
  fuzz::RangeRead grammar_read;
  if (!fuzz::read_range<CsvRangeReader>(source, whole, indexed_read) ||
      !fuzz::read_range<CsvRangeReader>(source, grammar, grammar_read)) {
    fuzz::fail("csv", "whole read failed", 0);
  }
  if (indexed_read.offsets != grammar_read.offsets) fuzz::fail("csv", "index: offsets differ", 0);
  if (indexed_read.values != grammar_read.values) fuzz::fail("csv", "index: values differ", 0);
  if (indexed_read.rejects != grammar_read.rejects) fuzz::fail("csv", "index: rejects differ", 0);
  if (indexed_read.end != grammar_read.end) fuzz::fail("csv", "index: end differs", 0);
  return 0;
}
