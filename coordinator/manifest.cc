#include "coordinator/manifest.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "common/base/crash_point.h"
#include "common/base/hash.h"
#include "common/io/publish.h"
#include "coordinator/incremental.h"
#include "coordinator/json_text.h"
#include "coordinator/output_paths.h"
#include "coordinator/s3_output.h"

namespace sluice {

using nlohmann::json;

static json version_json(const InputVersion& version) {
  return {{"size", version.size_bytes},
          {"mtime_ns", version.mtime_ns},
          {"head_xxh64", hex64(version.head_checksum)},
          {"tail_xxh64", hex64(version.tail_checksum)}};
}

// The partition's part: its one file, or its partition files.
static std::vector<JsonEntry> part_entries(const JobRecord& job, const PartitionRecord& p) {
  const uint32_t number = part_number(job, p.index);
  if (job.partition_by.empty()) {
    JsonEntry entry;
    entry.number("partition", number)
        .text("file", part_name(job, number - job.part_base))
        .number("rows", p.stats.rows_out)
        .number("bytes", p.stats.bytes_written)
        .text("checksum", hex64(p.stats.checksum));
    return {std::move(entry)};
  }
  std::vector<JsonEntry> entries;
  for (const PartitionFile& file : p.stats.files) {
    entries.emplace_back()
        .number("partition", number)
        .text("file", partition_file_name(job, p.index, file))
        .number("rows", file.rows)
        .number("bytes", file.bytes)
        .text("checksum", hex64(file.checksum));
  }
  return entries;
}

// What every manifest lists: inputs, parts, rejects, each partition's
// accounting, and the row totals summed from it.
struct ManifestContent {
  json inputs = json::array();
  json parts = json::array();
  json rejects = json::array();
  json accounting = json::array();
  uint64_t rows_in = 0, rows_out = 0, rows_filtered = 0, rows_rejected = 0;
  uint64_t row_groups_skipped = 0;

  void add_part(const JobRecord& job, const PartitionRecord& p) {
    for (const JsonEntry& entry : part_entries(job, p)) parts.push_back(entry.to_json());
  }

  void add_totals(const PartStats& stats) {
    rows_in += stats.rows_in;
    rows_out += stats.rows_out;
    rows_filtered += stats.rows_filtered;
    rows_rejected += stats.rows_rejected;
    row_groups_skipped += stats.row_groups_skipped;
  }

