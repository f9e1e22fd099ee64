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

class Scheduler;

// An output directory belongs to one job (coordinator/output_dir.h). Called
// after plan_incremental_run, before the job is submitted: refuses
// (kInvalidArgument, naming the other job) a job whose output directory
// holds another job's published output, part files no manifest lists, or
// another job's temporary files, or that a running job of this coordinator
// writes to — unless output.mode says otherwise:
//   overwrite  only another job's temporary files (or a running job) refuse it
//   append     also refused over an incremental lineage's output or an
//              unfinished one; sets part_base after every part number there
// A job the scheduler knows (the same job submitted again) passes, as does a
// run of the incremental lineage whose directory it is.
Status claim_output(const Scheduler& scheduler, AdmittedJob& admitted);

}  // namespace sluice
