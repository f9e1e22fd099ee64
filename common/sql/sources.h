#pragma once
// Internal to the SQL compiler: FROM's sources (a quoted path or glob,
// read_csv, read_json, postgres_query) → a job file's `input:` (and
// `schema:`), and COPY's options → `output:`.

#include <yaml-cpp/yaml.h>

#include "common/expr/error.h"
#include "common/sql/ast.h"
#include "common/sql/sql.h"

namespace sluice::sql {

// `key`: "input", or the join's "steps[i].join.input" (files only). The
// schema, when the source types columns, goes to `schema`.
bool compile_source(const SqlSource& source, const std::string& key, YAML::Node& input,
                    YAML::Node& schema, CompiledSql& compiled, expr::ExprError& error);

bool compile_copy(const Statement& statement, YAML::Node& output, CompiledSql& compiled,
                  expr::ExprError& error);

}  // namespace sluice::sql
