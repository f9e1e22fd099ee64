#include "coordinator/compiled_job.h"

#include "common/base/paths.h"
#include "common/exchange/exchange.h"
#include "common/job/job_file.h"
#include "coordinator/records.h"

namespace sluice {

std::shared_ptr<const CompiledJob> compile_job_file(const JobRecord& job, JobSpec spec) {
  auto compiled = std::make_shared<CompiledJob>();
  compiled->sorts_globally = sorts_globally(spec);
  compiled->buckets = exchange_buckets(spec);
  compiled->output_s3 = spec.output.s3;
  if (!compiled->output_s3.credentials_file.empty()) {
    compiled->output_s3.credentials_file = absolute_path(compiled->output_s3.credentials_file,
                                                         job.base_dir.empty() ? "." : job.base_dir);
  }
  compiled->spec = std::move(spec);
  return compiled;
}

Result<std::shared_ptr<const CompiledJob>> compile_job_file(const JobRecord& job) {
  SLUICE_ASSIGN_OR_RETURN(JobSpec spec, parse_job_spec(job.spec_yaml, job.spec_file));
  return compile_job_file(job, std::move(spec));
}

Result<const CompiledJob*> compiled_of(const JobRecord& job) {
  if (job.compiled == nullptr) {
    return internal_error("job " + job.id + ": its job file did not compile when it was loaded");
  }
  return job.compiled.get();
}

}  // namespace sluice
