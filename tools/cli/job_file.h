#pragma once
// The job file as `run` and `submit` take it: loaded, its relative paths
// anchored at the current directory, and checked before any work starts.

#include <optional>
#include <string>

#include "common/spec/job_spec.h"
#include "tools/cli/commands.h"

namespace sluice {

struct LoadedJob {
  JobSpec spec;
  std::string base_dir;  // the current directory: relative paths resolve against it
};

// Prints "sluice: <reason>" and returns nothing when the file cannot be
// read, parsed or checked (the caller exits with kExitUsage).
std::optional<LoadedJob> load_checked_job(const std::string& job_file);

// Runs `job` in embedded mode (run_command.cc): a coordinator in this
// process and flags.workers local workers; `flags.job_file` names it.
// `summary` false: the summary is printed only when the job fails.
int run_loaded_job(const LoadedJob& job, const RunFlags& flags, bool summary);

}  // namespace sluice
