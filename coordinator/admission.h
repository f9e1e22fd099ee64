#pragma once
// Admission turns a submitted job file into a planned job: checks it, derives
// its id from the spec, the base directory and the inputs' identity (so the
// same submission is the same job), and plans its partitions.

#include <map>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "coordinator/output_dir.h"
#include "coordinator/records.h"

namespace sluice {

// What claiming the output and planning an incremental run need to know of
// the output and the input files, read by admit_job (off the coordinator's
// loop, with the rest of admission); the loop decides from them, without
// I/O (claim_output, plan_incremental_run).
struct AdmissionFacts {
  // A directory output: its contents (read_output_contents), or why they
  // could not be read.
  Result<OutputContents> output = OutputContents{};
  // An s3:// output: claim_s3_output's verdict on its prefix, and the
  // part_base it found.
  Status s3_claim = Status::ok();
  uint32_t s3_part_base = 0;
  // An incremental job: each listed input's identity (identify_input), by
  // path, and the lineage the output's _MANIFEST.json names ("" no
  // manifest, "-" not an incremental output's).
  std::map<std::string, Result<InputVersion>> identities;
  std::string output_lineage;
};

struct AdmittedJob {
  JobRecord record;
  std::vector<PartitionRecord> partitions;
  AdmissionFacts facts;
  // Set by plan_incremental_run: files of cancelled runs to remove (the
  // loop hands them to an effect).
  std::vector<std::string> stale_files;
};

// Checks and plans a submitted job file, and reads its AdmissionFacts. Slow
// (lists inputs, reads headers and footers, asks PostgreSQL and S3): off
// the loop.
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
// run of the incremental lineage whose directory it is. No I/O: the
// directory as admitted.facts found it.
Status claim_output(const Scheduler& scheduler, AdmittedJob& admitted);

}  // namespace sluice
