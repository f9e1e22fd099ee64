#pragma once
// Reading a job file (YAML) into a JobSpec (common/spec/job_spec.h). Parsing
// checks shapes, types and units and reports the file, line and key at
// fault; a `query:` (SQL) is compiled into the sections it stands for.

#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/spec/job_spec.h"

namespace sluice {

// Parses a job file's text. `source_file` names it in errors. Relative paths
// in input/output are kept as written; the caller resolves them.
Result<JobSpec> parse_job_spec(std::string_view yaml_text, const std::string& source_file);
// Reads and parses a job file.
Result<JobSpec> load_job_spec(const std::string& path);

}  // namespace sluice
