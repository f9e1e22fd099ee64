#pragma once
// What every bucket task of a hash exchange does first: for each map output
// it needs, open it, check its index and its buckets' checksums, and read
// the CSV records of its run of buckets [bucket_begin, bucket_end) one batch
// at a time. A missing or damaged output, or a malformed record in it, is
// that map task's lost output (map_output_lost: it runs again).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/base/batch.h"
#include "worker/task_runner.h"

namespace sluice {

struct MapOutputRead {
  uint32_t buckets = 0;           // of the exchange (exchange_buckets(spec))
  size_t expected_columns = 0;    // of every record
  uint64_t max_record_bytes = 0;  // a longer record is damage
};

// What a consumer of a batch says: nullopt to go on, or the task's outcome
// (a failure) to stop with.
using MapOutputConsumer =
    std::function<std::optional<TaskOutcome>(const RecordBatch& batch, const std::string& path)>;

// Reads the task's buckets of map output `map_task`
// (task.map_output_dir/map-NNNNN.bin) into `consume`. Adds the bytes read to
// `bytes_read` (and publishes it in control). nullopt when every batch was
// consumed.
std::optional<TaskOutcome> read_map_output_buckets(const TaskSpec& task, uint32_t map_task,
                                                   const MapOutputRead& read,
                                                   const MapOutputConsumer& consume,
                                                   uint64_t& bytes_read, TaskControl& control);

}  // namespace sluice
