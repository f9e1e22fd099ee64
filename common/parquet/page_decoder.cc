#include "common/parquet/page_decoder.h"

#include <fmt/format.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

namespace sluice::parquet {
namespace {

// Blocks of DELTA_BINARY_PACKED hold at most this many values (writers use
// 128 or 256), so a block's miniblock widths are a small read.
constexpr uint64_t kDeltaBlockValuesMax = 1u << 16;
// Dictionary indices decoded at a time.
constexpr size_t kIndexChunk = 1024;

Result<uint64_t> read_uleb(std::string_view data, size_t& position) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (position >= data.size()) return data_error("a varint past the end of the page");
    const auto byte = static_cast<uint8_t>(data[position++]);
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return data_error("a varint longer than 10 bytes");
}

Result<int64_t> read_zigzag_value(std::string_view data, size_t& position) {
  SLUICE_ASSIGN_OR_RETURN(uint64_t value, read_uleb(data, position));
  return static_cast<int64_t>((value >> 1) ^ (~(value & 1) + 1));
}

// `width` bits (0..64) at `bit_offset` of `data`, least significant first;
// the caller has checked that the bytes exist.
uint64_t unpack(const char* data, uint64_t bit_offset, int width) {
  uint64_t value = 0;
  int got = 0;
  size_t byte = bit_offset / 8;
  int shift = static_cast<int>(bit_offset % 8);
  while (got < width) {
    value |= static_cast<uint64_t>(static_cast<uint8_t>(data[byte++]) >> shift) << got;
    got += 8 - shift;
    shift = 0;
  }
  return width >= 64 ? value : value & ((uint64_t{1} << width) - 1);
}

}  // namespace

const char* encoding_name(int32_t encoding) {
  switch (encoding) {
    case encoding_id::kPlain:
      return "PLAIN";
    case encoding_id::kPlainDictionary:
      return "PLAIN_DICTIONARY";
    case encoding_id::kRle:
      return "RLE";
    case encoding_id::kBitPacked:
      return "BIT_PACKED";
    case encoding_id::kDeltaBinaryPacked:
      return "DELTA_BINARY_PACKED";
    case encoding_id::kDeltaLengthByteArray:
      return "DELTA_LENGTH_BYTE_ARRAY";
    case encoding_id::kDeltaByteArray:
      return "DELTA_BYTE_ARRAY";
    case encoding_id::kRleDictionary:
      return "RLE_DICTIONARY";
    case encoding_id::kByteStreamSplit:
      return "BYTE_STREAM_SPLIT";
    default:
      return "an unknown encoding";
  }
}

// ---- RLE / bit-packed hybrid ----

Status RleDecoder::next_run() {
  SLUICE_ASSIGN_OR_RETURN(uint64_t header, read_uleb(data_, position_));
  if ((header & 1) == 0) {
    rle_left_ = header >> 1;
    const size_t bytes = static_cast<size_t>((bit_width_ + 7) / 8);
    if (bytes > data_.size() - position_) return data_error("an RLE run past the end of the data");
    uint32_t value = 0;
    for (size_t i = 0; i < bytes; ++i)
      value |= static_cast<uint32_t>(static_cast<uint8_t>(data_[position_ + i])) << (8 * i);
    position_ += bytes;
    rle_value_ = value;
    return Status::ok();
  }
  const uint64_t groups = header >> 1;
  const uint64_t available = data_.size() - position_;
  packed_begin_ = position_;
  packed_index_ = 0;
  if (bit_width_ == 0) {
    packed_left_ = groups * 8;
    return Status::ok();
  }
  // Writers write whole groups; a last run cut short still yields the values
  // its bytes hold.
  const uint64_t bytes = groups > available ? available + 1 : groups * bit_width_;
  if (bytes <= available) {
    packed_left_ = groups * 8;
    position_ += bytes;
  } else {
    packed_left_ = available * 8 / static_cast<uint64_t>(bit_width_);
    position_ = data_.size();
  }
  return Status::ok();
}

