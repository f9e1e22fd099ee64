// libFuzzer target: the SQL front end (common/sql) and the job file around
// it. The input is a statement; it is compiled, its error (if any) is
// formatted with its caret, which must be within the statement, and a job
// file holding it as `query:` is parsed. A crash, a sanitizer report or a
// caret past the end aborts (libFuzzer saves the input). Built only with
// -DSLUICE_FUZZ=ON and clang (scripts/fuzz.sh).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/job/job_file.h"
#include "common/spec/job_spec.h"
#include "common/sql/sql.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  sluice::sql::CompiledSql compiled;
  sluice::expr::ExprError error;
  if (!sluice::sql::compile_sql(text, compiled, error)) {
    if (error.position > text.size()) {
      std::fprintf(stderr, "caret at %zu past the statement's %zu bytes\n", error.position,
                   text.size());
      std::abort();
    }
    (void)sluice::sql::format_sql_error(text, error.position, error.message);
    return 0;
  }
  // The statement as a job file's query: (a block scalar keeps it as is,
  // unless it holds what YAML reads otherwise; any result is fine).
  std::string job = "name: fuzz\nquery: |\n";
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    job += "  " + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  if (!compiled.job["output"]) job += "output: {path: out}\n";
  (void)sluice::parse_job_spec(job, "fuzz.yaml");
  return 0;
}
