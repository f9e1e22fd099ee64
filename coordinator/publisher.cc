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
#include "common/layout/partitioned_writer.h"
#include "common/pipeline/merge.h"
#include "common/pipeline/pipeline.h"
#include "common/spec/job_spec.h"
#include "coordinator/compiled_job.h"
#include "coordinator/incremental.h"
#include "coordinator/json_text.h"
#include "coordinator/manifest.h"
#include "coordinator/manifest_stream.h"
#include "coordinator/output_dir.h"
#include "coordinator/planted_bugs.h"
#include "coordinator/s3_output.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The job's pipeline as the coordinator compiles it (for the merge and for
// the empty part): over the columns of its first input that is not empty.
struct CompiledJob {
  JobSpec spec;
  std::vector<std::string> input_columns;
  std::unique_ptr<Pipeline> pipeline;
};

Result<CompiledJob> compile_job(const JobRecord& job) {
  CompiledJob compiled;
  SLUICE_ASSIGN_OR_RETURN(const sluice::CompiledJob* admitted, compiled_of(job));
  compiled.spec = admitted->spec;
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
Status place_part(Filesystem& files, const JobRecord& job, const std::string& temp,
                  const PartFile& part) {
  if (is_s3_output(job)) {  // deterministic bytes: a redo PUTs the same
    std::ifstream file(temp, std::ios::binary);
    const std::string body((std::istreambuf_iterator<char>(file)),
                           std::istreambuf_iterator<char>());
    std::error_code ignored;
    fs::remove(temp, ignored);
    return put_s3_object(job, part.name, body);
  }
  const std::string final_path = in_output(job, part.name);
  SLUICE_ASSIGN_OR_RETURN(FileStatus final_status, files.stat(final_path));
  if (final_status.exists) {
    SLUICE_ASSIGN_OR_RETURN(uint64_t existing, checksum_file(final_path));
    (void)files.remove(temp);
    if (existing != part.checksum) {
      return internal_error(final_path + " exists with other content than the merge produced");
    }
    return Status::ok();
  }
  crash_point("merged");
  SLUICE_ASSIGN_OR_RETURN(PublishOutcome outcome, publish_file(temp, final_path, files));
  crash_point("merge-published");
  (void)outcome;
  return Status::ok();
}

// The one part of a job without partitions (every input is empty): 0 rows
// under the header of its output columns, as Spark and DuckDB write an empty
// result; with no columns known (no select over an unknown header), 0 bytes.
// Parquet cannot hold a file of no columns: then there is no part.
Result<std::optional<PartFile>> write_empty_part(Filesystem& files, const JobRecord& job) {
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
  SLUICE_RETURN_IF_ERROR(place_part(files, job, temp, part));
  return std::optional<PartFile>(part);
}

}  // namespace

// The planted bug publish_before_directory_sync (planted_bugs.h): the
// rename without the directory's fsync that makes it durable.
static Status rename_without_directory_sync(Filesystem& files, const std::string& temp,
                                            const std::string& final_path) {
  SLUICE_ASSIGN_OR_RETURN(FileStatus temp_status, files.stat(temp));
  if (!temp_status.exists) return Status::ok();  // a redo: in place already
  SLUICE_RETURN_IF_ERROR(files.fsync_file(temp));
  return files.rename(temp, final_path, RenameMode::kNoReplace);
}

// A part into place: its one file, or under output.partition_by each of its
// files into its partition's directory (a redo after a crash skips those
// already renamed).
static Status publish_part(Filesystem& files, const JobRecord& job,
                           const PartitionRecord& partition) {
  const uint32_t attempt = partition.attempt;
  const std::string temp = temp_part_path(job, partition.index, attempt);
  if (job.partition_by.empty()) {
    const uint32_t number = part_number(job, partition.index) - job.part_base;
    const std::string final_path = in_output(job, part_name(job, number));
    if (planted_bugs().publish_before_directory_sync) {
      return rename_without_directory_sync(files, temp, final_path);
    }
    return publish_file(temp, final_path, files).status();
  }
  for (size_t i = 0; i < partition.stats.files.size(); ++i) {
    const PartitionFile& file = partition.stats.files[i];
    SLUICE_RETURN_IF_ERROR(make_directories(in_output(job, file.dir), files));
    SLUICE_RETURN_IF_ERROR(
        publish_file(temp_partition_file_path(job, partition.index, attempt, i),
                     in_output(job, partition_file_name(job, partition.index, file)), files)
            .status());
    crash_point("partition-file-renamed");
  }
  (void)files.remove_all(partition_files_dir(temp));
  (void)files.remove(temp);
  return Status::ok();
}

