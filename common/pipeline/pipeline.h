#pragma once
// The transform of one job, compiled once and run over every batch a worker
// reads: the schema gate, then the steps (filter, derive, select, drop) in
// order, then the surviving rows rendered as text into an OutputBatch.
//
// Thread safety: a Pipeline keeps per-batch scratch; use one per thread
// (compile() is cheap).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"
#include "common/expr/expression.h"
#include "common/pipeline/aggregate.h"
#include "common/pipeline/exec_step.h"
#include "common/pipeline/lookup.h"
#include "common/pipeline/schema_gate.h"
#include "common/spec/job_spec.h"

namespace sluice {

struct PipelineCounters {
  uint64_t rows_in = 0;
  uint64_t rows_out = 0;
  uint64_t rows_filtered = 0;
  uint64_t rows_rejected = 0;
};

class Pipeline {
 public:
  // Binds and type-checks the schema gate and every step against
  // `input_columns`, in order. Errors are kInvalidArgument naming the job
  // file, line and key, with the expression and a caret under the fault.
  // `header_known` false: every input is empty, so its header is unknown and
  // `input_columns` are columns_read_by_steps(spec); a job whose steps name
  // no column of their own (no select, derive, aggregate) then has no
  // columns, which is allowed (its output is 0 rows of no columns).
  static Result<std::unique_ptr<Pipeline>> compile(const JobSpec& spec,
                                                   const std::vector<std::string>& input_columns,
                                                   bool header_known = true);

  // The job's output header: for an aggregate job, the columns after the
  // last step that follows the aggregate (what merge_partials emits).
  const std::vector<std::string>& output_columns() const { return output_columns_; }
  // The types of output_columns(), parallel to them (a column read as is
  // from the input is a string), for typed output formats (Parquet).
  std::vector<expr::Type> output_types() const;

  bool has_aggregate() const { return aggregate_ != nullptr; }

  // A global sort (docs/ARCHITECTURE.md, "Global sort"): a `sort` (or a
  // `limit`) not after an aggregate. Every step runs in the map task — the
  // steps after the sort are row by row and keep the order, so they commute
  // with it — and process() computes each output row's sort key from the
  // columns as they were at the sort step: sort_key(i) for the i-th row it
  // appended in its last call (a `limit` alone sorts by no column: input
  // order). sort_limit(): the `limit` after it, if any.
  bool has_global_sort() const { return global_sort_; }
  std::optional<uint64_t> sort_limit() const {
    return final_ != nullptr ? final_->limit_ : limit_;  // after an aggregate: the merge's
  }
  std::string_view sort_key(size_t row) const {
    const size_t begin = row == 0 ? 0 : sort_key_ends_[row - 1];
    return std::string_view(sort_keys_).substr(begin, sort_key_ends_[row] - begin);
  }
  // Whether the job's rows go through an exchange (an aggregate, distinct
  // or global sort): its partitions are then map tasks and bucket tasks.
  bool has_exchange() const { return has_aggregate() || has_global_sort(); }

  // The input columns process() reads, ascending: the schema gate's, those
  // a step reads, and those passed to the output as they are. A reader may
  // materialize only these (projection pushdown; a job naming 5 of 43
  // columns cuts the other 38 only to count them).
  std::vector<size_t> input_columns_read() const;
  // From now on, process() gets batches holding only `columns`
  // (input_columns_read()), in that order.
  void read_projected(const std::vector<size_t>& columns);
  // Columns of the partial-state rows a worker writes for an aggregate
  // pipeline: the `by` columns, then one state column per aggregate (named
  // like it; avg has "__sum_<name>", "__count_<name>"). Stable for a spec.
  // Empty without an aggregate.
  const std::vector<std::string>& partial_columns() const;
  // Exec steps give up a batch (kAborted) once `abort` is true: the task's
  // abort flag, so a cancel or a stopping worker does not wait for them.
  void set_abort(const std::atomic<bool>* abort);

