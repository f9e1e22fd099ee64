#include "coordinator/records.h"

#include <nlohmann/json.hpp>

#include "coordinator/json_text.h"

namespace sluice {

using nlohmann::json;

const char* partition_state_name(PartitionState state) {
  switch (state) {
    case PartitionState::kPlanned:
      return "planned";
    case PartitionState::kLeased:
      return "leased";
    case PartitionState::kWritten:
      return "written";
    case PartitionState::kCommitted:
      return "committed";
    case PartitionState::kPublished:
      return "published";
  }
  return "unknown";
}

const char* job_state_name(JobState state) {
  switch (state) {
    case JobState::kRunning:
      return "running";
    case JobState::kSucceeded:
      return "succeeded";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

bool is_final(JobState state) { return state != JobState::kRunning; }

namespace {

json identity_json(const InputVersion& file) {
  return {{"path", file.path},
          {"size", file.size_bytes},
          {"mtime_ns", file.mtime_ns},
          {"head", file.head_checksum},
          {"tail", file.tail_checksum}};
}

InputVersion identity_of(const json& record) {
  return InputVersion{record.at("path"), record.at("size"), record.at("mtime_ns"),
                      record.at("head"), record.at("tail")};
}

}  // namespace

std::string encode_job(const JobRecord& job) {
  json inputs = json::array();
  for (const InputFile& file : job.inputs) {
    inputs.push_back({{"path", file.path}, {"size", file.size_bytes}, {"mtime_ns", file.mtime_ns}});
  }
  json record = {{"id", job.id},
                 {"name", job.name},
                 {"spec_yaml", job.spec_yaml},
                 {"spec_file", job.spec_file},
                 {"base_dir", job.base_dir},
                 {"output_dir", job.output_dir},
                 {"extension", job.extension},
                 {"inputs", inputs},
                 {"partitions_total", job.partitions_total},
                 {"max_attempts", job.max_attempts},
                 {"has_header", job.has_header},
                 {"has_aggregate", job.has_aggregate},
                 {"speculative", job.speculative},
                 {"state", static_cast<int>(job.state)},
                 {"error", job.error},
                 {"created_unix", job.created_unix},
                 {"finished_unix", job.finished_unix}};
  if (!job.lineage_id.empty()) {
    json identities = json::array();
    for (const InputVersion& file : job.identities) identities.push_back(identity_json(file));
    json changes = json::array();
    for (const InputChange& change : job.changes) {
      changes.push_back({{"before", identity_json(change.before)},
                         {"now", identity_json(change.now)},
                         {"reprocess", change.reprocess}});
    }
    record["lineage_id"] = job.lineage_id;
    record["generation"] = job.generation;
    record["part_base"] = job.part_base;
    record["identities"] = identities;
    record["changes"] = changes;
    record["replaced"] = job.replaced;
  }
  if (job.has_aggregate) {
    record["exchange"] = {job.map_tasks, job.buckets_planned, job.final_merge, job.final_planned};
    record["input_columns"] = job.input_columns;
    record["header_known"] = job.header_known;
  }
  if (job.map_tasks_right > 0 || !job.join_right_columns.empty()) {
    record["join"] = {{"map_tasks_right", job.map_tasks_right},
                      {"right_inputs_from", job.right_inputs_from},
                      {"right_columns", job.join_right_columns},
                      {"broadcast", job.join_broadcast}};
  }
  if (job.output_mode != OutputMode::kError) {
    record["output_mode"] = static_cast<int>(job.output_mode);
    record["part_base"] = job.part_base;
  }
  if (!job.partition_by.empty()) record["partition_by"] = job.partition_by;
  if (!job.exchange_dir.empty()) record["exchange_dir"] = job.exchange_dir;
  if (job.hive_files_skipped > 0) {
    record["hive_skipped"] = {job.hive_files_skipped, job.hive_bytes_skipped};
  }
  return json_text(record);
}

Result<JobRecord> decode_job(const std::string& text) {
  try {
    json record = json::parse(text);
    JobRecord job;
    job.id = record.at("id");
    job.name = record.at("name");
    job.spec_yaml = record.at("spec_yaml");
    job.spec_file = record.at("spec_file");
    job.base_dir = record.at("base_dir");
    job.output_dir = record.at("output_dir");
    job.extension = record.at("extension");
    for (const json& input : record.at("inputs")) {
      job.inputs.push_back(InputFile{input.at("path"), input.at("size"), input.at("mtime_ns")});
    }
    job.partitions_total = record.at("partitions_total");
    job.max_attempts = record.at("max_attempts");
    job.has_header = record.at("has_header");
    job.has_aggregate = record.value("has_aggregate", false);
    job.speculative = record.value("speculative", false);
    if (record.contains("exchange")) {
      const json& exchange = record.at("exchange");
      job.map_tasks = exchange.at(0);
      job.buckets_planned = exchange.at(1);
      job.final_merge = exchange.at(2);
      job.final_planned = exchange.at(3);
      job.input_columns = record.at("input_columns").get<std::vector<std::string>>();
      job.header_known = record.at("header_known");
    }
    if (record.contains("join")) {
      const json& join = record.at("join");
      job.map_tasks_right = join.at("map_tasks_right");
      job.right_inputs_from = join.at("right_inputs_from");
      job.join_right_columns = join.at("right_columns").get<std::vector<std::string>>();
      job.join_broadcast = join.value("broadcast", false);
    }
    job.state = static_cast<JobState>(record.at("state").get<int>());
    job.error = record.at("error");
    job.created_unix = record.at("created_unix");
    job.finished_unix = record.at("finished_unix");
    job.output_mode = static_cast<OutputMode>(record.value("output_mode", 0));
    job.part_base = record.value("part_base", 0u);
    if (record.contains("partition_by")) {
      job.partition_by = record.at("partition_by").get<std::vector<std::string>>();
    }
    job.exchange_dir = record.value("exchange_dir", std::string());
    if (record.contains("hive_skipped")) {
      job.hive_files_skipped = record.at("hive_skipped").at(0);
      job.hive_bytes_skipped = record.at("hive_skipped").at(1);
    }
    if (record.contains("lineage_id")) {
      job.lineage_id = record.at("lineage_id");
      job.generation = record.at("generation");
      job.part_base = record.at("part_base");
      for (const json& file : record.at("identities")) job.identities.push_back(identity_of(file));
      for (const json& change : record.at("changes")) {
        job.changes.push_back(InputChange{identity_of(change.at("before")),
                                          identity_of(change.at("now")), change.at("reprocess")});
      }
      job.replaced = record.at("replaced").get<std::vector<std::string>>();
    }
    return job;
  } catch (const json::exception& error) {
    return internal_error(std::string("corrupt job record: ") + error.what());
  }
}

std::string encode_seen_file(const SeenFile& file) {
  json record = {{"identity", identity_json(file.identity)},
                 {"job_id", file.job_id},
                 {"generation", file.generation},
                 {"first_part", file.first_part},
                 {"output", json::parse(file.output_json)}};
  if (file.reported) record["reported"] = identity_json(*file.reported);
  return json_text(record);
}

Result<SeenFile> decode_seen_file(const std::string& text) {
  try {
    json record = json::parse(text);
    SeenFile file;
    file.identity = identity_of(record.at("identity"));
    if (record.contains("reported")) file.reported = identity_of(record.at("reported"));
    file.job_id = record.at("job_id");
    file.generation = record.at("generation");
    file.first_part = record.at("first_part");
    file.output_json = json_text(record.at("output"));
    return file;
  } catch (const json::exception& error) {
    return internal_error(std::string("corrupt seen-file record: ") + error.what());
  }
}

}  // namespace sluice
