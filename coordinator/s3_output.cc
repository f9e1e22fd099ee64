#include "coordinator/s3_output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/base/crash_point.h"
#include "common/base/log.h"
#include "common/job/inputs.h"
#include "common/job/s3_inputs.h"
#include "common/s3/location.h"
#include "common/spec/job_spec.h"
#include "coordinator/compiled_job.h"
#include "coordinator/output_dir.h"
#include "coordinator/output_paths.h"

namespace sluice {
namespace {

// Job clients kept at once (each holds a connection); more start afresh.
constexpr size_t kJobClientsMax = 64;

// The prefix's location, its key ending in '/' (or empty: the bucket's root).
Result<S3Location> prefix_location(const JobRecord& job) {
  SLUICE_ASSIGN_OR_RETURN(S3Location location, parse_s3_url(job.output_dir));
  if (!location.key.empty() && location.key.back() != '/') location.key += '/';
  return location;
}

std::string object_url(const JobRecord& job, const std::string& name) {
  std::string url = job.output_dir;
  if (url.back() != '/') url += '/';
  return url + name;
}

std::optional<std::string> upload_problem(const S3UploadRecord& upload, const std::string& url,
                                          uint64_t bytes) {
  if (upload.url != url) {
    return fmt::format("an upload to {} where the partition writes {}", upload.url, url);
  }
  if (upload.upload_id.empty()) return fmt::format("the upload to {} has no upload id", url);
  if (upload.parts.empty() || upload.parts.size() > kS3PartsMax) {
    return fmt::format("the upload to {} has {} parts (1 to {})", url, upload.parts.size(),
                       kS3PartsMax);
  }
  for (size_t i = 0; i < upload.parts.size(); ++i) {
    if (upload.parts[i].number != i + 1) {
      return fmt::format("the upload to {} numbers part {} as {}", url, i + 1,
                         upload.parts[i].number);
    }
  }
  if (upload.size_bytes() != bytes) {
    return fmt::format("the upload to {} holds {} bytes, the worker wrote {}", url,
                       upload.size_bytes(), bytes);
  }
  return std::nullopt;
}

}  // namespace

bool is_s3_output(const JobRecord& job) { return is_s3_url(job.output_dir); }

std::string s3_part_url(const JobRecord& job, uint32_t partition) {
  return object_url(job, fmt::format("part-{:05}{}", part_number(job, partition), job.extension));
}

std::string s3_rejects_url(const JobRecord& job, uint32_t partition) {
  return object_url(job, rejects_name(job, partition));
}

std::string s3_exchange_dir(const JobRecord& job) {
  const char* shared = std::getenv("SLUICE_EXCHANGE_DIR");
  if (shared != nullptr && shared[0] != '\0') {
    return (std::filesystem::path(shared) / job.id).string();
  }
  return (std::filesystem::temp_directory_path() / ("sluice-exchange-" + job.id)).string();
}

std::optional<std::string> s3_output_unsupported(const JobRecord& job) {
  if (!job.lineage_id.empty()) return "input.incremental";
  return std::nullopt;
}

// One client per job and thread for the coordinator's completes, aborts and
// PUTs, kept (its connection with it) while the coordinator runs: the loop's
// and each effect thread's own (a client is used by one thread at a time).
static Result<S3Client*> job_client(const JobRecord& job) {
  thread_local std::map<std::string, std::unique_ptr<S3Client>> clients;
  auto found = clients.find(job.id);
  if (found != clients.end()) return found->second.get();
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client, output_s3_client(job));
  if (clients.size() >= kJobClientsMax) clients.clear();
  return clients.emplace(job.id, std::move(client)).first->second.get();
}

Result<std::unique_ptr<S3Client>> output_s3_client(const JobRecord& job) {
  SLUICE_ASSIGN_OR_RETURN(const CompiledJob* compiled, compiled_of(job));
  return open_s3_client(compiled->output_s3);
}

Status check_s3_output_supported(const JobRecord& job) {
  if (auto unsupported = s3_output_unsupported(job)) {
    return invalid_argument(fmt::format(
        "{}: output.path: {}: an s3:// output cannot be combined with {} yet; write to a "
        "directory",
        job.spec_file, job.output_dir, *unsupported));
  }
  return Status::ok();
}

