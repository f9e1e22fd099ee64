#include "common/parquet/column_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "common/base/limits.h"
#include "common/parquet/thrift_compact.h"

namespace sluice::parquet {
namespace {

// The first read for a page header; a header with large statistics is read
// again with a buffer 8 times larger, up to kParquetPageHeaderBytesMax.
constexpr size_t kHeaderProbeBytes = 1024;
// Definition levels decoded at a time.
constexpr size_t kLevelChunk = 1024;

constexpr int32_t kDataPage = 0, kDictionaryPage = 2, kDataPageV2 = 3;

}  // namespace

struct ColumnChunkReader::PageHeader {
  int32_t type = -1;
  int32_t uncompressed_bytes = -1;
  int32_t compressed_bytes = -1;
  int32_t num_values = -1;
  int32_t encoding = -1;
  int32_t level_encoding = encoding_id::kRle;  // v1: definition_level_encoding
  int32_t definition_bytes = 0;                // v2
  int32_t repetition_bytes = 0;                // v2
  bool values_compressed = true;               // v2: is_compressed
};

namespace {

Result<int32_t> read_i32(CompactReader& reader) {
  SLUICE_ASSIGN_OR_RETURN(int64_t value, reader.read_zigzag());
  if (value < INT32_MIN || value > INT32_MAX) return data_error("an i32 out of range");
  return static_cast<int32_t>(value);
}

// DataPageHeader (5), DictionaryPageHeader (7) or DataPageHeaderV2 (8).
Status read_sub_header(CompactReader& reader, int16_t which,
                       ColumnChunkReader::PageHeader& header) {
  reader.begin_struct();
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(CompactReader::FieldHeader f, reader.read_field_header());
    if (f.type == CompactType::kStop) break;
    if (which == 8 && f.id == 7 &&
        (f.type == CompactType::kBoolTrue || f.type == CompactType::kBoolFalse)) {
      header.values_compressed = f.type == CompactType::kBoolTrue;
      continue;
    }
    if (f.type != CompactType::kI32) {
      SLUICE_RETURN_IF_ERROR(reader.skip(f.type, 1));
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(int32_t value, read_i32(reader));
    if (f.id == 1) header.num_values = value;
    if (which == 5 && f.id == 2) header.encoding = value;
    if (which == 5 && f.id == 3) header.level_encoding = value;
    if (which == 7 && f.id == 2) header.encoding = value;
    if (which == 8 && f.id == 4) header.encoding = value;
    if (which == 8 && f.id == 5) header.definition_bytes = value;
    if (which == 8 && f.id == 6) header.repetition_bytes = value;
  }
  reader.end_struct();
  return Status::ok();
}

}  // namespace

ColumnChunkReader::ColumnChunkReader(ByteSource& source, const ColumnInfo& column,
                                     const ChunkInfo& chunk, uint64_t value_bytes_max)
    : source_(source),
      column_(column),
      chunk_(chunk),
      value_bytes_max_(value_bytes_max),
      position_(chunk.start),
      end_(chunk.start + chunk.size_bytes) {}

Status ColumnChunkReader::fail(const std::string& message) const {
  return data_error(fmt::format("parquet: column '{}' (chunk at byte {}): {}", column_.name,
                                chunk_.start, message));
}

Status ColumnChunkReader::read_page_header(PageHeader& header, uint64_t& header_bytes) {
  size_t want = static_cast<size_t>(std::min<uint64_t>(kHeaderProbeBytes, end_ - position_));
  while (true) {
    header_buffer_.resize(want);
    SLUICE_RETURN_IF_ERROR(
        read_exactly(source_, position_, header_buffer_.data(), want, "the column chunk"));
    bytes_read_ += want;
    header = PageHeader();
    CompactReader reader(header_buffer_);
    Status parsed = [&]() -> Status {
      reader.begin_struct();
      while (true) {
        SLUICE_ASSIGN_OR_RETURN(CompactReader::FieldHeader f, reader.read_field_header());
        if (f.type == CompactType::kStop) break;
        if (f.type == CompactType::kI32 && f.id >= 1 && f.id <= 3) {
          SLUICE_ASSIGN_OR_RETURN(int32_t value, read_i32(reader));
          if (f.id == 1) header.type = value;
          if (f.id == 2) header.uncompressed_bytes = value;
          if (f.id == 3) header.compressed_bytes = value;
        } else if (f.type == CompactType::kStruct && (f.id == 5 || f.id == 7 || f.id == 8)) {
          SLUICE_RETURN_IF_ERROR(read_sub_header(reader, f.id, header));
        } else {
          SLUICE_RETURN_IF_ERROR(reader.skip(f.type, 1));
        }
      }
      reader.end_struct();
      return Status::ok();
    }();
    if (parsed.is_ok()) {
      header_bytes = reader.position();
      return Status::ok();
    }
    const uint64_t left = end_ - position_;
    if (want >= left || want >= limits::kParquetPageHeaderBytesMax)
      return fail("bad page header: " + parsed.message());
    want = static_cast<size_t>(std::min<uint64_t>(
        {static_cast<uint64_t>(want) * 8, left, limits::kParquetPageHeaderBytesMax}));
  }
}

Status ColumnChunkReader::load_dictionary(const PageHeader& header, std::string_view page) {
  if (has_dictionary_) return fail("a second dictionary page");
  if (header.encoding != encoding_id::kPlain && header.encoding != encoding_id::kPlainDictionary)
    return fail(fmt::format("a dictionary page in {}", encoding_name(header.encoding)));
  if (header.num_values < 0 || static_cast<size_t>(header.num_values) > page.size() + 1)
    return fail(
        fmt::format("a dictionary of {} values in {} bytes", header.num_values, page.size()));
  if (column_.physical == Physical::kBoolean) return fail("a dictionary of booleans");
  dictionary_page_.assign(page);
  ValueDecoder decoder;
  const auto count = static_cast<size_t>(header.num_values);
  Status started = decoder.init(column_, encoding_id::kPlain, dictionary_page_, count, nullptr);
  if (!started.is_ok()) return fail("dictionary page: " + started.message());
  dictionary_.clear();
  dictionary_text_.clear();
  dictionary_arena_.clear();
  for (size_t i = 0; i < count; ++i) {
    std::string_view value;
    Status decoded = decoder.next(value);
    if (!decoded.is_ok()) return fail("dictionary page: " + decoded.message());
    dictionary_.push_back(value);
    auto text = value_text(column_, value, dictionary_arena_);
    if (!text.is_ok()) return fail("dictionary page: " + text.status().message());
    dictionary_text_.push_back(text.value());
  }
  has_dictionary_ = true;
  return Status::ok();
}

Status ColumnChunkReader::start_data_page(const PageHeader& header) {
  const std::string_view page = page_;
  std::string_view values = page;
  size_t present = static_cast<size_t>(header.num_values);
  has_levels_ = column_.optional;
  if (column_.optional) {
    std::string_view levels;
    if (header.type == kDataPageV2) {
      levels = page.substr(0, static_cast<size_t>(header.definition_bytes));
      values = page.substr(static_cast<size_t>(header.definition_bytes));
    } else {
      if (header.level_encoding != encoding_id::kRle)
        return fail(fmt::format("definition levels in {}", encoding_name(header.level_encoding)));
      if (page.size() < 4) return fail("definition levels without their length");
      uint32_t length = 0;
      std::memcpy(&length, page.data(), 4);
      if (length > page.size() - 4) return fail("definition levels longer than the page");
      levels = page.substr(4, length);
      values = page.substr(4 + length);
    }
    // Count the values that are present (level 1) with a copy of the decoder.
    levels_ = RleDecoder(levels, 1);
    RleDecoder counter = levels_;
    present = 0;
    level_scratch_.resize(kLevelChunk);
    for (size_t done = 0; done < static_cast<size_t>(header.num_values);) {
      const size_t n = std::min(kLevelChunk, static_cast<size_t>(header.num_values) - done);
      Status counted = counter.get(level_scratch_.data(), n);
      if (!counted.is_ok()) return fail("definition levels: " + counted.message());
      for (size_t i = 0; i < n; ++i) {
        if (level_scratch_[i] > 1)
          return fail(fmt::format("definition level {}", level_scratch_[i]));
        present += level_scratch_[i];
      }
      done += n;
    }
  } else if (header.type == kDataPageV2) {
    values = page.substr(static_cast<size_t>(header.definition_bytes));
  }
  Status started = values_.init(column_, header.encoding, values, present,
                                has_dictionary_ ? &dictionary_ : nullptr);
  if (!started.is_ok()) return fail(started.message());
  page_values_left_ = static_cast<uint64_t>(header.num_values);
  return Status::ok();
}

Status ColumnChunkReader::next_data_page() {
  while (true) {
    if (position_ >= end_) {
      return fail(
          fmt::format("the chunk ends after {} of its {} values", values_read_, chunk_.num_values));
    }
    PageHeader header;
    uint64_t header_bytes = 0;
    SLUICE_RETURN_IF_ERROR(read_page_header(header, header_bytes));
    if (header.compressed_bytes < 0 || header.uncompressed_bytes < 0)
      return fail("a page header without its sizes");
    const auto compressed = static_cast<uint64_t>(header.compressed_bytes);
    const auto uncompressed = static_cast<uint64_t>(header.uncompressed_bytes);
    if (compressed > end_ - position_ - header_bytes)
      return fail(fmt::format("a page of {} bytes past the end of the chunk", compressed));
    if (compressed > limits::kParquetInputPageBytesMax ||
        uncompressed > limits::kParquetInputPageBytesMax) {
      return fail(fmt::format("a page of {} bytes ({} uncompressed) is over the limit of {}",
                              compressed, uncompressed, limits::kParquetInputPageBytesMax));
    }
    const uint64_t body = position_ + header_bytes;
    position_ = body + compressed;
    if (header.type != kDataPage && header.type != kDictionaryPage && header.type != kDataPageV2)
      continue;  // an index page, or one this reader does not know: skipped
    compressed_.resize(static_cast<size_t>(compressed));
    SLUICE_RETURN_IF_ERROR(
        read_exactly(source_, body, compressed_.data(), compressed_.size(), "the column chunk"));
    bytes_read_ += compressed;
    if (header.type == kDictionaryPage) {
      Status done = decompress_page(chunk_.codec, compressed_, uncompressed, page_);
      if (!done.is_ok()) return fail("dictionary page: " + done.message());
      SLUICE_RETURN_IF_ERROR(load_dictionary(header, page_));
      ++page_counts_.dictionary;
      continue;
    }
    if (header.num_values < 0 || header.encoding < 0)
      return fail("a data page header without its values");
    if (static_cast<uint64_t>(header.num_values) > limits::kParquetPageValuesMax) {
      return fail(fmt::format("a page of {} values is over the limit of {}", header.num_values,
                              limits::kParquetPageValuesMax));
    }
    if (static_cast<uint64_t>(header.num_values) >
        static_cast<uint64_t>(chunk_.num_values) - values_read_)
      return fail(fmt::format("a page of {} values past the chunk's {}", header.num_values,
                              chunk_.num_values));
    if (header.type == kDataPageV2) {
      if (header.repetition_bytes != 0) return fail("repetition levels in a flat column");
      const auto levels = static_cast<uint64_t>(header.definition_bytes);
      if (header.definition_bytes < 0 || levels > compressed || levels > uncompressed)
        return fail("definition levels longer than the page");
      // Levels are never compressed; the values are unless is_compressed is false.
      std::string values;
      const std::string_view compressed_values = std::string_view(compressed_).substr(levels);
      const Codec codec = header.values_compressed ? chunk_.codec : Codec::kUncompressed;
      Status done = decompress_page(codec, compressed_values, uncompressed - levels, values);
      if (!done.is_ok()) return fail(done.message());
      page_.assign(compressed_, 0, levels);
      page_ += values;
    } else {
      Status done = decompress_page(chunk_.codec, compressed_, uncompressed, page_);
      if (!done.is_ok()) return fail(done.message());
    }
    SLUICE_RETURN_IF_ERROR(start_data_page(header));
    ++(header.type == kDataPageV2 ? page_counts_.data_v2 : page_counts_.data_v1);
    if (page_values_left_ > 0) return Status::ok();
  }
}

Status ColumnChunkReader::read(size_t rows, TextArena& arena, std::vector<std::string_view>& out) {
  size_t done = 0;
  while (done < rows) {
    if (page_values_left_ == 0) SLUICE_RETURN_IF_ERROR(next_data_page());
    const size_t n = static_cast<size_t>(std::min<uint64_t>(page_values_left_, rows - done));
    if (has_levels_) {
      level_scratch_.resize(n);
      Status got = levels_.get(level_scratch_.data(), n);
      if (!got.is_ok()) return fail("definition levels: " + got.message());
    }
    if (values_.is_dictionary()) {
      // The page's indexes in one call, then each value's text by index.
      size_t present = n;
      if (has_levels_)
        present = static_cast<size_t>(std::count(level_scratch_.begin(), level_scratch_.end(), 1u));
      index_scratch_.resize(present);
      Status got = values_.next_indexes(index_scratch_.data(), present);
      if (!got.is_ok()) return fail(got.message());
      size_t next = 0;
      for (size_t i = 0; i < n; ++i) {
        if (has_levels_ && level_scratch_[i] == 0) {
          out.emplace_back();  // NULL
        } else {
          out.push_back(dictionary_text_[index_scratch_[next++]]);
        }
      }
      page_values_left_ -= n;
      values_read_ += n;
      done += n;
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      if (has_levels_ && level_scratch_[i] == 0) {
        out.emplace_back();  // NULL
        continue;
      }
      std::string_view value;
      Status got = values_.next(value);
      if (!got.is_ok()) return fail(got.message());
      if (value.size() > value_bytes_max_) {
        return fail(fmt::format("a value of {} bytes is longer than max_record_size ({} bytes)",
                                value.size(), value_bytes_max_));
      }
      auto text = value_text(column_, value, arena);
      if (!text.is_ok()) return fail(text.status().message());
      out.push_back(text.value());
    }
    page_values_left_ -= n;
    values_read_ += n;
    done += n;
  }
  return Status::ok();
}

}  // namespace sluice::parquet
