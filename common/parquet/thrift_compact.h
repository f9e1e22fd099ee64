#pragma once
// Thrift's compact protocol, the encoding of Parquet's page headers and
// footer (https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md):
// field headers carry the delta of the field id and the type in one byte,
// integers are zigzag varints, binaries a varint length and the bytes,
// lists a header with the size and the element type, structs end with 0.
//
// CompactWriter writes only what Parquet needs. CompactReader reads and skips
// any value, bounds-checked, for the footer reader (`sluice verify`).
// Thread safety: one thread per writer or reader.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace sluice::parquet {

enum class CompactType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

void append_varint(std::string& out, uint64_t value);
inline uint64_t zigzag(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}

class CompactWriter {
 public:
  explicit CompactWriter(std::string& out) : out_(out) {}

  // The outermost struct has no field header: begin_struct() ... end_struct().
  void begin_struct();
  void end_struct();  // writes the stop byte

  void field_bool(int16_t id, bool value);
  void field_i32(int16_t id, int32_t value);
  void field_i64(int16_t id, int64_t value);
  void field_binary(int16_t id, std::string_view value);
  // A struct field: its fields follow, then end_struct().
  void field_struct(int16_t id);
  // A list field of `size` elements of `element` type; the elements follow
  // (list_i32 / list_binary, or begin_struct()...end_struct() each).
  void field_list(int16_t id, CompactType element, size_t size);

  void list_i32(int32_t value);
  void list_binary(std::string_view value);

 private:
  void field_header(int16_t id, CompactType type);

  std::string& out_;
  std::vector<int16_t> last_ids_{0};
};

// Reads a compact-protocol buffer. Every read checks the bounds; nesting is
// limited so a hostile footer cannot exhaust the stack.
class CompactReader {
 public:
  explicit CompactReader(std::string_view data) : data_(data) {}

  struct FieldHeader {
    CompactType type = CompactType::kStop;
    int16_t id = 0;
  };
  // Call at the start of every struct (also the outermost) and after its stop.
  void begin_struct() { last_ids_.push_back(0); }
  void end_struct() { last_ids_.pop_back(); }
  Result<FieldHeader> read_field_header();
  // A list header: element type and size.
  Result<std::pair<CompactType, uint64_t>> read_list_header();
  Result<uint64_t> read_varint();
  Result<int64_t> read_zigzag();
  Result<std::string_view> read_binary();
  // Skips one value of `type` (a whole struct or list with what it holds).
  Status skip(CompactType type, int depth = 0);

  size_t position() const { return position_; }

 private:
  std::string_view data_;
  size_t position_ = 0;
  std::vector<int16_t> last_ids_;
};

}  // namespace sluice::parquet
