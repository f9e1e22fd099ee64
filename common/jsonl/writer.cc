#include "common/jsonl/writer.h"

#include "common/io/output_sink.h"
#include "common/io/text_format.h"

namespace sluice {
namespace {

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
    SLUICE_RETURN_IF_ERROR(check_batch_shape(batch, keys_.size(), sink_->path()));
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

Result<std::unique_ptr<RowWriter>> open_jsonl_row_writer(const std::string& path,
                                                         Compression compression,
                                                         const std::vector<std::string>& columns) {
  SLUICE_ASSIGN_OR_RETURN(auto sink, OutputSink::open(path, compression));
  return std::unique_ptr<RowWriter>(std::make_unique<JsonlRowWriter>(std::move(sink), columns));
}

}  // namespace sluice
