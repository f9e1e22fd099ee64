// Pipeline, running: the schema gate, the steps and the output of each
// batch, and the final stage after an aggregate (pipeline.cc compiles).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/base/assert.h"
#include "common/base/limits.h"
#include "common/exchange/sort_key.h"
#include "common/pipeline/pipeline.h"

namespace sluice {

bool Pipeline::is_null_text(std::string_view text) const {
  for (const std::string& value : null_values_) {
    if (text == value) return true;
  }
  return false;
}

void Pipeline::gather(const std::vector<size_t>& slots) {
  for (size_t s : slots) {
    if (gathered_[s] != 0) continue;
    gathered_[s] = 1;
    const size_t column = slots_[s].index;
    expr::Vector& vector = input_vectors_[s];
    vector.reset(expr::Type::kString, input_->row_count);
    for (uint32_t row : selection_) {
      const std::string_view text = input_->field(row, column);
      vector.strings[row] = text;
      vector.valid[row] = null_values_.empty() || !is_null_text(text);
    }
    eval_.columns[s] = &vector;
  }
}

Status Pipeline::process(const RecordBatch& input, OutputBatch& output,
                         std::vector<RejectedRecord>& rejects, PipelineCounters& counters) {
  if (input.column_count != batch_columns_) {
    return internal_error(fmt::format("pipeline: batch has {} columns, the job was compiled for {}",
                                      input.column_count, batch_columns_));
  }
  counters.rows_in += input.row_count;
  arena_.rebind(&output.owned);
  eval_.row_count = input.row_count;
  eval_.arena = &arena_;

  // 1. The schema gate.
  selection_.clear();
  const size_t failures = gate_.run(input, gate_vectors_, reasons_);
  for (size_t row = 0; row < input.row_count; ++row) {
    if (reasons_[row].empty()) {
      selection_.push_back(static_cast<uint32_t>(row));
      continue;
    }
    if (gate_.fail_on_error()) {
      return data_error(
          fmt::format("record at byte offset {}: {}", input.offsets[row], reasons_[row]));
    }
    RejectedRecord reject;
    reject.offset = input.offsets[row];
    reject.reason = std::move(reasons_[row]);
    reject.raw = std::string(input.raw[row].substr(0, limits::kRejectRawBytesMax));
    rejects.push_back(std::move(reject));
  }
  counters.rows_rejected += failures;

  // 2. The steps. Raw input columns become vectors as the steps first read
  // them, over the rows left then.
  for (size_t s = 0; s < slots_.size(); ++s) {
    if (slots_[s].source == SlotSource::kGate) eval_.columns[s] = &gate_vectors_[slots_[s].index];
  }
  std::fill(gathered_.begin(), gathered_.end(), 0);
  input_ = &input;
  SLUICE_RETURN_IF_ERROR(run_operations(counters));
  gather(materialized_slots_);  // for the aggregate, the sort keys and the output
  counters.rows_out += selection_.size();
  if (global_sort_) compute_sort_keys();

  // 3. The surviving rows: folded into the aggregate, or as text.
  if (aggregate_ != nullptr) {
    if (aggregate_->finished) return internal_error("pipeline: process() after finish_partial()");
    output.column_count = aggregate_->plan.partial_columns.size();
    if (selection_.empty()) return Status::ok();
    std::vector<const expr::Vector*> keys;
    for (size_t slot : aggregate_->key_slots) keys.push_back(eval_.columns[slot]);
    std::vector<const expr::Vector*> arguments;
    for (const auto& argument : aggregate_->arguments) {
      arguments.push_back(argument != nullptr ? &argument->evaluate(eval_, selection_) : nullptr);
    }
    aggregate_->table->update(keys, arguments, selection_);
    return Status::ok();
  }
  write_output(&input, selection_.data(), selection_.size(), output);
  return Status::ok();
}

void Pipeline::compute_sort_keys() {
  sort_keys_.clear();
  sort_key_ends_.clear();
  for (uint32_t row : selection_) {
    for (const SortSlot& key : sort_) {
      append_sort_key(sort_keys_, *eval_.columns[key.slot], row, key.descending);
    }
    sort_key_ends_.push_back(sort_keys_.size());
  }
}

Status Pipeline::run_operations(PipelineCounters& counters) {
  for (const Operation& operation : operations_) {
    if (selection_.empty()) break;
    gather(operation.input_slots_read);
    if (operation.lookup != nullptr) {
      LookupStage& lookup = *operation.lookup;
      const expr::Vector& keys = *eval_.columns[lookup.key_slot];
      lookup.table->probe(keys, selection_, lookup.matches, lookup.scratch);
      for (size_t c = 0; c < lookup.outputs.size(); ++c) {
        expr::Vector& vector = lookup.outputs[c];
        vector.reset(expr::Type::kString, eval_.row_count);
        for (uint32_t row : selection_) {
          const int32_t match = lookup.matches[row];
          vector.valid[row] = match >= 0;
          if (match >= 0) vector.strings[row] = lookup.table->value(static_cast<size_t>(match), c);
        }
        eval_.columns[lookup.first_slot + c] = &vector;
      }
      continue;
    }
    if (operation.exec != nullptr) {
      ExecStage& exec = *operation.exec;
      std::vector<const expr::Vector*> inputs;
      inputs.reserve(exec.input_slots.size());
      for (size_t slot : exec.input_slots) inputs.push_back(eval_.columns[slot]);
      SLUICE_RETURN_IF_ERROR(
          exec.step->run(inputs, selection_, eval_.row_count, exec.outputs, arena_));
      for (size_t c = 0; c < exec.outputs.size(); ++c) {
        eval_.columns[exec.first_slot + c] = &exec.outputs[c];
      }
      continue;
    }
    const expr::Vector& result = operation.expression->evaluate(eval_, selection_);
    if (!operation.is_filter) {
      eval_.columns[operation.slot] = &result;
      continue;
    }
    next_selection_.clear();
    for (uint32_t row : selection_) {
      if (result.valid[row] && result.ints[row]) next_selection_.push_back(row);
    }
    counters.rows_filtered += selection_.size() - next_selection_.size();
    selection_.swap(next_selection_);
  }
  return Status::ok();
}

Status Pipeline::flush_partial(OutputBatch& out) {
  if (aggregate_ == nullptr)
    return internal_error("pipeline: flush_partial() without an aggregate step");
  if (aggregate_->finished)
    return internal_error("pipeline: flush_partial() after finish_partial()");
  aggregate_->table->write_partial_unordered(out);
  aggregate_->table->clear();
  return Status::ok();
}

size_t Pipeline::aggregate_memory_bytes() const {
  return aggregate_ == nullptr ? 0 : aggregate_->table->memory_bytes();
}

bool Pipeline::sorts_after_aggregate() const { return final_ != nullptr && !final_->sort_.empty(); }

Status Pipeline::run_after_aggregate(std::vector<expr::Vector> columns, size_t row_count,
                                     const std::function<Status(const OutputBatch&)>& emit,
                                     bool sort) {
  if (final_ == nullptr) return internal_error("pipeline: no steps after an aggregate");
  return final_->run_final(std::move(columns), row_count, emit, sort);
}

Result<std::vector<Pipeline::OutputSortKey>> Pipeline::output_sort_keys() const {
  std::vector<OutputSortKey> keys;
  if (final_ == nullptr) return keys;
  const std::vector<expr::Type> types = final_->output_types();
  for (const SortSlot& key : final_->sort_) {
    size_t column = 0;
    while (column < final_->visible_.size() && final_->visible_[column].slot != key.slot) ++column;
    if (column == final_->visible_.size()) {
      return invalid_argument(
          "a sort key must be one of the output columns (a step after the sort drops it)");
    }
    keys.push_back(OutputSortKey{column, types[column], key.descending});
  }
  return keys;
}

Status Pipeline::finish_partial(OutputBatch& out) {
  if (aggregate_ == nullptr)
    return internal_error("pipeline: finish_partial() without an aggregate step");
  if (aggregate_->finished) return internal_error("pipeline: finish_partial() called twice");
  aggregate_->finished = true;
  aggregate_->table->write_partial_unordered(out);
  return Status::ok();
}

namespace {

// -1, 0, 1 for two valid values of one vector; floats with NaN greatest.
int compare_values(const expr::Vector& vector, uint32_t a, uint32_t b) {
  switch (vector.type) {
    case expr::Type::kString: {
      const int c = vector.strings[a].compare(vector.strings[b]);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case expr::Type::kFloat64: {
      const double x = vector.doubles[a], y = vector.doubles[b];
      const bool x_nan = std::isnan(x), y_nan = std::isnan(y);
      if (x_nan || y_nan) return x_nan == y_nan ? 0 : (x_nan ? 1 : -1);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case expr::Type::kNull:
      return 0;
    default:
      return vector.ints[a] < vector.ints[b] ? -1 : (vector.ints[a] > vector.ints[b] ? 1 : 0);
  }
}

}  // namespace

Status Pipeline::run_final(std::vector<expr::Vector> columns, size_t row_count,
                           const std::function<Status(const OutputBatch&)>& emit, bool sort) {
  SLUICE_ASSERT(is_final_stage_, "rows={}", row_count);
  gate_vectors_ = std::move(columns);
  std::deque<std::string> computed;  // strings computed by the steps, alive until the last emit
  arena_.rebind(&computed);
  eval_.row_count = row_count;
  eval_.arena = &arena_;
  for (size_t s = 0; s < slots_.size(); ++s) {
    if (slots_[s].source == SlotSource::kGate) eval_.columns[s] = &gate_vectors_[slots_[s].index];
  }
  selection_.resize(row_count);
  for (size_t row = 0; row < row_count; ++row) selection_[row] = static_cast<uint32_t>(row);
  PipelineCounters counters;
  SLUICE_RETURN_IF_ERROR(run_operations(counters));

  // NULLs last in either direction (DuckDB's default); full ties keep the
  // merged order (by group key bytes), so the output is deterministic.
  if (sort && !sort_.empty()) {
    std::vector<const expr::Vector*> keys;
    for (const SortSlot& key : sort_) keys.push_back(eval_.columns[key.slot]);
    std::stable_sort(selection_.begin(), selection_.end(), [&](uint32_t a, uint32_t b) {
      for (size_t k = 0; k < keys.size(); ++k) {
        const expr::Vector& vector = *keys[k];
        const bool a_null = vector.type == expr::Type::kNull || vector.is_null(a);
        const bool b_null = vector.type == expr::Type::kNull || vector.is_null(b);
        if (a_null || b_null) {
          if (a_null == b_null) continue;
          return b_null;
        }
        const int c = compare_values(vector, a, b);
        if (c != 0) return sort_[k].descending ? c > 0 : c < 0;
      }
      return false;
    });
  }

  OutputBatch batch;
  for (size_t begin = 0; begin < selection_.size(); begin += limits::kBatchRowsMax) {
    const size_t count = std::min(limits::kBatchRowsMax, selection_.size() - begin);
    batch.clear();
    arena_.rebind(&batch.owned);
    write_output(nullptr, selection_.data() + begin, count, batch);
    SLUICE_RETURN_IF_ERROR(emit(batch));
  }
  return Status::ok();
}

void Pipeline::write_output(const RecordBatch* input, const uint32_t* rows, size_t row_count,
                            OutputBatch& output) {
  output.column_count = visible_.size();
  output.fields.reserve(output.fields.size() + row_count * visible_.size());
  output.nulls.reserve(output.nulls.size() + row_count * visible_.size());
  for (size_t i = 0; i < row_count; ++i) {
    const uint32_t row = rows[i];
    for (const VisibleColumn& column : visible_) {
      const Slot& slot = slots_[column.slot];
      if (slot.source == SlotSource::kInput && !slot.materialize) {
        const std::string_view text = input->field(row, slot.index);
        const bool is_null = !null_values_.empty() && is_null_text(text);
        output.fields.push_back(is_null ? std::string_view() : text);
        output.nulls.push_back(is_null);
        continue;
      }
      const expr::Vector& vector = *eval_.columns[column.slot];
      if (vector.is_null(row)) {
        output.fields.push_back(std::string_view());
        output.nulls.push_back(1);
      } else {
        output.fields.push_back(expr::render_value(vector, row, arena_));
        output.nulls.push_back(0);
      }
    }
  }
  output.row_count += row_count;
}

}  // namespace sluice
