#pragma once
// A global sort's sorted file (docs/ARCHITECTURE.md, "Global sort"): what a
// map task writes (one per attempt, published as _partials/<job>/map-NNNNN.bin),
// and what a bucket task's merge passes write to its spill directory.
//
//   records (sort_record.h), in key order, in blocks of about `block_bytes`
//   block index, per block: offset u64, length u64, rows u64,
//     xxh64 of the block's bytes u64, first key length u32, first key
//   sample, per entry: weight u64 (bytes of records from its key up to the
//     next entry's), key length u32, key — at most 2 × limits::kSortSampleKeys
//     record keys regularly spaced by bytes over the file, the first record's
//     first
//   trailer (64 bytes): records' bytes u64, index bytes u64, sample bytes
//     u64, rows u64, xxh64 of the index u64, xxh64 of the sample u64, xxh64
//     of the trailer's 48 bytes before it u64, magic "SLXSRT01"
//
// Little-endian like the other exchange files. A reader reads the trailer
// and the sample alone to choose key ranges (sort_ranges.h), the index to
// find where a range starts, then one block at a time, each checked against
// its checksum before a record of it is used. Keys are unique (they end
// with the row's input position), so ranges split even a repeated sort value.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/exchange/sort_record.h"
#include "common/io/byte_source.h"
#include "common/io/output_sink.h"
#include "common/io/row_writer.h"

namespace sluice {

struct SortBlock {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t rows = 0;
  uint64_t checksum = 0;
  std::string first_key;
};

struct SortSample {
  std::string key;
  uint64_t weight_bytes = 0;
};

struct SortedOutputFooter {
  uint64_t rows = 0;
  uint64_t records_bytes = 0;
  std::vector<SortBlock> blocks;  // empty when read without the index
  std::vector<SortSample> sample;
};

class SortedOutputWriter {
 public:
  // Creates `path` (and its parent directories).
  static Result<std::unique_ptr<SortedOutputWriter>> open(const std::string& path,
                                                          uint64_t block_bytes);
  // Appends one record; records come in ascending key order (checked).
  Status append(std::string_view record);
  // Writes the index, sample and trailer, fsyncs. Once.
  Result<WriteStats> finish();
  uint64_t rows() const { return rows_; }

 private:
  SortedOutputWriter(std::unique_ptr<OutputSink> sink, uint64_t block_bytes)
      : sink_(std::move(sink)), block_bytes_(block_bytes) {}
  Status close_block();

  std::unique_ptr<OutputSink> sink_;
  uint64_t block_bytes_;
  std::string block_;  // the open block's records
  uint64_t block_rows_ = 0;
  std::string last_key_;
  std::vector<SortBlock> blocks_;
  // Regular sampling: a record's key whenever the records pass the next
  // multiple of sample_step_ bytes; when there are twice
  // limits::kSortSampleKeys, every other one goes and the step doubles.
  std::vector<std::pair<uint64_t, std::string>> sample_;  // offset, key
  uint64_t sample_step_bytes_ = 1024;
  uint64_t next_sample_offset_ = 0;
  uint64_t offset_ = 0;  // of the open block
  uint64_t rows_ = 0;
  bool finished_ = false;
};

// Reads and checks the trailer and the sample (and with `with_index` the
// block index) of a sorted output. kDataError naming `name` when the file is
// not a whole sorted output: too short, no magic, a checksum or offset that
// does not hold.
Result<SortedOutputFooter> read_sorted_output_footer(ByteSource& source, const std::string& name,
                                                     bool with_index);

// The records of a sorted output whose keys are in [lo, hi) (no `hi`: to the
// end), in order, one block in memory at a time. `origin` identifies the
// file to the merge (sort_ranges.h): a map task's number.
class SortedRangeCursor {
 public:
  // `footer` read with its index. Starts at the block where `lo` may be
  // found (the index's binary search), skips its records below `lo`.
  SortedRangeCursor(std::unique_ptr<ByteSource> source, std::string name,
                    std::vector<SortBlock> blocks, size_t columns, std::string lo,
                    std::optional<std::string> hi, uint32_t origin);

  // Moves to the next record in range (the first, at the first call);
  // done() past the last. kDataError naming the file when a block fails its
  // checksum or does not parse.
  Status advance();
  bool done() const { return done_; }
  std::string_view key() const { return key_; }
  const char* record() const { return block_.data() + record_begin_; }
  uint64_t record_length() const { return record_length_; }
  const std::vector<FieldSpan>& spans() const { return spans_; }
  uint32_t origin() const { return origin_; }
  const std::string& name() const { return name_; }
  uint64_t bytes_read() const { return bytes_read_; }
  // The longest block this cursor may hold (its buffer's bound).
  uint64_t block_bytes_max() const;

 private:
  Status load_block(size_t block);

  std::unique_ptr<ByteSource> source_;
  std::string name_;
  std::vector<SortBlock> blocks_;
  size_t columns_;
  std::string lo_;
  std::optional<std::string> hi_;
  uint32_t origin_;
  size_t next_block_ = 0;
  std::string block_;
  uint64_t record_begin_ = 0;
  uint64_t record_length_ = 0;
  uint64_t next_record_ = 0;  // in block_
  std::string_view key_;
  std::vector<FieldSpan> spans_;
  uint64_t bytes_read_ = 0;
  bool started_ = false;
  bool done_ = false;
};

}  // namespace sluice
