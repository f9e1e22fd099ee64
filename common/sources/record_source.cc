#include "common/sources/record_source.h"

#include <fmt/format.h>

#include "common/io/byte_source.h"
#include "common/job/check.h"
#include "common/job/hive_partitions.h"
#include "common/job/inputs.h"
#include "common/postgres/range_reader.h"
#include "common/sources/hive_reader.h"
#include "common/spec/hive_keys.h"

namespace sluice {
namespace {

// The input must be the file that was planned: same size, same mtime (for a
// URL: same Content-Length, same ETag/Last-Modified hash).
std::optional<std::string> changed_file(const ByteRange& range, const S3Options& s3) {
  auto now = stat_input(range.path, s3);
  if (!now.is_ok()) return "input file " + range.path + " is gone: " + now.status().message();
  if (now->size_bytes != range.file_size_bytes || now->mtime_ns != range.file_mtime_ns) {
    return fmt::format(
        "input file {} changed while the job ran (size {} -> {} bytes, mtime {} -> {} ns)",
        range.path, range.file_size_bytes, now->size_bytes, range.file_mtime_ns, now->mtime_ns);
  }
  return std::nullopt;
}

// A byte range of a file in the job's format; the format's reader is made
// at the first next(), when the projection is known.
class FileRecordSource final : public RecordSource {
 public:
  FileRecordSource(const JobSpec& spec, ByteRange range, std::unique_ptr<ByteSource> bytes,
                   std::vector<std::string> file_columns,
                   std::optional<std::vector<std::optional<std::string>>> hive_values)
      : spec_(spec),
        range_(std::move(range)),
        bytes_(std::move(bytes)),
        file_columns_(std::move(file_columns)),
        hive_values_(std::move(hive_values)) {
    columns_ = hive_values_ ? columns_with_hive_keys(file_columns_, spec_.input) : file_columns_;
    // A compressed input is one range: all of its decompressed bytes.
    if (is_compressed_input(range_.path)) range_.end_offset = bytes_->size_bytes();
  }

  const std::vector<std::string>& columns() const override { return columns_; }
  bool projects_columns() const override { return sluice::projects_columns(spec_.input.format); }
  void project(std::vector<size_t> read) override {
    SLUICE_ASSERT(reader_ == nullptr, "a projection after the first batch");
    read_columns_ = std::move(read);
  }
  std::optional<std::string> input_changed() const override {
    return changed_file(range_, input_s3_options(spec_.input, spec_.base_dir));
  }
  RejectOffsets offsets() const override { return RejectOffsets::kBytes; }

  Result<bool> next(RecordBatch& batch, std::vector<RejectedRecord>& rejects) override {
    if (reader_ == nullptr) {
      reader_ =
          hive_values_
              ? open_hive_record_reader(spec_, *bytes_, file_columns_, std::move(*hive_values_),
                                        range_, std::move(read_columns_))
              : open_record_reader(spec_, *bytes_, columns_, range_, std::move(read_columns_));
    }
    return reader_->next(batch, rejects);
  }
  uint64_t start_offset() const override { return reader_ ? reader_->start_offset() : 0; }
  uint64_t end_offset() const override { return reader_ ? reader_->end_offset() : 0; }
  uint64_t bytes_read() const override { return reader_ ? reader_->bytes_read() : 0; }
  uint64_t records_read() const override { return reader_ ? reader_->records_read() : 0; }
  uint64_t rows_skipped() const override { return reader_ ? reader_->rows_skipped() : 0; }
  uint64_t row_groups_skipped() const override {
    return reader_ ? reader_->row_groups_skipped() : 0;
  }

 private:
  const JobSpec spec_;  // the reader's options (and a Parquet pruner) refer to it
  ByteRange range_;
  std::unique_ptr<ByteSource> bytes_;
  std::vector<std::string> file_columns_;
  std::optional<std::vector<std::optional<std::string>>> hive_values_;
  std::vector<std::string> columns_;
  std::optional<std::vector<size_t>> read_columns_;
  std::unique_ptr<RecordReader> reader_;
};

// A key range of a postgres query: its cursor is open, its columns known.
class KeyRecordSource final : public RecordSource {
 public:
  explicit KeyRecordSource(std::unique_ptr<PostgresRangeReader> reader)
      : reader_(std::move(reader)) {}

  const std::vector<std::string>& columns() const override { return reader_->columns(); }
  bool projects_columns() const override { return false; }
  void project(std::vector<size_t>) override {
    SLUICE_ASSERT(false, "a postgres input reads every column");
  }
  std::optional<std::string> input_changed() const override { return std::nullopt; }
  RejectOffsets offsets() const override { return RejectOffsets::kSignedKeys; }

  Result<bool> next(RecordBatch& batch, std::vector<RejectedRecord>& rejects) override {
    return reader_->next(batch, rejects);
  }
  uint64_t start_offset() const override { return reader_->start_offset(); }
  uint64_t end_offset() const override { return reader_->end_offset(); }
  uint64_t bytes_read() const override { return reader_->bytes_read(); }
  uint64_t records_read() const override { return reader_->records_read(); }

 private:
  std::unique_ptr<PostgresRangeReader> reader_;
};

Result<std::unique_ptr<RecordSource>> open_byte_range(const JobSpec& spec, const ByteRange& range,
                                                      bool& retryable) {
  const S3Options s3 = input_s3_options(spec.input, spec.base_dir);
  if (auto changed = changed_file(range, s3)) {
    retryable = false;
    return data_error(*changed);
  }
  retryable = true;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> bytes, open_input_source(range.path, s3));
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> columns, read_input_columns(spec, range.path));
  std::optional<std::vector<std::optional<std::string>>> hive_values;
  if (hive_partitioning_on(spec.input)) {
    // The file's partition values follow its columns (hive_partitions.h).
    auto values = hive_values_of(spec.input, range.path);
    if (!values.is_ok()) {
      retryable = false;
      return values.status();
    }
    hive_values = std::move(values).value();
  }
  return std::unique_ptr<RecordSource>(new FileRecordSource(
      spec, range, std::move(bytes), std::move(columns), std::move(hive_values)));
}

Result<std::unique_ptr<RecordSource>> open_key_range(const JobSpec& spec,
                                                     const QueryKeyRange& range, bool& retryable) {
  retryable = true;
  PostgresRangeOptions options;
  options.input = spec.input;
  options.base_dir = spec.base_dir;
  options.range = range;
  options.keep_raw = spec.schema.has_value();  // only the schema gate rejects rows
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<PostgresRangeReader> reader,
                          PostgresRangeReader::open(std::move(options)));
  return std::unique_ptr<RecordSource>(new KeyRecordSource(std::move(reader)));
}

}  // namespace

Result<std::unique_ptr<RecordSource>> open_record_source(const JobSpec& spec,
                                                         const InputRange& range, bool& retryable) {
  if (const auto* keys = std::get_if<QueryKeyRange>(&range)) {
    if (spec.input.format != InputFormat::kPostgres) {
      retryable = false;
      return invalid_argument("a key range of an input whose format is not postgres");
    }
    return open_key_range(spec, *keys, retryable);
  }
  if (spec.input.format == InputFormat::kPostgres) {
    retryable = false;
    return invalid_argument("a byte range of a postgres input");
  }
  return open_byte_range(spec, std::get<ByteRange>(range), retryable);
}

}  // namespace sluice
