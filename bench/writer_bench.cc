// CSV writer throughput: OutputBatches of the generated rows written to a
// file (page cache; the final fsync is outside the timed loop, and measured
// on its own as BM_CsvWriterFinish). 43 columns = W2-shaped output (all
// columns, some quoted), 3 columns = W1-shaped. Also gzip/zstd and JSON lines.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "bench/bench_data.h"
#include "common/formats/row_writers.h"
#include "common/io/row_writer.h"

namespace sluice::bench {
namespace {

constexpr uint64_t kRows = 50'000;

const BatchSet& batches() {
  static const BatchSet set = read_batches(parking_text(kRows));
  return set;
}

// The input batches as output batches of their first `columns` columns
// (all when 0), views into the set's storage.
std::vector<OutputBatch> output_batches(size_t columns, uint64_t& text_bytes) {
  const BatchSet& set = batches();
  std::vector<OutputBatch> out;
  text_bytes = 0;
  for (const RecordBatch& batch : set.batches) {
    OutputBatch& o = out.emplace_back();
    size_t width = columns == 0 ? batch.column_count : columns;
    o.column_count = width;
    o.row_count = batch.row_count;
    for (size_t row = 0; row < batch.row_count; ++row) {
      for (size_t column = 0; column < width; ++column) {
        std::string_view value = batch.field(row, column);
        o.fields.push_back(value);
        o.nulls.push_back(0);
        text_bytes += value.size() + 1;
      }
    }
  }
  return out;
}

std::string temp_path(const char* extension) {
  return (std::filesystem::temp_directory_path() /
          ("sluice-writer-bench-" + std::to_string(getpid()) + extension))
      .string();
}

// range(0): columns (0 = all 43); range(1): format/compression case.
void BM_RowWriter(benchmark::State& state) {
  const size_t columns = static_cast<size_t>(state.range(0));
  const int kind = static_cast<int>(state.range(1));
  OutputFormat format = kind == 3 ? OutputFormat::kJsonl : OutputFormat::kCsv;
  Compression compression =
      kind == 1 ? Compression::kGzip : (kind == 2 ? Compression::kZstd : Compression::kNone);
  uint64_t text_bytes = 0;
  std::vector<OutputBatch> out = output_batches(columns, text_bytes);
  std::vector<std::string> names = batches().columns;
  if (columns != 0) names.resize(columns);
  const std::string path = temp_path(".out");
  uint64_t file_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto writer = open_row_writer(path, format, compression, names);
    require(writer.is_ok(), "open_row_writer");
    state.ResumeTiming();
    for (const OutputBatch& batch : out) {
      require(writer.value()->write(batch).is_ok(), "write");
    }
    state.PauseTiming();
    auto stats = writer.value()->finish();
    require(stats.is_ok(), "finish");
    file_bytes += stats->bytes;
    std::filesystem::remove(path);
    state.ResumeTiming();
  }
  // Bytes/s = the rows' values as text (what a reader of the output sees).
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text_bytes));
  state.counters["rows/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * batches().rows), benchmark::Counter::kIsRate);
  state.counters["file_bytes"] = static_cast<double>(file_bytes) / state.iterations();
}
BENCHMARK(BM_RowWriter)
    ->ArgNames({"columns", "kind"})  // kind 0 csv, 1 csv.gz, 2 csv.zst, 3 jsonl
    ->Args({0, 0})
    ->Args({3, 0})
    ->Args({0, 1})
    ->Args({0, 2})
    ->Args({0, 3})
    ->Unit(benchmark::kMillisecond);

// finish(): flush + fsync + close of a ~10 MB part, what each partition pays.
void BM_CsvWriterFinish(benchmark::State& state) {
  uint64_t text_bytes = 0;
  std::vector<OutputBatch> out = output_batches(0, text_bytes);
  const std::string path = temp_path(".fsync");
  for (auto _ : state) {
    state.PauseTiming();
    auto writer = open_row_writer(path, OutputFormat::kCsv, Compression::kNone, batches().columns);
    require(writer.is_ok(), "open_row_writer");
    for (const OutputBatch& batch : out) require(writer.value()->write(batch).is_ok(), "write");
    state.ResumeTiming();
    auto stats = writer.value()->finish();
    require(stats.is_ok(), "finish");
    state.PauseTiming();
    std::filesystem::remove(path);
    state.ResumeTiming();
  }
}
BENCHMARK(BM_CsvWriterFinish)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace sluice::bench

BENCHMARK_MAIN();
