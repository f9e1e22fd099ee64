#include "coordinator/board_render.h"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <nlohmann/json.hpp>

#include "common/base/clock.h"

namespace sluice {
namespace {

constexpr std::array<PartitionState, 5> kStates = {
    PartitionState::kPlanned, PartitionState::kLeased, PartitionState::kWritten,
    PartitionState::kCommitted, PartitionState::kPublished};

char stage_code(const JobRecord& job, const PartitionRecord& partition) {
  if (partition.is_final) return 'f';
  if (partition.is_bucket) return 'b';
  return job.has_aggregate ? 'm' : 'r';
}

// Prometheus label value: backslash, quote and newline escaped.
std::string label_value(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (c == '\\' || c == '"' || c == '\n') escaped += '\\';
    escaped += c == '\n' ? 'n' : c;
  }
  return escaped;
}

nlohmann::json samples_json(const SampleRing* ring, std::array<const char*, 4> names) {
  nlohmann::json times = nlohmann::json::array();
  std::array<nlohmann::json, 4> columns;
  for (auto& column : columns) column = nlohmann::json::array();
  if (ring != nullptr) {
    for (const Sample& sample : ring->points()) {
      times.push_back(sample.unix_ms);
      for (size_t i = 0; i < names.size(); ++i) {
        if (names[i] != nullptr) columns[i].push_back(sample.values[i]);
      }
    }
  }
  nlohmann::json out = {{"interval_ms", ring ? ring->interval_ms() : Telemetry::kIntervalMs},
                        {"t_ms", times}};
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] != nullptr) out[names[i]] = columns[i];
  }
  return out;
}

