#pragma once
// An external (bounded-memory) sort of rows by a byte key (sort_key.h), for
// a sort after an aggregate and a global sort.
//
// Record format, of run files and sorted-rows files: sort_record.h.
// A sorted-rows file (finish_to_file) is records in key order, then a trailer
// (32 bytes): rows u64, records' bytes u64, xxh64 of the records followed by
// those two fields u64, magic "SLXSORT1".
//
// Memory: the rows held (key and field bytes plus kRowOverheadBytes each)
// stay within the budget, except one row larger than it, which is held
// alone; past it they are sorted and written as a run file in spill_dir.
// Merging reads each run through one buffer (up to 256 KiB, smaller under
// small budgets, grown only to hold one record) and merges at most
// kMergeFanInMax runs at a time: more are merged in passes into longer runs.
// Thread safety: one thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"
#include "common/io/row_writer.h"

namespace sluice {

class ExternalSorter {
 public:
  // Bytes counted per held row besides its key and fields (its index entry
  // and record header, roughly).
  static constexpr uint64_t kRowOverheadBytes = 32;
  // Runs merged at once: bounds open files and read buffers.
  static constexpr size_t kMergeFanInMax = 64;

  // `spill_dir` is created at the first spill; several sorters may share it.
  ExternalSorter(size_t column_count, uint64_t memory_budget_bytes, std::string spill_dir);
  ~ExternalSorter();  // removes its run files
  ExternalSorter(const ExternalSorter&) = delete;
  ExternalSorter& operator=(const ExternalSorter&) = delete;

  // Copies row `row` of `rows` (its fields and NULL flags) with `key`.
  // Stable: rows of equal keys come out in the order they were added.
  Status add(std::string_view key, const OutputBatch& rows, size_t row);
  // Emits every row in key order, in batches of at most limits::kBatchRowsMax
  // rows (the batch and its fields are valid during the call). Once; removes
  // the run files.
  Status finish(const std::function<Status(const OutputBatch&)>& emit);
  // Instead of finish(): writes the rows in key order as one sorted-rows file
  // at `path` (created with its parent directories, fsynced; removed when
  // this fails). Returns its rows, bytes and the xxh64 of its bytes. Once.
  Result<WriteStats> finish_to_file(const std::string& path);

  // Instead of finish(): hands each record (sort_record.h: key and fields)
  // to `take` in key order; a record is valid during the call. Once.
  Status finish_records(const std::function<Status(std::string_view record)>& take);
  // Rows and bytes held in memory now (bytes as counted against the budget).
  uint64_t held_rows() const { return entries_.size(); }

  // Run files written by add() and finish (not counting merge passes).
  uint64_t runs_spilled() const { return runs_spilled_; }

 private:
  // A held row: where its record is, and the first 16 bytes of its key as
  // two big-endian words (zero-padded), which decide most comparisons
  // without reading the key (a normalized-key prefix, as DuckDB's sort has).
  struct Entry {
    uint64_t prefix_high;
    uint64_t prefix_low;
    uint64_t offset;  // of the record in records_
    uint32_t length;  // of the record
    uint32_t key_length;
  };
  static constexpr size_t kPrefixBytes = 16;
  static bool entry_less(const Entry& a, const Entry& b, const char* records);
  std::string_view key_of(const Entry& entry) const {
    return std::string_view(records_.data() + entry.offset + 4, entry.key_length);
  }
  void sort_held();
  void release_held();
  std::string new_run_path();
  size_t read_buffer_bytes(size_t readers) const;
  // Writes the held rows, sorted, as a run file.
  Status spill();
  // Spills what is held, merges the runs in passes down to kMergeFanInMax.
  Status prepare_final_merge();
  Status emit_sorted(const std::function<Status(const OutputBatch&)>& emit);
  Result<WriteStats> write_sorted_file(const std::string& path);
  Status for_each_sorted_record(const std::function<Status(std::string_view)>& take);
  void remove_runs();

  size_t column_count_;
  uint64_t memory_budget_bytes_;
  std::string spill_dir_;
  uint64_t sorter_id_;
  std::string records_;  // held rows, in the record format
  std::vector<Entry> entries_;
  uint64_t held_bytes_ = 0;
  std::vector<std::string> runs_;   // to merge, in order (the tie order of the merge)
  std::vector<std::string> files_;  // every run file created, to remove
  uint64_t run_files_created_ = 0;
  uint64_t runs_spilled_ = 0;
  bool finished_ = false;
};

// Merges sorted-rows files written by finish_to_file: rows in key order, ties
// in the order of `paths`, emitted as ExternalSorter::finish does. Every
// file's trailer and checksum is checked before the first row is emitted:
// kDataError naming the file when it is missing its trailer, truncated or
// fails its checksum (and kIoError when it cannot be read). Memory: one read
// buffer per file (256 KiB, grown only to hold one record).
Status merge_sorted_files(const std::vector<std::string>& paths, size_t column_count,
                          const std::function<Status(const OutputBatch&)>& emit);

}  // namespace sluice
