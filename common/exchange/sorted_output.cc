#include "common/exchange/sorted_output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "common/base/hash.h"
#include "common/base/limits.h"
#include "common/exchange/little_endian.h"

namespace sluice {
namespace {

constexpr char kMagic[8] = {'S', 'L', 'X', 'S', 'R', 'T', '0', '1'};
constexpr size_t kTrailerBytes = 64;
// A footer larger than this is not one sluice wrote (a map output's index
// is about 60 bytes per 16 KiB block).
constexpr uint64_t kFooterBytesMax = 1ull << 30;

void put_key(std::string& out, std::string_view key) {
  put_u32(out, static_cast<uint32_t>(key.size()));
  out.append(key);
}

// Reads a length-prefixed key at `at` of `bytes`; false when it overruns.
bool get_key(std::string_view bytes, size_t& at, std::string& key) {
  if (bytes.size() - at < 4) return false;
  const uint32_t length = get_u32(bytes.data() + at);
  at += 4;
  if (bytes.size() - at < length) return false;
  key.assign(bytes.data() + at, length);
  at += length;
  return true;
}

}  // namespace

Result<std::unique_ptr<SortedOutputWriter>> SortedOutputWriter::open(const std::string& path,
                                                                     uint64_t block_bytes) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<OutputSink> sink,
                          OutputSink::open(path, Compression::kNone));
  return std::unique_ptr<SortedOutputWriter>(
      new SortedOutputWriter(std::move(sink), std::max<uint64_t>(block_bytes, 1)));
}

Status SortedOutputWriter::append(std::string_view record) {
  const std::string_view key = record_key(record.data());
  if (rows_ > 0 && key < std::string_view(last_key_)) {
    return internal_error(
        fmt::format("sorted output {}: a record out of key order at row {}", sink_->path(), rows_));
  }
  last_key_.assign(key);
  const uint64_t record_offset = offset_ + block_.size();
  if (record_offset >= next_sample_offset_) {
    sample_.emplace_back(record_offset, std::string(key));
    if (sample_.size() == 2 * limits::kSortSampleKeys) {
      for (size_t i = 1; i < limits::kSortSampleKeys; ++i) sample_[i] = std::move(sample_[2 * i]);
      sample_.resize(limits::kSortSampleKeys);
      sample_step_bytes_ *= 2;
    }
    next_sample_offset_ = sample_.back().first + sample_step_bytes_;
  }
  if (block_rows_ == 0) blocks_.push_back(SortBlock{offset_, 0, 0, 0, std::string(key)});
  block_.append(record);
  block_rows_++;
  rows_++;
  if (block_.size() >= block_bytes_) return close_block();
  return Status::ok();
}

Status SortedOutputWriter::close_block() {
  if (block_rows_ == 0) return Status::ok();
  SortBlock& block = blocks_.back();
  block.length = block_.size();
  block.rows = block_rows_;
  block.checksum = hash64(block_);
  sink_->pending().append(block_);
  offset_ += block_.size();
  block_.clear();
  block_rows_ = 0;
  return sink_->flush_if_full();
}

Result<WriteStats> SortedOutputWriter::finish() {
  if (finished_) return internal_error("sorted output: finish() called twice");
  finished_ = true;
  SLUICE_RETURN_IF_ERROR(close_block());
  std::string index;
  for (const SortBlock& block : blocks_) {
    put_u64(index, block.offset);
    put_u64(index, block.length);
    put_u64(index, block.rows);
    put_u64(index, block.checksum);
    put_key(index, block.first_key);
  }
  // The sample: each key weighs the bytes up to the next, so that ranges
  // drawn from it hold about equal bytes.
  std::string sample;
  for (size_t i = 0; i < sample_.size(); ++i) {
    const uint64_t next = i + 1 < sample_.size() ? sample_[i + 1].first : offset_;
    put_u64(sample, next - sample_[i].first);
    put_key(sample, sample_[i].second);
  }
  std::string trailer;
  put_u64(trailer, offset_);
  put_u64(trailer, index.size());
  put_u64(trailer, sample.size());
  put_u64(trailer, rows_);
  put_u64(trailer, hash64(index));
  put_u64(trailer, hash64(sample));
  put_u64(trailer, hash64(trailer));
  trailer.append(kMagic, sizeof kMagic);
  sink_->pending().append(index);
  sink_->pending().append(sample);
  sink_->pending().append(trailer);
  SLUICE_ASSIGN_OR_RETURN(FileTotals totals, sink_->finish());
  return WriteStats{rows_, totals.bytes, totals.checksum};
}

