#pragma once
// The join of one bucket task's rows, in bounded memory: a sort-merge join
// (docs/ARCHITECTURE.md, "Join").
//
// Every row of both sides goes to one ExternalSorter keyed by
//   0x00, the low 7 bytes of the xxh64 of what follows (big-endian), then per key
//   column: length u32 big-endian, the value's bytes; then the side (0
//   right, 1 left)
// or, for a key holding a NULL (which matches nothing), 0x01 then the side.
// The sorter is stable, so rows of one key and side keep the order they
// were added (their input order). Merging, a key's right rows come first
// and are kept in a RowSpool (memory up to a quarter of the budget, then a
// spill file); each left row is then joined with them all. The hash first
// makes the sort's 16-byte key prefixes tell keys apart (sharing their
// length bytes, text keys would need a memcmp each). Output order:
// by the key's hash, then its bytes, then left input order, then right input order; the
// right rows no left row matched come at their key's place (NULL-key rows
// last: right ones, then left ones).
//
// SQL semantics: NULL never equals anything; inner, left, right and full
// give a left row once per match (or once with NULLs for the right columns
// when it has none and the join keeps it); semi gives a left row once if it
// has a match, anti once if it has none. A right row without a match (right,
// full) gets NULL left columns except the key columns, which hold its key
// (as SQL's JOIN … USING). Thread safety: one thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"
#include "common/exchange/external_sort.h"
#include "common/exchange/join_plan.h"

namespace sluice {

enum class JoinSide : uint8_t { kRight = 0, kLeft = 1 };

class BucketJoiner {
 public:
  // `memory_budget_bytes`: the sorter takes 2/3 of it, the spool of one
  // key's right rows 1/3. Spill files go to `spill_dir` (created on use).
  BucketJoiner(JoinLayout layout, uint64_t memory_budget_bytes, std::string spill_dir);
  ~BucketJoiner();
  BucketJoiner(const BucketJoiner&) = delete;
  BucketJoiner& operator=(const BucketJoiner&) = delete;

  // Adds every row of `rows` (a side's columns: layout.left_column_count or
  // right_column_count) after the rows added before from that side.
  Status add(JoinSide side, const OutputBatch& rows);
  // Emits the joined rows (layout.columns), in batches of at most
  // limits::kBatchRowsMax rows valid during the call. Once.
  Status finish(const std::function<Status(const OutputBatch&)>& emit);

  uint64_t rows_added() const { return rows_added_; }
  uint64_t runs_spilled() const { return sorter_.runs_spilled(); }
  uint64_t spool_rows_spilled() const;

 private:
  class RowSpool;
  class Merge;

  JoinLayout layout_;
  size_t width_;  // the sorter's columns: the wider side's
  ExternalSorter sorter_;
  std::unique_ptr<RowSpool> spool_;
  std::string key_;
  OutputBatch padded_;
  uint64_t rows_added_ = 0;
};

}  // namespace sluice
