#pragma once
// A SQL statement as `sluice sql` and `sluice explain --sql` take it: the
// job file it stands for (a `query:` job, common/sql), parsed and checked
// like any job file.

#include <optional>
#include <string>

#include "tools/cli/job_file.h"

namespace sluice {

struct SqlJobRequest {
  std::string query;
  std::string out;           // --out; empty: the query's COPY … TO, or `terminal_dir`
  std::string format;        // --format; empty: csv
  std::string terminal_dir;  // where a SELECT without --out writes (a temporary directory)
};

// The job file's text for `request`: name (sql-<hash of the query>), query
// and output. Prints "sluice COMMAND: …" with a caret under the fault and
// returns nothing when the statement or the flags are wrong.
std::optional<std::string> sql_job_text(const SqlJobRequest& request, const std::string& command);

// The job, parsed and checked against its inputs; prints the error as
// sql_job_text does. `check` false: parsed only.
std::optional<LoadedJob> load_sql_job(const SqlJobRequest& request, const std::string& command);

// The label a SQL job's messages carry in place of a job file's name.
inline constexpr const char* kSqlJobFile = "<sql>";

}  // namespace sluice
