#pragma once
// A map task's output: the rows of every bucket of the exchange, bucket after
// bucket, then an index, in one file (the layout of Spark's sort-based
// shuffle, with its index file as this file's footer):
//
//   bucket 0's rows | bucket 1's rows | … | index entries | trailer
//   entry, one per bucket (32 bytes, little-endian):
//     offset u64, length u64, rows u64, xxh64 of the bucket's bytes u64
//   trailer (24 bytes): buckets u32, version u32 (1),
//     xxh64 of the entries u64, magic "SLXMAP01"
//
// Rows are CSV in sluice's dialect (',' '"', '\n', minimal quoting, a lone
// empty field written ""), without a header: the reader knows the columns.
// A bucket task reads a run of neighbouring buckets: one contiguous range.
//
// Memory: the writer buffers rows per bucket up to a budget, then writes the
// buffers as a run file beside the output (path + ".run-N") and starts
// again; finish() copies each bucket's pieces from the runs into place, so a
// map task's memory does not grow with its output. Thread safety: one thread.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"
#include "common/io/byte_source.h"
#include "common/io/row_writer.h"

namespace sluice {

struct BucketSegment {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t rows = 0;
  uint64_t checksum = 0;  // xxh64 of its bytes
};

class MapOutputWriter {
 public:
  // Creates `path` at finish(); run files meanwhile. `key_count`: the
  // leading columns of each row that are its key (exchange.h, bucket_of_row).
  static Result<std::unique_ptr<MapOutputWriter>> open(std::string path, uint32_t buckets,
                                                       size_t key_count, uint64_t buffer_bytes_max);
  ~MapOutputWriter();  // removes its run files (and `path` if finish() did not complete)
  MapOutputWriter(const MapOutputWriter&) = delete;
  MapOutputWriter& operator=(const MapOutputWriter&) = delete;

  // Appends each row to its bucket.
  Status write(const OutputBatch& rows);
  // Writes the file (buckets, index), fsyncs it. Once.
  Result<WriteStats> finish();

  uint32_t runs_spilled() const { return static_cast<uint32_t>(runs_.size()); }

 private:
  struct Run {
    std::string path;
    std::vector<BucketSegment> segments;
  };
  MapOutputWriter(std::string path, uint32_t buckets, size_t key_count, uint64_t buffer_bytes_max);
  Status spill();

  std::string path_;
  uint32_t buckets_;
  size_t key_count_;
  uint64_t buffer_bytes_max_;
  std::vector<std::string> buffers_;  // per bucket
  std::vector<uint64_t> buffer_rows_;
  uint64_t buffered_bytes_ = 0;
  std::vector<Run> runs_;
  bool finished_ = false;
};

// Reads and checks the index of a map output. kDataError, naming `name`,
// when the source is not a whole map output (too short, wrong magic or
// version, an index whose checksum or offsets do not hold).
Result<std::vector<BucketSegment>> read_map_output_index(ByteSource& source,
                                                         const std::string& name);

// kDataError naming `name` and the bucket when the bytes of buckets
// [begin, end) do not have their indexed checksums.
Status verify_buckets(ByteSource& source, const std::vector<BucketSegment>& index, uint32_t begin,
                      uint32_t end, const std::string& name);

}  // namespace sluice