Status RleDecoder::get(uint32_t* out, size_t count) {
  size_t done = 0;
  while (done < count) {
    if (rle_left_ > 0) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(rle_left_, count - done));
      std::fill_n(out + done, n, rle_value_);
      rle_left_ -= n;
      done += n;
      continue;
    }
    if (packed_left_ > 0) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(packed_left_, count - done));
      const char* base = data_.data() + packed_begin_;
      if (bit_width_ == 0) {
        std::fill_n(out + done, n, 0u);
      } else {
        // A value (≤ 32 bits at a bit shift ≤ 7) lies in the 8 bytes from
        // its first byte: one little-endian load where those bytes are in
        // the data, the byte loop near its end.
        const size_t readable = data_.size() - packed_begin_;
        const uint64_t mask = (uint64_t{1} << bit_width_) - 1;
        for (size_t i = 0; i < n; ++i) {
          const uint64_t bit = (packed_index_ + i) * static_cast<uint64_t>(bit_width_);
          const size_t byte = static_cast<size_t>(bit / 8);
          if (byte + 8 <= readable) {
            uint64_t word = 0;
            std::memcpy(&word, base + byte, 8);
            out[done + i] = static_cast<uint32_t>((word >> (bit % 8)) & mask);
          } else {
            out[done + i] = static_cast<uint32_t>(unpack(base, bit, bit_width_));
          }
        }
      }
      packed_index_ += n;
      packed_left_ -= n;
      done += n;
      continue;
    }
    if (position_ >= data_.size()) return data_error("RLE/bit-packed data ends before its values");
    SLUICE_RETURN_IF_ERROR(next_run());
  }
  return Status::ok();
}

// ---- DELTA_BINARY_PACKED ----

Status DeltaDecoder::init(std::string_view data, int value_bits) {
  *this = DeltaDecoder();
  data_ = data;
  value_bits_ = value_bits;
  SLUICE_ASSIGN_OR_RETURN(block_size_, read_uleb(data_, position_));
  SLUICE_ASSIGN_OR_RETURN(miniblocks_, read_uleb(data_, position_));
  SLUICE_ASSIGN_OR_RETURN(total_, read_uleb(data_, position_));
  SLUICE_ASSIGN_OR_RETURN(int64_t first, read_zigzag_value(data_, position_));
  if (block_size_ == 0 || block_size_ % 128 != 0 || block_size_ > kDeltaBlockValuesMax ||
      miniblocks_ == 0 || block_size_ % miniblocks_ != 0 || (block_size_ / miniblocks_) % 32 != 0) {
    return data_error(fmt::format("DELTA_BINARY_PACKED: block of {} values in {} miniblocks",
                                  block_size_, miniblocks_));
  }
  per_miniblock_ = block_size_ / miniblocks_;
  last_ = static_cast<uint64_t>(first);
  return Status::ok();
}

Status DeltaDecoder::next_block() {
  SLUICE_ASSIGN_OR_RETURN(int64_t min_delta, read_zigzag_value(data_, position_));
  min_delta_ = static_cast<uint64_t>(min_delta);
  if (miniblocks_ > data_.size() - position_)
    return data_error("DELTA_BINARY_PACKED: miniblock widths past the end of the page");
  widths_.assign(data_.substr(position_, miniblocks_));
  position_ += miniblocks_;
  miniblock_ = 0;
  block_open_ = true;
  return Status::ok();
}

Status DeltaDecoder::next_miniblock() {
  if (!block_open_ || miniblock_ == miniblocks_) SLUICE_RETURN_IF_ERROR(next_block());
  mini_width_ = static_cast<uint8_t>(widths_[miniblock_++]);
  // Up to 64 bits even for INT32: some writers (DuckDB for UINT32) take the
  // deltas of 32-bit values in 64 bits; the sum wraps to 32 bits all the same.
  if (mini_width_ > 64)
    return data_error(fmt::format("DELTA_BINARY_PACKED: bit width {}", mini_width_));
  const uint64_t bytes = per_miniblock_ * static_cast<uint64_t>(mini_width_) / 8;
  if (bytes > data_.size() - position_)
    return data_error("DELTA_BINARY_PACKED: a miniblock past the end of the page");
  mini_begin_ = position_;
  position_ += bytes;
  mini_index_ = 0;
  in_mini_left_ = per_miniblock_;
  return Status::ok();
}

