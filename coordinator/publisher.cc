#include "coordinator/publisher.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "common/base/crash_point.h"
#include "common/base/hash.h"
#include "common/exchange/join_plan.h"
#include "common/formats/row_writers.h"
#include "common/io/publish.h"
#include "common/io/row_writer.h"
#include "common/job/check.h"
#include "common/job/job_file.h"
#include "common/layout/partitioned_writer.h"
#include "common/pipeline/merge.h"
#include "common/pipeline/pipeline.h"
#include "common/spec/job_spec.h"
#include "coordinator/incremental.h"
#include "coordinator/json_text.h"
#include "coordinator/output_dir.h"
#include "coordinator/s3_output.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct PartFile {
  std::string name;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t checksum = 0;
};

// The job's pipeline as the coordinator compiles it (for the merge and for
// the empty part): over the columns of its first input that is not empty.
struct CompiledJob {
  JobSpec spec;
  std::vector<std::string> input_columns;
  std::unique_ptr<Pipeline> pipeline;
};

Result<CompiledJob> compile_job(const JobRecord& job) {
  CompiledJob compiled;
  SLUICE_ASSIGN_OR_RETURN(compiled.spec, parse_job_spec(job.spec_yaml, job.spec_file));
  compiled.spec.base_dir = job.base_dir;  // lookup files after the aggregate resolve against it
  if (job.join_broadcast) compiled.spec = join_as_lookup(compiled.spec, job.join_right_columns);
  SLUICE_ASSIGN_OR_RETURN(InputColumns columns, job_input_columns(compiled.spec, job.inputs));
  compiled.input_columns = std::move(columns.names);
  // The pipeline knows the final columns' types: a Parquet output gets typed
  // columns (count is int64, avg float64, ...), as a worker's parts do.
  SLUICE_ASSIGN_OR_RETURN(
      compiled.pipeline,
      Pipeline::compile(compiled.spec, compiled.input_columns, columns.header_known));
  return compiled;
}

// Publishes a part the coordinator wrote to `temp` as `part.name`. A redo
// after a crash finds it in place: what it writes is deterministic, so the
// bytes in place must be the bytes just written.
Status place_part(const JobRecord& job, const std::string& temp, const PartFile& part) {
  if (is_s3_output(job)) {  // deterministic bytes: a redo PUTs the same
    std::ifstream file(temp, std::ios::binary);
    const std::string body((std::istreambuf_iterator<char>(file)),
                           std::istreambuf_iterator<char>());
    std::error_code ignored;
    fs::remove(temp, ignored);
    return put_s3_object(job, part.name, body);
  }
  const std::string final_path = in_output(job, part.name);
  if (fs::exists(final_path)) {
    SLUICE_ASSIGN_OR_RETURN(uint64_t existing, checksum_file(final_path));
    std::error_code ignored;
    fs::remove(temp, ignored);
    if (existing != part.checksum) {
      return internal_error(final_path + " exists with other content than the merge produced");
    }
    return Status::ok();
  }
  crash_point("merged");
  SLUICE_ASSIGN_OR_RETURN(PublishOutcome outcome, publish_file(temp, final_path));
  crash_point("merge-published");
  (void)outcome;
  return Status::ok();
}

// The one part of a job without partitions (every input is empty): 0 rows
// under the header of its output columns, as Spark and DuckDB write an empty
// result; with no columns known (no select over an unknown header), 0 bytes.
// Parquet cannot hold a file of no columns: then there is no part.
Result<std::optional<PartFile>> write_empty_part(const JobRecord& job) {
  SLUICE_ASSIGN_OR_RETURN(CompiledJob compiled, compile_job(job));
  const std::vector<std::string>& columns = compiled.pipeline->output_columns();
  const OutputSpec& output = compiled.spec.output;
  if (columns.empty() && output.format == OutputFormat::kParquet) {
    return std::optional<PartFile>();
  }
  // No columns: not even a header line. A JSON Lines writer of no rows
  // writes nothing (but a compressor's framing), whatever the format.
  const OutputFormat format = columns.empty() ? OutputFormat::kJsonl : output.format;
  const std::string temp =
      is_s3_output(job)
          ? (fs::temp_directory_path() / ("sluice-" + job.id + "-empty" + job.extension)).string()
          : temporary_dir(job) + "/empty" + job.extension;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RowWriter> writer,
                          open_row_writer(temp, format, output.compression, columns,
                                          compiled.pipeline->output_types()));
  SLUICE_ASSIGN_OR_RETURN(WriteStats stats, writer->finish());
  PartFile part{part_name(job, 0), 0, stats.bytes, stats.checksum};
  SLUICE_RETURN_IF_ERROR(place_part(job, temp, part));
  return std::optional<PartFile>(part);
}

}  // namespace

