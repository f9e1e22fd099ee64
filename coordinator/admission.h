#pragma once
// Admission turns a submitted job file into a planned job: checks it, derives
// its id from the spec, the base directory and the inputs' identity (so the
// same submission is the same job), and plans its partitions.

#include <string>
#include <vector>

#include "common/base/status.h"
#include "coordinator/records.h"

namespace sluice {

struct AdmittedJob {
  JobRecord record;
  std::vector<PartitionRecord> partitions;
};

Result<AdmittedJob> admit_job(const std::string& spec_yaml, const std::string& spec_file,
                              const std::string& base_dir);

}  // namespace sluice
