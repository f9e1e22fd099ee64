// libFuzzer target: the Parquet input reader (common/parquet/range_reader.h)
// on damaged and arbitrary files (scripts/fuzz.sh seeds raw mode with small
// files DuckDB and Polars write, when node is there). It must never crash, hang or allocate
// without bound: every problem is an error.
//
// The first input byte chooses the mode and the split size. Mode "raw": the
// rest of the input is the file. Mode "patch": the rest is a list of
// (2-byte offset, byte) pairs XORed into one of three valid files written
// at start-up by sluice's writer (strings in dictionaries and PLAIN, every
// type with NULLs, several row groups and pages; none, snappy, zstd), so
// the fuzzer reaches page headers, levels, dictionaries and values.
// The file is read whole, then as a chain of byte ranges; when both
// succeed they must give the same rows.
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "common/io/memory_source.h"
#include "common/io/row_writer.h"
#include "common/parquet/range_reader.h"
#include "common/parquet/writer.h"

namespace {

using namespace sluice;

// Rows read at most per input: a footer may claim any count.
constexpr uint64_t kRowsMax = 200000;

std::string write_base(int variant) {
  const std::string path = "/tmp/sluice-parquet-fuzz-" + std::to_string(::getpid()) + "-" +
                           std::to_string(variant) + ".parquet";
  parquet::WriterOptions options;
  options.compression = variant == 0   ? Compression::kNone
                        : variant == 1 ? Compression::kSnappy
                                       : Compression::kZstd;
  options.row_group_rows_max = 16;
  options.page_bytes_max = 64;
  options.dictionary_bytes_max = variant == 2 ? 32 : 4096;
  using T = parquet::ColumnType;
  const std::vector<std::string> names = {"s", "i", "f", "b", "d", "t"};
  const std::vector<T> types = {T::kString, T::kInt64, T::kFloat64,
                                T::kBool,   T::kDate,  T::kTimestamp};
  auto writer = parquet::open_parquet_writer(path, names, types, options);
  if (!writer.is_ok()) __builtin_trap();
  OutputBatch batch;
  batch.column_count = names.size();
  for (int row = 0; row < 40; ++row) {
    const std::vector<std::string> values = {
        row % 3 == 0 ? "NY" : "state" + std::to_string(row % 5),
        std::to_string(row * 7919 - 100),
        std::to_string(row * 0.25),
        row % 2 == 0 ? "true" : "false",
        "2020-01-" + std::to_string(10 + row % 20),
        "2021-03-04 05:06:07." + std::to_string(100000 + row)};
    for (const std::string& value : values) {
      batch.owned.push_back(value);
      batch.fields.push_back(batch.owned.back());
      batch.nulls.push_back(row % 7 == 3 ? 1 : 0);
    }
    ++batch.row_count;
  }
  if (!writer.value()->write(batch).is_ok() || !writer.value()->finish().is_ok()) __builtin_trap();
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  ::unlink(path.c_str());
  return bytes;
}

const std::vector<std::string>& bases() {
  static const std::vector<std::string> files = {write_base(0), write_base(1), write_base(2)};
  return files;
}

// Reads [begin, end) of `source`; false on an error.
bool read_range(ByteSource& source, const std::vector<std::string>& columns, uint64_t begin,
                uint64_t end, std::vector<std::string>& rows, uint64_t& budget) {
  parquet::ParquetRangeOptions options;
  options.begin_offset = begin;
  options.end_offset = end;
  options.columns = columns;
  options.keep_raw = true;
  options.max_value_bytes = 1 << 16;
  parquet::ParquetRangeReader reader(source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  while (true) {
    auto more = reader.next(batch, rejects);
    if (!more.is_ok()) return false;
    for (size_t row = 0; row < batch.row_count; ++row) rows.emplace_back(batch.raw[row]);
    if (batch.row_count > budget) return false;
    budget -= batch.row_count;
    if (!more.value()) return true;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t control = data[0];
  std::string file;
  if ((control & 0x80) != 0) {
    file.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  } else {
    file = bases()[control % 3];
    for (size_t i = 1; i + 2 < size; i += 3) {
      const size_t offset = (static_cast<size_t>(data[i]) << 8 | data[i + 1]) % file.size();
      file[offset] = static_cast<char>(file[offset] ^ data[i + 2]);
    }
  }
  MemorySource source(file);
  // The file's own columns (a raw file may be any writer's).
  auto info = parquet::read_file_metadata(source);
  if (!info.is_ok()) return 0;
  std::vector<std::string> columns;
  for (const parquet::ColumnInfo& column : info->columns) columns.push_back(column.name);
  std::vector<std::string> whole;
  uint64_t budget = kRowsMax;
  if (!read_range(source, columns, 0, file.size(), whole, budget)) return 0;
  const uint64_t split = 64 + (control & 0x7F) * 29;  // 64 B .. 3.7 KiB: a few ranges
  std::vector<std::string> ranges;
  budget = kRowsMax;
  for (uint64_t begin = 0; begin < file.size(); begin += split) {
    if (!read_range(source, columns, begin, std::min<uint64_t>(file.size(), begin + split), ranges,
                    budget))
      __builtin_trap();  // the whole file read, a range of it did not
  }
  if (ranges != whole) __builtin_trap();
  return 0;
}
