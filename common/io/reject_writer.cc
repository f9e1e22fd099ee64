#include <fmt/format.h>

#include "common/base/utf8.h"
#include "common/io/output_sink.h"
#include "common/io/row_writer.h"
#include "common/io/text_format.h"

namespace sluice {
namespace {

// A rejected record may hold invalid UTF-8 (that may be why it was rejected,
// or its raw bytes were cut mid-character): each invalid byte is written as
// U+FFFD so that the rejects file is valid UTF-8 CSV that any reader (and
// `sluice verify`) can read back.
void append_text_field(std::string& out, std::string_view value) {
  size_t bad = find_invalid_utf8(value);
  if (bad == std::string_view::npos) {
    append_csv_field(out, value);
    return;
  }
  std::string valid(value.substr(0, bad));
  valid.reserve(value.size() + 16);
  for (size_t at = bad; at < value.size();) {
    const size_t length = utf8_sequence_length(value, at);
    if (length == 0) {
      valid.append("\xEF\xBF\xBD");
      at += 1;
    } else {
      valid.append(value.substr(at, length));
      at += length;
    }
  }
  append_csv_field(out, valid);
}

}  // namespace

RejectWriter::RejectWriter(std::string path, std::string source_file, RejectOffsets offsets)
    : path_(std::move(path)), offsets_(offsets) {
  append_csv_field(source_field_, source_file);
}

RejectWriter::~RejectWriter() = default;

Status RejectWriter::write(const std::vector<RejectedRecord>& rejects) {
  if (rejects.empty()) return Status::ok();
  if (sink_ == nullptr) {
    SLUICE_ASSIGN_OR_RETURN(sink_, OutputSink::open(path_, Compression::kNone));
    sink_->pending().append("source_file,offset,reason,record\n");
  }
  std::string& out = sink_->pending();
  for (const RejectedRecord& reject : rejects) {
    out.append(source_field_);
    out.push_back(',');
    if (offsets_ == RejectOffsets::kSignedKeys) {
      fmt::format_to(std::back_inserter(out), "{}", static_cast<int64_t>(reject.offset));
    } else {
      fmt::format_to(std::back_inserter(out), "{}", reject.offset);
    }
    out.push_back(',');
    append_text_field(out, reject.reason);
    out.push_back(',');
    append_text_field(out, reject.raw);
    out.push_back('\n');
    SLUICE_RETURN_IF_ERROR(sink_->flush_if_full());
  }
  rows_ += rejects.size();
  return Status::ok();
}

Result<WriteStats> RejectWriter::finish() {
  if (sink_ == nullptr) return WriteStats{0, 0, 0};
  SLUICE_ASSIGN_OR_RETURN(FileTotals totals, sink_->finish());
  return WriteStats{rows_, totals.bytes, totals.checksum};
}

Result<std::unique_ptr<RejectWriter>> open_reject_writer(const std::string& path,
                                                         const std::string& source_file,
                                                         RejectOffsets offsets) {
  return std::make_unique<RejectWriter>(path, source_file, offsets);
}

}  // namespace sluice
