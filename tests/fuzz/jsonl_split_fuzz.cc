// libFuzzer target: the JSON Lines reader on arbitrary bytes. The input is
// two option bytes followed by the file's bytes. The file is read once whole,
// then as a chain of ranges the way the coordinator runs them; both must
// give the same records, values and rejects, and a guessed start must always
// equal the previous range's end (every line start is a record start).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "common/io/memory_source.h"
#include "common/jsonl/range_reader.h"

namespace sluice {
namespace {

struct Read {
  std::vector<uint64_t> offsets;
  std::vector<std::optional<std::string>> values;
  std::vector<std::pair<uint64_t, std::string>> rejects;
  uint64_t start = 0;
  uint64_t end = 0;
};

bool read_range(ByteSource& source, const JsonlRangeOptions& options, Read& out) {
  JsonlRangeReader reader(source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  for (;;) {
    auto more = reader.next(batch, rejects);
    if (!more.is_ok()) return false;
    for (size_t row = 0; row < batch.row_count; ++row) {
      out.offsets.push_back(batch.offsets[row]);
      for (size_t column = 0; column < batch.column_count; ++column) {
        std::string_view value = batch.field(row, column);
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

void fail(const char* what, uint64_t detail) {
  std::fprintf(stderr, "jsonl split invariance broken: %s (%llu)\n", what,
               static_cast<unsigned long long>(detail));
  std::abort();
}

}  // namespace
}  // namespace sluice

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  if (size < 2) return 0;
  const uint64_t split = 1 + data[0] % 64;
  JsonlRangeOptions options;
  options.read_chunk_bytes = 1 + data[1] % 32;
  options.max_record_bytes = (data[1] & 0x80) != 0 ? 16 + data[1] % 64 : 4096;
  MemorySource source(std::string(reinterpret_cast<const char*>(data) + 2, size - 2));
  const uint64_t file_size = source.size_bytes();
  auto columns = read_jsonl_columns(source, options.max_record_bytes);
  if (!columns.is_ok()) return 0;
  options.columns = columns.value();

  Read whole;
  options.end_offset = file_size;
  if (!read_range(source, options, whole)) fail("whole read failed", 0);
  if (whole.end != file_size) fail("whole end", whole.end);

  Read chained;
  uint64_t previous_end = 0;
  for (uint64_t begin = 0; begin < file_size; begin += split) {
    JsonlRangeOptions range = options;
    range.begin_offset = begin;
    range.end_offset = std::min(file_size, begin + split);
    Read part;
    if (!read_range(source, range, part)) fail("range read failed", begin);
    if (begin > 0 && part.start != previous_end) fail("guessed start refuted", begin);
    previous_end = part.end;
    chained.offsets.insert(chained.offsets.end(), part.offsets.begin(), part.offsets.end());
    chained.values.insert(chained.values.end(), part.values.begin(), part.values.end());
    chained.rejects.insert(chained.rejects.end(), part.rejects.begin(), part.rejects.end());
  }
  if (file_size > 0 && previous_end != file_size) fail("chain end", previous_end);
  if (chained.offsets != whole.offsets) fail("record offsets differ", chained.offsets.size());
  if (chained.values != whole.values) fail("values differ", chained.values.size());
  if (chained.rejects != whole.rejects) fail("rejects differ", chained.rejects.size());
  return 0;
}
