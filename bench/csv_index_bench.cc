// The CSV structural index against the scan it replaced, on generated
// parking-violations data (50,000 rows, ~10 MB):
//  - BM_FieldScanPerField: cut every field with a fresh SSE2 search per field
//    (csv_scan::find_delimiter_or_newline, the reader's old inner loop),
//  - BM_IndexBuild/kernel: build the index in 8 KiB spans (masks only),
//  - BM_IndexCut/kernel: build it and cut every field from its bits,
//  - BM_CsvReader/index: the whole CsvRangeReader from memory, grammar only
//    (0) or with the index (1).
// bytes_per_second is per CPU second of the benchmark thread.

#include <benchmark/benchmark.h>

#include <bit>
#include <vector>

#include "bench/bench_data.h"
#include "common/csv/scan.h"
#include "common/csv/structural_index.h"

namespace sluice::bench {
namespace {

constexpr uint64_t kRows = 50'000;
constexpr size_t kSpanBytes = 8192;

void report(benchmark::State& state, const std::string& text, uint64_t fields) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["fields/s"] =
      benchmark::Counter(static_cast<double>(fields), benchmark::Counter::kIsRate);
}

void BM_FieldScanPerField(benchmark::State& state) {
  const std::string& text = parking_text(kRows);
  uint64_t fields = 0;
  for (auto _ : state) {
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
      const char* cut = csv_scan::find_delimiter_or_newline(p, end, ',');
      benchmark::DoNotOptimize(cut);
      fields += 1;
      p = cut + 1;
    }
  }
  report(state, text, fields);
}
BENCHMARK(BM_FieldScanPerField)->Unit(benchmark::kMillisecond);

void BM_IndexBuild(benchmark::State& state) {
  const auto kernel = static_cast<csv_index::Kernel>(state.range(0));
  if (!csv_index::kernel_available(kernel)) {
    state.SkipWithError("kernel not available on this CPU");
    return;
  }
  state.SetLabel(csv_index::kernel_name(kernel));
  const std::string& text = parking_text(kRows);
  std::vector<csv_index::BlockMasks> masks(kSpanBytes / csv_index::kBlockBytes);
  for (auto _ : state) {
    for (size_t at = 0; at < text.size(); at += kSpanBytes) {
      const size_t length = std::min(kSpanBytes, text.size() - at);
      csv_index::build(kernel, text.data() + at, length, ',', '"', masks.data());
      benchmark::DoNotOptimize(masks.data());
    }
  }
  report(state, text, 0);
}
BENCHMARK(BM_IndexBuild)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

void BM_IndexCut(benchmark::State& state) {
  const auto kernel = static_cast<csv_index::Kernel>(state.range(0));
  if (!csv_index::kernel_available(kernel)) {
    state.SkipWithError("kernel not available on this CPU");
    return;
  }
  state.SetLabel(csv_index::kernel_name(kernel));
  const std::string& text = parking_text(kRows);
  std::vector<csv_index::BlockMasks> masks(kSpanBytes / csv_index::kBlockBytes);
  uint64_t fields = 0;
  for (auto _ : state) {
    for (size_t at = 0; at < text.size(); at += kSpanBytes) {
      const size_t length = std::min(kSpanBytes, text.size() - at);
      csv_index::build(kernel, text.data() + at, length, ',', '"', masks.data());
      for (size_t block = 0; block * csv_index::kBlockBytes < length; ++block) {
        uint64_t cuts = masks[block].structural & ~masks[block].parity;
        while (cuts != 0) {
          const char* cut = text.data() + at + block * csv_index::kBlockBytes +
                            static_cast<size_t>(std::countr_zero(cuts));
          benchmark::DoNotOptimize(cut);
          cuts &= cuts - 1;
          fields += 1;
        }
      }
    }
  }
  report(state, text, fields);
}
BENCHMARK(BM_IndexCut)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

// Arg 0: grammar only; 1: the index, every column; 2: the index, W1's 5
// columns (up to column 24 of 43); 3: the index, W3's 2 columns.
void BM_CsvReader(benchmark::State& state) {
  const std::string& text = parking_text(kRows);
  MemorySource source(text);
  CsvRangeOptions options;
  options.end_offset = text.size();
  options.expected_columns = gen::parking_columns().size();
  options.structural_index = state.range(0) != 0;
  std::string label = options.structural_index
                          ? std::string("index ") + csv_index::kernel_name(csv_index::best_kernel())
                          : std::string("grammar only");
  if (state.range(0) == 2) {
    options.columns = std::vector<size_t>{2, 7, 8, 23, 24};
    label += ", W1's 5 columns";
  } else if (state.range(0) == 3) {
    options.columns = std::vector<size_t>{2, 5};
    label += ", W3's 2 columns";
  }
  state.SetLabel(label);
  uint64_t rows = 0;
  for (auto _ : state) {
    CsvRangeReader reader(source, options);
    RecordBatch batch;
    std::vector<RejectedRecord> rejects;
    for (;;) {
      auto more = reader.next(batch, rejects);
      require(more.is_ok(), "reader.next");
      benchmark::DoNotOptimize(batch.fields.data());
      if (!more.value()) break;
    }
    rows += reader.records_read();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CsvReader)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sluice::bench

BENCHMARK_MAIN();
