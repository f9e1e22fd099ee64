// The aggregate step's table alone (Aggregator::update over key vectors
// already made; no CSV parsing, no pipeline): W3's two string keys with
// count(*) (a few thousand groups), and a high-cardinality variant (about
// one group per row) that exercises the table's growth and misses.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <deque>
#include <string>

#include "bench/bench_data.h"
#include "common/pipeline/aggregate.h"

namespace sluice::bench {
namespace {

constexpr uint64_t kRows = 200'000;

// The key columns of every batch as string vectors, and each batch's
// selection (every row). The key strings are copied together, one buffer a
// batch: in a worker they are read just after the CSV reader parsed the
// batch, so they are in cache, not spread over the whole input.
struct KeyBatches {
  std::deque<std::string> storage;              // one per batch
  std::vector<std::vector<expr::Vector>> keys;  // batch, key
  std::vector<expr::Selection> selections;
  uint64_t rows = 0;
};

KeyBatches key_batches(const std::vector<std::string>& key_names) {
  static const BatchSet set = read_batches(parking_text(kRows));
  KeyBatches out;
  std::vector<size_t> columns;
  for (const std::string& name : key_names) {
    auto found = std::find(set.columns.begin(), set.columns.end(), name);
    require(found != set.columns.end(), "column " + name);
    columns.push_back(static_cast<size_t>(found - set.columns.begin()));
  }
  for (const RecordBatch& batch : set.batches) {
    std::string& owned = out.storage.emplace_back();
    for (size_t row = 0; row < batch.row_count; ++row) {
      for (size_t column : columns) owned.append(batch.field(row, column));
    }
    std::vector<expr::Vector>& keys = out.keys.emplace_back(columns.size());
    for (size_t k = 0; k < columns.size(); ++k) keys[k].reset(expr::Type::kString, batch.row_count);
    size_t at = 0;
    for (size_t row = 0; row < batch.row_count; ++row) {
      for (size_t k = 0; k < columns.size(); ++k) {
        const size_t size = batch.field(row, columns[k]).size();
        keys[k].strings[row] = std::string_view(owned).substr(at, size);
        keys[k].valid[row] = 1;
        at += size;
      }
    }
    expr::Selection& selection = out.selections.emplace_back(batch.row_count);
    for (size_t row = 0; row < batch.row_count; ++row) selection[row] = static_cast<uint32_t>(row);
    out.rows += batch.row_count;
  }
  return out;
}

void run_update(benchmark::State& state, const std::vector<std::string>& key_names) {
  const KeyBatches batches = key_batches(key_names);
  AggregatePlan plan;
  plan.key_names = key_names;
  plan.key_types.assign(key_names.size(), expr::Type::kString);
  plan.aggregates.push_back(AggregateColumn{"count", AggregateKind::kCountStar});
  plan.build_partial_columns();
  const std::vector<const expr::Vector*> arguments = {nullptr};
  std::vector<const expr::Vector*> keys(key_names.size());
  size_t groups = 0;
  for (auto _ : state) {
    Aggregator table(plan);  // a fresh table per pass, as each partition gets
    for (size_t b = 0; b < batches.keys.size(); ++b) {
      for (size_t k = 0; k < keys.size(); ++k) keys[k] = &batches.keys[b][k];
      table.update(keys, arguments, batches.selections[b]);
    }
    groups = table.group_count();
    benchmark::DoNotOptimize(groups);
  }
  state.counters["rows/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * batches.rows), benchmark::Counter::kIsRate);
  state.counters["groups"] = static_cast<double>(groups);
}

// W3: count(*) by ("Registration State", "Violation Code").
void BM_UpdateStateCodeCountStar(benchmark::State& state) {
  run_update(state, {"Registration State", "Violation Code"});
}
// Nearly one group per row: ("Summons Number", "Plate ID").
void BM_UpdateManyGroupsCountStar(benchmark::State& state) {
  run_update(state, {"Summons Number", "Plate ID"});
}

BENCHMARK(BM_UpdateStateCodeCountStar)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UpdateManyGroupsCountStar)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sluice::bench

BENCHMARK_MAIN();
