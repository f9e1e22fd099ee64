#include "worker/map_output_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "common/base/limits.h"
#include "common/csv/range_reader.h"
#include "common/exchange/map_output.h"
#include "common/io/byte_source.h"

namespace sluice {

std::optional<TaskOutcome> read_map_output_buckets(const TaskSpec& task, uint32_t map_task,
                                                   const MapOutputRead& read,
                                                   const MapOutputConsumer& consume,
                                                   uint64_t& bytes_read, TaskControl& control) {
  const std::string path = fmt::format("{}/map-{:05}.bin", task.map_output_dir, map_task);
  auto opened = FileSource::open(path);
  if (!opened.is_ok()) return map_output_lost(map_task, opened.status().message());
  FileSource& source = *opened.value();
  auto index = read_map_output_index(source, path);
  if (!index.is_ok()) return map_output_lost(map_task, index.status().message());
  if (index->size() != read.buckets) {
    return map_output_lost(
        map_task, fmt::format("{}: {} buckets, the job has {}", path, index->size(), read.buckets));
  }
  Status verified = verify_buckets(source, *index, task.bucket_begin, task.bucket_end, path);
  if (!verified.is_ok()) return map_output_lost(map_task, verified.message());
  const uint64_t begin = (*index)[task.bucket_begin].offset;
  const BucketSegment& last = (*index)[task.bucket_end - 1];
  const uint64_t end = last.offset + last.length;
  if (end == begin) return std::nullopt;

  PrefixSource range_source(source, end);
  CsvRangeOptions options;
  options.dialect.header = false;  // the map outputs' own: ',' '"', no header
  options.begin_offset = begin;
  options.end_offset = end;
  options.start_is_exact = true;
  options.exact_start_offset = begin;
  options.max_record_bytes = read.max_record_bytes;
  options.expected_columns = read.expected_columns;
  options.read_chunk_bytes =
      static_cast<size_t>(std::clamp<uint64_t>(end - begin, 4 << 10, limits::kReadChunkBytes));
  CsvRangeReader reader(range_source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  while (true) {
    rejects.clear();
    auto more = reader.next(batch, rejects);
    if (!more.is_ok()) return failure(more.status().message(), true);
    if (!rejects.empty()) {
      return map_output_lost(map_task, fmt::format("{}: record at byte offset {}: {}", path,
                                                   rejects[0].offset, rejects[0].reason));
    }
    if (auto stop = consume(batch, path)) return stop;
    if (!more.value()) break;
  }
  bytes_read += end - begin;
  control.bytes_read.store(bytes_read, std::memory_order_relaxed);
  return std::nullopt;
}

}  // namespace sluice