  // Runs the gate and the steps over `input` and appends the surviving rows
  // to `output` (the caller clears it between batches). Output values view
  // `input`'s memory or strings in output.owned, so write `output` before
  // the reader advances. Rows failing the gate go to `rejects` (on_error:
  // reject) or make this return kDataError naming the row's byte offset
  // (on_error: fail).
  //
  // For an aggregate pipeline, process() runs the steps before the aggregate
  // and folds the rows into an in-memory table; it appends no rows. Rows
  // that reach the aggregate count as rows_out.
  Status process(const RecordBatch& input, OutputBatch& output,
                 std::vector<RejectedRecord>& rejects, PipelineCounters& counters);

  // Aggregate pipelines only, once at the end of the partition: appends the
  // partial state (one row per group, in the groups' order of arrival — the
  // exchange hash-partitions them, order does not matter; see aggregate.h
  // for the encoding) to `out`, columns = partial_columns().
  Status finish_partial(OutputBatch& out);
  // Aggregate pipelines, any time before finish_partial: appends the partial
  // state so far (as finish_partial) and empties the table, so that a map
  // task's memory stays bounded; the bucket tasks merge a key's rows from
  // every flush. aggregate_memory_bytes(): what the table holds now.
  Status flush_partial(OutputBatch& out);
  size_t aggregate_memory_bytes() const;

  // The bucket task's half (worker/bucket_task.cc): the aggregate's plan,
  // and the steps after it run over finalized groups (one call per chunk
  // of groups in key order; with a sort step, once over all of them).
  const AggregatePlan& aggregate_plan() const { return aggregate_->plan; }
  bool sorts_after_aggregate() const;
  // `sort` false: the steps run but the rows keep their order (a bucket
  // task of a job that sorts sorts them itself, in bounded memory).
  Status run_after_aggregate(std::vector<expr::Vector> columns, size_t row_count,
                             const std::function<Status(const OutputBatch&)>& emit,
                             bool sort = true);
  // The sort after the aggregate as output columns: for each key, the
  // column's index in output_columns(), its type and its direction. An error
  // when a key is not an output column (a later step dropped it).
  struct OutputSortKey {
    size_t column = 0;
    expr::Type type = expr::Type::kString;
    bool descending = false;
  };
  Result<std::vector<OutputSortKey>> output_sort_keys() const;

  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

 private:
  // Where a column's values come from during a batch.
  enum class SlotSource : uint8_t { kInput, kGate, kComputed };
  struct Slot {
    SlotSource source = SlotSource::kInput;
    expr::Type type = expr::Type::kString;
    size_t index = 0;          // input column, gate column or operation
    bool materialize = false;  // kInput read by an expression: gathered into a vector
  };
  // A lookup step: probes the table with the key column's values and
  // fills one string vector per added column (slots first_slot...).
  struct LookupStage {
    size_t key_slot = 0;
    size_t first_slot = 0;
    std::shared_ptr<const LookupTable> table;
    std::vector<expr::Vector> outputs;
    std::vector<int32_t> matches;
    std::string scratch;
  };
  // An exec step: sends the columns in `input_slots` to the program and
  // reads back one string vector per output column (slots first_slot...).
  struct ExecStage {
    std::vector<size_t> input_slots;
    size_t first_slot = 0;
    std::unique_ptr<ExecStep> step;
    std::vector<expr::Vector> outputs;
  };
  // One thing done to a batch, in order: a filter, a computed column, a
  // lookup or an exec.
  struct Operation {
    // The raw input columns (slots) it reads, gathered just before it runs:
    // over the rows earlier filters left.
    std::vector<size_t> input_slots_read;
    bool is_filter = false;
    size_t slot = 0;  // the computed column (not for filters)
    std::unique_ptr<expr::Expression> expression;
    std::unique_ptr<LookupStage> lookup;
    std::unique_ptr<ExecStage> exec;
  };
  struct VisibleColumn {
    std::string name;
    size_t slot;
  };

  // The steps after the aggregate, run once by merge_partials over the
  // merged groups.
  struct SortSlot {
    size_t slot = 0;
    bool descending = false;
  };
  struct AggregateStage {
    AggregatePlan plan;
    std::vector<size_t> key_slots;
    std::vector<std::unique_ptr<expr::Expression>> arguments;  // null for count(*)
    std::unique_ptr<Aggregator> table;
    bool finished = false;
  };
  friend Status merge_partials(const JobSpec& spec, const std::vector<std::string>& input_columns,
                               const std::vector<std::string>& partial_csv_paths,
                               const std::function<Status(const OutputBatch&)>& emit);

