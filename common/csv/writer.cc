#include "common/csv/writer.h"

#include "common/io/output_sink.h"
#include "common/io/text_format.h"

namespace sluice {
namespace {

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
    SLUICE_RETURN_IF_ERROR(check_batch_shape(batch, columns_, sink_->path()));
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

}  // namespace

Result<std::unique_ptr<RowWriter>> open_csv_row_writer(const std::string& path,
                                                       Compression compression,
                                                       const std::vector<std::string>& columns) {
  SLUICE_ASSIGN_OR_RETURN(auto sink, OutputSink::open(path, compression));
  auto writer = std::make_unique<CsvRowWriter>(std::move(sink), columns.size());
  SLUICE_RETURN_IF_ERROR(writer->write_header(columns));
  return std::unique_ptr<RowWriter>(std::move(writer));
}

}  // namespace sluice