Status DeltaDecoder::get(int64_t* out, size_t count) {
  if (count > total_ - returned_)
    return data_error("DELTA_BINARY_PACKED: fewer values than needed");
  size_t done = 0;
  if (first_pending_ && count > 0) {
    out[done++] = static_cast<int64_t>(last_);
    first_pending_ = false;
    ++returned_;
  }
  const uint64_t mask = value_bits_ == 64 ? ~uint64_t{0} : (uint64_t{1} << value_bits_) - 1;
  while (done < count) {
    if (in_mini_left_ == 0) SLUICE_RETURN_IF_ERROR(next_miniblock());
    const size_t n = static_cast<size_t>(std::min<uint64_t>(in_mini_left_, count - done));
    const char* base = data_.data() + mini_begin_;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t packed =
          mini_width_ == 0 ? 0 : unpack(base, (mini_index_ + i) * mini_width_, mini_width_);
      last_ = (last_ + min_delta_ + packed) & mask;
      out[done + i] = value_bits_ == 32 ? static_cast<int32_t>(static_cast<uint32_t>(last_))
                                        : static_cast<int64_t>(last_);
    }
    mini_index_ += n;
    in_mini_left_ -= n;
    done += n;
    returned_ += n;
  }
  return Status::ok();
}

Result<size_t> DeltaDecoder::end_position() {
  int64_t values[256];
  while (returned_ < total_) {
    SLUICE_RETURN_IF_ERROR(
        get(values, static_cast<size_t>(std::min<uint64_t>(256, total_ - returned_))));
  }
  return position_;
}

// ---- one page's values ----

size_t ValueDecoder::width() const {
  switch (column_->physical) {
    case Physical::kInt32:
    case Physical::kFloat:
      return 4;
    case Physical::kInt64:
    case Physical::kDouble:
      return 8;
    case Physical::kInt96:
      return 12;
    case Physical::kFixedLenByteArray:
      return static_cast<size_t>(column_->type_length);
    default:
      return 0;
  }
}

Status ValueDecoder::init(const ColumnInfo& column, int32_t encoding, std::string_view data,
                          size_t count, const std::vector<std::string_view>* dictionary) {
  column_ = &column;
  encoding_ = encoding;
  data_ = data;
  position_ = 0;
  count_ = count;
  index_ = 0;
  dictionary_ = nullptr;
  indexes_.clear();
  indexes_next_ = 0;
  previous_.clear();
  const Physical physical = column.physical;
  auto refuse = [&]() {
    return data_error(fmt::format("column '{}': encoding {} for this type is not supported",
                                  column.name, encoding_name(encoding)));
  };
  switch (encoding) {
    case encoding_id::kPlain:
      if (physical != Physical::kBoolean && physical != Physical::kByteArray &&
          width() * count > data.size())
        return data_error(fmt::format("column '{}': {} values do not fit in a page of {} bytes",
                                      column.name, count, data.size()));
      if (physical == Physical::kBoolean && (count + 7) / 8 > data.size())
        return data_error(
            fmt::format("column '{}': booleans past the end of the page", column.name));
      return Status::ok();
    case encoding_id::kPlainDictionary:
    case encoding_id::kRleDictionary: {
      if (dictionary == nullptr)
        return data_error(
            fmt::format("column '{}': dictionary indices without a dictionary page", column.name));
      dictionary_ = dictionary;
      if (count == 0) return Status::ok();
      if (data.empty()) return data_error("dictionary indices: an empty page");
      const int bit_width = static_cast<uint8_t>(data[0]);
      if (bit_width > 32)
        return data_error(fmt::format("dictionary indices of {} bits", bit_width));
      rle_ = RleDecoder(data.substr(1), bit_width);
      return Status::ok();
    }
    case encoding_id::kRle: {
      if (physical != Physical::kBoolean) return refuse();
      if (data.size() < 4) return data_error("RLE booleans without their length");
      uint32_t length = 0;
      std::memcpy(&length, data.data(), 4);
      if (length > data.size() - 4) return data_error("RLE booleans longer than the page");
      rle_ = RleDecoder(data.substr(4, length), 1);
      return Status::ok();
    }
    case encoding_id::kDeltaBinaryPacked:
      if (physical != Physical::kInt32 && physical != Physical::kInt64) return refuse();
      SLUICE_RETURN_IF_ERROR(ints_.init(data, physical == Physical::kInt32 ? 32 : 64));
      if (ints_.total_values() != count)
        return data_error("DELTA_BINARY_PACKED: another number of values than the page's");
      return Status::ok();
    case encoding_id::kDeltaLengthByteArray: {
      if (physical != Physical::kByteArray) return refuse();
      SLUICE_RETURN_IF_ERROR(lengths_.init(data, 32));
      if (lengths_.total_values() != count)
        return data_error("DELTA_LENGTH_BYTE_ARRAY: another number of values than the page's");
      DeltaDecoder scan = lengths_;
      SLUICE_ASSIGN_OR_RETURN(position_, scan.end_position());
      return Status::ok();
    }
    case encoding_id::kDeltaByteArray: {
      if (physical != Physical::kByteArray && physical != Physical::kFixedLenByteArray)
        return refuse();
      SLUICE_RETURN_IF_ERROR(prefixes_.init(data, 32));
      if (prefixes_.total_values() != count)
        return data_error("DELTA_BYTE_ARRAY: another number of values than the page's");
      DeltaDecoder scan = prefixes_;
      SLUICE_ASSIGN_OR_RETURN(size_t suffixes, scan.end_position());
      SLUICE_RETURN_IF_ERROR(lengths_.init(data.substr(suffixes), 32));
      scan = lengths_;
      SLUICE_ASSIGN_OR_RETURN(size_t bytes, scan.end_position());
      position_ = suffixes + bytes;
      if (lengths_.total_values() != count)
        return data_error("DELTA_BYTE_ARRAY: another number of suffixes than the page's values");
      return Status::ok();
    }
    case encoding_id::kByteStreamSplit:
      if (width() == 0) return refuse();
      if (width() * count > data.size())
        return data_error("BYTE_STREAM_SPLIT: past the end of the page");
      return Status::ok();
    default:
      return refuse();
  }
}

