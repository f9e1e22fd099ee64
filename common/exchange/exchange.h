#pragma once
// The exchange's arithmetic, shared by the coordinator (which plans the
// bucket tasks) and the workers (which write and read the buckets): how many
// buckets a map task writes, which bucket a partial row goes to, and which
// buckets each bucket task reads. docs/ARCHITECTURE.md, "Stages and exchanges".

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/base/batch.h"
#include "common/spec/job_spec.h"

namespace sluice {

// Buckets every map task of `spec` writes: `parallelism:` when given (then
// one bucket task each), else limits::kExchangeBucketsFine (grouped into
// bucket tasks by the data's size).
uint32_t exchange_buckets(const JobSpec& spec);

// The bucket of a partial row: a hash of its first `key_count` fields (the
// group key, as Aggregator::write_partial spells it canonically, so one key
// has one spelling in every map task), NULLs told apart from empty strings.
uint32_t bucket_of_row(const OutputBatch& rows, size_t row, size_t key_count, uint32_t buckets);

// Whether a `sort` step follows the job's aggregate (or distinct).
bool sorts_after_aggregate(const JobSpec& spec);

// Whether the job sorts all its rows (a `sort` or `limit` with no aggregate
// before it: docs/ARCHITECTURE.md, "Global sort"), and its `limit`, if any.
bool sorts_globally(const JobSpec& spec);
std::optional<uint64_t> global_sort_limit(const JobSpec& spec);

// The bucket tasks of a global sort whose committed map outputs hold
// `map_output_bytes`: `parallelism` when given, else one per
// limits::kBucketTargetBytes (at least 1, at most limits::kBucketsMax); one
// with a limit (it merges the map tasks' first N rows and stops at N).
uint32_t plan_sort_tasks(const JobSpec& spec, uint64_t map_output_bytes);

// A run of neighbouring buckets [begin, end), read by one bucket task.
struct BucketRange {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool operator==(const BucketRange&) const = default;
};

// The bucket tasks of an exchange of `buckets` buckets whose committed map
// outputs hold `map_output_bytes`: with `parallelism` (> 0) one per bucket;
// else ceil(bytes / limits::kBucketTargetBytes) tasks (at least 1, at most
// `buckets`), each over an equal run of buckets.
std::vector<BucketRange> plan_bucket_tasks(uint32_t buckets, uint32_t parallelism,
                                           uint64_t map_output_bytes);

}  // namespace sluice