void metric_header(std::string& text, const char* name, const char* type, const char* help) {
  text += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

BoardSnapshot render_board(const Scheduler& scheduler, const LoopMetrics& metrics,
                           Telemetry& telemetry, int64_t now_ms, bool ready) {
  using nlohmann::json;
  BoardSnapshot snapshot;
  snapshot.ready = ready;
  json jobs = json::array();
  std::string partitions_text, rows_text, bytes_text, stages_text, skipped_text, hive_text;
  const int64_t now_unix = unix_time_seconds();
  const int64_t now_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  for (const JobRecord* job : scheduler.jobs()) {
    const JobTotals totals = scheduler.totals(job->id);
    std::array<uint64_t, kStates.size()> by_state{};
    PartitionGrid grid(job->partitions_total);
    for (uint32_t index = 0; index < job->partitions_total; ++index) {
      const PartitionRecord& partition = *scheduler.partition(job->id, index);
      by_state[static_cast<size_t>(partition.state)]++;
      grid.add(index, static_cast<uint8_t>(partition.state), stage_code(*job, partition));
    }
    const Sample sample{
        now_unix_ms, {totals.rows_in, totals.rows_out, totals.bytes_read, totals.partitions_done}};
    if (job->state == JobState::kRunning) {
      telemetry.sample_job(job->id, job->created_unix, sample);
    } else {
      telemetry.end_job(job->id, job->created_unix, sample, now_unix - job->finished_unix < 60);
    }
    json stages = json::array();
    for (const StageView& stage : scheduler.stages(job->id)) {
      stages.push_back({{"name", stage.name},
                        {"total", stage.total},
                        {"done", stage.done},
                        {"running", stage.running}});
      stages_text += fmt::format(
          "sluice_stage_tasks{{job=\"{0}\",stage=\"{1}\",state=\"total\"}} {2}\n"
          "sluice_stage_tasks{{job=\"{0}\",stage=\"{1}\",state=\"running\"}} {3}\n"
          "sluice_stage_tasks{{job=\"{0}\",stage=\"{1}\",state=\"done\"}} {4}\n",
          job->id, stage.name, stage.total, stage.running, stage.done);
    }
    json states = json::object();
    for (PartitionState state : kStates) {
      const uint64_t count = by_state[static_cast<size_t>(state)];
      states[partition_state_name(state)] = count;
      partitions_text += fmt::format("sluice_partitions{{job=\"{}\",state=\"{}\"}} {}\n", job->id,
                                     partition_state_name(state), count);
    }
    const int64_t end = job->finished_unix > 0 ? job->finished_unix : now_unix;
    const double elapsed_s = static_cast<double>(std::max<int64_t>(1, end - job->created_unix));
    json item = {{"id", job->id},
                 {"name", job->name},
                 {"state", job_state_name(job->state)},
                 {"error", job->error},
                 {"output", job->output_dir},
                 {"created_unix", job->created_unix},
                 {"partitions_total", job->partitions_total},
                 {"partitions_done", totals.partitions_done},
                 {"partitions_by_state", states},
                 {"stages", stages},
                 {"rows_in", totals.rows_in},
                 {"rows_out", totals.rows_out},
                 {"rows_filtered", totals.rows_filtered},
                 {"rows_rejected", totals.rows_rejected},
                 {"row_groups_skipped", totals.row_groups_skipped},
                 {"hive_files_skipped", job->hive_files_skipped},
                 {"hive_bytes_skipped", job->hive_bytes_skipped},
                 {"bytes_read", totals.bytes_read},
                 {"bytes_total", totals.bytes_total},
                 {"elapsed_s", elapsed_s},
                 {"mb_per_s", static_cast<double>(totals.bytes_read) / 1e6 / elapsed_s}};
    json detail = item;
    detail["samples"] =
        samples_json(telemetry.job(job->id), {"rows_in", "rows_out", "bytes_read", "tasks_done"});
    json state_names = json::array();
    for (PartitionState state : kStates) state_names.push_back(partition_state_name(state));
    detail["partitions"] = {{"total", job->partitions_total},
                            {"per_cell", grid.per_cell()},
                            {"cells", grid.states()},
                            {"stages", grid.stages()},
                            {"state_names", state_names}};
    snapshot.job_json[job->id] = detail.dump(-1, ' ', false, json::error_handler_t::replace);
    snapshot.job_output_dir[job->id] = job->output_dir;
    jobs.push_back(std::move(item));
    rows_text += fmt::format(
        "sluice_rows_in_total{{job=\"{0}\"}} {1}\nsluice_rows_out_total{{job=\"{0}\"}} {2}\n"
        "sluice_rows_filtered_total{{job=\"{0}\"}} {3}\nsluice_rows_rejected_total{{job=\"{0}\"}} "
        "{4}\n",
        job->id, totals.rows_in, totals.rows_out, totals.rows_filtered, totals.rows_rejected);
    bytes_text +=
        fmt::format("sluice_input_read_bytes{{job=\"{}\"}} {}\n", job->id, totals.bytes_read);
    skipped_text += fmt::format("sluice_parquet_row_groups_skipped_total{{job=\"{}\"}} {}\n",
                                job->id, totals.row_groups_skipped);
    hive_text += fmt::format(
        "sluice_hive_files_skipped_total{{job=\"{0}\"}} {1}\n"
        "sluice_hive_bytes_skipped_total{{job=\"{0}\"}} {2}\n",
        job->id, job->hive_files_skipped, job->hive_bytes_skipped);
  }
  json workers = json::array();
  std::vector<std::string> connected;
  std::string memory_text;
  for (const WorkerView& worker : scheduler.workers()) connected.push_back(worker.identity);
  telemetry.sample_workers(connected, now_unix_ms);
  for (const WorkerView& worker : scheduler.workers()) {
    auto series = telemetry.workers().find(worker.identity);
    const uint64_t memory = series == telemetry.workers().end() ? 0 : series->second.latest_bytes;
    workers.push_back({{"id", worker.identity},
                       {"slots", worker.slots},
                       {"active", worker.active},
                       {"heartbeat_age_ms", now_ms - worker.last_seen_ms},
                       {"memory_bytes", memory}});
    if (series != telemetry.workers().end()) {
      memory_text += fmt::format("sluice_worker_memory_bytes{{worker=\"{}\"}} {}\n",
                                 label_value(worker.identity), memory);
    }
  }
  snapshot.jobs_json = json{{"jobs", jobs}, {"workers", workers}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
  json series_json = json::array();
  for (const auto& [identity, series] : telemetry.workers()) {
    series_json.push_back(
        {{"id", identity},
         {"connected", std::find(connected.begin(), connected.end(), identity) != connected.end()},
         {"memory_bytes", series.latest_bytes},
         {"samples", samples_json(&series.ring, {"memory_bytes", nullptr, nullptr, nullptr})}});
  }
  snapshot.workers_json =
      json{{"workers", series_json}}.dump(-1, ' ', false, json::error_handler_t::replace);

  std::string& text = snapshot.metrics_text;
  metric_header(text, "sluice_partitions", "gauge", "Partitions by job and state.");
  text += partitions_text;
  metric_header(text, "sluice_stage_tasks", "gauge",
                "Tasks by job and stage (read; map, buckets, merge), total, running and done.");
  text += stages_text;
  metric_header(text, "sluice_rows_in_total", "counter",
                "Rows read, by job (committed partitions).");
  metric_header(text, "sluice_rows_out_total", "counter", "Rows written, by job.");
  metric_header(text, "sluice_rows_filtered_total", "counter", "Rows dropped by filters, by job.");
  metric_header(text, "sluice_rows_rejected_total", "counter", "Rows sent to the rejects, by job.");
  text += rows_text;
  metric_header(text, "sluice_input_read_bytes", "counter", "Input bytes of committed partitions.");
  text += bytes_text;
  metric_header(text, "sluice_parquet_row_groups_skipped_total", "counter",
                "Parquet row groups skipped by predicate pushdown (committed partitions), by job.");
  text += skipped_text;
  metric_header(text, "sluice_hive_files_skipped_total", "counter",
                "Hive-partitioned input files ruled out by the filters at planning, by job.");
  metric_header(text, "sluice_hive_bytes_skipped_total", "counter",
                "Bytes of the Hive-partitioned input files ruled out at planning, by job.");
  text += hive_text;
  metric_header(text, "sluice_workers_connected", "gauge", "Registered workers.");
  text += fmt::format("sluice_workers_connected {}\n", scheduler.workers().size());
  metric_header(text, "sluice_worker_memory_bytes", "gauge",
                "Anonymous resident memory of each worker (RssAnon), from its heartbeats.");
  text += memory_text;
  metric_header(text, "sluice_lease_expiries_total", "counter", "Workers whose leases expired.");
  text += fmt::format("sluice_lease_expiries_total {}\n", metrics.lease_expiries);
  metric_header(text, "sluice_retries_total", "counter", "Attempts that failed and were retried.");
  text += fmt::format("sluice_retries_total {}\n", metrics.retries);
  metric_header(text, "sluice_tasks_dispatched_total", "counter", "Tasks sent to workers.");
  text += fmt::format("sluice_tasks_dispatched_total {}\n", metrics.tasks_dispatched);
  metric_header(text, "sluice_attempts_refused_total", "counter",
                "Late or duplicate reports refused.");
  text += fmt::format("sluice_attempts_refused_total {}\n", metrics.attempts_refused);
  metric_header(text, "sluice_messages_dropped_total", "counter",
                "Malformed or unexpected messages.");
  text += fmt::format("sluice_messages_dropped_total {}\n", metrics.messages_dropped);
  metric_header(text, "sluice_commit_latency_seconds", "summary",
                "From a worker's Done to the part renamed into place.");
  text += fmt::format(
      "sluice_commit_latency_seconds_sum {:.6f}\nsluice_commit_latency_seconds_count {}\n",
      metrics.commit_seconds_sum, metrics.commits);
  return snapshot;
}

}  // namespace sluice