Status ValueDecoder::next_index(uint32_t& index) {
  if (indexes_next_ == indexes_.size()) {
    const size_t n = std::min(kIndexChunk, count_ - index_);
    if (n == 0) return data_error("more values than the page holds");
    indexes_.resize(n);
    indexes_next_ = 0;
    SLUICE_RETURN_IF_ERROR(rle_.get(indexes_.data(), n));
  }
  index = indexes_[indexes_next_++];
  ++index_;
  if (index >= dictionary_->size()) {
    return data_error(fmt::format(
        "column '{}': dictionary index {} out of range (the dictionary holds {} values)",
        column_->name, index, dictionary_->size()));
  }
  return Status::ok();
}

Status ValueDecoder::next_indexes(uint32_t* out, size_t count) {
  if (count > count_ - index_) return data_error("more values than the page holds");
  size_t done = 0;
  while (done < count && indexes_next_ < indexes_.size()) out[done++] = indexes_[indexes_next_++];
  if (done < count) SLUICE_RETURN_IF_ERROR(rle_.get(out + done, count - done));
  index_ += count;
  const size_t entries = dictionary_->size();
  for (size_t i = 0; i < count; ++i) {
    if (out[i] >= entries) {
      return data_error(fmt::format(
          "column '{}': dictionary index {} out of range (the dictionary holds {} values)",
          column_->name, out[i], entries));
    }
  }
  return Status::ok();
}