Status claim_s3_output(JobRecord& job) {
  const std::string where = fmt::format("{}: output.path: {}", job.spec_file, job.output_dir);
  SLUICE_RETURN_IF_ERROR(check_s3_output_supported(job));
  SLUICE_ASSIGN_OR_RETURN(S3Location prefix, prefix_location(job));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client, output_s3_client(job));
  auto objects = client->list(prefix.bucket, prefix.key);
  if (!objects.is_ok()) return invalid_argument(where + ": " + objects.status().message());
  if (objects->empty()) return Status::ok();
  // Overwrite and append number their parts after every part-NNNNN under
  // the prefix (rejects too): a new object never replaces an old one.
  uint32_t next_part_number = 0;
  for (const S3Object& object : *objects) {
    const std::string name = object.key.substr(object.key.rfind('/') + 1);
    if (std::optional<uint32_t> number = part_number_of(name)) {
      next_part_number = std::max(next_part_number, *number + 1);
    }
  }
  if (job.output_mode == OutputMode::kOverwrite) {  // whatever the prefix holds
    job.part_base = next_part_number;
    return Status::ok();
  }
  const char* choices =
      "an output prefix belongs to one job: give another path, or set output.mode: overwrite "
      "(replace that output once this one is complete) or append (add parts to it)";
  auto manifest = client->get_object(S3Location{prefix.bucket, prefix.key + "_MANIFEST.json"});
  if (!manifest.is_ok()) {
    return invalid_argument(fmt::format(
        "{} holds objects no _MANIFEST.json lists ({}…): another job's output, or one that "
        "failed or was interrupted; {}",
        where, objects->front().key, choices));
  }
  std::string owner;
  bool lineage = false;
  uint32_t owner_part_base = 0;
  try {
    const nlohmann::json parsed = nlohmann::json::parse(*manifest);
    owner = parsed.at("job_id").get<std::string>();
    lineage = parsed.contains("lineage_id");
    owner_part_base = parsed.value("part_base", 0u);
  } catch (const nlohmann::json::exception&) {
    return invalid_argument(
        fmt::format("{} holds a _MANIFEST.json that cannot be read; {}", where, choices));
  }
  if (owner == job.id) {
    // Its own output from a state that is gone: an append redone names its
    // parts as it did; a finished error-mode job has nothing to do.
    if (job.output_mode == OutputMode::kAppend) {
      job.part_base = owner_part_base;
      return Status::ok();
    }
    return invalid_argument(fmt::format(
        "{} holds the finished output of this same job ({}) from a state directory that is "
        "gone: nothing to do. Delete the objects to run the job again, or set output.mode: "
        "overwrite",
        where, job.id));
  }
  if (job.output_mode == OutputMode::kError) {
    return invalid_argument(
        fmt::format("{} holds the output of job {}; {}", where, owner, choices));
  }
  if (lineage) {
    return invalid_argument(fmt::format(
        "{} holds the output of an incremental lineage (job {}); output.mode: append cannot add "
        "to it",
        where, owner));
  }
  auto success = client->head(S3Location{prefix.bucket, prefix.key + "_SUCCESS"});
  if (!success.is_ok()) {
    return invalid_argument(fmt::format(
        "{} holds the output of job {}, not finished (no _SUCCESS); output.mode: append adds to "
        "a finished output",
        where, owner));
  }
  job.part_base = next_part_number;
  return Status::ok();
}

std::optional<std::string> s3_uploads_problem(const JobRecord& job, uint32_t partition,
                                              const PartStats& stats) {
  // The objects the attempt writes, in the order it reports them: its part
  // (or its partition files), then its rejects. A map task of an exchange
  // writes no part here (its output stays in the exchange directory).
  std::vector<std::pair<std::string, uint64_t>> expected;
  if (writes_part(job, partition)) {
    if (job.partition_by.empty()) {
      expected.emplace_back(s3_part_url(job, partition), stats.bytes_written);
    } else {
      for (const PartitionFile& file : stats.files) {
        expected.emplace_back(object_url(job, partition_file_name(job, partition, file)),
                              file.bytes);
      }
    }
  }
  if (stats.rows_rejected > 0) {
    expected.emplace_back(s3_rejects_url(job, partition), stats.rejects_bytes);
  }
  if (stats.uploads.size() != expected.size()) {
    return fmt::format("the report lists {} uploads, the attempt writes {}", stats.uploads.size(),
                       expected.size());
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    if (auto problem = upload_problem(stats.uploads[i], expected[i].first, expected[i].second)) {
      return problem;
    }
  }
  return std::nullopt;
}

Status publish_s3_partition(const JobRecord& job, const PartitionRecord& partition) {
  if (partition.stats.uploads.empty()) return Status::ok();  // a map output and no rejects
  crash_point("s3-before-complete");
  SLUICE_ASSIGN_OR_RETURN(S3Client * client, job_client(job));
  for (const S3UploadRecord& upload : partition.stats.uploads) {
    SLUICE_ASSIGN_OR_RETURN(CompleteOutcome outcome, complete_upload_once(*client, upload));
    logger("coordinator")
        ->debug("upload completed job={} partition={} url={} redo={}", job.id, partition.index,
                upload.url, outcome == CompleteOutcome::kAlreadyCompleted);
    crash_point("s3-completed");
  }
  return Status::ok();
}

