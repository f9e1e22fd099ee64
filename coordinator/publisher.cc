#include "coordinator/publisher.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "common/base/crash_point.h"
#include "common/base/hash.h"
#include "common/io/publish.h"
#include "common/io/row_writer.h"
#include "common/job/check.h"
#include "common/job/job_spec.h"
#include "common/pipeline/merge.h"
#include "common/pipeline/pipeline.h"
#include "coordinator/incremental.h"
#include "coordinator/json_text.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string in_output(const JobRecord& job, const std::string& name) {
  return (fs::path(job.output_dir) / name).string();
}

struct PartFile {
  std::string name;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t checksum = 0;
};

// Merges the committed partial states into OUT/part-00000<ext>.
Result<PartFile> merge_aggregate(const JobRecord& job,
                                 const std::vector<PartitionRecord>& partitions) {
  SLUICE_ASSIGN_OR_RETURN(JobSpec spec, parse_job_spec(job.spec_yaml, job.spec_file));
  spec.base_dir = job.base_dir;  // lookup files after the aggregate resolve against it
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> input_columns,
                          read_input_columns(spec, job.inputs.front().path));
  // The pipeline knows the final columns' types: a Parquet output gets typed
  // columns (count is int64, avg float64, ...), as a worker's parts do.
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Pipeline> pipeline,
                          Pipeline::compile(spec, input_columns));
  const std::vector<std::string>& columns = pipeline->output_columns();
  std::vector<std::string> partials;
  for (const PartitionRecord& partition : partitions) {
    partials.push_back(fmt::format("{}/part-{:05}.csv", partials_dir(job), partition.index));
  }
  const std::string temp = temporary_dir(job) + "/merged" + job.extension;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RowWriter> writer,
                          open_row_writer(temp, spec.output.format, spec.output.compression,
                                          columns, pipeline->output_types()));
  SLUICE_RETURN_IF_ERROR(
      merge_partials(spec, input_columns, partials,
                     [&](const OutputBatch& batch) { return writer->write(batch); }));
  SLUICE_ASSIGN_OR_RETURN(WriteStats stats, writer->finish());
  PartFile part{part_name(job, 0), stats.rows, stats.bytes, stats.checksum};
  const std::string final_path = in_output(job, part.name);
  if (fs::exists(final_path)) {
    // A redo after a crash: the merge is deterministic, so the bytes in
    // place must be the bytes just merged.
    SLUICE_ASSIGN_OR_RETURN(uint64_t existing, checksum_file(final_path));
    std::error_code ignored;
    fs::remove(temp, ignored);
    if (existing != stats.checksum) {
      return internal_error(final_path + " exists with other content than the merge produced");
    }
    return part;
  }
  crash_point("merged");
  SLUICE_ASSIGN_OR_RETURN(PublishOutcome outcome, publish_file(temp, final_path));
  crash_point("merge-published");
  (void)outcome;
  return part;
}

}  // namespace

std::string temporary_dir(const JobRecord& job) { return in_output(job, "_temporary/" + job.id); }

std::string partials_dir(const JobRecord& job) { return in_output(job, "_partials/" + job.id); }

std::string temp_part_path(const JobRecord& job, uint32_t partition, uint32_t attempt) {
  if (job.has_aggregate) {
    return fmt::format("{}/partial-{:05}-attempt-{}.csv", temporary_dir(job), partition, attempt);
  }
  return fmt::format("{}/part-{:05}-attempt-{}{}", temporary_dir(job), partition, attempt,
                     job.extension);
}

std::string temp_rejects_path(const JobRecord& job, uint32_t partition, uint32_t attempt) {
  return fmt::format("{}/rejects-{:05}-attempt-{}.csv", temporary_dir(job), partition, attempt);
}

std::string part_name(const JobRecord& job, uint32_t partition) {
  return fmt::format("part-{:05}{}", job.part_base + partition, job.extension);
}

std::string rejects_name(const JobRecord& job, uint32_t partition) {
  return fmt::format("_rejects/part-{:05}.csv", job.part_base + partition);
}

Status publish_partition(const JobRecord& job, const PartitionRecord& partition) {
  const uint32_t attempt = partition.attempt;
  if (job.has_aggregate) {
    SLUICE_RETURN_IF_ERROR(make_directories(partials_dir(job)));
    SLUICE_RETURN_IF_ERROR(
        publish_file(temp_part_path(job, partition.index, attempt),
                     fmt::format("{}/part-{:05}.csv", partials_dir(job), partition.index))
            .status());
  } else {
    SLUICE_RETURN_IF_ERROR(publish_file(temp_part_path(job, partition.index, attempt),
                                        in_output(job, part_name(job, partition.index)))
                               .status());
  }
  const std::string temp_rejects = temp_rejects_path(job, partition.index, attempt);
  if (partition.stats.rows_rejected > 0) {
    SLUICE_RETURN_IF_ERROR(make_directories(in_output(job, "_rejects")));
    SLUICE_RETURN_IF_ERROR(
        publish_file(temp_rejects, in_output(job, rejects_name(job, partition.index))).status());
  } else {
    std::error_code ignored;
    fs::remove(temp_rejects, ignored);
  }
  return Status::ok();
}