  Pipeline() = default;
  // Compiles the steps from `first_step` on over typed columns (the
  // aggregate's output); such a pipeline runs with run_final().
  static Result<std::unique_ptr<Pipeline>> compile_final(
      const JobSpec& spec, size_t first_step, const std::vector<expr::ColumnInfo>& columns);
  Status compile_steps(const JobSpec& spec, size_t first_step);
  Status compile_aggregate(const JobSpec& spec, size_t step_index);
  Status compile_sort(const JobSpec& spec, const StepSpec& step);
  // A sort or limit outside the final stage (a global sort), checked against
  // the steps before it.
  Status compile_global_order_step(const JobSpec& spec, const StepSpec& step);
  Status compile_limit_after_aggregate(const JobSpec& spec, const StepSpec& step);
  // The sort keys of the rows in selection_, appended to sort_keys_.
  void compute_sort_keys();
  Status compile_lookup(const JobSpec& spec, const StepSpec& step);
  Status compile_exec(const JobSpec& spec, const StepSpec& step);
  // Runs the operations over the rows in selection_ (an exec may fail).
  Status run_operations(PipelineCounters& counters);
  // Final stage: `columns` are the merged groups' vectors (one per input
  // column); emits the surviving rows, sorted, in batches.
  Status run_final(std::vector<expr::Vector> columns, size_t row_count,
                   const std::function<Status(const OutputBatch&)>& emit, bool sort = true);
  Result<std::unique_ptr<expr::Expression>> compile_expression(const JobSpec& spec,
                                                               const std::string& text,
                                                               const SpecLocation& where);
  std::vector<expr::ColumnInfo> scope() const;
  void mark_materialized(const expr::Node& node);
  bool is_null_text(std::string_view text) const;
  // Which operations read which raw input columns (after compile_steps).
  void plan_gathers();
  // The raw input columns in `slots` not gathered yet in this batch become
  // string vectors (views) over the rows in selection_.
  void gather(const std::vector<size_t>& slots);
  void write_output(const RecordBatch* input, const uint32_t* rows, size_t row_count,
                    OutputBatch& output);

  SchemaGate gate_;
  std::vector<std::string> input_columns_;
  size_t batch_columns_ = 0;  // columns of each input batch (a projection's)
  std::vector<std::string> null_values_;
  std::vector<Slot> slots_;
  std::vector<Operation> operations_;
  std::vector<VisibleColumn> visible_;
  std::vector<std::string> output_columns_;
  bool is_final_stage_ = false;
  bool allow_no_columns_ = false;  // compile(..., header_known = false)
  std::vector<SortSlot> sort_;
  bool global_sort_ = false;
  std::optional<uint64_t> limit_;
  std::string sort_keys_;              // the last process()'s rows' keys, end to end
  std::vector<size_t> sort_key_ends_;  // where each ends in sort_keys_
  std::unique_ptr<AggregateStage> aggregate_;
  std::unique_ptr<Pipeline> final_;

  // Per-batch scratch, kept for its capacity.
  std::vector<expr::Vector> gate_vectors_;
  std::vector<expr::Vector> input_vectors_;  // by slot; used when materialize
  std::vector<uint8_t> gathered_;            // by slot: input_vectors_ filled this batch
  std::vector<size_t> materialized_slots_;   // every raw input column an expression reads
  const RecordBatch* input_ = nullptr;       // the batch process() runs
  std::vector<std::string> reasons_;
  expr::Selection selection_;
  expr::Selection next_selection_;
  expr::EvalBatch eval_;
  expr::StringArena arena_{nullptr};
};

// The input columns a job's steps read, in the order first read, for an
// input whose header is unknown (every input file is empty): the schema's
// columns, then each name an expression, a `by`, a drop or a lookup's `on`
// reads that no earlier step made, up to the first select or aggregate
// (after them the steps read what those made). Expressions that do not parse
// are skipped (the compiler reports them). pipeline_columns.cc.
std::vector<std::string> columns_read_by_steps(const JobSpec& spec);

}  // namespace sluice
