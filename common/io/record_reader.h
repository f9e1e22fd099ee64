#pragma once
// RecordReader: the records of one range of an input, whatever its format
// (CSV, JSON lines, Parquet, PostgreSQL). The range itself is
// common/spec/input_range.h; common/sources opens the reader of one.

#include <cstdint>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"

namespace sluice {

// The records of one range of an input, whatever its format: a
// CsvRangeReader or a JsonlRangeReader behind one interface (one virtual
// call per batch). Same offset contract as CsvRangeReader.
class RecordReader {
 public:
  virtual ~RecordReader();
  virtual Result<bool> next(RecordBatch& batch, std::vector<RejectedRecord>& rejects) = 0;
  virtual uint64_t start_offset() const = 0;
  virtual uint64_t end_offset() const = 0;
  virtual uint64_t bytes_read() const = 0;
  virtual uint64_t records_read() const = 0;
  // Parquet: rows of row groups skipped by predicate pushdown (counted in
  // records_read(), never in a batch: they are rows read and filtered), and
  // those row groups.
  virtual uint64_t rows_skipped() const { return 0; }
  virtual uint64_t row_groups_skipped() const { return 0; }
};

}  // namespace sluice
