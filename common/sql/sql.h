#pragma once
// SQL → a job. A statement (docs/SQL.md) is compiled into the sections of a
// job file — `input`, `schema`, `steps` and, for COPY … TO, `output` — as a
// YAML node that the job file's own readers (common/job) then read, so a
// query and the job file it stands for are the same JobSpec, the same plan
// and the same output. A job file may hold `query:` instead of `input` and
// `steps` (parse_job_spec compiles it with compile_sql).

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/expr/error.h"

namespace sluice::sql {

// An expression as compiled into a step, and where its pieces were in the
// statement: (offset in text, offset in the statement), ascending.
struct ExpressionSource {
  std::string text;
  std::vector<std::pair<size_t, size_t>> anchors;
};

struct CompiledSql {
  YAML::Node job;  // input, [schema], steps, [output]
  // Per step: the clause it comes from ("WHERE", "SELECT", "GROUP BY", …),
  // so later errors (an unknown column) name it.
  std::vector<std::string> step_clauses;
  // Where in the statement each generated key came from ("input.delimiter"
  // → the option `delim=`), for errors the job file's readers find.
  std::vector<std::pair<std::string, size_t>> key_positions;
  // Every expression the steps hold, to tell an error found when the job
  // is checked (an unknown column) against the statement.
  std::vector<ExpressionSource> expressions;
  size_t statement_bytes = 0;
};

// Compiles one statement. False with `error` (a byte offset in `text`).
bool compile_sql(std::string_view text, CompiledSql& out, expr::ExprError& error);

// "line L: message\n<the line>\n<caret under the position>".
std::string format_sql_error(std::string_view text, size_t position, const std::string& message);

// A job file's error message from the generated sections ("query:
// input.delimiter: expected one character") told against the statement:
// the position of the key it names, or std::string::npos when it names none.
size_t position_of_key_error(const CompiledSql& compiled, const std::string& message);

// An expression error found later ("WHERE: unknown column \"x\"\n<the
// compiled expression>\n   ^", common/expr's format) told against the
// statement: "line 1: WHERE: unknown column \"x\"\n<line>\n   ^". The
// message unchanged when its expression is not one of `compiled`'s.
std::string statement_error(const CompiledSql& compiled, std::string_view text,
                            const std::string& message);

}  // namespace sluice::sql