// A part into place: its one file, or under output.partition_by each of its
// files into its partition's directory (a redo after a crash skips those
// already renamed).
static Status publish_part(const JobRecord& job, const PartitionRecord& partition) {
  const uint32_t attempt = partition.attempt;
  const std::string temp = temp_part_path(job, partition.index, attempt);
  if (job.partition_by.empty()) {
    const uint32_t number = part_number(job, partition.index) - job.part_base;
    return publish_file(temp, in_output(job, part_name(job, number))).status();
  }
  for (size_t i = 0; i < partition.stats.files.size(); ++i) {
    const PartitionFile& file = partition.stats.files[i];
    SLUICE_RETURN_IF_ERROR(make_directories(in_output(job, file.dir)));
    SLUICE_RETURN_IF_ERROR(
        publish_file(temp_partition_file_path(job, partition.index, attempt, i),
                     in_output(job, partition_file_name(job, partition.index, file)))
            .status());
    crash_point("partition-file-renamed");
  }
  std::error_code ignored;
  fs::remove_all(partition_files_dir(temp), ignored);
  fs::remove(temp, ignored);
  return Status::ok();
}

Status publish_partition(const JobRecord& job, const PartitionRecord& partition) {
  const uint32_t attempt = partition.attempt;
  if (partition.is_bucket && job.final_merge) {
    return publish_file(temp_part_path(job, partition.index, attempt),
                        sorted_output_path(job, partition.index))
        .status();
  }
  if (partition.is_final || partition.is_bucket) return publish_part(job, partition);
  if (job.has_aggregate) {
    SLUICE_RETURN_IF_ERROR(make_directories(partials_dir(job)));
    const std::string temp = temp_part_path(job, partition.index, attempt);
    const std::string target = map_output_path(job, partition.index);
    std::error_code ignored;
    // A map task run again (its output was lost or corrupt) replaces what a
    // reader found wrong: map outputs are the job's own, never a user's.
    if (fs::exists(temp, ignored)) {
      fs::remove(target, ignored);
      fs::remove(in_output(job, rejects_name(job, partition.index)), ignored);
    }
    SLUICE_RETURN_IF_ERROR(publish_file(temp, target).status());
    if (is_s3_output(job)) return Status::ok();  // its rejects: an upload (s3_output.h)
  } else {
    SLUICE_RETURN_IF_ERROR(publish_part(job, partition));
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

// Removes _temporary/<job> and _partials/<job>, and the shared parents when
// no other job uses them.
void remove_working_dirs(const JobRecord& job) {
  std::error_code ignored;
  if (is_s3_output(job)) {  // its exchange directory, when it has one (s3_output.h)
    if (!job.exchange_dir.empty()) fs::remove_all(job.exchange_dir, ignored);
    return;
  }
  fs::remove_all(temporary_dir(job), ignored);
  fs::remove_all(partials_dir(job), ignored);
  fs::remove(in_output(job, "_temporary"), ignored);
  fs::remove(in_output(job, "_partials"), ignored);
  // An overwrite job's staging directory, once it holds nothing more.
  if (job.output_mode == OutputMode::kOverwrite) fs::remove(work_dir(job), ignored);
}

void discard_attempt(const JobRecord& job, uint32_t partition, uint32_t attempt) {
  // Its uploads are aborted (CoordinatorCore::on_done); an exchange's local
  // files go as a directory output's.
  if (is_s3_output(job) && job.exchange_dir.empty()) return;
  std::error_code ignored;
  for (const std::string& file : attempt_files(job, partition, attempt)) {
    fs::remove_all(file, ignored);
  }
  // A late attempt of a job that ended recreated its temporary directory.
  if (is_final(job.state)) remove_working_dirs(job);
}

std::optional<std::string> temporary_files_problem(const JobRecord& job, uint32_t partition,
                                                   uint32_t attempt, const PartStats& stats) {
  auto expect = [](const std::string& path, uint64_t bytes) -> std::optional<std::string> {
    std::error_code error;
    const uint64_t size = fs::file_size(path, error);
    if (error) return path + " is missing";
    if (size != bytes)
      return fmt::format("{} holds {} bytes, the worker wrote {}", path, size, bytes);
    return std::nullopt;
  };
  if (is_s3_output(job)) {
    // Parts and rejects are uploads (s3_uploads_problem); a map or sorted
    // output of an exchange is a local file.
    if (writes_part(job, partition)) return std::nullopt;
    return expect(temp_part_path(job, partition, attempt), stats.bytes_written);
  }
  if (!job.partition_by.empty() && writes_part(job, partition)) {
    for (size_t i = 0; i < stats.files.size(); ++i) {
      if (auto problem =
              expect(temp_partition_file_path(job, partition, attempt, i), stats.files[i].bytes)) {
        return problem;
      }
    }
  } else if (auto problem = expect(temp_part_path(job, partition, attempt), stats.bytes_written)) {
    return problem;
  }
  if (stats.rows_rejected > 0) {
    return expect(temp_rejects_path(job, partition, attempt), stats.rejects_bytes);
  }
  return std::nullopt;
}

void remove_temporaries_except(const JobRecord& job, const std::set<std::string>& keep) {
  if (is_s3_output(job) && job.exchange_dir.empty()) return;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(temporary_dir(job), error)) {
    if (keep.count(entry.path().string()) == 0) fs::remove_all(entry.path(), error);
  }
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
  uint64_t row_groups_skipped = 0;

  // The partition's part: its one file, or its partition files.
  void add_part(const JobRecord& job, const PartitionRecord& p) {
    const uint32_t number = part_number(job, p.index);
    if (job.partition_by.empty()) {
      parts.push_back({{"partition", number},
                       {"file", part_name(job, number - job.part_base)},
                       {"rows", p.stats.rows_out},
                       {"bytes", p.stats.bytes_written},
                       {"checksum", hex64(p.stats.checksum)}});
      return;
    }
    for (const PartitionFile& file : p.stats.files) {
      parts.push_back({{"partition", number},
                       {"file", partition_file_name(job, p.index, file)},
                       {"rows", file.rows},
                       {"bytes", file.bytes},
                       {"checksum", hex64(file.checksum)}});
    }
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

// output.mode: append. The manifest in place (the output appended to) with
// this job's entries after its own: one manifest of every part. Read before
// this job's manifest replaces it, so a redo after a crash reads the same.
static Result<json> appended_manifest(const JobRecord& job, const json& own) {
  std::optional<std::string> text;
  if (is_s3_output(job)) {
    SLUICE_ASSIGN_OR_RETURN(text, get_s3_object(job, "_MANIFEST.json"));
  } else if (std::ifstream file(in_output(job, "_MANIFEST.json")); file) {
    text = std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  }
  json manifest = own;
  manifest["part_base"] = job.part_base;
  if (!text) {
    manifest["job_ids"] = json::array({job.id});
    return manifest;
  }
  json old;
  try {
    old = json::parse(*text);
  } catch (const json::exception& error) {
    return data_error(in_output(job, "_MANIFEST.json") + ": cannot append to it: " + error.what());
  }
  try {
    json job_ids = old.contains("job_ids") ? old.at("job_ids") : json::array({old.at("job_id")});
    job_ids.push_back(job.id);
    manifest["job_ids"] = job_ids;
    for (const char* list : {"inputs", "parts", "rejects", "partitions"}) {
      json merged = old.at(list);
      for (const json& entry : own.at(list)) merged.push_back(entry);
      manifest[list] = merged;
    }
    for (const char* total : {"rows_in", "rows_out", "rows_filtered", "rows_rejected"}) {
      manifest[total] = old.at(total).get<uint64_t>() + own.at(total).get<uint64_t>();
    }
    manifest["aggregate"] = old.value("aggregate", false) || own.at("aggregate").get<bool>();
  } catch (const json::exception& error) {
    return data_error(in_output(job, "_MANIFEST.json") + ": cannot append to it: " + error.what());
  }
  return manifest;
}

// The output in work_dir(job): parts (merged or empty) in place, the
// manifest, _SUCCESS, temporary files collected.
static Status write_output(const JobRecord& job, const std::vector<PartitionRecord>& partitions,
                           const std::map<std::string, SeenFile>& lineage_files) {
  if (is_s3_output(job)) {
    // output.mode: overwrite: the old objects go once the new manifest is
    // in place (a redo after a crash removes what is left).
    SLUICE_ASSIGN_OR_RETURN(bool finished, s3_output_finished(job));
    if (finished) {
      return job.output_mode == OutputMode::kOverwrite ? remove_s3_replaced(job) : Status::ok();
    }
  } else if (already_finished(job)) {
    collect_temporary(job);
    return Status::ok();
  }
  if (!job.lineage_id.empty()) return finish_incremental(job, partitions, lineage_files);
  ManifestContent content;
  for (const PartitionRecord& p : partitions) {
    if (p.is_bucket && job.final_merge) continue;  // merged into the one part
    if (p.is_bucket || p.is_final) {
      // A bucket task's part: the groups of its buckets, after the steps
      // that follow the aggregate (or the merge task's: all of them, sorted).
      content.add_part(job, p);
      continue;
    }
    const uint32_t number = job.part_base + p.index;  // the index unless appending
    json entry = {{"partition", number},
                  {"input_file", job.inputs[p.range.file_index].path},
                  {"input_range", {p.range.begin_offset, p.range.end_offset}},
                  {"attempt", p.attempt},
                  {"rows_in", p.stats.rows_in},
                  {"rows_out", p.stats.rows_out},
                  {"rows_filtered", p.stats.rows_filtered},
                  {"rows_rejected", p.stats.rows_rejected}};
    if (p.stats.row_groups_skipped > 0) entry["row_groups_skipped"] = p.stats.row_groups_skipped;
    content.add_accounting(entry);
    if (!job.has_aggregate) content.add_part(job, p);
    if (p.stats.rows_rejected > 0) {
      content.rejects.push_back({{"partition", number},
                                 {"file", rejects_name(job, p.index)},
                                 {"rows", p.stats.rows_rejected},
                                 {"bytes", p.stats.rejects_bytes},
                                 {"checksum", hex64(p.stats.rejects_checksum)}});
    }
  }
  std::optional<PartFile> written;
  // A partitioned output of no rows has no partition, hence no file.
  if (partitions.empty() && !job.has_aggregate && job.partition_by.empty()) {
    SLUICE_ASSIGN_OR_RETURN(written, write_empty_part(job));
  }
  if (written) {
    content.parts.push_back({{"file", written->name},
                             {"rows", written->rows},
                             {"bytes", written->bytes},
                             {"checksum", hex64(written->checksum)}});
  }
  for (const InputFile& input : job.inputs) {
    content.inputs.push_back(
        {{"path", input.path}, {"size", input.size_bytes}, {"mtime_ns", input.mtime_ns}});
  }
  json manifest = manifest_json(job, job.has_aggregate, content);
  if (job.output_mode == OutputMode::kAppend) {
    SLUICE_ASSIGN_OR_RETURN(manifest, appended_manifest(job, manifest));
  }
  if (is_s3_output(job)) {
    SLUICE_RETURN_IF_ERROR(finish_s3_output(job, partitions, json_text(manifest, 2) + "\n"));
    return job.output_mode == OutputMode::kOverwrite ? remove_s3_replaced(job) : Status::ok();
  }
  SLUICE_RETURN_IF_ERROR(
      write_file_atomically(in_output(job, "_MANIFEST.json"), json_text(manifest, 2) + "\n"));
  crash_point("manifest-written");
  SLUICE_RETURN_IF_ERROR(write_file_atomically(in_output(job, "_SUCCESS"), ""));
  collect_temporary(job);
  return Status::ok();
}

// The end of an overwrite swap: the old output (under the staging name, or
// moved aside) is deleted, then the mark in the new one.
static Status finish_swap(const JobRecord& job) {
  const std::string out = without_trailing_slash(job.output_dir);
  std::error_code error;
  fs::remove_all(staging_dir_of(out, job.id), error);
  if (error) return io_error("cannot remove the replaced output: " + error.message());
  fs::remove_all(replaced_dir_of(out, job.id), error);
  if (error) return io_error("cannot remove the replaced output: " + error.message());
  fs::remove(fs::path(out) / kOverwriteMarkName, error);
  if (error) return io_error("cannot remove the overwrite mark: " + error.message());
  return fsync_directory(out);
}

// output.mode: overwrite. Each step finds where a crash stopped the last:
// built and marked in the staging directory -> swapped (the mark is in OUT)
// -> old output and mark removed (OUT is this job's, nothing beside it).
static Status finish_overwrite(const JobRecord& job,
                               const std::vector<PartitionRecord>& partitions) {
  const std::string out = without_trailing_slash(job.output_dir);
  const std::string staged = work_dir(job);
  if (overwrite_mark_of(out) == job.id) return finish_swap(job);
  std::error_code error;
  if (!fs::exists(staged, error)) {
    SLUICE_ASSIGN_OR_RETURN(OutputContents contents, read_output_contents(out));
    // Swapped and cleaned up before the ledger recorded the job's end.
    if (contents.manifest && contents.manifest->job_id == job.id && contents.success) {
      return Status::ok();
    }
    SLUICE_RETURN_IF_ERROR(make_directories(staged));  // no partitions published any part
  }
  SLUICE_RETURN_IF_ERROR(write_output(job, partitions, {}));
  SLUICE_RETURN_IF_ERROR(
      write_file_atomically((fs::path(staged) / kOverwriteMarkName).string(), job.id + "\n"));
  crash_point("overwrite-staged");
  SLUICE_RETURN_IF_ERROR(swap_into_place(staged, out, replaced_dir_of(out, job.id)));
  crash_point("overwrite-swapped");
  return finish_swap(job);
}

Status finish_output(const JobRecord& job, const std::vector<PartitionRecord>& partitions,
                     const std::map<std::string, SeenFile>& lineage_files) {
  if (job.output_mode == OutputMode::kOverwrite && !is_s3_output(job)) {
    return finish_overwrite(job, partitions);
  }
  return write_output(job, partitions, lineage_files);
}

// A failed job's files that a resubmission would not reuse: an aggregate
// runs again whole (Scheduler::resume), so its rejects and merged part go.
// A cancelled job is never resumed: everything it published goes.
}  // namespace sluice
