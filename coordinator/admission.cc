#include "coordinator/admission.h"

#include <fmt/format.h>

#include "common/base/clock.h"
#include "common/base/hash.h"
#include "common/base/limits.h"
#include "common/exchange/exchange.h"
#include "common/exchange/join_plan.h"
#include "common/job/check.h"
#include "common/job/hive_partitions.h"
#include "common/job/hive_prune.h"
#include "common/job/infer_types.h"
#include "common/job/job_file.h"
#include "common/s3/location.h"
#include "common/spec/job_spec.h"
#include "coordinator/compiled_job.h"
#include "coordinator/incremental.h"
#include "coordinator/output_dir.h"
#include "coordinator/planner.h"
#include "coordinator/s3_output.h"
#include "coordinator/scheduler.h"

namespace sluice {

namespace {

AdmissionFacts read_admission_facts(const JobRecord& job, bool incremental) {
  AdmissionFacts facts;
  if (is_s3_output(job)) {
    JobRecord claimed = job;
    facts.s3_claim = claim_s3_output(claimed);
    facts.s3_part_base = claimed.part_base;
  } else {
    facts.output = read_output_contents(job.output_dir);
  }
  if (!incremental) return facts;
  for (const InputFile& input : job.inputs) {
    facts.identities.emplace(input.path, identify_input(input));
  }
  facts.output_lineage = output_lineage(job.output_dir);
  return facts;
}

}  // namespace

Result<AdmittedJob> admit_job(const std::string& spec_yaml, const std::string& spec_file,
                              const std::string& base_dir) {
  SLUICE_ASSIGN_OR_RETURN(JobSpec spec, parse_job_spec(spec_yaml, spec_file));
  JobSpec as_submitted = spec;  // the compiled job's, unless types are pinned below
  // input.infer_types: the sampled types join the schema, pinned in the
  // job's file as the workers will read it.
  InferredSchema inferred;
  SLUICE_RETURN_IF_ERROR(apply_inferred_types(spec, base_dir, &inferred));
  // Hive-partitioned input: the keys and their types, pinned likewise.
  std::vector<ColumnRule> hive_typed;
  SLUICE_RETURN_IF_ERROR(apply_hive_partitioning(spec, base_dir, &hive_typed));
  SLUICE_ASSIGN_OR_RETURN(CheckedJob checked, check_job(spec, base_dir));
  // Files the filters rule out by their partition values: never planned.
  SLUICE_ASSIGN_OR_RETURN(HivePruning pruning, prune_hive_files(spec, checked.inputs));
  // format: postgres: the key's range, read now, is the input's identity and its plan.
  std::vector<PlannedRange> key_ranges;
  if (spec.input.format == InputFormat::kPostgres) {
    SLUICE_ASSIGN_OR_RETURN(key_ranges, plan_postgres_input(spec.input, base_dir, checked.inputs));
  }
  // A join's input through the exchange: its ranges are the last map tasks.
  const JoinSpec* join = checked.join_broadcast ? nullptr : join_of(spec);
  std::vector<PlannedRange> right_ranges;
  if (join != nullptr && join->input.format == InputFormat::kPostgres) {
    SLUICE_ASSIGN_OR_RETURN(right_ranges,
                            plan_postgres_input(join->input, base_dir, checked.right_inputs));
  } else if (join != nullptr) {
    // Parquet files are cut at row group starts (their footers, read now).
    std::vector<std::vector<uint64_t>> right_starts;
    if (join->input.format == InputFormat::kParquet)
      right_starts =
          parquet_row_group_starts(checked.right_inputs, input_s3_options(join->input, base_dir));
    right_ranges = plan_ranges(checked.right_inputs, join->input.split_size_bytes, &right_starts);
  }

  std::string identity = spec_yaml + '\0' + base_dir;
  for (const InputFile& input : checked.inputs) {
    identity += fmt::format("\x1f{}\x1f{}\x1f{}", input.path, input.size_bytes, input.mtime_ns);
  }
  if (!checked.right_inputs.empty()) identity += '\0';  // a join's input
  for (const InputFile& input : checked.right_inputs) {
    identity += fmt::format("\x1f{}\x1f{}\x1f{}", input.path, input.size_bytes, input.mtime_ns);
  }
  AdmittedJob admitted;
  JobRecord& job = admitted.record;
  job.id = hex64(hash64(identity));
  job.name = spec.name;
  job.spec_yaml = spec_yaml;
  if (hive_partitioning_on(spec.input)) {
    InferredSchema added = inferred;
    added.columns.insert(added.columns.end(), hive_typed.begin(), hive_typed.end());
    SLUICE_ASSIGN_OR_RETURN(job.spec_yaml, pin_hive_partitioning(spec_yaml, spec.input, added));
  } else if (!inferred.empty()) {
    SLUICE_ASSIGN_OR_RETURN(job.spec_yaml, pin_inferred_types(spec_yaml, inferred));
  }
  job.hive_files_skipped = pruning.files_skipped;
  job.hive_bytes_skipped = pruning.bytes_skipped;
  job.spec_file = spec_file;
  job.base_dir = base_dir;
  // The job compiled once, from the file the workers read: parsed again
  // only when admission pinned types into it.
  if (job.spec_yaml == spec_yaml) {
    job.compiled = compile_job_file(job, std::move(as_submitted));
  } else {
    SLUICE_ASSIGN_OR_RETURN(job.compiled, compile_job_file(job));
  }
  job.output_dir = is_s3_url(spec.output.path) ? without_trailing_slash(spec.output.path)
                                               : absolute_path(spec.output.path, base_dir);
  job.extension = std::string(extension_of(spec.output.format, spec.output.compression));
  job.inputs = checked.inputs;
  job.max_attempts = spec.max_attempts;
  job.has_header = spec.input.header;
  job.has_aggregate = checked.has_aggregate;
  job.partition_by = spec.output.partition_by;
  job.speculative = spec.speculative;
  job.output_mode = spec.output.mode;
  if (is_s3_url(spec.output.path) && job.has_aggregate) job.exchange_dir = s3_exchange_dir(job);
  job.created_unix = unix_time_seconds();

  // Parquet files are cut at row group starts (their footers, read now).
  std::vector<PlannedRange> ranges =
      spec.input.format == InputFormat::kPostgres
          ? key_ranges
          : plan_input_ranges(spec.input, checked.inputs, pruning.skipped,
                              input_s3_options(spec.input, base_dir));
  job.join_broadcast = checked.join_broadcast;
  if (checked.join_broadcast) {
    // A lookup (join_as_lookup): the workers load the right file whole.
    job.join_right_columns = checked.right_columns;
  } else if (join != nullptr) {
    // The join's input is planned as the job's is, after it: its files are
    // the last of job.inputs and its ranges the last map tasks.
    job.right_inputs_from = static_cast<uint32_t>(job.inputs.size());
    for (PlannedRange range : right_ranges) {
      range.file_index += job.right_inputs_from;
      ranges.push_back(range);
      job.map_tasks_right++;
    }
    job.inputs.insert(job.inputs.end(), checked.right_inputs.begin(), checked.right_inputs.end());
    job.join_right_columns = checked.right_columns;
  }
  if (ranges.size() > limits::kPartitionsMax) {
    return invalid_argument(
        fmt::format("{}: input.split_size: {} partitions is over the limit of {}", spec_file,
                    ranges.size(), limits::kPartitionsMax));
  }
  job.partitions_total = static_cast<uint32_t>(ranges.size());
  if (job.has_aggregate) {
    // The map tasks are the input ranges; the bucket tasks are planned once
    // their outputs are committed (Scheduler, scheduler_stages.cc).
    job.map_tasks = job.partitions_total;
    job.final_merge = sorts_after_aggregate(spec);
    job.input_columns = checked.input_columns;
    job.header_known = checked.header_known;
  }
  for (uint32_t index = 0; index < ranges.size(); ++index) {
    PartitionRecord partition;
    partition.index = index;
    partition.range = ranges[index];
    admitted.partitions.push_back(partition);
  }
  admitted.facts = read_admission_facts(job, spec.input.incremental);
  return admitted;
}

namespace {

std::string describe_job(const Scheduler& scheduler, const std::string& job_id,
                         const std::string& name = "") {
  const JobRecord* known = scheduler.job(job_id);
  const std::string& shown = known != nullptr ? known->name : name;
  return shown.empty() ? "job " + job_id : fmt::format("job {} ({})", job_id, shown);
}

// The job of `scheduler` (not `job`, not of its lineage) running into
// `job`'s output directory, if any.
const JobRecord* running_into(const Scheduler& scheduler, const JobRecord& job) {
  const std::string out = without_trailing_slash(job.output_dir);
  for (const JobRecord* other : scheduler.jobs()) {
    if (other->state != JobState::kRunning || other->id == job.id) continue;
    if (!job.lineage_id.empty() && other->lineage_id == job.lineage_id) continue;
    if (without_trailing_slash(other->output_dir) == out) return other;
  }
  return nullptr;
}

// A failed job of `scheduler` (not `job`) whose output directory is `job`'s:
// the likely owner of part files no manifest lists.
const JobRecord* failed_into(const Scheduler& scheduler, const JobRecord& job) {
  const std::string out = without_trailing_slash(job.output_dir);
  const JobRecord* found = nullptr;
  for (const JobRecord* other : scheduler.jobs()) {
    if (other->state != JobState::kFailed || other->id == job.id) continue;
    if (without_trailing_slash(other->output_dir) == out) found = other;  // the latest
  }
  return found;
}

}  // namespace

Status claim_output(const Scheduler& scheduler, AdmittedJob& admitted) {
  JobRecord& job = admitted.record;
  if (scheduler.job(job.id) != nullptr) return Status::ok();  // the same job again
  const std::string where = fmt::format("{}: output.path: {}", job.spec_file, job.output_dir);
  const char* choices =
      "an output directory belongs to one job: give another path, or set output.mode: "
      "overwrite (replace that output once this one is complete) or append (add parts to it)";
  if (const JobRecord* other = running_into(scheduler, job)) {
    return invalid_argument(fmt::format("{} is being written by {}, still running; {}", where,
                                        describe_job(scheduler, other->id, other->name), choices));
  }
  if (is_s3_output(job)) {
    // An incremental run is known as one only now (plan_incremental_run).
    SLUICE_RETURN_IF_ERROR(check_s3_output_supported(job));
    SLUICE_RETURN_IF_ERROR(admitted.facts.s3_claim);
    job.part_base = admitted.facts.s3_part_base;
    return Status::ok();
  }
  SLUICE_RETURN_IF_ERROR(admitted.facts.output.status());
  const OutputContents& contents = *admitted.facts.output;
  if (!contents.exists) return Status::ok();
  // Temporary files: a job writing there now, or one interrupted. Refused in
  // every mode: neither replacing nor appending can be right under it.
  for (const std::string& working : contents.working_jobs) {
    if (working == job.id) continue;
    const JobRecord* known = scheduler.job(working);
    if (known != nullptr && !job.lineage_id.empty() && known->lineage_id == job.lineage_id) {
      continue;
    }
    return invalid_argument(fmt::format(
        "{} holds temporary files of {} (_temporary/ or _partials/): it is running, or it was "
        "interrupted and can be resumed; {}",
        where, describe_job(scheduler, working), choices));
  }
  const OutputOwner* owner = contents.manifest ? &*contents.manifest : nullptr;
  if (owner != nullptr && owner->job_id == job.id) {
    // Its own output, from a coordinator state that is gone. Finished: its
    // parts are there, and running it again could only fail to publish.
    if (contents.success && job.output_mode == OutputMode::kError) {
      return invalid_argument(fmt::format(
          "{} holds the finished output of this same job ({}, with _SUCCESS) from a state "
          "directory that is gone: nothing to do. Delete the directory to run the job again, or "
          "set output.mode: overwrite",
          where, job.id));
    }
    if (job.output_mode == OutputMode::kAppend) job.part_base = owner->part_base;
    return Status::ok();
  }
  if (job.output_mode == OutputMode::kOverwrite) return Status::ok();
  if (contents.manifest_unreadable) {
    return invalid_argument(
        fmt::format("{} holds a _MANIFEST.json that cannot be read; {}", where, choices));
  }
  if (owner == nullptr) {
    if (contents.part_files.empty()) return Status::ok();
    if (const JobRecord* failed = failed_into(scheduler, job)) {
      return invalid_argument(fmt::format(
          "{} holds the parts {} published before it failed (submit it again to resume it); {}",
          where, describe_job(scheduler, failed->id), choices));
    }
    return invalid_argument(fmt::format(
        "{} holds part files no _MANIFEST.json lists ({}…): the output of a job that failed or "
        "was interrupted; {}",
        where, contents.part_files.front(), choices));
  }
  if (!job.lineage_id.empty()) return Status::ok();  // plan_incremental_run checked the lineage
  const std::string other = describe_job(scheduler, owner->job_id, owner->name);
  if (job.output_mode == OutputMode::kError) {
    return invalid_argument(fmt::format("{} holds the output of {}; {}", where, other, choices));
  }
  // Append.
  if (!owner->lineage_id.empty()) {
    return invalid_argument(fmt::format(
        "{} holds the output of an incremental lineage ({}); output.mode: append cannot add to "
        "it (its next run would drop what was added): run that job to add files",
        where, other));
  }
  if (!contents.success) {
    return invalid_argument(fmt::format(
        "{} holds the output of {}, not finished (no _SUCCESS); output.mode: append adds to a "
        "finished output",
        where, other));
  }
  job.part_base = contents.next_part_number;
  return Status::ok();
}

}  // namespace sluice