void discard_attempt(const JobRecord& job, uint32_t partition, uint32_t attempt) {
  std::error_code ignored;
  fs::remove(temp_part_path(job, partition, attempt), ignored);
  fs::remove(temp_rejects_path(job, partition, attempt), ignored);
}

static json version_json(const InputVersion& version) {
  return {{"size", version.size_bytes},
          {"mtime_ns", version.mtime_ns},
          {"head_xxh64", hex64(version.head_checksum)},
          {"tail_xxh64", hex64(version.tail_checksum)}};
}

// What every manifest lists: inputs, parts, rejects, each partition's
// accounting, and the row totals summed from it.
struct ManifestContent {
  json inputs = json::array();
  json parts = json::array();
  json rejects = json::array();
  json accounting = json::array();
  uint64_t rows_in = 0, rows_out = 0, rows_filtered = 0, rows_rejected = 0;

  void add_accounting(const json& entry) {
    accounting.push_back(entry);
    rows_in += entry.at("rows_in").get<uint64_t>();
    rows_out += entry.at("rows_out").get<uint64_t>();
    rows_filtered += entry.at("rows_filtered").get<uint64_t>();
    rows_rejected += entry.at("rows_rejected").get<uint64_t>();
  }
};

static json manifest_json(const JobRecord& job, bool aggregate, const ManifestContent& content) {
  return json{{"format_version", 1},
              {"job_id", job.id},
              {"name", job.name},
              {"spec_hash", hex64(hash64(job.spec_yaml))},
              {"extension", job.extension},
              {"aggregate", aggregate},
              {"inputs", content.inputs},
              {"rows_in", content.rows_in},
              {"rows_out", content.rows_out},
              {"rows_filtered", content.rows_filtered},
              {"rows_rejected", content.rows_rejected},
              {"parts", content.parts},
              {"rejects", content.rejects},
              {"partitions", content.accounting}};
}

// A run of an incremental lineage: the generation's own manifest, then the
// top one listing every current part (earlier runs' files, less those this
// run replaces, then this run's), then _SUCCESS. Deterministic: a redo after
// a crash writes the same bytes (lineage_files change only when the run is
// marked succeeded, after this).
static Status finish_incremental(const JobRecord& job,
                                 const std::vector<PartitionRecord>& partitions,
                                 const std::map<std::string, SeenFile>& lineage_files) {
  std::set<std::string> replaced_paths;
  for (const InputChange& change : job.changes) {
    if (change.reprocess) replaced_paths.insert(change.now.path);
  }
  const std::vector<SeenFile> run_files = files_of_run(job, partitions);
  std::vector<const SeenFile*> current;
  for (const auto& [path, file] : lineage_files) {
    if (replaced_paths.count(path) == 0) current.push_back(&file);
  }
  for (const SeenFile& file : run_files) current.push_back(&file);
  std::stable_sort(current.begin(), current.end(), [](const SeenFile* a, const SeenFile* b) {
    return std::tie(a->first_part, a->identity.path) < std::tie(b->first_part, b->identity.path);
  });

  json changed = json::array();
  for (const InputChange& change : job.changes) {
    changed.push_back({{"path", change.now.path},
                       {"processed", version_json(change.before)},
                       {"now", version_json(change.now)},
                       {"action", change.reprocess ? "reprocessed" : "reported"}});
  }
  // A manifest over `files`: inputs, parts, rejects, per-partition accounting, totals.
  auto manifest_of = [&](const std::vector<const SeenFile*>& files) {
    ManifestContent content;
    for (const SeenFile* file : files) {
      json input = version_json(file->identity);
      input["path"] = file->identity.path;
      input["generation"] = file->generation;
      input["job_id"] = file->job_id;
      content.inputs.push_back(input);
      const json output = json::parse(file->output_json);
      for (const json& part : output.at("parts")) content.parts.push_back(part);
      for (const json& entry : output.at("rejects")) content.rejects.push_back(entry);
      for (const json& entry : output.at("partitions")) content.add_accounting(entry);
    }
    json manifest = manifest_json(job, false, content);
    manifest["incremental"] = true;
    manifest["lineage_id"] = job.lineage_id;
    manifest["generation"] = job.generation;
    manifest["changed_inputs"] = changed;
    manifest["removed_files"] = job.replaced;
    return manifest;
  };
  std::vector<const SeenFile*> added;
  for (const SeenFile& file : run_files) added.push_back(&file);
  const std::string generation_name =
      fmt::format("_manifests/generation-{:05}.json", job.generation);
  json own = manifest_of(added);
  own["scope"] = "generation";
  SLUICE_RETURN_IF_ERROR(make_directories(in_output(job, "_manifests")));
  SLUICE_RETURN_IF_ERROR(
      write_file_atomically(in_output(job, generation_name), json_text(own, 2) + "\n"));
  json top = manifest_of(current);
  top["scope"] = "table";
  top["generation_manifest"] = generation_name;
  json added_parts = json::array();
  for (const json& part : own.at("parts")) added_parts.push_back(part.at("file"));
  top["added_parts"] = added_parts;
  SLUICE_RETURN_IF_ERROR(
      write_file_atomically(in_output(job, "_MANIFEST.json"), json_text(top, 2) + "\n"));
  crash_point("manifest-written");
  SLUICE_RETURN_IF_ERROR(write_file_atomically(in_output(job, "_SUCCESS"), ""));
  collect_temporary(job);
  return Status::ok();
}