Result<SortedOutputFooter> read_sorted_output_footer(ByteSource& source, const std::string& name,
                                                     bool with_index) {
  const uint64_t size = source.size_bytes();
  if (size < kTrailerBytes) {
    return data_error(fmt::format("{}: not a sorted output ({} bytes)", name, size));
  }
  char trailer[kTrailerBytes];
  SLUICE_RETURN_IF_ERROR(
      read_exactly(source, size - kTrailerBytes, trailer, kTrailerBytes, name + ": sorted output"));
  if (std::memcmp(trailer + 56, kMagic, sizeof kMagic) != 0) {
    return data_error(fmt::format("{}: not a sorted output (no trailer at its end)", name));
  }
  if (hash64(std::string_view(trailer, 48)) != get_u64(trailer + 48)) {
    return data_error(fmt::format("{}: sorted output trailer fails its checksum", name));
  }
  SortedOutputFooter footer;
  footer.records_bytes = get_u64(trailer);
  const uint64_t index_bytes = get_u64(trailer + 8);
  const uint64_t sample_bytes = get_u64(trailer + 16);
  footer.rows = get_u64(trailer + 24);
  if (index_bytes > kFooterBytesMax || sample_bytes > kFooterBytesMax ||
      footer.records_bytes + index_bytes + sample_bytes + kTrailerBytes != size) {
    return data_error(
        fmt::format("{}: sorted output of {} bytes, its trailer says otherwise", name, size));
  }
  std::string sample(static_cast<size_t>(sample_bytes), '\0');
  SLUICE_RETURN_IF_ERROR(read_exactly(source, footer.records_bytes + index_bytes, sample.data(),
                                      sample.size(), name + ": sorted output"));
  if (hash64(sample) != get_u64(trailer + 40)) {
    return data_error(fmt::format("{}: sorted output sample fails its checksum", name));
  }
  for (size_t at = 0; at < sample.size();) {
    SortSample entry;
    if (sample.size() - at < 8) return data_error(fmt::format("{}: sample cut short", name));
    entry.weight_bytes = get_u64(sample.data() + at);
    at += 8;
    if (!get_key(sample, at, entry.key)) {
      return data_error(fmt::format("{}: sample cut short", name));
    }
    footer.sample.push_back(std::move(entry));
  }
  if (!with_index) return footer;
  std::string index(static_cast<size_t>(index_bytes), '\0');
  SLUICE_RETURN_IF_ERROR(read_exactly(source, footer.records_bytes, index.data(), index.size(),
                                      name + ": sorted output"));
  if (hash64(index) != get_u64(trailer + 32)) {
    return data_error(fmt::format("{}: sorted output index fails its checksum", name));
  }
  uint64_t expected_offset = 0, rows = 0;
  for (size_t at = 0; at < index.size();) {
    SortBlock block;
    if (index.size() - at < 32) return data_error(fmt::format("{}: index cut short", name));
    block.offset = get_u64(index.data() + at);
    block.length = get_u64(index.data() + at + 8);
    block.rows = get_u64(index.data() + at + 16);
    block.checksum = get_u64(index.data() + at + 24);
    at += 32;
    if (!get_key(index, at, block.first_key)) {
      return data_error(fmt::format("{}: index cut short", name));
    }
    if (block.offset != expected_offset || block.length == 0 ||
        block.length > footer.records_bytes - block.offset) {
      return data_error(fmt::format("{}: index: block at {} (+{}) is out of place", name,
                                    block.offset, block.length));
    }
    expected_offset += block.length;
    rows += block.rows;
    footer.blocks.push_back(std::move(block));
  }
  if (expected_offset != footer.records_bytes || rows != footer.rows) {
    return data_error(fmt::format("{}: index does not cover the records", name));
  }
  return footer;
}

SortedRangeCursor::SortedRangeCursor(std::unique_ptr<ByteSource> source, std::string name,
                                     std::vector<SortBlock> blocks, size_t columns, std::string lo,
                                     std::optional<std::string> hi, uint32_t origin)
    : source_(std::move(source)),
      name_(std::move(name)),
      blocks_(std::move(blocks)),
      columns_(columns),
      lo_(std::move(lo)),
      hi_(std::move(hi)),
      origin_(origin) {
  // The last block whose first key is at most lo: lo's records start there.
  const auto after = std::upper_bound(
      blocks_.begin(), blocks_.end(), lo_,
      [](const std::string& key, const SortBlock& block) { return key < block.first_key; });
  next_block_ = after == blocks_.begin() ? 0 : static_cast<size_t>(after - blocks_.begin()) - 1;
  // Blocks starting at or past hi hold nothing of the range: not kept.
  if (hi_) {
    const auto end = std::lower_bound(
        blocks_.begin(), blocks_.end(), *hi_,
        [](const SortBlock& block, const std::string& key) { return block.first_key < key; });
    blocks_.erase(end, blocks_.end());
  }
}

uint64_t SortedRangeCursor::block_bytes_max() const {
  uint64_t longest = 0;
  for (size_t i = next_block_; i < blocks_.size(); ++i)
    longest = std::max(longest, blocks_[i].length);
  return longest;
}

Status SortedRangeCursor::load_block(size_t index) {
  const SortBlock& block = blocks_[index];
  block_.resize(static_cast<size_t>(block.length));
  SLUICE_RETURN_IF_ERROR(read_exactly(*source_, block.offset, block_.data(), block_.size(),
                                      name_ + ": sorted output"));
  if (hash64(block_) != block.checksum) {
    return data_error(
        fmt::format("{}: block at offset {} fails its checksum", name_, block.offset));
  }
  bytes_read_ += block.length;
  next_record_ = 0;
  return Status::ok();
}

Status SortedRangeCursor::advance() {
  if (done_) return Status::ok();
  for (;;) {
    if (!started_ || next_record_ == block_.size()) {
      if (next_block_ >= blocks_.size()) {
        done_ = true;
        block_ = std::string();  // gives the buffer back
        return Status::ok();
      }
      SLUICE_RETURN_IF_ERROR(load_block(next_block_++));
      started_ = true;
    }
    uint64_t needed = 0;
    record_begin_ = next_record_;
    record_length_ = parse_record(block_.data() + record_begin_, block_.size() - record_begin_,
                                  columns_, spans_, needed);
    if (record_length_ == 0) {
      return data_error(fmt::format("{}: a record overruns its block at offset {}", name_,
                                    blocks_[next_block_ - 1].offset + record_begin_));
    }
    next_record_ += record_length_;
    key_ = record_key(block_.data() + record_begin_);
    if (key_ < std::string_view(lo_)) continue;
    if (hi_ && key_ >= std::string_view(*hi_)) {
      done_ = true;
      return Status::ok();
    }
    return Status::ok();
  }
}

}  // namespace sluice
