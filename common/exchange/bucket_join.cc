#include "common/exchange/bucket_join.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/base/assert.h"
#include "common/base/hash.h"
#include "common/base/limits.h"
#include "common/exchange/little_endian.h"
#include "common/exchange/sort_record.h"
#include "common/io/publish.h"

namespace sluice {
namespace {

constexpr char kKeyMatches = 0x00;
constexpr char kKeyHasNull = 0x01;
constexpr size_t kKeyHashBytes = 8;  // the marker and 7 bytes of the hash

void put_u32_big_endian(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

}  // namespace

// The right rows of one key, in the order added: in memory up to a budget,
// the rest in a spill file (records length-prefixed), so one key with more
// right rows than memory still joins, at the cost of reading them again for
// each left row.
class BucketJoiner::RowSpool {
 public:
  RowSpool(uint64_t memory_bytes_max, std::string path)
      : memory_bytes_max_(memory_bytes_max), path_(std::move(path)) {}
  ~RowSpool() {
    if (file_ != nullptr) {
      std::fclose(file_);
      std::error_code ignored;
      std::filesystem::remove(path_, ignored);
    }
  }

  bool empty() const { return ends_.empty() && file_rows_ == 0; }
  uint64_t rows_spilled() const { return rows_spilled_; }

  Status add(std::string_view record) {
    if (memory_.size() + record.size() <= memory_bytes_max_ || memory_.empty()) {
      memory_.append(record);
      ends_.push_back(memory_.size());
      return Status::ok();
    }
    if (file_ == nullptr) {
      SLUICE_RETURN_IF_ERROR(make_directories(std::filesystem::path(path_).parent_path().string()));
      file_ = std::fopen(path_.c_str(), "w+b");
      if (file_ == nullptr) {
        return io_error(fmt::format("cannot create {}: {}", path_, std::strerror(errno)));
      }
    }
    std::string header;
    put_u64(header, record.size());
    if (std::fwrite(header.data(), 1, header.size(), file_) != header.size() ||
        std::fwrite(record.data(), 1, record.size(), file_) != record.size()) {
      return io_error(fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
    }
    file_rows_++;
    rows_spilled_++;
    return Status::ok();
  }

  // Hands each record, in the order added, to `take` (valid during the call).
  Status for_each(const std::function<Status(std::string_view)>& take) {
    uint64_t begin = 0;
    for (uint64_t end : ends_) {
      SLUICE_RETURN_IF_ERROR(take(std::string_view(memory_).substr(begin, end - begin)));
      begin = end;
    }
    if (file_rows_ == 0) return Status::ok();
    if (std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0) {
      return io_error(fmt::format("cannot read {}: {}", path_, std::strerror(errno)));
    }
    char header[8];
    for (uint64_t row = 0; row < file_rows_; ++row) {
      if (std::fread(header, 1, sizeof header, file_) != sizeof header) {
        return io_error(fmt::format("{}: ends early", path_));
      }
      buffer_.resize(get_u64(header));
      if (std::fread(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
        return io_error(fmt::format("{}: ends early", path_));
      }
      SLUICE_RETURN_IF_ERROR(take(buffer_));
    }
    if (std::fseek(file_, 0, SEEK_END) != 0) {
      return io_error(fmt::format("cannot seek {}: {}", path_, std::strerror(errno)));
    }
    return Status::ok();
  }

  Status clear() {
    memory_.clear();
    ends_.clear();
    if (file_rows_ > 0) {
      file_rows_ = 0;
      if (std::fflush(file_) != 0 || ::ftruncate(fileno(file_), 0) != 0 ||
          std::fseek(file_, 0, SEEK_SET) != 0) {
        return io_error(fmt::format("cannot truncate {}: {}", path_, std::strerror(errno)));
      }
    }
    return Status::ok();
  }

 private:
  uint64_t memory_bytes_max_;
  std::string path_;
  std::string memory_;
  std::vector<uint64_t> ends_;
  std::FILE* file_ = nullptr;
  uint64_t file_rows_ = 0;
  uint64_t rows_spilled_ = 0;
  std::string buffer_;
};

// Walks the sorted records once, a key at a time, and builds the output.
class BucketJoiner::Merge {
 public:
  Merge(const JoinLayout& layout, size_t width, RowSpool& spool,
        const std::function<Status(const OutputBatch&)>& emit)
      : layout_(layout), width_(width), spool_(spool), emit_(emit) {
    out_.column_count = layout.output_column_count();
  }

  Status take(std::string_view record) {
    const std::string_view key = record_key(record.data());
    SLUICE_ASSERT(key.size() >= 2, "join key bytes={}", key.size());
    const JoinSide side = static_cast<JoinSide>(key.back());
    const std::string_view group = key.substr(0, key.size() - 1);
    if (group[0] == kKeyHasNull) {
      SLUICE_RETURN_IF_ERROR(close_group());
      return side == JoinSide::kRight ? unmatched_right(record) : unmatched_left(record);
    }
    if (!in_group_ || group != group_) {
      SLUICE_RETURN_IF_ERROR(close_group());
      group_.assign(group);
      in_group_ = true;
    }
    if (side == JoinSide::kRight) return spool_.add(record);
    left_seen_ = true;
    if (spool_.empty()) return unmatched_left(record);
    if (layout_.how == JoinHow::kAnti) return Status::ok();
    if (layout_.how == JoinHow::kSemi) {
      parse(record, left_spans_);
      append_left(record, left_spans_);
      return end_row();
    }
    parse(record, left_spans_);
    return spool_.for_each([&](std::string_view right) -> Status {
      parse(right, right_spans_);
      append_left(record, left_spans_);
      append_right_kept(right, right_spans_);
      return end_row();
    });
  }

  Status finish() {
    SLUICE_RETURN_IF_ERROR(close_group());
    return flush();
  }

 private:
  // The group ends: its right rows no left row matched, if the join keeps them.
  Status close_group() {
    if (in_group_ && !left_seen_ && join_keeps_unmatched_right(layout_.how)) {
      SLUICE_RETURN_IF_ERROR(
          spool_.for_each([&](std::string_view right) { return unmatched_right(right); }));
    }
    in_group_ = false;
    left_seen_ = false;
    return spool_.clear();
  }

  Status unmatched_left(std::string_view record) {
    if (!join_keeps_unmatched_left(layout_.how)) return Status::ok();
    parse(record, left_spans_);
    append_left(record, left_spans_);
    for (size_t i = 0; i < layout_.right_kept.size(); ++i) append(std::string_view(), true);
    return end_row();
  }

  // NULL left columns but the keys, which take the right row's key (USING).
  Status unmatched_right(std::string_view record) {
    if (!join_keeps_unmatched_right(layout_.how)) return Status::ok();
    parse(record, right_spans_);
    for (size_t column = 0; column < layout_.left_column_count; ++column) {
      bool is_key = false;
      for (size_t k = 0; k < layout_.left_keys.size() && !is_key; ++k) {
        if (layout_.left_keys[k] != column) continue;
        const FieldSpan& span = right_spans_[layout_.right_keys[k]];
        append(field(record, span), span.null);
        is_key = true;
      }
      if (!is_key) append(std::string_view(), true);
    }
    append_right_kept(record, right_spans_);
    return end_row();
  }

  void parse(std::string_view record, std::vector<FieldSpan>& spans) {
    uint64_t needed = 0;
    const uint64_t length = parse_record(record.data(), record.size(), width_, spans, needed);
    SLUICE_ASSERT(length == record.size(), "record bytes={} parsed={}", record.size(), length);
  }
  static std::string_view field(std::string_view record, const FieldSpan& span) {
    return record.substr(span.offset, span.length);
  }
  void append_left(std::string_view record, const std::vector<FieldSpan>& spans) {
    for (size_t column = 0; column < layout_.left_column_count; ++column) {
      append(field(record, spans[column]), spans[column].null);
    }
  }
  void append_right_kept(std::string_view record, const std::vector<FieldSpan>& spans) {
    for (size_t column : layout_.right_kept) {
      append(field(record, spans[column]), spans[column].null);
    }
  }
  void append(std::string_view value, bool null) {
    pending_.push_back(Pending{row_text_.size(), value.size(), null});
    row_text_.append(value);
  }
  Status end_row() {
    SLUICE_ASSERT(pending_.size() == out_.column_count, "fields={} columns={}", pending_.size(),
                  out_.column_count);
    const std::string& text = out_.owned.emplace_back(std::move(row_text_));
    for (const Pending& value : pending_) {
      out_.fields.emplace_back(text.data() + value.offset, value.length);
      out_.nulls.push_back(value.null ? 1 : 0);
    }
    out_.row_count++;
    row_text_.clear();
    pending_.clear();
    return out_.row_count >= limits::kBatchRowsMax ? flush() : Status::ok();
  }
  Status flush() {
    if (out_.row_count == 0) return Status::ok();
    Status status = emit_(out_);
    out_.clear();
    return status;
  }

  struct Pending {
    size_t offset;
    size_t length;
    bool null;
  };
  const JoinLayout& layout_;
  size_t width_;
  RowSpool& spool_;
  const std::function<Status(const OutputBatch&)>& emit_;
  std::string group_;
  bool in_group_ = false;
  bool left_seen_ = false;
  std::vector<FieldSpan> left_spans_;
  std::vector<FieldSpan> right_spans_;
  OutputBatch out_;
  std::string row_text_;
  std::vector<Pending> pending_;
};

BucketJoiner::BucketJoiner(JoinLayout layout, uint64_t memory_budget_bytes, std::string spill_dir)
    : layout_(std::move(layout)),
      width_(std::max(layout_.left_column_count, layout_.right_column_count)),
      sorter_(width_, memory_budget_bytes / 3 * 2, spill_dir),
      spool_(std::make_unique<RowSpool>(memory_budget_bytes / 3, spill_dir + "/join-spool")) {
  padded_.column_count = width_;
}

BucketJoiner::~BucketJoiner() = default;

uint64_t BucketJoiner::spool_rows_spilled() const { return spool_->rows_spilled(); }

Status BucketJoiner::add(JoinSide side, const OutputBatch& rows) {
  const bool left = side == JoinSide::kLeft;
  const size_t columns = left ? layout_.left_column_count : layout_.right_column_count;
  const std::vector<size_t>& keys = left ? layout_.left_keys : layout_.right_keys;
  SLUICE_ASSERT(rows.column_count == columns, "columns={} side_columns={}", rows.column_count,
                columns);
  for (size_t row = 0; row < rows.row_count; ++row) {
    key_.assign(kKeyHashBytes, '\0');
    key_[0] = kKeyMatches;
    for (size_t column : keys) {
      if (rows.is_null(row, column)) {
        key_.assign(1, kKeyHasNull);
        break;
      }
      const std::string_view value = rows.field(row, column);
      put_u32_big_endian(key_, static_cast<uint32_t>(value.size()));
      key_.append(value);
    }
    if (key_[0] == kKeyMatches) {
      const uint64_t hash = hash64(std::string_view(key_).substr(kKeyHashBytes));
      for (size_t i = 1; i < kKeyHashBytes; ++i) {
        key_[i] = static_cast<char>(hash >> (8 * (kKeyHashBytes - 1 - i)));
      }
    }
    key_.push_back(static_cast<char>(side));
    padded_.clear();
    padded_.column_count = width_;
    padded_.row_count = 1;
    for (size_t column = 0; column < width_; ++column) {
      const bool present = column < columns;
      padded_.fields.push_back(present ? rows.field(row, column) : std::string_view());
      padded_.nulls.push_back(present ? rows.nulls[row * columns + column] : 1);
    }
    SLUICE_RETURN_IF_ERROR(sorter_.add(key_, padded_, 0));
    rows_added_++;
  }
  return Status::ok();
}

Status BucketJoiner::finish(const std::function<Status(const OutputBatch&)>& emit) {
  Merge merge(layout_, width_, *spool_, emit);
  SLUICE_RETURN_IF_ERROR(
      sorter_.finish_records([&](std::string_view record) { return merge.take(record); }));
  return merge.finish();
}

}  // namespace sluice
