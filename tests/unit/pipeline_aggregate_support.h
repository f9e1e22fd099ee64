#pragma once
// Runs aggregate jobs the distributed way for the pipeline_aggregate tests:
// every partition's Pipeline folds its rows and writes partial states
// (finish_partial), the partials go through CSV files, merge_partials merges
// them and runs the steps after the aggregate. Also builders of job specs.
// Shared by tests/unit/pipeline_aggregate_test.cc and
// tests/unit/pipeline_aggregate_steps_test.cc.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/pipeline/merge.h"
#include "common/pipeline/pipeline.h"
#include "tests/support/batch_rows.h"

namespace sluice {

using Cell = std::optional<std::string>;  // nullopt: NULL
using Table = std::vector<std::vector<Cell>>;

using Rows = testing::BatchRows;

// RFC 4180, minimal quoting, NULL as an empty field: as sluice's CSV writer.
inline std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

inline void write_csv(const std::string& path, const std::vector<std::string>& header,
                      const OutputBatch& batch) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (size_t c = 0; c < header.size(); ++c) out << (c ? "," : "") << csv_field(header[c]);
  out << "\n";
  for (size_t r = 0; r < batch.row_count; ++r) {
    for (size_t c = 0; c < batch.column_count; ++c) {
      out << (c ? "," : "") << (batch.is_null(r, c) ? std::string() : csv_field(batch.field(r, c)));
    }
    out << "\n";
  }
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/sluice-aggregate-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs `spec` the distributed way: one Pipeline per partition, partials
// written as CSV, merged. Returns the final rows (and the header in `header`).
inline Table run_partitioned(const JobSpec& spec, const std::vector<std::string>& columns,
                             const std::vector<std::vector<std::vector<std::string>>>& partitions,
                             std::vector<std::string>* header = nullptr,
                             PipelineCounters* total = nullptr) {
  TempDir dir;
  std::vector<std::string> paths;
  for (size_t p = 0; p < partitions.size(); ++p) {
    auto compiled = Pipeline::compile(spec, columns);
    EXPECT_TRUE(compiled.is_ok()) << compiled.status().message();
    if (!compiled.is_ok()) return {};
    Pipeline& pipeline = **compiled;
    EXPECT_TRUE(pipeline.has_aggregate());
    Rows rows(columns.size(), partitions[p]);
    OutputBatch output;
    std::vector<RejectedRecord> rejects;
    PipelineCounters counters;
    EXPECT_TRUE(pipeline.process(rows.batch, output, rejects, counters).is_ok());
    EXPECT_EQ(output.row_count, 0u);
    EXPECT_EQ(counters.rows_in,
              counters.rows_out + counters.rows_filtered + counters.rows_rejected);
    if (total != nullptr) {
      total->rows_in += counters.rows_in;
      total->rows_out += counters.rows_out;
      total->rows_filtered += counters.rows_filtered;
      total->rows_rejected += counters.rows_rejected;
    }
    OutputBatch partial;
    EXPECT_TRUE(pipeline.finish_partial(partial).is_ok());
    EXPECT_EQ(partial.column_count, pipeline.partial_columns().size());
    paths.push_back(dir.file("part-" + std::to_string(p) + ".csv"));
    write_csv(paths.back(), pipeline.partial_columns(), partial);
  }
  Table result;
  size_t width = 0;
  Status status = merge_partials(spec, columns, paths, [&](const OutputBatch& batch) {
    width = batch.column_count;
    for (size_t r = 0; r < batch.row_count; ++r) {
      std::vector<Cell> row;
      for (size_t c = 0; c < batch.column_count; ++c) {
        row.push_back(batch.is_null(r, c) ? Cell() : Cell(std::string(batch.field(r, c))));
      }
      result.push_back(std::move(row));
    }
    return Status::ok();
  });
  EXPECT_TRUE(status.is_ok()) << status.message();
  auto output_columns = aggregate_output_columns(spec, columns);
  EXPECT_TRUE(output_columns.is_ok());
  if (!result.empty()) {
    EXPECT_EQ(width, output_columns->size());
  }
  if (header != nullptr) *header = *output_columns;
  return result;
}

inline StepSpec aggregate_step(std::vector<std::string> by,
                               std::vector<std::pair<std::string, std::string>> aggs,
                               int line = 3) {
  StepSpec step;
  step.kind = StepKind::kAggregate;
  step.where = {"job.yaml", line, "steps[0].aggregate"};
  step.aggregate.by = std::move(by);
  for (auto& [name, expr] : aggs) {
    NamedExpr named;
    named.name = name;
    named.expr = expr;
    named.where = {"job.yaml", line + 2, "steps[0].aggregate.aggs." + name};
    step.aggregate.aggs.push_back(std::move(named));
  }
  return step;
}

inline StepSpec sort_step(std::vector<SortKey> keys, int line = 9) {
  StepSpec step;
  step.kind = StepKind::kSort;
  step.where = {"job.yaml", line, "steps[2].sort"};
  step.sort = std::move(keys);
  return step;
}

inline StepSpec select_step(std::vector<std::pair<std::string, std::string>> exprs, int line = 6) {
  StepSpec step;
  step.kind = StepKind::kSelect;
  step.where = {"job.yaml", line, "steps[1].select"};
  for (auto& [name, expr] : exprs) {
    NamedExpr named;
    named.name = name;
    named.expr = expr;
    step.exprs.push_back(std::move(named));
  }
  return step;
}

inline ColumnRule typed(std::string name, std::string type) {
  ColumnRule rule;
  rule.name = std::move(name);
  rule.type = std::move(type);
  return rule;
}

inline JobSpec job(std::vector<StepSpec> steps, std::vector<ColumnRule> schema = {}) {
  JobSpec spec;
  spec.source_file = "job.yaml";
  spec.steps = std::move(steps);
  if (!schema.empty()) spec.schema = SchemaSpec{false, std::move(schema)};
  return spec;
}

inline Cell v(std::string text) { return Cell(std::move(text)); }
const Cell kNull;

}  // namespace sluice