  void add_accounting(const json& entry) {
    accounting.push_back(entry);
    rows_in += entry.at("rows_in").get<uint64_t>();
    rows_out += entry.at("rows_out").get<uint64_t>();
    rows_filtered += entry.at("rows_filtered").get<uint64_t>();
    rows_rejected += entry.at("rows_rejected").get<uint64_t>();
    if (entry.contains("row_groups_skipped"))
      row_groups_skipped += entry.at("row_groups_skipped").get<uint64_t>();
  }
};

static json manifest_json(const JobRecord& job, bool aggregate, const ManifestContent& content) {
  json manifest{{"format_version", 1},
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
  if (!job.partition_by.empty()) manifest["partition_by"] = job.partition_by;
  // Parquet input with predicate pushdown: written only when some were.
  if (content.row_groups_skipped > 0) manifest["row_groups_skipped"] = content.row_groups_skipped;
  // Hive-partitioned input: the files the filters ruled out at planning.
  if (job.hive_files_skipped > 0) {
    manifest["hive_files_skipped"] = job.hive_files_skipped;
    manifest["hive_bytes_skipped"] = job.hive_bytes_skipped;
  }
  return manifest;
}

// A run of an incremental lineage: the generation's own manifest, then the
// top one listing every current part (earlier runs' files, less those this
// run replaces, then this run's), then _SUCCESS. Deterministic: a redo after
// a crash writes the same bytes (lineage_files change only when the run is
// marked succeeded, after this).
Status finish_incremental(Filesystem& files, const JobRecord& job,
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
  SLUICE_RETURN_IF_ERROR(make_directories(in_output(job, "_manifests"), files));
  SLUICE_RETURN_IF_ERROR(
      write_file_atomically(in_output(job, generation_name), json_text(own, 2) + "\n", files));
  json top = manifest_of(current);
  top["scope"] = "table";
  top["generation_manifest"] = generation_name;
  json added_parts = json::array();
  for (const json& part : own.at("parts")) added_parts.push_back(part.at("file"));
  top["added_parts"] = added_parts;
  SLUICE_RETURN_IF_ERROR(
      write_file_atomically(in_output(job, "_MANIFEST.json"), json_text(top, 2) + "\n", files));
  crash_point("manifest-written");
  SLUICE_RETURN_IF_ERROR(write_file_atomically(in_output(job, "_SUCCESS"), "", files));
  collect_temporary(files, job);
  return Status::ok();
}

// output.mode: append. The manifest in place (the output appended to),
// whose entries this job's manifest lists before its own: one manifest of
// every part. Read before this job's manifest replaces it, so a redo after
// a crash reads the same. nullopt: there is none. `head` (this job's
// manifest, its lists streamed) gets the merged job ids, totals and flags.
static Result<std::optional<json>> manifest_appended_to(const JobRecord& job, json& head) {
  std::optional<std::string> text;
  if (is_s3_output(job)) {
    SLUICE_ASSIGN_OR_RETURN(text, get_s3_object(job, "_MANIFEST.json"));
  } else if (std::ifstream file(in_output(job, "_MANIFEST.json")); file) {
    text = std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  }
  head["part_base"] = job.part_base;
  if (!text) {
    head["job_ids"] = json::array({job.id});
    return std::optional<json>();
  }
  const std::string cannot = in_output(job, "_MANIFEST.json") + ": cannot append to it: ";
  try {
    json old = json::parse(*text);
    json job_ids = old.contains("job_ids") ? old.at("job_ids") : json::array({old.at("job_id")});
    job_ids.push_back(job.id);
    head["job_ids"] = job_ids;
    for (const char* list : {"inputs", "parts", "rejects", "partitions"}) {
      if (!old.at(list).is_array()) return data_error(cannot + list + " is not a list");
    }
    for (const char* total : {"rows_in", "rows_out", "rows_filtered", "rows_rejected"}) {
      head[total] = old.at(total).get<uint64_t>() + head.at(total).get<uint64_t>();
    }
    head["aggregate"] = old.value("aggregate", false) || head.at("aggregate").get<bool>();
    json inputs = old.at("inputs");
    for (const json& entry : head.at("inputs")) inputs.push_back(entry);
    head["inputs"] = inputs;
    return std::optional<json>(std::move(old));
  } catch (const json::exception& error) {
    return data_error(cannot + error.what());
  }
}

// The entries of one of a job's manifest lists ("partitions": each
// partition's accounting, "parts", "rejects"), partition by partition.
static Status partition_entries(const JobRecord& job, const PartitionAt& partition_at,
                                const std::string& list,
                                const std::function<Status(const JsonEntry&)>& emit) {
  for (uint32_t index = 0; index < job.partitions_total; ++index) {
    const PartitionRecord& p = partition_at(index);
    if (p.is_bucket && job.final_merge) continue;  // merged into the one part
    if (p.is_bucket || p.is_final) {
      // A bucket task's part: the groups of its buckets, after the steps
      // that follow the aggregate (or the merge task's: all of them, sorted).
      if (list != "parts") continue;
      for (const JsonEntry& entry : part_entries(job, p)) SLUICE_RETURN_IF_ERROR(emit(entry));
      continue;
    }
    const uint32_t number = job.part_base + p.index;  // the index unless appending
    if (list == "partitions") {
      JsonEntry entry;
      entry.number("partition", number)
          .text("input_file", job.inputs[p.range.file_index].path)
          .pair("input_range", p.range.begin_offset, p.range.end_offset)
          .number("attempt", p.attempt)
          .number("rows_in", p.stats.rows_in)
          .number("rows_out", p.stats.rows_out)
          .number("rows_filtered", p.stats.rows_filtered)
          .number("rows_rejected", p.stats.rows_rejected);
      if (p.stats.row_groups_skipped > 0) {
        entry.number("row_groups_skipped", p.stats.row_groups_skipped);
      }
      SLUICE_RETURN_IF_ERROR(emit(entry));
    } else if (list == "parts" && !job.has_aggregate) {
      for (const JsonEntry& entry : part_entries(job, p)) SLUICE_RETURN_IF_ERROR(emit(entry));
    } else if (list == "rejects" && p.stats.rows_rejected > 0) {
      JsonEntry entry;
      entry.number("partition", number)
          .text("file", rejects_name(job, p.index))
          .number("rows", p.stats.rows_rejected)
          .number("bytes", p.stats.rejects_bytes)
          .text("checksum", hex64(p.stats.rejects_checksum));
      SLUICE_RETURN_IF_ERROR(emit(entry));
    }
  }
  return Status::ok();
}

// The job's manifest (not a run of an incremental lineage), streamed into
// `sink` partition by partition: the text json_text(manifest, 2) printed
// when it was one tree, without the tree (manifest_stream.h).
Status write_job_manifest(TextSink& sink, const JobRecord& job, const PartitionAt& partition_at,
                          const std::optional<PartFile>& written) {
  ManifestContent totals;  // a first pass: the row totals come before the lists
  for (uint32_t index = 0; index < job.partitions_total; ++index) {
    const PartitionRecord& p = partition_at(index);
    if (!p.is_bucket && !p.is_final) totals.add_totals(p.stats);  // as "partitions" lists
  }
  for (const InputFile& input : job.inputs) {
    totals.inputs.push_back(
        {{"path", input.path}, {"size", input.size_bytes}, {"mtime_ns", input.mtime_ns}});
  }
  json head = manifest_json(job, job.has_aggregate, totals);
  for (const char* list : {"parts", "rejects", "partitions"}) head[list] = streamed_list();
  std::optional<json> old;
  if (job.output_mode == OutputMode::kAppend) {
    SLUICE_ASSIGN_OR_RETURN(old, manifest_appended_to(job, head));
  }
  return write_streamed_json(sink, head, [&](const std::string& list, JsonListWriter& writer) {
    if (old) {
      for (const json& entry : old->at(list)) SLUICE_RETURN_IF_ERROR(writer.add(entry));
    }
    SLUICE_RETURN_IF_ERROR(partition_entries(job, partition_at, list,
                                             [&](const JsonEntry& e) { return writer.add(e); }));
    if (list != "parts" || !written) return Status::ok();
    return writer.add({{"file", written->name},
                       {"rows", written->rows},
                       {"bytes", written->bytes},
                       {"checksum", hex64(written->checksum)}});
  });
}

}  // namespace sluice
