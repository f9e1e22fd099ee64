#pragma once
// The writer of one task's output under `output.partition_by`: each row goes
// to the file of its partition, `col=value/...` (hive_path.h), without the
// partition columns, as Spark's partitionBy and DuckDB's PARTITION_BY write
// them.
//
// Files are written to `temp_dir/NNNNN` (NNNNN: the file's index in the list
// finish() returns); the coordinator renames file i to
// `OUT/<dir>/part-PPPPP.<ext>` when the attempt wins.
//
// Memory: a task writes one file per partition value it meets. Up to
// open_files_max() files are open at once, each with its write buffer (a
// Parquet row group is kept smaller than alone, so that they fit). Rows of
// any further partition go to an ExternalSorter keyed by their directory
// (spilling past its half of the budget, as Spark falls back to sorting
// past maxConcurrentOutputFileWriters), and are written one partition after
// another at finish(). Every partition gets one file per task; rows keep
// their order within it.
// Thread safety: one thread.

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"
#include "common/exchange/external_sort.h"
#include "common/expr/types.h"
#include "common/io/row_writer.h"
#include "common/layout/hive_path.h"
#include "common/spec/job_spec.h"

namespace sluice {

struct PartitionedWriterOptions {
  std::string temp_dir;  // created; files temp_dir/00000, temp_dir/00001, ...
  OutputFormat format = OutputFormat::kCsv;
  Compression compression = Compression::kNone;
  std::vector<std::string> columns;  // every output column, partition columns included
  std::vector<expr::Type> types;     // parallel to columns (Parquet); may be empty
  std::vector<std::string> partition_by;
  uint64_t memory_budget_bytes = 64ull << 20;
};

// The directory of a partitioned attempt's files, beside the path its one
// file would have had (the temporary part path the coordinator names).
std::string partition_files_dir(const std::string& temp_part_path);

class PartitionedWriter {
 public:
  // kInvalidArgument when a partition column is not an output column or
  // every column is one.
  static Result<std::unique_ptr<PartitionedWriter>> open(PartitionedWriterOptions options);
  ~PartitionedWriter();
  PartitionedWriter(const PartitionedWriter&) = delete;
  PartitionedWriter& operator=(const PartitionedWriter&) = delete;

  // kDataError when a partition value's directory name would be longer
  // than a file name may be.
  Status write(const OutputBatch& batch);
  // Finishes every file (flushed, fsynced); the list is in file-index order.
  Result<std::vector<PartitionFile>> finish();

  // Where file `index` of a task writing to `temp_dir` is.
  static std::string file_path(const std::string& temp_dir, size_t index);
  size_t open_files_max() const { return open_files_max_; }

 private:
  explicit PartitionedWriter(PartitionedWriterOptions options);
  Status resolve_columns();
  // The directory of `row` into dir_ (kDataError past the name limit).
  Status directory_of(const OutputBatch& batch, size_t row);
  Result<size_t> open_file(const std::string& dir);
  // Writes `rows` of `batch` (their data columns) to open file `slot`.
  Status write_rows(size_t slot, const OutputBatch& batch, const std::vector<uint32_t>& rows);
  Status write_sorted_rest();

  struct OpenFile {
    std::unique_ptr<RowWriter> writer;
    size_t index = 0;  // in files_
  };

  PartitionedWriterOptions options_;
  std::vector<size_t> partition_columns_;  // indexes into options_.columns
  std::vector<size_t> data_columns_;
  std::vector<std::string> data_names_;
  std::vector<expr::Type> data_types_;
  size_t open_files_max_ = 1;
  uint64_t row_group_bytes_max_ = 0;
  std::vector<PartitionFile> files_;
  std::vector<OpenFile> open_;
  std::unordered_map<std::string, size_t> slot_of_dir_;  // into open_
  std::unique_ptr<ExternalSorter> rest_;                 // partitions past open_files_max
  bool rest_used_ = false;
  uint64_t dir_bytes_ = 0;  // of every file's directory name
  std::string dir_;
  std::vector<std::vector<uint32_t>> rows_of_slot_;  // scratch, per write()
  OutputBatch data_;                                 // scratch: data columns of some rows
};

}  // namespace sluice
