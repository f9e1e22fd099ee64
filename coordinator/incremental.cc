#include "coordinator/incremental.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/base/hash.h"
#include "common/base/log.h"
#include "common/io/byte_source.h"
#include "common/job/hive_prune.h"
#include "common/job/inputs.h"
#include "common/spec/job_spec.h"
#include "coordinator/compiled_job.h"
#include "coordinator/json_text.h"
#include "coordinator/planner.h"
#include "coordinator/publisher.h"
#include "coordinator/scheduler.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

Result<uint64_t> checksum_range(FileSource& source, uint64_t offset, uint64_t length) {
  std::string buffer(length, '\0');
  uint64_t filled = 0;
  while (filled < length) {
    SLUICE_ASSIGN_OR_RETURN(
        size_t read, source.read_at(offset + filled, buffer.data() + filled, length - filled));
    if (read == 0) return io_error(fmt::format("{}: short read at {}", source.path(), offset));
    filled += read;
  }
  return hash64(buffer);
}

std::string describe(const InputVersion& before, const InputVersion& now) {
  std::vector<std::string> what;
  if (before.size_bytes != now.size_bytes) {
    what.push_back(fmt::format("size {} -> {}", before.size_bytes, now.size_bytes));
  }
  if (before.mtime_ns != now.mtime_ns) what.push_back("modification time");
  if (before.head_checksum != now.head_checksum) what.push_back("first 64 KiB");
  if (before.tail_checksum != now.tail_checksum) what.push_back("last 64 KiB");
  return fmt::format("{}", fmt::join(what, ", "));
}

