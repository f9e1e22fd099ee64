#include "coordinator/admission.h"

#include <fmt/format.h>

#include "common/base/clock.h"
#include "common/base/hash.h"
#include "common/base/limits.h"
#include "common/job/check.h"
#include "common/job/job_spec.h"
#include "coordinator/planner.h"

namespace sluice {

Result<AdmittedJob> admit_job(const std::string& spec_yaml, const std::string& spec_file,
                              const std::string& base_dir) {
  SLUICE_ASSIGN_OR_RETURN(JobSpec spec, parse_job_spec(spec_yaml, spec_file));
  SLUICE_ASSIGN_OR_RETURN(CheckedJob checked, check_job(spec, base_dir));
  // format: postgres: the key's range, read now, is the input's identity and its plan.
  std::vector<PlannedRange> key_ranges;
  if (spec.input.format == InputFormat::kPostgres) {
    SLUICE_ASSIGN_OR_RETURN(key_ranges, plan_postgres_input(spec.input, base_dir, checked.inputs));
  }

  std::string identity = spec_yaml + '\0' + base_dir;
  for (const InputFile& input : checked.inputs) {
    identity += fmt::format("\x1f{}\x1f{}\x1f{}", input.path, input.size_bytes, input.mtime_ns);
  }
  AdmittedJob admitted;
  JobRecord& job = admitted.record;
  job.id = hex64(hash64(identity));
  job.name = spec.name;
  job.spec_yaml = spec_yaml;
  job.spec_file = spec_file;
  job.base_dir = base_dir;
  job.output_dir = absolute_path(spec.output.path, base_dir);
  job.extension = std::string(extension_of(spec.output.format, spec.output.compression));
  job.inputs = checked.inputs;
  job.max_attempts = spec.max_attempts;
  job.has_header = spec.input.header;
  job.has_aggregate = checked.has_aggregate;
  job.speculative = spec.speculative;
  job.created_unix = unix_time_seconds();

  const std::vector<PlannedRange> ranges =
      spec.input.format == InputFormat::kPostgres
          ? key_ranges
          : plan_ranges(checked.inputs, spec.input.split_size_bytes);
  if (ranges.size() > limits::kPartitionsMax) {
    return invalid_argument(
        fmt::format("{}: input.split_size: {} partitions is over the limit of {}", spec_file,
                    ranges.size(), limits::kPartitionsMax));
  }
  job.partitions_total = static_cast<uint32_t>(ranges.size());
  for (uint32_t index = 0; index < ranges.size(); ++index) {
    PartitionRecord partition;
    partition.index = index;
    partition.range = ranges[index];
    admitted.partitions.push_back(partition);
  }
  return admitted;
}

}  // namespace sluice
