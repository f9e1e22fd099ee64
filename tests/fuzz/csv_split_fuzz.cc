// libFuzzer target: the CSV reader's split invariance on arbitrary bytes.
// The input is a few option bytes followed by the file's bytes. The file is
// read once whole, then as a chain of ranges the way the coordinator runs
// them (a guessed start refuted by the previous range's end is re-run with
// the exact start); both must give the same records, offsets and rejects.
// A difference aborts (libFuzzer saves the input). Built only with
// -DSLUICE_FUZZ=ON and clang (scripts/fuzz.sh).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/csv/range_reader.h"
#include "common/io/memory_source.h"

namespace sluice {
namespace {

constexpr size_t kOptionBytes = 4;

struct Read {
  std::vector<uint64_t> offsets;
  std::vector<std::string> fields;  // every field, rows one after another
  std::vector<std::pair<uint64_t, std::string>> rejects;
  uint64_t start = 0;
  uint64_t end = 0;
};

bool read_range(ByteSource& source, const CsvRangeOptions& options, Read& out) {
  CsvRangeReader reader(source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  for (;;) {
    auto more = reader.next(batch, rejects);
    if (!more.is_ok()) return false;
    for (size_t row = 0; row < batch.row_count; ++row) {
      out.offsets.push_back(batch.offsets[row]);
      for (size_t column = 0; column < batch.column_count; ++column) {
        out.fields.emplace_back(batch.field(row, column));
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

void fail(const char* what, uint64_t detail) {
  std::fprintf(stderr, "split invariance broken: %s (%llu)\n", what,
               static_cast<unsigned long long>(detail));
  std::abort();
}

}  // namespace
}  // namespace sluice

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
  const uint64_t file_size = source.size_bytes();

  // The job's column count, as the coordinator and workers take it.
  auto header = read_csv_header(source, options.dialect, options.max_record_bytes);
  if (!header.is_ok() || header->empty()) return 0;  // the job is refused before any work
  options.expected_columns = header->size();

  Read whole;
  options.begin_offset = 0;
  options.end_offset = file_size;
  if (!read_range(source, options, whole)) fail("whole read failed", 0);
  if (whole.end != file_size) fail("whole end", whole.end);

  Read chained;
  uint64_t previous_end = 0;
  for (uint64_t begin = 0; begin < file_size; begin += split) {
    CsvRangeOptions range = options;
    range.begin_offset = begin;
    range.end_offset = std::min(file_size, begin + split);
    Read part;
    if (!read_range(source, range, part)) fail("range read failed", begin);
    if (begin > 0 && part.start != previous_end) {
      range.start_is_exact = true;  // the guess was refuted: run again from the true start
      range.exact_start_offset = previous_end;
      part = Read{};
      if (!read_range(source, range, part)) fail("exact range read failed", begin);
    }
    if (begin > 0 && part.start != previous_end) fail("exact start not kept", begin);
    previous_end = part.end;
    chained.offsets.insert(chained.offsets.end(), part.offsets.begin(), part.offsets.end());
    chained.fields.insert(chained.fields.end(), part.fields.begin(), part.fields.end());
    chained.rejects.insert(chained.rejects.end(), part.rejects.begin(), part.rejects.end());
  }
  if (file_size > 0 && previous_end != file_size) fail("chain end", previous_end);
  if (chained.offsets != whole.offsets) fail("record offsets differ", chained.offsets.size());
  if (chained.fields != whole.fields) fail("fields differ", chained.fields.size());
  if (chained.rejects != whole.rejects) fail("rejects differ", chained.rejects.size());
  return 0;
}