// The first input of `run` whose size or modification time is not what the
// run planned (or that is gone: not listed, or not readable, at this
// admission): such a run can never succeed.
std::optional<std::string> changed_since_planned(
    const JobRecord& run, const std::map<std::string, Result<InputVersion>>& identities) {
  for (const InputFile& input : run.inputs) {
    auto now = identities.find(input.path);
    if (now == identities.end() || !now->second.is_ok() ||
        now->second->size_bytes != input.size_bytes || now->second->mtime_ns != input.mtime_ns) {
      return input.path;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string output_lineage(const std::string& output_dir) {
  std::ifstream file(fs::path(output_dir) / "_MANIFEST.json");
  if (!file) return "";
  try {
    return nlohmann::json::parse(file).value("lineage_id", std::string("-"));
  } catch (const nlohmann::json::exception&) {
    return "-";
  }
}

std::string lineage_id_of(const JobRecord& job) {
  return hex64(
      hash64("incremental\x1f" + job.spec_yaml + '\x1f' + job.base_dir + '\x1f' + job.output_dir));
}

Result<InputVersion> identify_input(const InputFile& input) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<FileSource> source, FileSource::open(input.path));
  InputVersion version{input.path, input.size_bytes, input.mtime_ns, 0, 0};
  const uint64_t size = std::min<uint64_t>(source->size_bytes(), input.size_bytes);
  const uint64_t length = std::min<uint64_t>(size, kFingerprintBytes);
  SLUICE_ASSIGN_OR_RETURN(version.head_checksum, checksum_range(*source, 0, length));
  SLUICE_ASSIGN_OR_RETURN(version.tail_checksum, checksum_range(*source, size - length, length));
  return version;
}

std::vector<SeenFile> files_of_run(const JobRecord& job,
                                   const std::vector<PartitionRecord>& partitions) {
  std::vector<SeenFile> files;
  for (uint32_t file_index = 0; file_index < job.inputs.size(); ++file_index) {
    json parts = json::array(), rejects = json::array(), accounting = json::array();
    SeenFile file;
    file.identity = job.identities.at(file_index);
    file.job_id = job.id;
    file.generation = job.generation;
    file.first_part = UINT32_MAX;
    for (const PartitionRecord& p : partitions) {
      if (p.range.file_index != file_index) continue;
      const uint32_t number = job.part_base + p.index;
      file.first_part = std::min(file.first_part, number);
      parts.push_back({{"partition", number},
                       {"file", part_name(job, p.index)},
                       {"rows", p.stats.rows_out},
                       {"bytes", p.stats.bytes_written},
                       {"checksum", hex64(p.stats.checksum)},
                       {"generation", job.generation}});
      if (p.stats.rows_rejected > 0) {
        rejects.push_back({{"partition", number},
                           {"file", rejects_name(job, p.index)},
                           {"rows", p.stats.rows_rejected},
                           {"bytes", p.stats.rejects_bytes},
                           {"checksum", hex64(p.stats.rejects_checksum)}});
      }
      accounting.push_back({{"partition", number},
                            {"input_file", file.identity.path},
                            {"input_range", {p.range.begin_offset, p.range.end_offset}},
                            {"attempt", p.attempt},
                            {"job_id", job.id},
                            {"rows_in", p.stats.rows_in},
                            {"rows_out", p.stats.rows_out},
                            {"rows_filtered", p.stats.rows_filtered},
                            {"rows_rejected", p.stats.rows_rejected}});
    }
    if (file.first_part == UINT32_MAX) file.first_part = job.part_base;
    file.output_json =
        json_text(json{{"parts", parts}, {"rejects", rejects}, {"partitions", accounting}});
    files.push_back(std::move(file));
  }
  return files;
}

std::vector<std::string> output_files_of(const SeenFile& file) {
  std::vector<std::string> names;
  const json output = json::parse(file.output_json);
  for (const json& part : output.at("parts")) names.push_back(part.at("file"));
  for (const json& rejects : output.at("rejects")) names.push_back(rejects.at("file"));
  return names;
}

std::set<std::string> unfinished_jobs(const Scheduler& scheduler) {
  std::set<std::string> ids;
  for (const JobRecord* job : scheduler.jobs()) {
    if (job->state == JobState::kRunning || job->state == JobState::kFailed) ids.insert(job->id);
  }
  return ids;
}

Status plan_incremental_run(Scheduler& scheduler, AdmittedJob& admitted,
                            const std::set<std::string>& unfinished_at_receipt) {
  JobRecord& record = admitted.record;
  SLUICE_RETURN_IF_ERROR(compiled_of(record).status());
  // Held here: reuse() below replaces the record (and its compiled job).
  const std::shared_ptr<const CompiledJob> compiled = record.compiled;
  const JobSpec& spec = compiled->spec;
  if (!spec.input.incremental) return Status::ok();
  auto log = logger("coordinator");
  const std::string lineage = lineage_id_of(record);
  std::vector<const JobRecord*> runs;  // in submission order
  for (const JobRecord* job : scheduler.jobs()) {
    if (job->lineage_id == lineage) runs.push_back(job);
  }
  auto reuse = [&](const JobRecord& run) {
    record = run;
    // A run that did not compile at load: the same job file, compiled now.
    if (record.compiled == nullptr) record.compiled = compiled;
    admitted.partitions.clear();
  };
  // One run at a time, in order: an unfinished one finishes first.
  for (const JobRecord* run : runs) {
    if (run->state == JobState::kFailed) {
      if (std::optional<std::string> changed =
              changed_since_planned(*run, admitted.facts.identities)) {
        log->warn(
            "incremental run superseded lineage={} job={} reason=its input {} changed since it "
            "was planned; a new run reads its files",
            lineage, run->id, *changed);
        SLUICE_RETURN_IF_ERROR(scheduler.supersede(
            run->id, "superseded: input " + *changed + " changed since the run was planned"));
        continue;
      }
    }
    if (run->state == JobState::kRunning || run->state == JobState::kFailed ||
        unfinished_at_receipt.count(run->id) > 0) {
      log->info(
          "incremental run unfinished, finishing it first lineage={} job={} generation={} "
          "state={}; files added since go to the next run",
          lineage, run->id, run->generation, job_state_name(run->state));
      reuse(*run);
      return Status::ok();
    }
  }
  // The output directory belongs to this lineage (part numbers would collide).
  const std::string& owner = admitted.facts.output_lineage;
  if (!owner.empty() && owner != lineage) {
    return invalid_argument(fmt::format(
        "{}: output.path: {} holds the output of another job{}; an incremental job needs an "
        "output directory of its own (a changed job file is another job: give a new path)",
        record.spec_file, record.output_dir,
        owner == "-" ? "" : fmt::format(" (lineage {})", owner)));
  }

  const std::map<std::string, SeenFile>& seen = scheduler.seen_files(lineage);
  std::vector<InputFile> inputs;
  std::vector<InputVersion> identities;
  std::vector<InputChange> changes;
  std::vector<std::string> replaced;
  for (const InputFile& input : record.inputs) {
    auto identified = admitted.facts.identities.find(input.path);
    if (identified == admitted.facts.identities.end()) {
      return internal_error("incremental input not identified at admission: " + input.path);
    }
    SLUICE_ASSIGN_OR_RETURN(InputVersion now, identified->second);
    auto it = seen.find(input.path);
    if (it != seen.end()) {
      const SeenFile& before = it->second;
      if (before.identity == now) continue;
      if (spec.input.reprocess_changed) {
        changes.push_back(InputChange{before.identity, now, true});
        for (std::string& name : output_files_of(before)) replaced.push_back(std::move(name));
      } else {
        if (before.reported && *before.reported == now) continue;  // reported once already
        changes.push_back(InputChange{before.identity, now, false});
        continue;
      }
    }
    inputs.push_back(input);
    identities.push_back(now);
  }

  const JobRecord* last_succeeded = nullptr;
  uint32_t generation = 0, part_base = 0;
  for (const JobRecord* run : runs) {
    if (run->state == JobState::kSucceeded) {
      last_succeeded = run;
      generation = std::max(generation, run->generation);
    }
    // Cancelled runs reserved their numbers too: numbers are never reused.
    part_base = std::max(part_base, run->part_base + run->partitions_total);
  }
  if (inputs.empty() && changes.empty() && last_succeeded != nullptr) {
    log->info(
        "incremental run: nothing new lineage={} files={} generation={} job={}; "
        "the output is up to date",
        lineage, record.inputs.size(), last_succeeded->generation, last_succeeded->id);
    reuse(*last_succeeded);
    return Status::ok();
  }
  // Parts of cancelled runs are in no manifest: their files run again now.
  // Their numbers are not reused (part_base), so the new run never waits
  // for the removal.
  for (const JobRecord* run : runs) {
    if (run->state != JobState::kCancelled) continue;
    for (uint32_t index = 0; index < run->partitions_total; ++index) {
      admitted.stale_files.push_back((fs::path(run->output_dir) / part_name(*run, index)).string());
      admitted.stale_files.push_back(
          (fs::path(run->output_dir) / rejects_name(*run, index)).string());
    }
  }

  std::string identity = fmt::format("run\x1f{}\x1f{}", lineage, runs.size());
  for (const InputVersion& file : identities) {
    identity += fmt::format("\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", file.path, file.size_bytes,
                            file.mtime_ns, file.head_checksum, file.tail_checksum);
  }
  for (const InputChange& change : changes) {
    identity += fmt::format("\x1e{}\x1f{}\x1f{}", change.now.path, change.now.size_bytes,
                            change.now.mtime_ns);
  }
  record.id = hex64(hash64(identity));
  record.lineage_id = lineage;
  record.generation = generation + 1;
  record.part_base = part_base;
  record.inputs = inputs;
  record.identities = identities;
  record.changes = changes;
  record.replaced = replaced;
  std::vector<std::string> notes;
  for (const InputChange& change : changes) {
    const std::string what = describe(change.before, change.now);
    log->warn(
        "incremental input changed after it was processed lineage={} job={} path={} changed={} "
        "action={}",
        lineage, record.id, change.now.path, what, change.reprocess ? "reprocess" : "report");
    notes.push_back(fmt::format("{} ({})", change.now.path, what));
  }
  if (!changes.empty()) {
    record.error = fmt::format(
        "warning: {} input file(s) changed after they were processed: {}; {}", changes.size(),
        fmt::join(notes, "; "),
        spec.input.reprocess_changed
            ? "their parts are replaced (input.on_change: reprocess)"
            : "their parts hold the old content (input.on_change: reprocess replaces them)");
  }

  // Hive partitions: files the filters rule out are seen but never planned.
  SLUICE_ASSIGN_OR_RETURN(HivePruning pruning, prune_hive_files(spec, inputs));
  record.hive_files_skipped = pruning.files_skipped;
  record.hive_bytes_skipped = pruning.bytes_skipped;
  const std::vector<PlannedRange> ranges = plan_input_ranges(spec.input, inputs, pruning.skipped);
  admitted.partitions.clear();
  for (uint32_t index = 0; index < ranges.size(); ++index) {
    PartitionRecord partition;
    partition.index = index;
    partition.range = ranges[index];
    admitted.partitions.push_back(partition);
  }
  record.partitions_total = static_cast<uint32_t>(ranges.size());
  log->info(
      "incremental run planned lineage={} job={} generation={} new_files={} changed_files={} "
      "first_part={} partitions={}",
      lineage, record.id, record.generation, inputs.size(), changes.size(), part_base,
      record.partitions_total);
  return Status::ok();
}

}  // namespace sluice
