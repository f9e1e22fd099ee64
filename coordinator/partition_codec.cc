// The ledger's partition record, binary: a million partitions write ~3
// million of them, and JSON's encoding and parsing were a sixth of the
// coordinator's CPU at scale (bench/RESULTS.md, run 12). The ledger is the
// coordinator's own: a record in the JSON of earlier versions is not read
// (a state directory of an older coordinator is not carried over).
// Layout: the version byte kPartitionFormat, then unsigned LEB128 varints
// and length-prefixed strings in the order below; checksums as 8 bytes
// little endian; an S3 upload as its JSON text (rare, and its own format).
#include <nlohmann/json.hpp>

#include "common/s3/upload.h"
#include "coordinator/json_text.h"
#include "coordinator/records.h"

namespace sluice {
namespace {

constexpr uint8_t kPartitionFormat = 2;  // JSON records start with '{'

// Flags: which optional fields follow.
constexpr uint64_t kStartIsExact = 1;
constexpr uint64_t kIsBucket = 2;
constexpr uint64_t kIsFinal = 4;
constexpr uint64_t kDeaths = 8;
constexpr uint64_t kIsolating = 16;
constexpr uint64_t kLastOffset = 32;
constexpr uint64_t kSingleFrom = 64;
constexpr uint64_t kLastSingleDeath = 128;

class Writer {
 public:
  void byte(uint8_t value) { out_.push_back(static_cast<char>(value)); }
  void varint(uint64_t value) {
    while (value >= 0x80) {
      byte(static_cast<uint8_t>(value | 0x80));
      value >>= 7;
    }
    byte(static_cast<uint8_t>(value));
  }
  void fixed64(uint64_t value) {
    for (int i = 0; i < 8; ++i) byte(static_cast<uint8_t>(value >> (8 * i)));
  }
  void text(const std::string& value) {
    varint(value.size());
    out_.append(value);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(const std::string& in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }
  uint8_t byte() {
    if (pos_ >= in_.size()) {
      ok_ = false;
      return 0;
    }
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64 && ok_; shift += 7) {
      const uint8_t next = byte();
      value |= static_cast<uint64_t>(next & 0x7f) << shift;
      if ((next & 0x80) == 0) return value;
    }
    ok_ = false;
    return 0;
  }
  uint32_t varint32() {
    const uint64_t value = varint();
    if (value > UINT32_MAX) ok_ = false;
    return static_cast<uint32_t>(value);
  }
  uint64_t fixed64() {
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value |= static_cast<uint64_t>(byte()) << (8 * i);
    return value;
  }
  std::string text() {
    const uint64_t size = varint();
    if (!ok_ || size > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string value = in_.substr(pos_, size);
    pos_ += size;
    return value;
  }

 private:
  const std::string& in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

std::string encode_partition(const PartitionRecord& p) {
  const PartStats& s = p.stats;
  const HolderDeaths& d = p.deaths;
  const bool deaths =
      d.in_a_row > 0 || d.isolating || d.last_offset || d.single_from || d.last_single_death;
  const uint64_t flags = (p.start_is_exact ? kStartIsExact : 0) | (p.is_bucket ? kIsBucket : 0) |
                         (p.is_final ? kIsFinal : 0) | (deaths ? kDeaths : 0) |
                         (d.isolating ? kIsolating : 0) | (d.last_offset ? kLastOffset : 0) |
                         (d.single_from ? kSingleFrom : 0) |
                         (d.last_single_death ? kLastSingleDeath : 0);
  Writer out;
  out.byte(kPartitionFormat);
  out.varint(flags);
  for (uint64_t value :
       {uint64_t{p.index}, uint64_t{p.range.file_index}, p.range.begin_offset, p.range.end_offset,
        static_cast<uint64_t>(p.state), uint64_t{p.attempts_started}, uint64_t{p.attempts_failed},
        uint64_t{p.attempt}, p.exact_start_offset}) {
    out.varint(value);
  }
  out.text(p.last_error);
  for (uint64_t value :
       {s.rows_in, s.rows_out, s.rows_filtered, s.rows_rejected, s.bytes_read, s.bytes_written,
        s.rejects_bytes, s.start_offset, s.end_offset, s.row_groups_skipped}) {
    out.varint(value);
  }
  out.fixed64(s.checksum);
  out.fixed64(s.rejects_checksum);
  if (p.is_bucket) {
    out.varint(p.bucket_begin);
    out.varint(p.bucket_end);
  }
  if (deaths) {
    out.varint(d.in_a_row);
    if (d.last_offset) out.varint(*d.last_offset);
    if (d.single_from) out.varint(*d.single_from);
    if (d.last_single_death) out.varint(*d.last_single_death);
  }
  out.varint(s.files.size());
  for (const PartitionFile& file : s.files) {
    out.text(file.dir);
    out.varint(file.rows);
    out.varint(file.bytes);
    out.fixed64(file.checksum);
  }
  out.varint(s.uploads.size());
  for (const S3UploadRecord& upload : s.uploads) out.text(json_text(upload_to_json(upload)));
  out.varint(p.skipped.size());
  for (const SkippedRecord& skipped : p.skipped) {
    out.varint(skipped.offset);
    out.text(skipped.reason);
  }
  return out.take();
}

Result<PartitionRecord> decode_partition(const std::string& bytes) {
  if (!bytes.empty() && bytes[0] == '{') {
    return internal_error(
        "partition record in the JSON of an earlier version: the ledger is not carried over "
        "from it");
  }
  Reader in(bytes);
  if (in.byte() != kPartitionFormat) return internal_error("corrupt partition record: format");
  const uint64_t flags = in.varint();
  PartitionRecord p;
  p.index = in.varint32();
  p.range.file_index = in.varint32();
  p.range.begin_offset = in.varint();
  p.range.end_offset = in.varint();
  const uint64_t state = in.varint();
  if (state > static_cast<uint64_t>(PartitionState::kPublished)) {
    return internal_error("corrupt partition record: state");
  }
  p.state = static_cast<PartitionState>(state);
  p.attempts_started = in.varint32();
  p.attempts_failed = in.varint32();
  p.attempt = in.varint32();
  p.exact_start_offset = in.varint();
  p.start_is_exact = (flags & kStartIsExact) != 0;
  p.last_error = in.text();
  PartStats& s = p.stats;
  for (uint64_t* field : {&s.rows_in, &s.rows_out, &s.rows_filtered, &s.rows_rejected,
                          &s.bytes_read, &s.bytes_written, &s.rejects_bytes, &s.start_offset,
                          &s.end_offset, &s.row_groups_skipped}) {
    *field = in.varint();
  }
  s.checksum = in.fixed64();
  s.rejects_checksum = in.fixed64();
  p.is_bucket = (flags & kIsBucket) != 0;
  p.is_final = (flags & kIsFinal) != 0;
  if (p.is_bucket) {
    p.bucket_begin = in.varint32();
    p.bucket_end = in.varint32();
  }
  if ((flags & kDeaths) != 0) {
    HolderDeaths& d = p.deaths;
    d.in_a_row = in.varint32();
    d.isolating = (flags & kIsolating) != 0;
    if ((flags & kLastOffset) != 0) d.last_offset = in.varint();
    if ((flags & kSingleFrom) != 0) d.single_from = in.varint();
    if ((flags & kLastSingleDeath) != 0) d.last_single_death = in.varint();
  }
  // Counts bounded by the bytes left: a damaged one cannot ask for much.
  const uint64_t files = in.varint();
  for (uint64_t i = 0; in.ok() && i < files && i < bytes.size(); ++i) {
    PartitionFile file;
    file.dir = in.text();
    file.rows = in.varint();
    file.bytes = in.varint();
    file.checksum = in.fixed64();
    s.files.push_back(std::move(file));
  }
  const uint64_t uploads = in.varint();
  for (uint64_t i = 0; in.ok() && i < uploads && i < bytes.size(); ++i) {
    const std::string text = in.text();
    if (!in.ok()) break;
    const nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
    if (value.is_discarded()) return internal_error("corrupt partition record: upload");
    Result<S3UploadRecord> upload = upload_from_json(value);
    if (!upload.is_ok())
      return internal_error("corrupt partition record: " + upload.status().message());
    s.uploads.push_back(std::move(upload).value());
  }
  const uint64_t skipped = in.varint();
  for (uint64_t i = 0; in.ok() && i < skipped && i < bytes.size(); ++i) {
    SkippedRecord record;
    record.offset = in.varint();
    record.reason = in.text();
    p.skipped.push_back(std::move(record));
  }
  if (!in.ok() || !in.at_end() || files > bytes.size() || uploads > bytes.size() ||
      skipped > bytes.size()) {
    return internal_error("corrupt partition record: truncated or too long");
  }
  return p;
}

}  // namespace sluice
