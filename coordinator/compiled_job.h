#pragma once
// A job compiled once: its job file parsed (JobSpec) and what the
// coordinator derives from it again and again — the exchange's plan, the
// rejects limits, the S3 output's options — built when the job is admitted
// and, after a restart, when the ledger is loaded. Every in-memory
// JobRecord of the scheduler holds one (JobRecord::compiled, shared and
// immutable: copies of the record share it, any thread may read it); the
// ledger stores only the job file, the durable form.

#include <memory>
#include <string>

#include "common/base/status.h"
#include "common/spec/job_spec.h"

namespace sluice {

struct JobRecord;

struct CompiledJob {
  JobSpec spec;  // the job file as the workers read it (pinned types included)
  // The exchange (has_aggregate): a global sort's bucket tasks merge key
  // ranges (plan_sort_tasks); an aggregate's read runs of `buckets` hash
  // buckets, one task each when `parallelism` is given.
  bool sorts_globally = false;
  uint32_t buckets = 0;
  // output.s3, its credentials file resolved against the job's base directory.
  S3Options output_s3;
};

// Parses `job.spec_yaml` (errors name job.spec_file) and derives the rest.
Result<std::shared_ptr<const CompiledJob>> compile_job_file(const JobRecord& job);
// As compile_job, from a JobSpec already parsed from job.spec_yaml.
std::shared_ptr<const CompiledJob> compile_job_file(const JobRecord& job, JobSpec spec);

// The job's compiled form, or an error when it has none (its job file did
// not compile when the ledger was loaded: the job was failed then).
Result<const CompiledJob*> compiled_of(const JobRecord& job);

}  // namespace sluice
