#include "common/layout/partitioned_writer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>

#include "common/base/limits.h"
#include "common/formats/row_writers.h"
#include "common/layout/hive_path.h"

namespace sluice {
namespace {

// Open files at most: each holds a write buffer and a file descriptor.
constexpr size_t kOpenFilesMax = 16;
// A text file's buffer (limits::kWriteBufferBytes) and its compressor's.
constexpr uint64_t kTextFileBytes = 2ull << 20;
// A partitioned Parquet file's row group: smaller than a lone file's, so
// that several fit in the budget; no smaller than this.
constexpr uint64_t kRowGroupBytesMin = 1ull << 20;
constexpr uint64_t kRowGroupBytesPreferred = 4ull << 20;

}  // namespace

PartitionedWriter::PartitionedWriter(PartitionedWriterOptions options)
    : options_(std::move(options)) {}

PartitionedWriter::~PartitionedWriter() = default;

std::string partition_files_dir(const std::string& temp_part_path) { return temp_part_path + ".d"; }

std::string PartitionedWriter::file_path(const std::string& temp_dir, size_t index) {
  return fmt::format("{}/{:05}", temp_dir, index);
}

Result<std::unique_ptr<PartitionedWriter>> PartitionedWriter::open(
    PartitionedWriterOptions options) {
  std::unique_ptr<PartitionedWriter> writer(new PartitionedWriter(std::move(options)));
  SLUICE_RETURN_IF_ERROR(writer->resolve_columns());
  // Half of the budget for the open files, half for the sorter of the rest.
  const uint64_t files_budget = writer->options_.memory_budget_bytes / 2;
  if (writer->options_.format == OutputFormat::kParquet) {
    writer->open_files_max_ = static_cast<size_t>(
        std::clamp<uint64_t>(files_budget / kRowGroupBytesPreferred, 1, kOpenFilesMax));
    writer->row_group_bytes_max_ =
        std::clamp<uint64_t>(files_budget / writer->open_files_max_, kRowGroupBytesMin,
                             limits::kParquetRowGroupBytesMax);
  } else {
    writer->open_files_max_ =
        static_cast<size_t>(std::clamp<uint64_t>(files_budget / kTextFileBytes, 1, kOpenFilesMax));
    writer->row_group_bytes_max_ = limits::kParquetRowGroupBytesMax;
  }
  std::error_code error;
  std::filesystem::create_directories(writer->options_.temp_dir, error);
  if (error) {
    return io_error(
        fmt::format("cannot create {}: {}", writer->options_.temp_dir, error.message()));
  }
  return writer;
}

Status PartitionedWriter::resolve_columns() {
  const std::vector<std::string>& columns = options_.columns;
  for (const std::string& name : options_.partition_by) {
    auto found = std::find(columns.begin(), columns.end(), name);
    if (found == columns.end()) {
      return invalid_argument(
          fmt::format("output.partition_by: '{}' is not an output column (the columns are {})",
                      name, fmt::join(columns, ", ")));
    }
    partition_columns_.push_back(static_cast<size_t>(found - columns.begin()));
  }
  for (size_t column = 0; column < columns.size(); ++column) {
    if (std::find(partition_columns_.begin(), partition_columns_.end(), column) !=
        partition_columns_.end()) {
      continue;
    }
    data_columns_.push_back(column);
    data_names_.push_back(columns[column]);
    if (column < options_.types.size()) data_types_.push_back(options_.types[column]);
  }
  if (data_columns_.empty()) {
    return invalid_argument(
        "output.partition_by: every output column is a partition column; the files would "
        "have no columns");
  }
  if (!options_.types.empty() && data_types_.size() != data_columns_.size()) {
    return invalid_argument("output column types do not match the columns");
  }
  return Status::ok();
}

Status PartitionedWriter::directory_of(const OutputBatch& batch, size_t row) {
  dir_.clear();
  for (size_t i = 0; i < partition_columns_.size(); ++i) {
    const size_t column = partition_columns_[i];
    if (i > 0) dir_.push_back('/');
    const size_t start = dir_.size();
    std::optional<std::string_view> value;
    if (!batch.is_null(row, column)) value = batch.field(row, column);
    dir_.append(hive_component(options_.columns[column], value));
    if (dir_.size() - start > kPathComponentBytesMax) {
      return data_error(fmt::format(
          "output.partition_by: the value of '{}' makes a directory name of {} bytes, longer "
          "than the {} a file name may have: {:.64}...",
          options_.columns[column], dir_.size() - start, kPathComponentBytesMax,
          std::string_view(dir_).substr(start)));
    }
  }
  return Status::ok();
}

Result<size_t> PartitionedWriter::open_file(const std::string& dir) {
  const size_t index = files_.size();
  dir_bytes_ += dir.size();
  if (index >= limits::kPartitionFilesPerTaskMax ||
      dir_bytes_ > limits::kPartitionDirBytesPerTaskMax) {
    return data_error(fmt::format(
        "output.partition_by: one task's rows fall in more than {} partitions ({} bytes of "
        "directory names); make tasks smaller (input.split_size, or parallelism after an "
        "aggregate) or partition by fewer values",
        index, dir_bytes_));
  }
  SLUICE_ASSIGN_OR_RETURN(
      std::unique_ptr<RowWriter> writer,
      open_row_writer(file_path(options_.temp_dir, index), options_.format, options_.compression,
                      data_names_, data_types_, row_group_bytes_max_));
  PartitionFile file;
  file.dir = dir;
  files_.push_back(std::move(file));
  open_.push_back(OpenFile{std::move(writer), index});
  return open_.size() - 1;
}

Status PartitionedWriter::write_rows(size_t slot, const OutputBatch& batch,
                                     const std::vector<uint32_t>& rows) {
  data_.clear();
  data_.column_count = data_columns_.size();
  data_.row_count = rows.size();
  data_.fields.reserve(rows.size() * data_columns_.size());
  data_.nulls.reserve(rows.size() * data_columns_.size());
  for (uint32_t row : rows) {
    for (size_t column : data_columns_) {
      data_.fields.push_back(batch.field(row, column));
      data_.nulls.push_back(batch.is_null(row, column) ? 1 : 0);
    }
  }
  return open_[slot].writer->write(data_);
}

Status PartitionedWriter::write(const OutputBatch& batch) {
  for (auto& rows : rows_of_slot_) rows.clear();
  for (size_t row = 0; row < batch.row_count; ++row) {
    SLUICE_RETURN_IF_ERROR(directory_of(batch, row));
    auto found = slot_of_dir_.find(dir_);
    size_t slot;
    if (found != slot_of_dir_.end()) {
      slot = found->second;
    } else if (open_.size() < open_files_max_) {
      SLUICE_ASSIGN_OR_RETURN(slot, open_file(dir_));
      slot_of_dir_.emplace(dir_, slot);
    } else {
      if (!rest_) {
        rest_ = std::make_unique<ExternalSorter>(
            options_.columns.size(), options_.memory_budget_bytes / 2, options_.temp_dir + "/sort");
      }
      rest_used_ = true;
      SLUICE_RETURN_IF_ERROR(rest_->add(dir_, batch, row));
      continue;
    }
    if (rows_of_slot_.size() <= slot) rows_of_slot_.resize(slot + 1);
    rows_of_slot_[slot].push_back(static_cast<uint32_t>(row));
  }
  for (size_t slot = 0; slot < rows_of_slot_.size(); ++slot) {
    if (rows_of_slot_[slot].empty()) continue;
    SLUICE_RETURN_IF_ERROR(write_rows(slot, batch, rows_of_slot_[slot]));
    files_[open_[slot].index].rows += rows_of_slot_[slot].size();
  }
  return Status::ok();
}

// The partitions past open_files_max, from the sorter: one after another,
// each into a file of its own, opened when its first row comes.
Status PartitionedWriter::write_sorted_rest() {
  std::optional<size_t> current;  // slot of the file being written
  std::vector<uint32_t> rows;
  auto close_current = [&]() -> Status {
    if (!current) return Status::ok();
    OpenFile& file = open_[*current];
    SLUICE_ASSIGN_OR_RETURN(WriteStats stats, file.writer->finish());
    files_[file.index].bytes = stats.bytes;
    files_[file.index].checksum = stats.checksum;
    file.writer.reset();
    current.reset();
    return Status::ok();
  };
  SLUICE_RETURN_IF_ERROR(rest_->finish([&](const OutputBatch& batch) -> Status {
    size_t row = 0;
    while (row < batch.row_count) {
      SLUICE_RETURN_IF_ERROR(directory_of(batch, row));
      if (!current || files_[open_[*current].index].dir != dir_) {
        SLUICE_RETURN_IF_ERROR(close_current());
        SLUICE_ASSIGN_OR_RETURN(size_t slot, open_file(dir_));
        current = slot;
      }
      // The run of rows of this partition in the batch.
      rows.clear();
      const std::string dir = dir_;
      for (; row < batch.row_count; ++row) {
        SLUICE_RETURN_IF_ERROR(directory_of(batch, row));
        if (dir_ != dir) break;
        rows.push_back(static_cast<uint32_t>(row));
      }
      SLUICE_RETURN_IF_ERROR(write_rows(*current, batch, rows));
      files_[open_[*current].index].rows += rows.size();
    }
    return Status::ok();
  }));
  return close_current();
}

Result<std::vector<PartitionFile>> PartitionedWriter::finish() {
  const size_t direct = open_.size();
  for (size_t slot = 0; slot < direct; ++slot) {
    SLUICE_ASSIGN_OR_RETURN(WriteStats stats, open_[slot].writer->finish());
    PartitionFile& file = files_[open_[slot].index];
    file.bytes = stats.bytes;
    file.checksum = stats.checksum;
    open_[slot].writer.reset();
  }
  if (rest_used_) SLUICE_RETURN_IF_ERROR(write_sorted_rest());
  rest_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(options_.temp_dir + "/sort", ignored);
  return files_;
}

}  // namespace sluice
