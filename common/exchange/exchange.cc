#include "common/exchange/exchange.h"

#include <algorithm>

#include "common/base/hash.h"
#include "common/base/limits.h"

namespace sluice {

uint32_t exchange_buckets(const JobSpec& spec) {
  return spec.parallelism > 0 ? spec.parallelism : limits::kExchangeBucketsFine;
}

bool sorts_after_aggregate(const JobSpec& spec) {
  bool after_aggregate = false;
  for (const StepSpec& step : spec.steps) {
    if (step.kind == StepKind::kAggregate) after_aggregate = true;
    if (step.kind == StepKind::kSort && after_aggregate) return true;
  }
  return false;
}

bool sorts_globally(const JobSpec& spec) {
  for (const StepSpec& step : spec.steps) {
    if (step.kind == StepKind::kAggregate) return false;
    if (step.kind == StepKind::kSort || step.kind == StepKind::kLimit) return true;
  }
  return false;
}

std::optional<uint64_t> global_sort_limit(const JobSpec& spec) {
  for (const StepSpec& step : spec.steps) {
    if (step.kind == StepKind::kAggregate) return std::nullopt;
    if (step.kind == StepKind::kLimit) return step.limit;
  }
  return std::nullopt;
}

uint32_t plan_sort_tasks(const JobSpec& spec, uint64_t map_output_bytes) {
  if (global_sort_limit(spec)) return 1;
  if (spec.parallelism > 0) return spec.parallelism;
  return static_cast<uint32_t>(plan_bucket_tasks(limits::kBucketsMax, 0, map_output_bytes).size());
}

uint32_t bucket_of_row(const OutputBatch& rows, size_t row, size_t key_count, uint32_t buckets) {
  // Seeded by the previous field's hash, with a marker for NULL, so that
  // ("a", "") and ("", "a") and NULL and "" land apart.
  uint64_t hash = 0x9e3779b97f4a7c15ull;
  for (size_t key = 0; key < key_count; ++key) {
    hash = rows.is_null(row, key) ? hash64("\x01null", hash) : hash64(rows.field(row, key), hash);
  }
  // Bucket by the high bits: the hash table of the task that reads the
  // bucket probes by the low bits of another hash, but never mind skew here.
  return static_cast<uint32_t>((static_cast<unsigned __int128>(hash) * buckets) >> 64);
}

std::vector<BucketRange> plan_bucket_tasks(uint32_t buckets, uint32_t parallelism,
                                           uint64_t map_output_bytes) {
  uint64_t tasks = parallelism > 0 ? parallelism
                                   : (map_output_bytes + limits::kBucketTargetBytes - 1) /
                                         limits::kBucketTargetBytes;
  tasks = std::clamp<uint64_t>(tasks, 1, buckets);
  std::vector<BucketRange> ranges;
  for (uint64_t task = 0; task < tasks; ++task) {
    ranges.push_back(BucketRange{static_cast<uint32_t>(task * buckets / tasks),
                                 static_cast<uint32_t>((task + 1) * buckets / tasks)});
  }
  return ranges;
}

}  // namespace sluice
