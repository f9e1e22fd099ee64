#include "common/sources/hive_reader.h"

#include <algorithm>

#include "common/job/hive_partitions.h"

namespace sluice {
namespace {

// Where an output column of the batch comes from.
struct ColumnSource {
  bool constant = false;
  size_t index = 0;  // constant: into values_; else the inner batch's column
};

class HiveRecordReader final : public RecordReader {
 public:
  HiveRecordReader(std::unique_ptr<RecordReader> inner,
                   std::vector<std::optional<std::string>> values,
                   std::vector<ColumnSource> sources)
      : inner_(std::move(inner)), values_(std::move(values)), sources_(std::move(sources)) {
    for (const auto& value : values_) {
      views_.push_back(value ? std::string_view(*value) : std::string_view());
    }
  }

  Result<bool> next(RecordBatch& batch, std::vector<RejectedRecord>& rejects) override {
    inner_batch_.clear();
    auto more = inner_->next(inner_batch_, rejects);
    if (!more.is_ok()) return more;
    const size_t width = sources_.size();
    batch.column_count = width;
    batch.row_count = inner_batch_.row_count;
    batch.fields.resize(inner_batch_.row_count * width);
    for (size_t row = 0; row < inner_batch_.row_count; ++row) {
      std::string_view* out = batch.fields.data() + row * width;
      for (size_t c = 0; c < width; ++c) {
        const ColumnSource& source = sources_[c];
        out[c] = source.constant ? views_[source.index] : inner_batch_.field(row, source.index);
      }
    }
    batch.offsets.swap(inner_batch_.offsets);
    batch.raw.swap(inner_batch_.raw);
    return more;
  }
  uint64_t start_offset() const override { return inner_->start_offset(); }
  uint64_t end_offset() const override { return inner_->end_offset(); }
  uint64_t bytes_read() const override { return inner_->bytes_read(); }
  uint64_t records_read() const override { return inner_->records_read(); }
  uint64_t rows_skipped() const override { return inner_->rows_skipped(); }
  uint64_t row_groups_skipped() const override { return inner_->row_groups_skipped(); }

 private:
  std::unique_ptr<RecordReader> inner_;
  std::vector<std::optional<std::string>> values_;
  std::vector<std::string_view> views_;
  std::vector<ColumnSource> sources_;
  RecordBatch inner_batch_;
};

}  // namespace

std::unique_ptr<RecordReader> open_hive_record_reader(
    const JobSpec& spec, ByteSource& source, const std::vector<std::string>& file_columns,
    std::vector<std::optional<std::string>> values, const ByteRange& range,
    std::optional<std::vector<size_t>> read_columns) {
  const std::vector<std::string> keys = hive_keys(spec.input);
  const std::vector<std::string> columns = columns_with_hive_keys(file_columns, spec.input);
  // The value of job column c when it is a partition key (the path wins
  // over a file column of the same name), else nullopt.
  const auto key_of = [&](size_t c) -> std::optional<size_t> {
    const auto found = std::find(keys.begin(), keys.end(), columns[c]);
    if (found == keys.end()) return std::nullopt;
    return static_cast<size_t>(found - keys.begin());
  };
  std::vector<size_t> wanted;
  if (read_columns) {
    wanted = *read_columns;
  } else {
    for (size_t c = 0; c < columns.size(); ++c) wanted.push_back(c);
  }
  // The file columns the inner reader reads (a key's own column is not).
  std::vector<size_t> inner_read;
  std::vector<ColumnSource> sources;
  for (size_t c : wanted) {
    ColumnSource column_source;
    if (const auto key = key_of(c)) {
      column_source.constant = true;
      column_source.index = *key;
    } else {
      column_source.index = inner_read.size();
      inner_read.push_back(c);
    }
    sources.push_back(column_source);
  }
  std::optional<std::vector<size_t>> inner_projection;
  if (projects_columns(spec.input.format)) {
    inner_projection = std::move(inner_read);
  } else {
    // The inner batches hold every file column: index them by position.
    for (size_t i = 0; i < wanted.size(); ++i) {
      if (!sources[i].constant) sources[i].index = wanted[i];
    }
  }
  std::unique_ptr<RecordReader> inner =
      open_record_reader(spec, source, file_columns, range, std::move(inner_projection));
  return std::make_unique<HiveRecordReader>(std::move(inner), std::move(values),
                                            std::move(sources));
}

}  // namespace sluice