void abort_s3_uploads(const JobRecord& job, const std::vector<S3UploadRecord>& uploads) {
  if (uploads.empty()) return;
  auto client = job_client(job);
  for (const S3UploadRecord& upload : uploads) {
    Status aborted = client.is_ok() ? abort_upload_quietly(**client, upload) : client.status();
    if (!aborted.is_ok()) {
      logger("coordinator")
          ->warn("upload not aborted job={} url={} upload_id={} error={}", job.id, upload.url,
                 upload.upload_id, aborted.to_string());
    }
  }
}

Result<bool> s3_output_finished(const JobRecord& job) {
  SLUICE_ASSIGN_OR_RETURN(S3Location prefix, prefix_location(job));
  SLUICE_ASSIGN_OR_RETURN(S3Client * client, job_client(job));
  auto success = client->head(S3Location{prefix.bucket, prefix.key + "_SUCCESS"});
  if (!success.is_ok()) {
    if (success.status().code() == StatusCode::kNotFound) return false;
    return success.status();
  }
  SLUICE_ASSIGN_OR_RETURN(std::string manifest, client->get_object(S3Location{
                                                    prefix.bucket, prefix.key + "_MANIFEST.json"}));
  try {
    return nlohmann::json::parse(manifest).at("job_id").get<std::string>() == job.id;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

Status put_s3_object(const JobRecord& job, const std::string& name, const std::string& body) {
  SLUICE_ASSIGN_OR_RETURN(S3Location prefix, prefix_location(job));
  SLUICE_ASSIGN_OR_RETURN(S3Client * client, job_client(job));
  return client->put(S3Location{prefix.bucket, prefix.key + name}, body).status();
}

Status finish_s3_output(const JobRecord& job, const std::vector<PartitionRecord>& partitions,
                        const std::string& manifest_text) {
  SLUICE_ASSIGN_OR_RETURN(S3Location prefix, prefix_location(job));
  SLUICE_ASSIGN_OR_RETURN(S3Client * client, job_client(job));
  std::set<std::string> committed;
  for (const PartitionRecord& partition : partitions) {
    for (const S3UploadRecord& upload : partition.stats.uploads) committed.insert(upload.upload_id);
  }
  auto uploads = client->list_uploads(prefix.bucket, prefix.key);
  if (uploads.is_ok()) {
    for (const S3Upload& upload : *uploads) {
      if (committed.count(upload.upload_id) != 0) continue;
      Status aborted =
          client->abort_upload(S3Location{prefix.bucket, upload.key}, upload.upload_id);
      logger("coordinator")
          ->info("abandoned upload aborted job={} key={} upload_id={} result={}", job.id,
                 upload.key, upload.upload_id, aborted.to_string());
    }
  } else if (uploads.status().code() != StatusCode::kUnavailable) {
    return uploads.status();
  }
  SLUICE_RETURN_IF_ERROR(
      client->put(S3Location{prefix.bucket, prefix.key + "_MANIFEST.json"}, manifest_text)
          .status());
  crash_point("manifest-written");
  return client->put(S3Location{prefix.bucket, prefix.key + "_SUCCESS"}, "").status();
}

Result<std::optional<std::string>> get_s3_object(const JobRecord& job, const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(S3Location prefix, prefix_location(job));
  SLUICE_ASSIGN_OR_RETURN(S3Client * client, job_client(job));
  auto body = client->get_object(S3Location{prefix.bucket, prefix.key + name});
  if (body.is_ok()) return std::optional<std::string>(std::move(body).value());
  if (body.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
  return body.status();
}

Status remove_s3_replaced(const JobRecord& job) {
  SLUICE_ASSIGN_OR_RETURN(S3Location prefix, prefix_location(job));
  SLUICE_ASSIGN_OR_RETURN(S3Client * client, job_client(job));
  SLUICE_ASSIGN_OR_RETURN(std::string text, client->get_object(S3Location{
                                                prefix.bucket, prefix.key + "_MANIFEST.json"}));
  std::set<std::string> keep = {"_MANIFEST.json", "_SUCCESS"};
  try {
    const nlohmann::json manifest = nlohmann::json::parse(text);
    if (manifest.at("job_id").get<std::string>() != job.id) {
      return internal_error("the manifest in place is not this job's: nothing is removed");
    }
    for (const char* list : {"parts", "rejects"}) {
      for (const nlohmann::json& entry : manifest.at(list)) {
        keep.insert(entry.at("file").get<std::string>());
      }
    }
  } catch (const nlohmann::json::exception& error) {
    return data_error(std::string("the manifest in place cannot be read: ") + error.what());
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<S3Object> objects, client->list(prefix.bucket, prefix.key));
  for (const S3Object& object : objects) {
    if (keep.count(object.key.substr(prefix.key.size())) != 0) continue;
    SLUICE_RETURN_IF_ERROR(client->remove(S3Location{prefix.bucket, object.key}));
    crash_point("s3-replaced-removed");
  }
  return Status::ok();
}

}  // namespace sluice
