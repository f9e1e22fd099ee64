// The example jobs' transforms over batches already read (no CSV parsing, no
// writing): W1 filter + derive + select, W2 derive with strptime/date_diff,
// W3's per-partition aggregate. Bytes/s are of the input CSV the batches
// came from, so they compare with the reader's and the end-to-end figures.

#include <benchmark/benchmark.h>

#include "bench/bench_data.h"
#include "common/pipeline/pipeline.h"

namespace sluice::bench {
namespace {

constexpr uint64_t kRows = 50'000;

const BatchSet& batches() {
  static const BatchSet set = read_batches(parking_text(kRows));
  return set;
}

void run_pipeline(benchmark::State& state, std::string_view job_yaml) {
  const BatchSet& set = batches();
  JobSpec spec = job_spec(job_yaml);
  OutputBatch output;
  std::vector<RejectedRecord> rejects;
  PipelineCounters counters;
  for (auto _ : state) {
    // A fresh pipeline per pass, as each partition gets (the aggregate's
    // table starts empty); compiling is part of the per-partition cost.
    auto pipeline = Pipeline::compile(spec, set.columns);
    require(pipeline.is_ok(), "Pipeline::compile");
    for (const RecordBatch& batch : set.batches) {
      output.clear();
      rejects.clear();
      Status processed = pipeline.value()->process(batch, output, rejects, counters);
      require(processed.is_ok(), "process");
      benchmark::DoNotOptimize(output.fields.data());
    }
    if (pipeline.value()->has_aggregate()) {
      output.clear();
      require(pipeline.value()->finish_partial(output).is_ok(), "finish_partial");
      benchmark::DoNotOptimize(output.fields.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * set.input_bytes));
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(state.iterations() * set.rows),
                                                benchmark::Counter::kIsRate);
  state.counters["rows_out/pass"] =
      static_cast<double>(counters.rows_out) / static_cast<double>(state.iterations());
}

void BM_W1FilterDerive(benchmark::State& state) { run_pipeline(state, kW1Job); }
void BM_W2DeriveDates(benchmark::State& state) { run_pipeline(state, kW2Job); }
void BM_W3PartialAggregate(benchmark::State& state) { run_pipeline(state, kW3Job); }

BENCHMARK(BM_W1FilterDerive)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_W2DeriveDates)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_W3PartialAggregate)->Unit(benchmark::kMillisecond);

// Compiling the W1 pipeline alone: paid once per partition.
void BM_W1Compile(benchmark::State& state) {
  const BatchSet& set = batches();
  JobSpec spec = job_spec(kW1Job);
  for (auto _ : state) {
    auto pipeline = Pipeline::compile(spec, set.columns);
    require(pipeline.is_ok(), "Pipeline::compile");
    benchmark::DoNotOptimize(pipeline.value().get());
  }
}
BENCHMARK(BM_W1Compile)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sluice::bench

BENCHMARK_MAIN();
