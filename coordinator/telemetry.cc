#include "coordinator/telemetry.h"

#include <algorithm>
#include <set>

#include "common/base/assert.h"

namespace sluice {

SampleRing::SampleRing(size_t capacity, int64_t interval_ms, Merge merge)
    : capacity_(capacity), interval_ms_(interval_ms), merge_(merge) {
  SLUICE_ASSERT(capacity_ >= 2, "capacity={}", capacity_);
  SLUICE_ASSERT(interval_ms_ > 0, "interval_ms={}", interval_ms_);
}

bool SampleRing::add(const Sample& sample) {
  if (!points_.empty() && sample.unix_ms - points_.back().unix_ms < interval_ms_) {
    if (merge_ == Merge::kGaugeMax) {
      Sample& last = points_.back();
      for (size_t i = 0; i < last.values.size(); ++i)
        last.values[i] = std::max(last.values[i], sample.values[i]);
    }
    return false;
  }
  add_final(sample);
  return true;
}

void SampleRing::add_final(const Sample& sample) {
  if (points_.size() >= capacity_) halve();
  points_.push_back(sample);
}

void SampleRing::halve() {
  std::vector<Sample> merged;
  merged.reserve(capacity_);
  for (size_t i = 0; i < points_.size(); i += 2) {
    if (i + 1 == points_.size()) {
      merged.push_back(points_[i]);
      break;
    }
    Sample point = points_[i + 1];
    if (merge_ == Merge::kGaugeMax) {
      for (size_t v = 0; v < point.values.size(); ++v)
        point.values[v] = std::max(point.values[v], points_[i].values[v]);
    }
    merged.push_back(point);
  }
  points_ = std::move(merged);
  interval_ms_ *= 2;
}

Telemetry::JobSeries& Telemetry::new_job(const std::string& job_id, int64_t created_unix,
                                         int64_t first_unix_ms) {
  if (jobs_.size() >= kJobsMax) {  // the oldest job's series goes
    auto oldest = std::min_element(jobs_.begin(), jobs_.end(), [](const auto& a, const auto& b) {
      return a.second.created_unix < b.second.created_unix;
    });
    jobs_.erase(oldest);
  }
  JobSeries& series = jobs_[job_id];
  series.created_unix = created_unix;
  // Rates from the start: the counters were zero when the job was created.
  if (created_unix * 1000 < first_unix_ms) series.ring.add(Sample{created_unix * 1000, {}});
  return series;
}

void Telemetry::sample_job(const std::string& job_id, int64_t created_unix, const Sample& sample) {
  auto it = jobs_.find(job_id);
  JobSeries& series =
      it != jobs_.end() ? it->second : new_job(job_id, created_unix, sample.unix_ms);
  if (!series.ended) series.ring.add(sample);
}

void Telemetry::end_job(const std::string& job_id, int64_t created_unix, const Sample& sample,
                        bool recent) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() && !recent) return;
  JobSeries& series =
      it != jobs_.end() ? it->second : new_job(job_id, created_unix, sample.unix_ms);
  if (series.ended) return;
  series.ring.add_final(sample);
  series.ended = true;
}

const SampleRing* Telemetry::job(const std::string& job_id) const {
  auto it = jobs_.find(job_id);
  return it == jobs_.end() ? nullptr : &it->second.ring;
}

void Telemetry::worker_memory(const std::string& identity, uint64_t bytes) {
  auto it = workers_.find(identity);
  if (it == workers_.end()) {
    if (workers_.size() >= kWorkersMax) return;
    it = workers_.emplace(identity, WorkerSeries{}).first;
  }
  it->second.latest_bytes = bytes;
}

void Telemetry::sample_workers(const std::vector<std::string>& connected, int64_t unix_ms) {
  const std::set<std::string> live(connected.begin(), connected.end());
  for (auto it = workers_.begin(); it != workers_.end();) {
    WorkerSeries& series = it->second;
    if (live.contains(it->first) || series.last_unix_ms == 0) {
      Sample sample;
      sample.unix_ms = unix_ms;
      sample.values[0] = series.latest_bytes;
      if (live.contains(it->first)) series.ring.add(sample);
      series.last_unix_ms = unix_ms;
      ++it;
    } else if (unix_ms - series.last_unix_ms > kWorkerGoneKeepMs) {
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

PartitionGrid::PartitionGrid(uint32_t partitions_total, uint32_t cells_max)
    : per_cell_(
          std::max<uint32_t>(1, (partitions_total + cells_max - 1) / std::max(1u, cells_max))) {
  const uint32_t cells = (partitions_total + per_cell_ - 1) / per_cell_;
  states_.assign(cells, '9');  // above every state: the first add() lowers it
  stages_.assign(cells, ' ');
}

void PartitionGrid::add(uint32_t index, uint8_t state, char stage) {
  const uint32_t cell = index / per_cell_;
  if (cell >= states_.size()) return;
  const char code = static_cast<char>('0' + std::min<uint8_t>(state, 8));
  states_[cell] = std::min(states_[cell], code);
  if (index % per_cell_ == 0) stages_[cell] = stage;
}

}  // namespace sluice
