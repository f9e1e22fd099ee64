#pragma once
// The schema gate: parses and checks the columns a job's `schema:` names,
// before any step runs. Each gate column becomes a typed vector the steps'
// expressions read; a row that fails any rule gets a one-line reason.
// Columns the schema does not name are never parsed.

#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"
#include "common/expr/datetime.h"
#include "common/expr/regex.h"
#include "common/expr/types.h"
#include "common/expr/vector.h"
#include "common/spec/job_spec.h"

namespace sluice {

class SchemaGate {
 public:
  struct Column {
    std::string name;
    size_t input_column = 0;
    size_t batch_column = 0;  // where batches hold it: input_column unless projected
    std::string type_text;    // as written: int32, category, ...
    expr::TypeName type;
    std::optional<expr::DateFormat> format;  // date and timestamp
    std::optional<double> min;
    std::optional<double> max;
    std::unordered_set<std::string> values;
    std::shared_ptr<const expr::Regex> pattern;  // the whole raw text must match
    bool nullable = true;
  };

  // Errors (kInvalidArgument) name the job file, line and key of the rule.
  static Result<SchemaGate> compile(const JobSpec& spec,
                                    const std::vector<std::string>& input_columns);

  const std::vector<Column>& columns() const { return columns_; }
  // Batches will hold input column c at position[c] (a projection that
  // keeps every gate column).
  void read_projected(const std::vector<size_t>& position);
  bool fail_on_error() const { return fail_on_error_; }

  // Fills vectors[i] (one per gate column) for every row of `input`; sets
  // reasons[row] to why the row fails (empty when it passes) and returns the
  // number of failing rows. `reasons` is resized to the row count.
  size_t run(const RecordBatch& input, std::vector<expr::Vector>& vectors,
             std::vector<std::string>& reasons) const;

 private:
  bool is_null_text(std::string_view text) const;
  void run_column(const Column& column, const RecordBatch& input, expr::Vector& out,
                  std::vector<std::string>& reasons, size_t& failures) const;

  std::vector<Column> columns_;
  std::vector<std::string> null_values_;
  bool fail_on_error_ = false;
};

}  // namespace sluice
