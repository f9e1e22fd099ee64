#include "common/job/hive_prune.h"

#include <algorithm>
#include <deque>

#include "common/expr/binder.h"
#include "common/expr/eval.h"
#include "common/expr/parser.h"
#include "common/job/hive_partitions.h"
#include "common/pipeline/schema_gate.h"

namespace sluice {
namespace {

// Moves the operands of the AND chain `node` into `out`.
void split_and(expr::NodePtr node, std::vector<expr::NodePtr>& out) {
  std::vector<expr::NodePtr> pending;
  pending.push_back(std::move(node));
  while (!pending.empty()) {
    expr::NodePtr next = std::move(pending.back());
    pending.pop_back();
    if (next->kind == expr::NodeKind::kAnd && next->children.size() == 2) {
      pending.push_back(std::move(next->children[1]));
      pending.push_back(std::move(next->children[0]));
      next->children.clear();  // ~Node walks its children: none left null
    } else {
      out.push_back(std::move(next));
    }
  }
}

}  // namespace

std::vector<bool> hive_files_ruled_out(
    const JobSpec& spec, const std::vector<std::vector<std::optional<std::string>>>& values,
    std::vector<std::string>* used) {
  std::vector<bool> ruled_out(values.size(), false);
  const std::vector<std::string> keys = hive_keys(spec.input);
  if (keys.empty() || values.empty()) return ruled_out;
  // One row per file, one column per key, as the hive reader gives them.
  RecordBatch batch;
  batch.column_count = keys.size();
  batch.row_count = values.size();
  for (const auto& row : values) {
    if (row.size() != keys.size()) return ruled_out;
    for (const auto& value : row) {
      batch.fields.push_back(value ? std::string_view(*value) : std::string_view());
    }
    batch.offsets.push_back(0);
    batch.raw.emplace_back();
  }
  // The keys' types as the workers' pipeline has them: the schema's rule.
  JobSpec gate_spec;
  gate_spec.source_file = spec.source_file;
  gate_spec.input.null_values = spec.input.null_values;
  if (spec.schema) {
    gate_spec.schema.emplace();
    for (const ColumnRule& rule : spec.schema->columns) {
      if (std::find(keys.begin(), keys.end(), rule.name) != keys.end())
        gate_spec.schema->columns.push_back(rule);
    }
  }
  auto gate = SchemaGate::compile(gate_spec, keys);
  if (!gate.is_ok()) return ruled_out;
  std::vector<expr::Vector> gate_vectors;
  std::vector<std::string> reasons;
  gate.value().run(batch, gate_vectors, reasons);
  std::vector<expr::Vector> vectors(keys.size());
  std::vector<expr::ColumnInfo> infos(keys.size());
  expr::EvalBatch eval;
  eval.row_count = values.size();
  eval.columns.resize(keys.size());
  for (size_t k = 0; k < keys.size(); ++k) {
    infos[k].name = keys[k];
    infos[k].index = k;
    vectors[k].reset(expr::Type::kString, values.size());
    for (size_t row = 0; row < values.size(); ++row) {
      const std::string_view text = batch.field(row, k);
      vectors[k].strings[row] = text;
      bool is_null = false;
      for (const std::string& null_value : spec.input.null_values) is_null |= text == null_value;
      vectors[k].valid[row] = is_null ? 0 : 1;
    }
    eval.columns[k] = &vectors[k];
  }
  for (size_t g = 0; g < gate.value().columns().size(); ++g) {
    const size_t k = gate.value().columns()[g].input_column;
    infos[k].type = gate.value().columns()[g].type.type;
    eval.columns[k] = &gate_vectors[g];
  }
  std::deque<std::string> storage;
  expr::StringArena arena(&storage);
  eval.arena = &arena;
  // The rows a failing gate would reject are not ruled out (they are rejects).
  expr::Selection candidates;
  for (size_t row = 0; row < values.size(); ++row) {
    if (reasons.size() <= row || reasons[row].empty()) candidates.push_back(row);
  }
  for (const StepSpec& step : spec.steps) {
    if (step.kind != StepKind::kFilter) break;
    expr::ExprError error;
    expr::NodePtr tree = expr::parse_expression(step.expr, error);
    if (!tree) continue;
    std::vector<expr::NodePtr> conjuncts;
    split_and(std::move(tree), conjuncts);
    bool step_used = false;
    for (expr::NodePtr& conjunct : conjuncts) {
      if (!expr::bind_expression(conjunct, infos, error)) continue;
      if (conjunct->type != expr::Type::kBool) continue;
      if (used != nullptr && !step_used) used->push_back(step.expr);
      step_used = true;
      const expr::Vector& result = expr::evaluate(*conjunct, eval, candidates);
      expr::Selection kept;
      for (uint32_t row : candidates) {
        if (result.valid[row] && result.ints[row]) {
          kept.push_back(row);
        } else {
          ruled_out[row] = true;
        }
      }
      candidates.swap(kept);
    }
  }
  return ruled_out;
}

Result<HivePruning> prune_hive_files(const JobSpec& spec, const std::vector<InputFile>& files) {
  HivePruning pruning;
  pruning.skipped.assign(files.size(), false);
  if (!hive_partitioning_on(spec.input)) return pruning;
  std::vector<std::vector<std::optional<std::string>>> values;
  values.reserve(files.size());
  for (const InputFile& file : files) {
    SLUICE_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> row,
                            hive_values_of(spec.input, file.path));
    values.push_back(std::move(row));
  }
  pruning.skipped = hive_files_ruled_out(spec, values, &pruning.filters);
  for (size_t f = 0; f < files.size(); ++f) {
    if (!pruning.skipped[f]) continue;
    pruning.files_skipped++;
    pruning.bytes_skipped += files[f].size_bytes;
  }
  return pruning;
}

}  // namespace sluice
