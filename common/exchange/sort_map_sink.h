#pragma once
// A global sort's map side (docs/ARCHITECTURE.md, "Global sort"): the rows
// of one map task, each with its sort key, into one sorted output
// (sorted_output.h). The sink appends each row's input position (the map
// task's number, the row's ordinal) to its key, so keys are unique and equal
// sort values keep input order whatever the split size.
//
// Without a limit the rows go through an ExternalSorter (memory bounded by
// the budget, spilling sorted runs). With `limit: N` only the N least keys
// are kept, in a heap: a row's record is dropped as soon as N lesser ones
// are held; if N rows do not fit in the budget, the held rows move to an
// ExternalSorter and only its first N rows are written.
// Thread safety: one thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"
#include "common/exchange/external_sort.h"
#include "common/io/row_writer.h"

namespace sluice {

class SortMapSink {
 public:
  SortMapSink(std::string path, size_t columns, uint32_t map_task, uint64_t memory_budget_bytes,
              std::optional<uint64_t> limit);

  // Row `row` of `rows`, whose sort key (without its position) is `key`.
  Status add(std::string_view key, const OutputBatch& rows, size_t row);
  // Writes the sorted output at `path`, fsynced. Once.
  Result<WriteStats> finish();

  // Whether the top-N heap gave way to the external sorter (for tests).
  bool fell_back_to_sorter() const { return sorter_ != nullptr && limit_.has_value(); }

 private:
  Status move_held_to_sorter();

  std::string path_;
  size_t columns_;
  uint32_t map_task_;
  uint64_t memory_budget_bytes_;
  std::optional<uint64_t> limit_;
  uint64_t ordinal_ = 0;
  std::string key_;  // scratch
  // Top N: records (sort_record.h), a max-heap by key.
  std::vector<std::string> held_;
  uint64_t held_bytes_ = 0;
  std::unique_ptr<ExternalSorter> sorter_;
};

}  // namespace sluice
