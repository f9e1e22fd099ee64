#include "common/parquet/thrift_compact.h"

#include <fmt/format.h>

namespace sluice::parquet {
namespace {

// Structs and lists nest at most this deep in a footer we accept (Parquet's
// own metadata nests 5 deep).
constexpr int kDepthMax = 32;

}  // namespace

void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void CompactWriter::begin_struct() { last_ids_.push_back(0); }

void CompactWriter::end_struct() {
  out_.push_back(static_cast<char>(CompactType::kStop));
  last_ids_.pop_back();
}

void CompactWriter::field_header(int16_t id, CompactType type) {
  int16_t& last = last_ids_.back();
  const int delta = id - last;
  if (delta > 0 && delta <= 15) {
    out_.push_back(static_cast<char>((delta << 4) | static_cast<int>(type)));
  } else {
    out_.push_back(static_cast<char>(type));
    append_varint(out_, zigzag(id));
  }
  last = id;
}

void CompactWriter::field_bool(int16_t id, bool value) {
  field_header(id, value ? CompactType::kBoolTrue : CompactType::kBoolFalse);
}

void CompactWriter::field_i32(int16_t id, int32_t value) {
  field_header(id, CompactType::kI32);
  append_varint(out_, zigzag(value));
}

void CompactWriter::field_i64(int16_t id, int64_t value) {
  field_header(id, CompactType::kI64);
  append_varint(out_, zigzag(value));
}

void CompactWriter::field_binary(int16_t id, std::string_view value) {
  field_header(id, CompactType::kBinary);
  list_binary(value);
}

void CompactWriter::field_struct(int16_t id) {
  field_header(id, CompactType::kStruct);
  begin_struct();
}

void CompactWriter::field_list(int16_t id, CompactType element, size_t size) {
  field_header(id, CompactType::kList);
  if (size < 15) {
    out_.push_back(static_cast<char>((size << 4) | static_cast<size_t>(element)));
  } else {
    out_.push_back(static_cast<char>(0xF0 | static_cast<int>(element)));
    append_varint(out_, size);
  }
}

void CompactWriter::list_i32(int32_t value) { append_varint(out_, zigzag(value)); }

void CompactWriter::list_binary(std::string_view value) {
  append_varint(out_, value.size());
  out_.append(value);
}

Result<uint64_t> CompactReader::read_varint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (position_ >= data_.size()) return data_error("thrift: varint past the end");
    const auto byte = static_cast<uint8_t>(data_[position_++]);
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return data_error("thrift: varint longer than 10 bytes");
}

Result<int64_t> CompactReader::read_zigzag() {
  SLUICE_ASSIGN_OR_RETURN(uint64_t raw, read_varint());
  return static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
}

Result<std::string_view> CompactReader::read_binary() {
  SLUICE_ASSIGN_OR_RETURN(uint64_t length, read_varint());
  if (length > data_.size() - position_) return data_error("thrift: binary past the end");
  std::string_view value = data_.substr(position_, length);
  position_ += length;
  return value;
}

Result<CompactReader::FieldHeader> CompactReader::read_field_header() {
  if (position_ >= data_.size()) return data_error("thrift: struct past the end");
  if (last_ids_.empty()) return internal_error("thrift: field header outside a struct");
  const auto byte = static_cast<uint8_t>(data_[position_++]);
  FieldHeader header;
  header.type = static_cast<CompactType>(byte & 0x0F);
  if (header.type == CompactType::kStop) return header;
  if (byte >> 4 != 0) {
    header.id = static_cast<int16_t>(last_ids_.back() + (byte >> 4));
  } else {
    SLUICE_ASSIGN_OR_RETURN(int64_t id, read_zigzag());
    header.id = static_cast<int16_t>(id);
  }
  last_ids_.back() = header.id;
  return header;
}

Result<std::pair<CompactType, uint64_t>> CompactReader::read_list_header() {
  if (position_ >= data_.size()) return data_error("thrift: list past the end");
  const auto byte = static_cast<uint8_t>(data_[position_++]);
  const auto element = static_cast<CompactType>(byte & 0x0F);
  uint64_t size = byte >> 4;
  if (size == 15) {
    SLUICE_ASSIGN_OR_RETURN(size, read_varint());
  }
  // Every element takes at least one byte (bools in lists do too).
  if (size > data_.size() - position_) return data_error("thrift: list longer than the data");
  return std::make_pair(element, size);
}

Status CompactReader::skip(CompactType type, int depth) {
  if (depth > kDepthMax) return data_error("thrift: nested too deep");
  switch (type) {
    case CompactType::kBoolTrue:
    case CompactType::kBoolFalse:
      return Status::ok();  // the value is in the field header
    case CompactType::kByte:
      if (position_ >= data_.size()) return data_error("thrift: byte past the end");
      ++position_;
      return Status::ok();
    case CompactType::kI16:
    case CompactType::kI32:
    case CompactType::kI64: {
      SLUICE_ASSIGN_OR_RETURN(uint64_t ignored, read_varint());
      (void)ignored;
      return Status::ok();
    }
    case CompactType::kDouble:
      if (data_.size() - position_ < 8) return data_error("thrift: double past the end");
      position_ += 8;
      return Status::ok();
    case CompactType::kBinary: {
      SLUICE_ASSIGN_OR_RETURN(std::string_view ignored, read_binary());
      (void)ignored;
      return Status::ok();
    }
    case CompactType::kList:
    case CompactType::kSet: {
      SLUICE_ASSIGN_OR_RETURN(auto header, read_list_header());
      for (uint64_t i = 0; i < header.second; ++i) {
        // A bool in a list is a byte of its own.
        CompactType element = header.first;
        if (element == CompactType::kBoolTrue || element == CompactType::kBoolFalse) {
          element = CompactType::kByte;
        }
        SLUICE_RETURN_IF_ERROR(skip(element, depth + 1));
      }
      return Status::ok();
    }
    case CompactType::kMap: {
      SLUICE_ASSIGN_OR_RETURN(uint64_t size, read_varint());
      if (size == 0) return Status::ok();
      if (size > data_.size() - position_) return data_error("thrift: map longer than the data");
      if (position_ >= data_.size()) return data_error("thrift: map past the end");
      const auto types = static_cast<uint8_t>(data_[position_++]);
      for (uint64_t i = 0; i < size; ++i) {
        SLUICE_RETURN_IF_ERROR(skip(static_cast<CompactType>(types >> 4), depth + 1));
        SLUICE_RETURN_IF_ERROR(skip(static_cast<CompactType>(types & 0x0F), depth + 1));
      }
      return Status::ok();
    }
    case CompactType::kStruct: {
      begin_struct();
      while (true) {
        SLUICE_ASSIGN_OR_RETURN(FieldHeader field, read_field_header());
        if (field.type == CompactType::kStop) break;
        SLUICE_RETURN_IF_ERROR(skip(field.type, depth + 1));
      }
      end_struct();
      return Status::ok();
    }
    case CompactType::kStop:
      break;
  }
  return data_error(fmt::format("thrift: unknown type {}", static_cast<int>(type)));
}

}  // namespace sluice::parquet
