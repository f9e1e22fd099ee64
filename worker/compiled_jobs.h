#pragma once
// Every task carries its job's file; a worker parses (compiles) it once per
// job and keeps the result for the job's next tasks: a JobSpec, checked,
// with its expressions parsed. The last kCompiledJobsCached jobs are kept.
// Tasks copy the spec before changing it for their side of a join.
// Thread safety: compiled_job() may be called from any task thread.

#include <memory>
#include <string>

#include "common/base/status.h"
#include "common/spec/job_spec.h"

namespace sluice {

inline constexpr size_t kCompiledJobsCached = 16;

Result<std::shared_ptr<const JobSpec>> compiled_job(const std::string& spec_yaml);

// Parses done so far (not answered from the cache), for tests.
uint64_t job_compilations();

}  // namespace sluice