Status publish_partition(Filesystem& files, const JobRecord& job,
                         const PartitionRecord& partition) {
  const uint32_t attempt = partition.attempt;
  if (partition.is_bucket && job.final_merge) {
    return publish_file(temp_part_path(job, partition.index, attempt),
                        sorted_output_path(job, partition.index), files)
        .status();
  }
  if (partition.is_final || partition.is_bucket) return publish_part(files, job, partition);
  if (job.has_aggregate) {
    SLUICE_RETURN_IF_ERROR(make_directories(partials_dir(job), files));
    const std::string temp = temp_part_path(job, partition.index, attempt);
    const std::string target = map_output_path(job, partition.index);
    // A map task run again (its output was lost or corrupt) replaces what a
    // reader found wrong: map outputs are the job's own, never a user's.
    Result<FileStatus> temp_status = files.stat(temp);
    if (temp_status.is_ok() && temp_status->exists) {
      (void)files.remove(target);
      (void)files.remove(in_output(job, rejects_name(job, partition.index)));
    }
    SLUICE_RETURN_IF_ERROR(publish_file(temp, target, files).status());
    if (is_s3_output(job)) return Status::ok();  // its rejects: an upload (s3_output.h)
  } else {
    SLUICE_RETURN_IF_ERROR(publish_part(files, job, partition));
  }
  const std::string temp_rejects = temp_rejects_path(job, partition.index, attempt);
  if (partition.stats.rows_rejected > 0) {
    SLUICE_RETURN_IF_ERROR(make_directories(in_output(job, "_rejects"), files));
    SLUICE_RETURN_IF_ERROR(
        publish_file(temp_rejects, in_output(job, rejects_name(job, partition.index)), files)
            .status());
  } else {
    (void)files.remove(temp_rejects);
  }
  return Status::ok();
}

// Removes _temporary/<job> and _partials/<job>, and the shared parents when
// no other job uses them.
void remove_working_dirs(Filesystem& files, const JobRecord& job) {
  // Removing is best effort: what stays is collected at the next restart.
  if (is_s3_output(job)) {  // its exchange directory, when it has one (s3_output.h)
    if (!job.exchange_dir.empty()) (void)files.remove_all(job.exchange_dir);
    return;
  }
  (void)files.remove_all(temporary_dir(job));
  (void)files.remove_all(partials_dir(job));
  (void)files.remove(in_output(job, "_temporary"));  // only when empty
  (void)files.remove(in_output(job, "_partials"));
  // An overwrite job's staging directory, once it holds nothing more.
  if (job.output_mode == OutputMode::kOverwrite) (void)files.remove(work_dir(job));
}

void discard_attempt(Filesystem& files, const JobRecord& job, uint32_t partition,
                     uint32_t attempt) {
  // Its uploads are aborted (CoordinatorCore::on_done); an exchange's local
  // files go as a directory output's.
  if (is_s3_output(job) && job.exchange_dir.empty()) return;
  for (const std::string& file : attempt_files(job, partition, attempt)) {
    (void)files.remove_all(file);
  }
  // A late attempt of a job that ended recreated its temporary directory.
  if (is_final(job.state)) remove_working_dirs(files, job);
}

