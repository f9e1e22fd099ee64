// libFuzzer target: the JSON Lines reader on arbitrary bytes. The input is
// two option bytes followed by the file's bytes. The file is read once whole,
// then as a chain of ranges the way the coordinator runs them; both must
// give the same records, values and rejects, and a guessed start must always
// equal the previous range's end (every line start is a record start).
#include <cstdint>
#include <string>

#include "common/io/memory_source.h"
#include "common/jsonl/range_reader.h"
#include "tests/fuzz/split_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  if (size < 2) return 0;
  const uint64_t split = 1 + data[0] % 64;
  JsonlRangeOptions options;
  options.read_chunk_bytes = 1 + data[1] % 32;
  options.max_record_bytes = (data[1] & 0x80) != 0 ? 16 + data[1] % 64 : 4096;
  MemorySource source(std::string(reinterpret_cast<const char*>(data) + 2, size - 2));
  auto columns = read_jsonl_columns(source, options.max_record_bytes);
  if (!columns.is_ok()) return 0;
  options.columns = columns.value();
  fuzz::check_split_invariance<JsonlRangeReader>("jsonl", source, options, split, false);
  return 0;
}