Status ValueDecoder::next(std::string_view& value) {
  if (dictionary_ != nullptr) {
    uint32_t index = 0;
    SLUICE_RETURN_IF_ERROR(next_index(index));
    value = (*dictionary_)[index];
    return Status::ok();
  }
  if (index_ >= count_) return data_error("more values than the page holds");
  const size_t w = width();
  switch (encoding_) {
    case encoding_id::kPlain:
      if (column_->physical == Physical::kBoolean) {
        const bool bit = (static_cast<uint8_t>(data_[index_ / 8]) >> (index_ % 8)) & 1;
        value = bit ? std::string_view("\x01", 1) : std::string_view("\0", 1);
      } else if (column_->physical == Physical::kByteArray) {
        if (data_.size() - position_ < 4)
          return data_error("a byte array past the end of the page");
        uint32_t length = 0;
        std::memcpy(&length, data_.data() + position_, 4);
        position_ += 4;
        if (length > data_.size() - position_)
          return data_error(
              fmt::format("a byte array of {} bytes past the end of the page", length));
        value = data_.substr(position_, length);
        position_ += length;
      } else {
        value = data_.substr(position_, w);  // init checked count * width
        position_ += w;
      }
      break;
    case encoding_id::kRle: {
      uint32_t bit = 0;
      SLUICE_RETURN_IF_ERROR(rle_.get(&bit, 1));
      value = bit != 0 ? std::string_view("\x01", 1) : std::string_view("\0", 1);
      break;
    }
    case encoding_id::kDeltaBinaryPacked: {
      int64_t number = 0;
      SLUICE_RETURN_IF_ERROR(ints_.get(&number, 1));
      scratch_.resize(w);
      if (w == 4) {
        const auto narrow = static_cast<int32_t>(number);
        std::memcpy(scratch_.data(), &narrow, 4);
      } else {
        std::memcpy(scratch_.data(), &number, 8);
      }
      value = scratch_;
      break;
    }
    case encoding_id::kDeltaLengthByteArray: {
      int64_t length = 0;
      SLUICE_RETURN_IF_ERROR(lengths_.get(&length, 1));
      if (length < 0 || static_cast<uint64_t>(length) > data_.size() - position_)
        return data_error(fmt::format("a byte array of {} bytes past the end of the page", length));
      value = data_.substr(position_, static_cast<size_t>(length));
      position_ += static_cast<size_t>(length);
      break;
    }
    case encoding_id::kDeltaByteArray: {
      int64_t prefix = 0;
      int64_t length = 0;
      SLUICE_RETURN_IF_ERROR(prefixes_.get(&prefix, 1));
      SLUICE_RETURN_IF_ERROR(lengths_.get(&length, 1));
      if (prefix < 0 || static_cast<uint64_t>(prefix) > previous_.size())
        return data_error(fmt::format("DELTA_BYTE_ARRAY: a prefix of {} bytes", prefix));
      if (length < 0 || static_cast<uint64_t>(length) > data_.size() - position_)
        return data_error(fmt::format("a byte array of {} bytes past the end of the page", length));
      previous_.resize(static_cast<size_t>(prefix));
      previous_.append(data_.substr(position_, static_cast<size_t>(length)));
      position_ += static_cast<size_t>(length);
      if (column_->physical == Physical::kFixedLenByteArray && previous_.size() != w)
        return data_error("DELTA_BYTE_ARRAY: a fixed-length value of another length");
      value = previous_;
      break;
    }
    case encoding_id::kByteStreamSplit:
      scratch_.resize(w);
      for (size_t k = 0; k < w; ++k) scratch_[k] = data_[k * count_ + index_];
      value = scratch_;
      break;
    default:
      return data_error("an unsupported encoding");
  }
  ++index_;
  return Status::ok();
}

// ---- codecs ----

Status decompress_page(Codec codec, std::string_view compressed, size_t uncompressed_bytes,
                       std::string& out) {
  out.resize(uncompressed_bytes);
  switch (codec) {
    case Codec::kUncompressed:
      if (compressed.size() != uncompressed_bytes)
        return data_error("an uncompressed page whose two sizes differ");
      std::memcpy(out.data(), compressed.data(), uncompressed_bytes);
      return Status::ok();
    case Codec::kSnappy: {
      size_t length = 0;
      if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &length) ||
          length != uncompressed_bytes ||
          !snappy::RawUncompress(compressed.data(), compressed.size(), out.data())) {
        return data_error("snappy decompression failed (corrupt page)");
      }
      return Status::ok();
    }
    case Codec::kZstd: {
      const size_t length =
          ZSTD_decompress(out.data(), out.size(), compressed.data(), compressed.size());
      if (ZSTD_isError(length) || length != uncompressed_bytes) {
        return data_error(fmt::format("zstd decompression failed (corrupt page): {}",
                                      ZSTD_isError(length) ? ZSTD_getErrorName(length) : "size"));
      }
      return Status::ok();
    }
    case Codec::kGzip: {
      z_stream stream{};
      if (inflateInit2(&stream, 15 + 32) != Z_OK) return internal_error("zlib inflateInit2 failed");
      stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
      stream.avail_in = static_cast<uInt>(compressed.size());
      stream.next_out = reinterpret_cast<Bytef*>(out.data());
      stream.avail_out = static_cast<uInt>(out.size());
      const int result = inflate(&stream, Z_FINISH);
      const size_t produced = stream.total_out;
      inflateEnd(&stream);
      if (result != Z_STREAM_END || produced != uncompressed_bytes)
        return data_error("gzip decompression failed (corrupt page)");
      return Status::ok();
    }
    default:
      return data_error(
          fmt::format("codec {} is not supported (sluice reads UNCOMPRESSED, "
                      "SNAPPY, GZIP and ZSTD)",
                      codec_name(codec)));
  }
}

}  // namespace sluice::parquet
