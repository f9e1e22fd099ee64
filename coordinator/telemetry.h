#pragma once
// The coordinator's own samples, for the dashboard's charts: per job, its
// counters about once a second while it runs; per worker, the memory it
// reports in its heartbeats. Memory is bounded: a SampleRing holds at most
// `capacity` points, and when full it merges neighbours two by two and
// doubles its interval, so a long job keeps its whole history at a coarser
// resolution. Thread safety: owned by the coordinator loop.

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sluice {

struct Sample {
  int64_t unix_ms = 0;
  std::array<uint64_t, 4> values{};
};

class SampleRing {
 public:
  // How two neighbours become one: counters keep the later point (rates are
  // differences, so they stay right); gauges keep the later time and the
  // larger value (a peak is not averaged away).
  enum class Merge { kCounters, kGaugeMax };

  SampleRing(size_t capacity, int64_t interval_ms, Merge merge);
  // Adds a point unless the last one is less than interval_ms() old; a
  // point that comes too soon replaces nothing (counters) or raises the
  // last one to its value (gauges). Returns whether a point was added.
  bool add(const Sample& sample);
  // Adds even when the last point is recent (a job's final values).
  void add_final(const Sample& sample);

  const std::vector<Sample>& points() const { return points_; }
  int64_t interval_ms() const { return interval_ms_; }
  size_t capacity() const { return capacity_; }

 private:
  void halve();

  size_t capacity_;
  int64_t interval_ms_;
  Merge merge_;
  std::vector<Sample> points_;
};

// Per job: rows_in, rows_out, bytes_read, tasks done. Per worker: its anonymous
// resident memory (values[0]) in bytes.
class Telemetry {
 public:
  static constexpr size_t kPointsMax = 600;             // 10 min at 1/s, then coarser
  static constexpr int64_t kIntervalMs = 1000;          // about once a second
  static constexpr size_t kJobsMax = 64;                // series kept (the newest jobs)
  static constexpr int64_t kWorkerGoneKeepMs = 60'000;  // a departed worker's series
  static constexpr size_t kWorkersMax = 2048;           // series kept (kPeersMax and the departed)

  // A running job's counters (the loop calls this at each render).
  void sample_job(const std::string& job_id, int64_t created_unix, const Sample& sample);
  // A job that ended: its final values, once. `recent`: it ended a moment
  // ago, and a job never seen running (it ended between two renders) gets a
  // series too; an old one (a restarted coordinator's) gets none.
  void end_job(const std::string& job_id, int64_t created_unix, const Sample& sample, bool recent);
  const SampleRing* job(const std::string& job_id) const;

  // From a heartbeat: the worker's memory now (sampled by sample_workers).
  void worker_memory(const std::string& identity, uint64_t bytes);
  // Adds a point for each connected worker, and drops the series of workers
  // not connected for kWorkerGoneKeepMs.
  void sample_workers(const std::vector<std::string>& connected, int64_t unix_ms);
  struct WorkerSeries {
    SampleRing ring{kPointsMax, kIntervalMs, SampleRing::Merge::kGaugeMax};
    uint64_t latest_bytes = 0;
    int64_t last_unix_ms = 0;  // last sampled (connected)
  };
  const std::map<std::string, WorkerSeries>& workers() const { return workers_; }

 private:
  struct JobSeries {
    SampleRing ring{kPointsMax, kIntervalMs, SampleRing::Merge::kCounters};
    int64_t created_unix = 0;
    bool ended = false;
  };
  // A new job's series, starting with zeros at its creation.
  JobSeries& new_job(const std::string& job_id, int64_t created_unix, int64_t first_unix_ms);

  std::map<std::string, JobSeries> jobs_;
  std::map<std::string, WorkerSeries> workers_;
};

// The partitions' states as one character per cell, '0' planned .. '4'
// published (PartitionState's order, least to most advanced), with the
// stage of each cell ('r' read, 'm' map, 'b' buckets, 'f' merge). With more
// than cells_max partitions, each cell covers a run of `per_cell` partitions
// (the last may cover fewer) and shows the least advanced state in it and
// the stage of its first partition.
class PartitionGrid {
 public:
  static constexpr uint32_t kCellsMax = 4096;
  PartitionGrid(uint32_t partitions_total, uint32_t cells_max = kCellsMax);
  void add(uint32_t index, uint8_t state, char stage);
  uint32_t per_cell() const { return per_cell_; }
  const std::string& states() const { return states_; }
  const std::string& stages() const { return stages_; }

 private:
  uint32_t per_cell_;
  std::string states_;
  std::string stages_;
};

}  // namespace sluice
