#include "common/io/row_writer.h"

#include <fmt/format.h>

#include "common/io/output_sink.h"
#include "common/io/text_format.h"
#include "common/parquet/writer.h"

namespace sluice {

RowWriter::~RowWriter() = default;

namespace {

Status check_shape(const OutputBatch& batch, size_t columns, const std::string& path) {
  if (batch.row_count == 0) return Status::ok();
  if (batch.column_count != columns) {
    return internal_error(fmt::format("{}: batch has {} columns, the file has {}", path,
                                      batch.column_count, columns));
  }
  if (batch.fields.size() < batch.row_count * columns ||
      batch.nulls.size() < batch.row_count * columns) {
    return internal_error(fmt::format("{}: batch of {} rows has {} fields and {} null flags", path,
                                      batch.row_count, batch.fields.size(), batch.nulls.size()));
  }
  return Status::ok();
}

class CsvRowWriter final : public RowWriter {
 public:
  CsvRowWriter(std::unique_ptr<OutputSink> sink, size_t columns)
      : sink_(std::move(sink)), columns_(columns) {}

  Status write_header(const std::vector<std::string>& names) {
    std::string& out = sink_->pending();
    for (size_t column = 0; column < names.size(); ++column) {
      if (column > 0) out.push_back(',');
      append_value(out, names[column], false);
    }
    out.push_back('\n');
    return Status::ok();
  }

  Status write(const OutputBatch& batch) override {
    SLUICE_RETURN_IF_ERROR(check_shape(batch, columns_, sink_->path()));
    std::string& out = sink_->pending();
    for (size_t row = 0; row < batch.row_count; ++row) {
      const size_t base = row * columns_;
      for (size_t column = 0; column < columns_; ++column) {
        if (column > 0) out.push_back(',');
        append_value(out, batch.fields[base + column], batch.nulls[base + column] != 0);
      }
      out.push_back('\n');
      SLUICE_RETURN_IF_ERROR(sink_->flush_if_full());
    }
    rows_ += batch.row_count;
    return Status::ok();
  }

  Result<WriteStats> finish() override {
    SLUICE_ASSIGN_OR_RETURN(FileTotals totals, sink_->finish());
    return WriteStats{rows_, totals.bytes, totals.checksum};
  }

 private:
  void append_value(std::string& out, std::string_view value, bool null) const {
    // A single empty column would make an empty line, which readers skip.
    if (columns_ == 1 && (null || value.empty())) {
      out.append("\"\"");
      return;
    }
    if (!null) append_csv_field(out, value);
  }

  std::unique_ptr<OutputSink> sink_;
  size_t columns_;
  uint64_t rows_ = 0;
};

class JsonlRowWriter final : public RowWriter {
 public:
  JsonlRowWriter(std::unique_ptr<OutputSink> sink, const std::vector<std::string>& columns)
      : sink_(std::move(sink)) {
    for (size_t column = 0; column < columns.size(); ++column) {
      std::string key = column == 0 ? "{" : ",";
      append_json_string(key, columns[column]);
      key.push_back(':');
      keys_.push_back(std::move(key));
    }
  }

  Status write(const OutputBatch& batch) override {
    SLUICE_RETURN_IF_ERROR(check_shape(batch, keys_.size(), sink_->path()));
    std::string& out = sink_->pending();
    const size_t columns = keys_.size();
    for (size_t row = 0; row < batch.row_count; ++row) {
      const size_t base = row * columns;
      if (columns == 0) out.push_back('{');
      for (size_t column = 0; column < columns; ++column) {
        out.append(keys_[column]);
        if (batch.nulls[base + column] != 0) {
          out.append("null");
        } else {
          append_json_string(out, batch.fields[base + column]);
        }
      }
      out.append("}\n");
      SLUICE_RETURN_IF_ERROR(sink_->flush_if_full());
    }
    rows_ += batch.row_count;
    return Status::ok();
  }

  Result<WriteStats> finish() override {
    SLUICE_ASSIGN_OR_RETURN(FileTotals totals, sink_->finish());
    return WriteStats{rows_, totals.bytes, totals.checksum};
  }

 private:
  std::unique_ptr<OutputSink> sink_;
  std::vector<std::string> keys_;  // `{"name":` then `,"name":`
  uint64_t rows_ = 0;
};

}  // namespace

Result<std::unique_ptr<RowWriter>> open_row_writer(const std::string& path, OutputFormat format,
                                                   Compression compression,
                                                   const std::vector<std::string>& columns,
                                                   const std::vector<expr::Type>& types,
                                                   uint64_t parquet_row_group_bytes_max) {
  if (format == OutputFormat::kParquet) {
    std::vector<parquet::ColumnType> parquet_types;
    for (expr::Type type : types) parquet_types.push_back(parquet::column_type_of(type));
    parquet::WriterOptions options;
    options.compression = compression;
    options.row_group_bytes_max = parquet_row_group_bytes_max;
    return parquet::open_parquet_writer(path, columns, parquet_types, options);
  }
  SLUICE_ASSIGN_OR_RETURN(auto sink, OutputSink::open(path, compression));
  if (format == OutputFormat::kCsv) {
    auto writer = std::make_unique<CsvRowWriter>(std::move(sink), columns.size());
    SLUICE_RETURN_IF_ERROR(writer->write_header(columns));
    return std::unique_ptr<RowWriter>(std::move(writer));
  }
  return std::unique_ptr<RowWriter>(std::make_unique<JsonlRowWriter>(std::move(sink), columns));
}

}  // namespace sluice