// True when this job's manifest and _SUCCESS are already in place (a crash
// after they were written, before the ledger recorded the job's end).
bool already_finished(const JobRecord& job) {
  if (!fs::exists(in_output(job, "_SUCCESS"))) return false;
  std::ifstream file(in_output(job, "_MANIFEST.json"));
  try {
    return nlohmann::json::parse(file).at("job_id").get<std::string>() == job.id;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

Status finish_output(const JobRecord& job, const std::vector<PartitionRecord>& partitions,
                     const std::map<std::string, SeenFile>& lineage_files) {
  using nlohmann::json;
  if (already_finished(job)) {
    collect_temporary(job);
    return Status::ok();
  }
  if (!job.lineage_id.empty()) return finish_incremental(job, partitions, lineage_files);
  ManifestContent content;
  for (const PartitionRecord& p : partitions) {
    content.add_accounting({{"partition", p.index},
                            {"input_file", job.inputs[p.range.file_index].path},
                            {"input_range", {p.range.begin_offset, p.range.end_offset}},
                            {"attempt", p.attempt},
                            {"rows_in", p.stats.rows_in},
                            {"rows_out", p.stats.rows_out},
                            {"rows_filtered", p.stats.rows_filtered},
                            {"rows_rejected", p.stats.rows_rejected}});
    if (!job.has_aggregate) {
      content.parts.push_back({{"partition", p.index},
                               {"file", part_name(job, p.index)},
                               {"rows", p.stats.rows_out},
                               {"bytes", p.stats.bytes_written},
                               {"checksum", hex64(p.stats.checksum)}});
    }
    if (p.stats.rows_rejected > 0) {
      content.rejects.push_back({{"partition", p.index},
                                 {"file", rejects_name(job, p.index)},
                                 {"rows", p.stats.rows_rejected},
                                 {"bytes", p.stats.rejects_bytes},
                                 {"checksum", hex64(p.stats.rejects_checksum)}});
    }
  }
  if (job.has_aggregate) {
    SLUICE_ASSIGN_OR_RETURN(PartFile merged, merge_aggregate(job, partitions));
    content.parts.push_back({{"file", merged.name},
                             {"rows", merged.rows},
                             {"bytes", merged.bytes},
                             {"checksum", hex64(merged.checksum)}});
  }
  for (const InputFile& input : job.inputs) {
    content.inputs.push_back(
        {{"path", input.path}, {"size", input.size_bytes}, {"mtime_ns", input.mtime_ns}});
  }
  const json manifest = manifest_json(job, job.has_aggregate, content);
  SLUICE_RETURN_IF_ERROR(
      write_file_atomically(in_output(job, "_MANIFEST.json"), json_text(manifest, 2) + "\n"));
  crash_point("manifest-written");
  SLUICE_RETURN_IF_ERROR(write_file_atomically(in_output(job, "_SUCCESS"), ""));
  collect_temporary(job);
  return Status::ok();
}

void collect_temporary(const JobRecord& job) {
  std::error_code ignored;
  if (job.state == JobState::kSucceeded) {
    // Part numbers are never reused: a replaced name is never a live file.
    for (const std::string& name : job.replaced) fs::remove(in_output(job, name), ignored);
  }
  fs::remove_all(temporary_dir(job), ignored);
  fs::remove_all(partials_dir(job), ignored);
  // The shared parents go when no other job uses them.
  fs::remove(in_output(job, "_temporary"), ignored);
  fs::remove(in_output(job, "_partials"), ignored);
}

}  // namespace sluice
