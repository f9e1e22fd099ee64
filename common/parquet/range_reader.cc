#include "common/parquet/range_reader.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/base/limits.h"
#include "common/io/text_format.h"

namespace sluice::parquet {
namespace {}  // namespace

ParquetRangeReader::ParquetRangeReader(ByteSource& source, ParquetRangeOptions options)
    : source_(source), options_(std::move(options)) {}

ParquetRangeReader::~ParquetRangeReader() = default;

uint64_t ParquetRangeReader::bytes_read() const {
  uint64_t bytes = bytes_done_;
  for (const auto& chunk : chunks_) bytes += chunk->bytes_read();
  return bytes;
}

ColumnChunkReader::PageCounts ParquetRangeReader::page_counts() const {
  ColumnChunkReader::PageCounts counts = pages_done_;
  for (const auto& chunk : chunks_) {
    counts.data_v1 += chunk->page_counts().data_v1;
    counts.data_v2 += chunk->page_counts().data_v2;
    counts.dictionary += chunk->page_counts().dictionary;
  }
  return counts;
}

Status ParquetRangeReader::open() {
  opened_ = true;
  SLUICE_ASSIGN_OR_RETURN(info_, read_file_metadata(source_));
  bytes_done_ += source_.size_bytes() - info_.data_end;  // the footer
  std::vector<size_t> wanted;
  if (options_.read_columns) {
    wanted = *options_.read_columns;
  } else {
    for (size_t i = 0; i < options_.columns.size(); ++i) wanted.push_back(i);
  }
  for (size_t column : wanted) {
    if (column >= options_.columns.size()) return internal_error("a projected column out of range");
    const std::string& name = options_.columns[column];
    auto found = std::find_if(info_.columns.begin(), info_.columns.end(),
                              [&](const ColumnInfo& c) { return c.name == name; });
    if (found == info_.columns.end())
      return data_error(fmt::format("parquet: the file has no column '{}'", name));
    file_columns_.push_back(static_cast<size_t>(found - info_.columns.begin()));
  }
  values_.resize(file_columns_.size());
  for (size_t g = 0; g < info_.row_groups.size(); ++g) {
    const uint64_t first = info_.row_groups[g].first_byte;
    if (first >= options_.begin_offset && first < options_.end_offset) groups_.push_back(g);
  }
  start_offset_ = row_group_boundary(info_, options_.begin_offset);
  end_offset_ = row_group_boundary(info_, options_.end_offset);
  batch_rows_ = limits::kBatchRowsMax;
  return Status::ok();
}

Status ParquetRangeReader::start_row_group() {
  pages_done_ = page_counts();
  for (const auto& chunk : chunks_) bytes_done_ += chunk->bytes_read();
  chunks_.clear();
  group_ = nullptr;
  while (next_group_ < groups_.size()) {
    const RowGroupInfo& group = info_.row_groups[groups_[next_group_++]];
    if (options_.skip_row_group && options_.skip_row_group(info_, group)) {
      ++row_groups_skipped_;
      rows_skipped_ += group.rows;
      records_read_ += group.rows;
      continue;
    }
    if (group.rows == 0) continue;
    group_ = &group;
    group_row_ = 0;
    for (size_t column : file_columns_) {
      chunks_.push_back(std::make_unique<ColumnChunkReader>(
          source_, info_.columns[column], group.chunks[column], options_.max_value_bytes));
    }
    return Status::ok();
  }
  return Status::ok();
}

Result<bool> ParquetRangeReader::next(RecordBatch& batch, std::vector<RejectedRecord>& rejects) {
  batch.clear();
  batch.column_count = file_columns_.size();
  if (!opened_) {
    SLUICE_RETURN_IF_ERROR(open());
    batch.column_count = file_columns_.size();
  }
  arena_.clear();
  raw_.clear();
  if (group_ == nullptr || group_row_ == group_->rows) SLUICE_RETURN_IF_ERROR(start_row_group());
  if (group_ == nullptr) return false;

  const size_t rows =
      static_cast<size_t>(std::min<uint64_t>(batch_rows_, group_->rows - group_row_));
  for (size_t c = 0; c < chunks_.size(); ++c) {
    values_[c].clear();
    SLUICE_RETURN_IF_ERROR(chunks_[c]->read(rows, arena_, values_[c]));
  }
  const size_t columns = chunks_.size();
  batch.fields.resize(rows * columns);
  for (size_t c = 0; c < columns; ++c) {
    for (size_t row = 0; row < rows; ++row) batch.fields[row * columns + c] = values_[c][row];
  }
  std::vector<size_t> raw_ends;
  for (size_t row = 0; row < rows; ++row) {
    batch.offsets.push_back(group_->first_byte + group_row_ + row);
    if (!options_.keep_raw) continue;
    for (size_t c = 0; c < columns; ++c) {
      if (c > 0) raw_ += ',';
      append_csv_field(raw_, batch.fields[row * columns + c]);
    }
    raw_ends.push_back(raw_.size());
  }
  for (size_t row = 0; row < rows; ++row) {
    if (!options_.keep_raw) {
      batch.raw.emplace_back();
      continue;
    }
    const size_t begin = row == 0 ? 0 : raw_ends[row - 1];
    batch.raw.emplace_back(raw_.data() + begin, raw_ends[row] - begin);
  }
  batch.row_count = rows;
  group_row_ += rows;
  records_read_ += rows;
  // The next batch: about kParquetBatchBytesTarget of text at this one's rate.
  const uint64_t bytes_per_row = std::max<uint64_t>(1, arena_.bytes() / std::max<size_t>(1, rows));
  batch_rows_ = static_cast<size_t>(std::clamp<uint64_t>(
      limits::kParquetBatchBytesTarget / bytes_per_row, 1, limits::kBatchRowsMax));
  (void)rejects;
  return true;
}

}  // namespace sluice::parquet
