#include "proto/messages.h"

#include <tuple>

namespace sluice::proto {
namespace {

auto fields(const PartitionFile& file) {
  return std::tie(file.dir, file.rows, file.bytes, file.checksum);
}

bool same_parts(const std::vector<S3Part>& a, const std::vector<S3Part>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tie(a[i].number, a[i].etag, a[i].size_bytes) !=
        std::tie(b[i].number, b[i].etag, b[i].size_bytes))
      return false;
  }
  return true;
}

}  // namespace

bool PartStats::operator==(const PartStats& other) const {
  auto scalars = [](const PartStats& s) {
    return std::tie(s.rows_in, s.rows_out, s.rows_filtered, s.rows_rejected, s.bytes_read,
                    s.bytes_written, s.checksum, s.rejects_bytes, s.rejects_checksum,
                    s.start_offset, s.end_offset, s.row_groups_skipped);
  };
  if (scalars(*this) != scalars(other)) return false;
  if (files.size() != other.files.size() || uploads.size() != other.uploads.size()) return false;
  for (size_t i = 0; i < files.size(); ++i) {
    if (fields(files[i]) != fields(other.files[i])) return false;
  }
  for (size_t i = 0; i < uploads.size(); ++i) {
    if (uploads[i].url != other.uploads[i].url ||
        uploads[i].upload_id != other.uploads[i].upload_id ||
        !same_parts(uploads[i].parts, other.uploads[i].parts))
      return false;
  }
  return true;
}

const char* kind_name(const Message& message) {
  static constexpr const char* kNames[] = {
      "register",    "welcome",   "heartbeat",      "requestWork", "task",        "progress",
      "done",        "failed",    "commitDecision", "submitJob",   "submitReply", "statusRequest",
      "statusReply", "cancelJob", "errorReply",     "taskAbort",   "progressAck"};
  static_assert(std::size(kNames) == std::variant_size_v<Message>);
  return kNames[message.index()];
}

}  // namespace sluice::proto