std::optional<std::string> temporary_files_problem(Filesystem& files, const JobRecord& job,
                                                   uint32_t partition, uint32_t attempt,
                                                   const PartStats& stats) {
  auto expect = [&files](const std::string& path, uint64_t bytes) -> std::optional<std::string> {
    Result<FileStatus> status = files.stat(path);
    if (!status.is_ok() || !status->exists || status->is_directory) return path + " is missing";
    if (status->size_bytes != bytes)
      return fmt::format("{} holds {} bytes, the worker wrote {}", path, status->size_bytes, bytes);
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

void remove_temporaries_except(Filesystem& files, const JobRecord& job,
                               const std::set<std::string>& keep) {
  if (is_s3_output(job) && job.exchange_dir.empty()) return;
  const std::string dir = temporary_dir(job);
  Result<std::vector<std::string>> names = files.list(dir);
  if (!names.is_ok()) return;  // collected at the next restart
  for (const std::string& name : *names) {
    const std::string path = (fs::path(dir) / name).string();
    if (keep.count(path) == 0) (void)files.remove_all(path);
  }
}

// True when this job's manifest and _SUCCESS are already in place (a crash
// after they were written, before the ledger recorded the job's end).
bool already_finished(Filesystem& files, const JobRecord& job) {
  Result<FileStatus> success = files.stat(in_output(job, "_SUCCESS"));
  if (!success.is_ok() || !success->exists) return false;
  std::ifstream file(in_output(job, "_MANIFEST.json"));
  try {
    return nlohmann::json::parse(file).at("job_id").get<std::string>() == job.id;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// The job's partition records, copied (an incremental run's and an S3
// output's end still take them so).
static std::vector<PartitionRecord> copy_partitions(const JobRecord& job,
                                                    const PartitionAt& partition_at) {
  std::vector<PartitionRecord> partitions;
  partitions.reserve(job.partitions_total);
  for (uint32_t index = 0; index < job.partitions_total; ++index)
    partitions.push_back(partition_at(index));
  return partitions;
}

// The output in work_dir(job): parts (merged or empty) in place, the
// manifest, _SUCCESS, temporary files collected.
static Status write_output(Filesystem& files, const JobRecord& job, const PartitionAt& partition_at,
                           const std::map<std::string, SeenFile>& lineage_files) {
  if (is_s3_output(job)) {
    // output.mode: overwrite: the old objects go once the new manifest is
    // in place (a redo after a crash removes what is left).
    SLUICE_ASSIGN_OR_RETURN(bool finished, s3_output_finished(job));
    if (finished) {
      return job.output_mode == OutputMode::kOverwrite ? remove_s3_replaced(job) : Status::ok();
    }
  } else if (already_finished(files, job)) {
    collect_temporary(files, job);
    return Status::ok();
  }
  if (!job.lineage_id.empty()) {
    return finish_incremental(files, job, copy_partitions(job, partition_at), lineage_files);
  }
  std::optional<PartFile> written;
  // A partitioned output of no rows has no partition, hence no file.
  if (job.partitions_total == 0 && !job.has_aggregate && job.partition_by.empty()) {
    SLUICE_ASSIGN_OR_RETURN(written, write_empty_part(files, job));
  }
  if (is_s3_output(job)) {
    StringSink text;
    SLUICE_RETURN_IF_ERROR(write_job_manifest(text, job, partition_at, written));
    SLUICE_RETURN_IF_ERROR(finish_s3_output(job, copy_partitions(job, partition_at), text.text()));
    return job.output_mode == OutputMode::kOverwrite ? remove_s3_replaced(job) : Status::ok();
  }
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileSink> file,
                          AtomicFileSink::create(in_output(job, "_MANIFEST.json"), files));
  SLUICE_RETURN_IF_ERROR(write_job_manifest(*file, job, partition_at, written));
  SLUICE_RETURN_IF_ERROR(file->commit());
  crash_point("manifest-written");
  SLUICE_RETURN_IF_ERROR(write_file_atomically(in_output(job, "_SUCCESS"), "", files));
  collect_temporary(files, job);
  return Status::ok();
}

// The end of an overwrite swap: the old output (under the staging name, or
// moved aside) is deleted, then the mark in the new one.
static Status finish_swap(Filesystem& files, const JobRecord& job) {
  const std::string out = without_trailing_slash(job.output_dir);
  SLUICE_RETURN_IF_ERROR(files.remove_all(staging_dir_of(out, job.id)));
  SLUICE_RETURN_IF_ERROR(files.remove_all(replaced_dir_of(out, job.id)));
  SLUICE_RETURN_IF_ERROR(files.remove((fs::path(out) / kOverwriteMarkName).string()));
  return files.fsync_directory(out);
}

// output.mode: overwrite. Each step finds where a crash stopped the last:
// built and marked in the staging directory -> swapped (the mark is in OUT)
// -> old output and mark removed (OUT is this job's, nothing beside it).
static Status finish_overwrite(Filesystem& files, const JobRecord& job,
                               const PartitionAt& partition_at) {
  const std::string out = without_trailing_slash(job.output_dir);
  const std::string staged = work_dir(job);
  if (overwrite_mark_of(out) == job.id) return finish_swap(files, job);
  SLUICE_ASSIGN_OR_RETURN(FileStatus staged_status, files.stat(staged));
  if (!staged_status.exists) {
    SLUICE_ASSIGN_OR_RETURN(OutputContents contents, read_output_contents(out));
    // Swapped and cleaned up before the ledger recorded the job's end.
    if (contents.manifest && contents.manifest->job_id == job.id && contents.success) {
      return Status::ok();
    }
    SLUICE_RETURN_IF_ERROR(make_directories(staged, files));  // no partition published a part
  }
  SLUICE_RETURN_IF_ERROR(write_output(files, job, partition_at, {}));
  SLUICE_RETURN_IF_ERROR(write_file_atomically((fs::path(staged) / kOverwriteMarkName).string(),
                                               job.id + "\n", files));
  crash_point("overwrite-staged");
  SLUICE_RETURN_IF_ERROR(swap_into_place(files, staged, out, replaced_dir_of(out, job.id)));
  crash_point("overwrite-swapped");
  return finish_swap(files, job);
}

Status finish_output(Filesystem& files, const JobRecord& job, const PartitionAt& partition_at,
                     const std::map<std::string, SeenFile>& lineage_files) {
  if (job.output_mode == OutputMode::kOverwrite && !is_s3_output(job)) {
    return finish_overwrite(files, job, partition_at);
  }
  return write_output(files, job, partition_at, lineage_files);
}

// A failed job's files that a resubmission would not reuse: an aggregate
// runs again whole (Scheduler::resume), so its rejects and merged part go.
// A cancelled job is never resumed: everything it published goes.
}  // namespace sluice
