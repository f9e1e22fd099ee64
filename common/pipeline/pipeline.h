#pragma once
// The transform of one job, compiled once and run over every batch a worker
// reads: the schema gate, then the steps (filter, derive, select, drop) in
// order, then the surviving rows rendered as text into an OutputBatch.
//
// Thread safety: a Pipeline keeps per-batch scratch; use one per thread
// (compile() is cheap).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"
#include "common/expr/expression.h"
#include "common/job/job_spec.h"
#include "common/pipeline/schema_gate.h"

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
  static Result<std::unique_ptr<Pipeline>> compile(const JobSpec& spec,
                                                   const std::vector<std::string>& input_columns);

  const std::vector<std::string>& output_columns() const { return output_columns_; }

  // Runs the gate and the steps over `input` and appends the surviving rows
  // to `output` (the caller clears it between batches). Output values view
  // `input`'s memory or strings in output.owned, so write `output` before
  // the reader advances. Rows failing the gate go to `rejects` (on_error:
  // reject) or make this return kDataError naming the row's byte offset
  // (on_error: fail).
  Status process(const RecordBatch& input, OutputBatch& output, std::vector<RejectedRecord>& rejects,
                 PipelineCounters& counters);

  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

 private:
  // Where a column's values come from during a batch.
  enum class SlotSource : uint8_t { kInput, kGate, kComputed };
  struct Slot {
    SlotSource source = SlotSource::kInput;
    expr::Type type = expr::Type::kString;
    size_t index = 0;        // input column, gate column or operation
    bool materialize = false;  // kInput read by an expression: gathered into a vector
  };
  // One thing done to a batch, in order.
  struct Operation {
    bool is_filter = false;
    size_t slot = 0;  // the computed column (not for filters)
    std::unique_ptr<expr::Expression> expression;
  };
  struct VisibleColumn {
    std::string name;
    size_t slot;
  };

  Pipeline() = default;
  Status compile_steps(const JobSpec& spec);
  Result<std::unique_ptr<expr::Expression>> compile_expression(const JobSpec& spec, const std::string& text,
                                                               const SpecLocation& where);
  std::vector<expr::ColumnInfo> scope() const;
  void mark_materialized(const expr::Node& node);
  bool is_null_text(std::string_view text) const;
  void gather_inputs(const RecordBatch& input);
  void write_output(const RecordBatch& input, OutputBatch& output);

  SchemaGate gate_;
  std::vector<std::string> input_columns_;
  std::vector<std::string> null_values_;
  std::vector<Slot> slots_;
  std::vector<Operation> operations_;
  std::vector<VisibleColumn> visible_;
  std::vector<std::string> output_columns_;

  // Per-batch scratch, kept for its capacity.
  std::vector<expr::Vector> gate_vectors_;
  std::vector<expr::Vector> input_vectors_;  // by slot; used when materialize
  std::vector<std::string> reasons_;
  expr::Selection selection_;
  expr::Selection next_selection_;
  expr::EvalBatch eval_;
  expr::StringArena arena_{nullptr};
};

}  // namespace sluice
