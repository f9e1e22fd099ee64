#pragma once
// The job file as `run` and `submit` take it: loaded, its relative paths
// anchored at the current directory, and checked before any work starts.

#include <optional>
#include <string>

#include "common/job/job_spec.h"

namespace sluice {

struct LoadedJob {
  JobSpec spec;
  std::string base_dir;  // the current directory: relative paths resolve against it
};

// Prints "sluice: <reason>" and returns nothing when the file cannot be
// read, parsed or checked (the caller exits with kExitUsage).
std::optional<LoadedJob> load_checked_job(const std::string& job_file);

}  // namespace sluice
