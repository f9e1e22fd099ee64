#pragma once
// Merging an aggregate's partial rows in bounded memory, for a bucket task of
// the exchange: it reads its bucket's partial rows from every map output and
// may see more groups than fit in memory.
//
// Thread safety: none; one ExternalAggregator per thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"
#include "common/expr/vector.h"
#include "common/pipeline/aggregate.h"

namespace sluice {

// Merges partial rows in bounded memory: an in-memory Aggregator that, when
// memory_bytes() passes the budget, is written as a run (its partial rows in
// key order, CSV, header-less) to a file in spill_dir and cleared; finish()
// k-way merges the runs by key and emits finalized groups in key-byte order,
// a chunk at a time.
//
// Memory: the table stays within the budget plus what one slice of partial
// rows adds (kAddSliceRows rows, or fewer holding about 16 KiB of fields).
// finish() spills the table too (when runs exist), then reads at most
// merge_fan_in() runs at once (more are first merged into fewer, longer
// runs, a pass at a time), each through a CsvRangeReader with a bounded
// buffer, and holds at most kBatchRowsMax merged groups (fewer once they
// pass the budget) before it emits them. A reader costs its read window (two
// chunks of budget / (2 * runs), within [4 KiB, limits::kReadChunkBytes],
// more only for a longer record) and its batch of views (kBatchRowsMax rows).
class ExternalAggregator {
 public:
  // `plan` must outlive the aggregator. `spill_dir` is created at the first
  // spill if missing; only the files this aggregator creates are removed.
  ExternalAggregator(const AggregatePlan& plan, uint64_t memory_budget_bytes,
                     std::string spill_dir);
  ~ExternalAggregator();  // removes its spill files
  ExternalAggregator(const ExternalAggregator&) = delete;
  ExternalAggregator& operator=(const ExternalAggregator&) = delete;

  // Merges partial rows (columns = plan.partial_columns, as read back from
  // CSV with their byte offsets). Errors: kDataError for a bad row (as
  // Aggregator::merge_partial), kIoError for a failed spill. After an error
  // the aggregator is only good for destruction.
  Status add_partial(const RecordBatch& batch);

  // Emits every group once, finalized as Aggregator::finalize does (one
  // vector per key then per aggregate), in key-byte order, in chunks of at
  // most limits::kBatchRowsMax groups; a group is never split between
  // chunks. `columns`' strings are valid during the call only. The groups are
  // the same whatever the budget (float sums may differ in their last bits,
  // as between partitionings). A global aggregate (no keys) over no rows
  // emits its one SQL row. Once; removes the spill files before it returns.
  Status finish(const std::function<Status(std::vector<expr::Vector>& columns, size_t rows)>& emit);

  // Run files written: the table's spills (and, at finish, its last part
  // and merge passes' runs).
  uint64_t runs_spilled() const { return runs_spilled_; }
  uint64_t bytes_spilled() const { return bytes_spilled_; }

  // Partial rows merged between two checks of the table's memory.
  static constexpr size_t kAddSliceRows = 256;
  // Groups written to a run per write_partial slice.
  static constexpr size_t kSpillSliceGroups = 256;
  // Runs read at once by finish(): as many readers' batches of views as
  // half the budget holds, within these bounds (the minimum keeps the number
  // of passes small under a tiny budget).
  static constexpr size_t kMergeFanInMin = 8;
  static constexpr size_t kMergeFanInMax = 64;
  size_t merge_fan_in() const;
  // Bytes of CSV text buffered before a write() to a run.
  static constexpr size_t kSpillWriteBufferBytes = 1 << 20;

 private:
  struct Run {
    std::string path;
    uint64_t size_bytes = 0;
  };
  struct RunCursor;
  class RunWriter;
  using ChunkSink = std::function<Status(Aggregator& chunk)>;

  // Writes the table as a run and clears it.
  Status spill_table();
  Result<std::unique_ptr<RunWriter>> open_run();
  // Closes `writer` and records its run.
  Status close_run(RunWriter& writer, std::vector<Run>& runs);
  // Merges `runs` by key into chunks of whole groups in key order, each
  // handed to `sink` (then cleared).
  Status merge_runs(const std::vector<Run>& runs, const ChunkSink& sink);
  void remove_run(const Run& run);

  const AggregatePlan& plan_;
  const uint64_t memory_budget_bytes_;
  const std::string spill_dir_;
  Aggregator table_;
  std::vector<Run> runs_;             // runs not yet merged, in the order written
  std::vector<std::string> created_;  // every spill file created, for the destructor
  bool finished_ = false;
  uint64_t record_bytes_max_ = 0;  // the longest record written to a run
  uint64_t runs_spilled_ = 0;
  uint64_t bytes_spilled_ = 0;
};

}  // namespace sluice
