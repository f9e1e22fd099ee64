// CsvRangeReader throughput on generated parking-violations data: bytes of
// CSV turned into batches of field views per second, from memory (the reader
// alone) and from a file in the page cache (pread included), one range and
// ranges split like partitions.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "bench/bench_data.h"
#include "common/io/byte_source.h"

namespace sluice::bench {
namespace {

constexpr uint64_t kRows = 50'000;  // ~10 MB: larger than the caches, quick to make

// Reads [begin, end) to the end and returns the records read.
uint64_t read_range(ByteSource& source, uint64_t begin, uint64_t end, size_t columns,
                    size_t chunk_bytes) {
  CsvRangeOptions options;
  options.begin_offset = begin;
  options.end_offset = end;
  options.expected_columns = columns;
  options.read_chunk_bytes = chunk_bytes;
  CsvRangeReader reader(source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  while (true) {
    auto more = reader.next(batch, rejects);
    require(more.is_ok(), "reader.next");
    benchmark::DoNotOptimize(batch.fields.data());
    if (!more.value()) break;
  }
  return reader.records_read();
}

// The whole text as one range from memory; arg 0 = read chunk bytes.
void BM_CsvRangeReaderMemory(benchmark::State& state) {
  const std::string& text = parking_text(kRows);
  MemorySource source(text);
  const size_t columns = gen::parking_columns().size();
  uint64_t records = 0;
  for (auto _ : state) {
    records += read_range(source, 0, text.size(), columns, static_cast<size_t>(state.range(0)));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CsvRangeReaderMemory)
    ->Arg(64 << 10)
    ->Arg(1 << 20)
    ->Arg(4 << 20)
    ->Unit(benchmark::kMillisecond);

// The text split into `range(0)` equal byte ranges (speculative starts),
// each read by its own reader, from a file in the page cache.
void BM_CsvRangeReaderFileRanges(benchmark::State& state) {
  const std::string& text = parking_text(kRows);
  char path[] = "/tmp/sluice-csv-bench-XXXXXX";
  int fd = mkstemp(path);
  require(fd >= 0, "mkstemp");
  require(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()), "write");
  close(fd);
  auto source = FileSource::open(path);
  require(source.is_ok(), "FileSource::open");
  const size_t columns = gen::parking_columns().size();
  const uint64_t ranges = static_cast<uint64_t>(state.range(0));
  const uint64_t range_bytes = (text.size() + ranges - 1) / ranges;
  uint64_t records = 0;
  for (auto _ : state) {
    for (uint64_t begin = 0; begin < text.size(); begin += range_bytes) {
      uint64_t end = std::min<uint64_t>(text.size(), begin + range_bytes);
      records += read_range(*source.value(), begin, end, columns, limits::kReadChunkBytes);
    }
  }
  unlink(path);
  require(records == state.iterations() * kRows, "every record read exactly once");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CsvRangeReaderFileRanges)->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sluice::bench

BENCHMARK_MAIN();
