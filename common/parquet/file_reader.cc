// Reading FileMetaData (parquet.thrift) with the bounds-checked compact
// reader: the schema, row groups, column chunks and their statistics. Field
// ids are the specification's; unknown fields are skipped.
#include "common/parquet/file_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "common/base/limits.h"
#include "common/parquet/thrift_compact.h"

namespace sluice::parquet {
namespace {

// Nesting below the struct being read (skip's depth argument).
constexpr int kSkipDepth = 3;

// parquet.thrift ConvertedType values sluice maps.
namespace converted {
constexpr int32_t kMap = 1, kMapKeyValue = 2, kList = 3, kDecimal = 5, kDate = 6, kTimeMillis = 7,
                  kTimeMicros = 8, kTimestampMillis = 9, kTimestampMicros = 10, kUint8 = 11,
                  kUint64 = 14, kInterval = 21;
}  // namespace converted

constexpr int32_t kRequired = 0, kOptional = 1, kRepeated = 2;

// A SchemaElement as written.
struct Element {
  int32_t type = -1;  // -1: a group
  int32_t type_length = 0;
  int32_t repetition = kRequired;
  std::string name;
  int32_t num_children = 0;
  int32_t converted_type = -1;
  int32_t scale = 0;
  // LogicalType (a union): the field id set, and its details.
  int16_t logical = 0;
  bool logical_signed = true;  // INTEGER
  int16_t logical_unit = 0;    // TIME / TIMESTAMP: 1 millis, 2 micros, 3 nanos
  int32_t logical_scale = 0;   // DECIMAL
};

// Reads an i32 field value (compact: a zigzag varint).
Result<int32_t> read_i32(CompactReader& reader) {
  SLUICE_ASSIGN_OR_RETURN(int64_t value, reader.read_zigzag());
  if (value < std::numeric_limits<int32_t>::min() || value > std::numeric_limits<int32_t>::max())
    return data_error("an i32 field out of range");
  return static_cast<int32_t>(value);
}

// Reads the fields of the struct just begun, calling `on_field(field)` for
// each; it returns false for a field it does not read, which is skipped.
template <typename OnField>
Status read_struct(CompactReader& reader, OnField on_field) {
  reader.begin_struct();
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(CompactReader::FieldHeader field, reader.read_field_header());
    if (field.type == CompactType::kStop) break;
    SLUICE_ASSIGN_OR_RETURN(bool read, on_field(field));
    if (!read) SLUICE_RETURN_IF_ERROR(reader.skip(field.type, kSkipDepth));
  }
  reader.end_struct();
  return Status::ok();
}

Result<uint64_t> read_list_of_structs(CompactReader& reader, const char* what) {
  SLUICE_ASSIGN_OR_RETURN(auto list, reader.read_list_header());
  if (list.first != CompactType::kStruct)
    return data_error(fmt::format("{} are not structs", what));
  return list.second;
}

// TimeUnit union: 1 MILLIS, 2 MICROS, 3 NANOS (each an empty struct).
Result<int16_t> read_time_unit(CompactReader& reader) {
  int16_t unit = 0;
  SLUICE_RETURN_IF_ERROR(
      read_struct(reader, [&](const CompactReader::FieldHeader& f) -> Result<bool> {
        if (f.type != CompactType::kStruct) return false;
        unit = f.id;
        return false;  // skip the empty struct
      }));
  return unit;
}

Status read_logical_type(CompactReader& reader, Element& element) {
  return read_struct(reader, [&](const CompactReader::FieldHeader& f) -> Result<bool> {
    if (f.type != CompactType::kStruct) return false;
    element.logical = f.id;
    if (f.id == 5) {  // DECIMAL {1: scale, 2: precision}
      SLUICE_RETURN_IF_ERROR(
          read_struct(reader, [&](const CompactReader::FieldHeader& g) -> Result<bool> {
            if (g.id != 1 || g.type != CompactType::kI32) return false;
            SLUICE_ASSIGN_OR_RETURN(element.logical_scale, read_i32(reader));
            return true;
          }));
      return true;
    }
    if (f.id == 7 || f.id == 8) {  // TIME, TIMESTAMP {1: isAdjustedToUTC, 2: unit}
      SLUICE_RETURN_IF_ERROR(
          read_struct(reader, [&](const CompactReader::FieldHeader& g) -> Result<bool> {
            if (g.id != 2 || g.type != CompactType::kStruct) return false;
            SLUICE_ASSIGN_OR_RETURN(element.logical_unit, read_time_unit(reader));
            return true;
          }));
      return true;
    }
    if (f.id == 10) {  // INTEGER {1: bitWidth (i8), 2: isSigned}
      SLUICE_RETURN_IF_ERROR(
          read_struct(reader, [&](const CompactReader::FieldHeader& g) -> Result<bool> {
            if (g.id != 2) return false;
            if (g.type != CompactType::kBoolTrue && g.type != CompactType::kBoolFalse) return false;
            element.logical_signed = g.type == CompactType::kBoolTrue;
            return true;
          }));
      return true;
    }
    return false;
  });
}

Result<Element> read_element(CompactReader& reader) {
  Element element;
  SLUICE_RETURN_IF_ERROR(
      read_struct(reader, [&](const CompactReader::FieldHeader& f) -> Result<bool> {
        if (f.id == 4 && f.type == CompactType::kBinary) {
          SLUICE_ASSIGN_OR_RETURN(std::string_view name, reader.read_binary());
          element.name = std::string(name);
          return true;
        }
        if (f.id == 10 && f.type == CompactType::kStruct) {
          SLUICE_RETURN_IF_ERROR(read_logical_type(reader, element));
          return true;
        }
        int32_t* target = f.id == 1   ? &element.type
                          : f.id == 2 ? &element.type_length
                          : f.id == 3 ? &element.repetition
                          : f.id == 5 ? &element.num_children
                          : f.id == 6 ? &element.converted_type
                          : f.id == 7 ? &element.scale
                                      : nullptr;
        if (target == nullptr || f.type != CompactType::kI32) return false;
        SLUICE_ASSIGN_OR_RETURN(*target, read_i32(reader));
        return true;
      }));
  return element;
}

// The column a flat leaf element becomes, or an error naming it.
Result<ColumnInfo> column_of(const Element& element) {
  ColumnInfo column;
  column.name = element.name;
  if (element.type < 0 || element.type > 7)
    return data_error(fmt::format("column '{}' has physical type {}", element.name, element.type));
  column.physical = static_cast<Physical>(element.type);
  column.optional = element.repetition == kOptional;
  column.type_length = element.type_length;
  if (column.physical == Physical::kFixedLenByteArray &&
      (element.type_length <= 0 || element.type_length > (1 << 20))) {
    return data_error(
        fmt::format("column '{}' has fixed length {}", element.name, element.type_length));
  }
  const int32_t ct = element.converted_type;
  const int16_t lt = element.logical;
  auto time_unit = [&](int16_t logical_unit, bool millis) {
    if (logical_unit == 1 || (logical_unit == 0 && millis)) return TimeUnit::kMillis;
    return logical_unit == 3 ? TimeUnit::kNanos : TimeUnit::kMicros;
  };
  switch (column.physical) {
    case Physical::kBoolean:
      column.kind = ValueKind::kBool;
      break;
    case Physical::kFloat:
      column.kind = ValueKind::kFloat;
      break;
    case Physical::kDouble:
      column.kind = ValueKind::kDouble;
      break;
    case Physical::kInt96:
      column.kind = ValueKind::kTimestamp;  // Impala/Spark timestamps: nanos of day, Julian day
      column.unit = TimeUnit::kNanos;
      break;
    case Physical::kInt32:
    case Physical::kInt64:
      column.kind = ValueKind::kSigned;
      if (lt == 10 ? !element.logical_signed
                   : (ct >= converted::kUint8 && ct <= converted::kUint64))
        column.kind = ValueKind::kUnsigned;
      if (lt == 6 || ct == converted::kDate) column.kind = ValueKind::kDate;
      if (lt == 8 || ct == converted::kTimestampMillis || ct == converted::kTimestampMicros) {
        column.kind = ValueKind::kTimestamp;
        column.unit = time_unit(element.logical_unit, ct == converted::kTimestampMillis);
      }
      if (lt == 7 || ct == converted::kTimeMillis || ct == converted::kTimeMicros) {
        column.kind = ValueKind::kTime;
        column.unit = time_unit(element.logical_unit, ct == converted::kTimeMillis);
      }
      break;
    case Physical::kByteArray:
    case Physical::kFixedLenByteArray:
      column.kind = ValueKind::kBytes;
      if (lt == 14 && element.type_length == 16) column.kind = ValueKind::kUuid;
      if (lt == 15 && element.type_length == 2) column.kind = ValueKind::kFloat16;
      break;
  }
  if (lt == 5 || ct == converted::kDecimal) {
    if (column.physical == Physical::kBoolean || column.physical == Physical::kFloat ||
        column.physical == Physical::kDouble || column.physical == Physical::kInt96) {
      return data_error(fmt::format("column '{}' is a DECIMAL of a non-integer type", column.name));
    }
    column.kind = ValueKind::kDecimal;
    column.scale = lt == 5 ? element.logical_scale : element.scale;
    if (column.scale < 0 || column.scale > 76)
      return data_error(fmt::format("column '{}' has decimal scale {}", column.name, column.scale));
  }
  if (ct == converted::kInterval)
    column.kind = ValueKind::kBytes;  // 12 bytes of months, days, millis: left as bytes
  return column;
}

// Schema: the root, then (flat) one leaf per column.
Status read_schema(CompactReader& reader, FileInfo& info) {
  SLUICE_ASSIGN_OR_RETURN(uint64_t count, read_list_of_structs(reader, "schema elements"));
  std::vector<Element> elements;
  for (uint64_t i = 0; i < count; ++i) {
    SLUICE_ASSIGN_OR_RETURN(Element element, read_element(reader));
    elements.push_back(std::move(element));
  }
  if (elements.empty()) return data_error("an empty schema");
  for (size_t i = 1; i < elements.size(); ++i) {
    const Element& element = elements[i];
    const int32_t ct = element.converted_type;
    if (element.num_children > 0 || element.type < 0 || element.repetition == kRepeated ||
        ct == converted::kMap || ct == converted::kMapKeyValue || ct == converted::kList) {
      return data_error(
          fmt::format("column '{}' is nested or repeated (a group, list or map); sluice reads flat "
                      "columns only",
                      element.name));
    }
    SLUICE_ASSIGN_OR_RETURN(ColumnInfo column, column_of(element));
    info.columns.push_back(std::move(column));
  }
  if (static_cast<uint64_t>(elements[0].num_children) != info.columns.size())
    return data_error("the schema's root does not hold its columns");
  if (info.columns.empty()) return data_error("a schema without columns");
  return Status::ok();
}

Status read_statistics(CompactReader& reader, ChunkStatistics& stats) {
  return read_struct(reader, [&](const CompactReader::FieldHeader& f) -> Result<bool> {
    if (f.id == 3 && f.type == CompactType::kI64) {
      SLUICE_ASSIGN_OR_RETURN(stats.null_count, reader.read_zigzag());
      return true;
    }
    if ((f.id == 5 || f.id == 6) && f.type == CompactType::kBinary) {
      SLUICE_ASSIGN_OR_RETURN(std::string_view value, reader.read_binary());
      (f.id == 5 ? stats.max : stats.min) = std::string(value);
      (f.id == 5 ? stats.has_max : stats.has_min) = true;
      return true;
    }
    return false;
  });
}

// ColumnMetaData: codec, values, offsets, sizes, statistics.
Status read_column_metadata(CompactReader& reader, ChunkInfo& chunk, int32_t& physical) {
  int64_t data_page = -1, dictionary_page = -1, size = -1;
  SLUICE_RETURN_IF_ERROR(
      read_struct(reader, [&](const CompactReader::FieldHeader& f) -> Result<bool> {
        if (f.type == CompactType::kI32 && (f.id == 1 || f.id == 4)) {
          SLUICE_ASSIGN_OR_RETURN(int32_t value, read_i32(reader));
          if (f.id == 1) physical = value;
          if (f.id == 4) chunk.codec = static_cast<Codec>(value);
          return true;
        }
        if (f.type == CompactType::kI64 && (f.id == 5 || f.id == 7 || f.id == 9 || f.id == 11)) {
          SLUICE_ASSIGN_OR_RETURN(int64_t value, reader.read_zigzag());
          if (f.id == 5) chunk.num_values = value;
          if (f.id == 7) size = value;
          if (f.id == 9) data_page = value;
          if (f.id == 11) dictionary_page = value;
          return true;
        }
        if (f.id == 12 && f.type == CompactType::kStruct) {
          SLUICE_RETURN_IF_ERROR(read_statistics(reader, chunk.statistics));
          return true;
        }
        return false;
      }));
  if (data_page < 0 || size <= 0 || chunk.num_values < 0)
    return data_error("a column chunk without its offset, size or value count");
  // Some writers write dictionary_page_offset 0 for "none"; a dictionary
  // page comes before the data pages.
  chunk.start = static_cast<uint64_t>(data_page);
  if (dictionary_page > 0 && dictionary_page < data_page)
    chunk.start = static_cast<uint64_t>(dictionary_page);
  chunk.size_bytes = static_cast<uint64_t>(size);
  return Status::ok();
}

Status read_row_group(CompactReader& reader, FileInfo& info, RowGroupInfo& group) {
  int64_t rows = -1;
  SLUICE_RETURN_IF_ERROR(
      read_struct(reader, [&](const CompactReader::FieldHeader& f) -> Result<bool> {
        if (f.id == 3 && f.type == CompactType::kI64) {
          SLUICE_ASSIGN_OR_RETURN(rows, reader.read_zigzag());
          return true;
        }
        if (f.id != 1 || f.type != CompactType::kList) return false;
        SLUICE_ASSIGN_OR_RETURN(uint64_t count, read_list_of_structs(reader, "column chunks"));
        for (uint64_t i = 0; i < count; ++i) {
          ChunkInfo chunk;
          int32_t physical = -1;
          bool has_metadata = false;
          SLUICE_RETURN_IF_ERROR(
              read_struct(reader, [&](const CompactReader::FieldHeader& g) -> Result<bool> {
                if (g.id == 1 && g.type == CompactType::kBinary)
                  return data_error("a column chunk in another file (file_path) is not supported");
                if (g.id != 3 || g.type != CompactType::kStruct) return false;
                has_metadata = true;
                SLUICE_RETURN_IF_ERROR(read_column_metadata(reader, chunk, physical));
                return true;
              }));
          if (!has_metadata) return data_error("a column chunk without metadata");
          const size_t column = group.chunks.size();
          if (column >= info.columns.size())
            return data_error("a row group with more column chunks than the schema has columns");
          if (physical != static_cast<int32_t>(info.columns[column].physical))
            return data_error(fmt::format("column '{}': the chunk's type {} is not the schema's",
                                          info.columns[column].name, physical));
          group.chunks.push_back(std::move(chunk));
        }
        return true;
      }));
  if (rows < 0) return data_error("a row group without num_rows");
  group.rows = static_cast<uint64_t>(rows);
  return Status::ok();
}

}  // namespace

Result<FileInfo> parse_file_metadata(std::string_view footer, uint64_t data_end) {
  FileInfo info;
  info.data_end = data_end;
  CompactReader reader(footer);
  bool has_schema = false, has_rows = false;
  std::vector<RowGroupInfo> groups;
  SLUICE_RETURN_IF_ERROR(
      read_struct(reader, [&](const CompactReader::FieldHeader& f) -> Result<bool> {
        if (f.id == 2 && f.type == CompactType::kList) {
          if (has_schema) return data_error("two schemas");
          SLUICE_RETURN_IF_ERROR(read_schema(reader, info));
          has_schema = true;
          return true;
        }
        if (f.id == 3 && f.type == CompactType::kI64) {
          SLUICE_ASSIGN_OR_RETURN(int64_t rows, reader.read_zigzag());
          if (rows < 0) return data_error(fmt::format("num_rows {}", rows));
          info.rows = static_cast<uint64_t>(rows);
          has_rows = true;
          return true;
        }
        if (f.id == 4 && f.type == CompactType::kList) {
          if (!has_schema) return data_error("row groups before the schema");
          SLUICE_ASSIGN_OR_RETURN(uint64_t count, read_list_of_structs(reader, "row groups"));
          for (uint64_t i = 0; i < count; ++i) {
            RowGroupInfo group;
            SLUICE_RETURN_IF_ERROR(read_row_group(reader, info, group));
            info.row_groups.push_back(std::move(group));
          }
          return true;
        }
        return false;
      }));
  if (!has_schema || !has_rows) return data_error("a footer without schema or num_rows");
  uint64_t rows = 0;
  for (RowGroupInfo& group : info.row_groups) {
    if (group.chunks.size() != info.columns.size())
      return data_error("a row group whose column chunks are not the schema's columns");
    group.first_byte = data_end;
    for (size_t c = 0; c < group.chunks.size(); ++c) {
      const ChunkInfo& chunk = group.chunks[c];
      if (chunk.start < 4 || chunk.start > data_end || chunk.size_bytes > data_end - chunk.start) {
        return data_error(fmt::format("column '{}': a chunk at {} of {} bytes is outside the data",
                                      info.columns[c].name, chunk.start, chunk.size_bytes));
      }
      if (static_cast<uint64_t>(chunk.num_values) != group.rows) {
        return data_error(fmt::format("column '{}': {} values in a row group of {} rows",
                                      info.columns[c].name, chunk.num_values, group.rows));
      }
      group.first_byte = std::min(group.first_byte, chunk.start);
    }
    if (group.rows > std::numeric_limits<uint64_t>::max() - rows)
      return data_error("row counts overflow");
    rows += group.rows;
  }
  if (rows != info.rows)
    return data_error(fmt::format("num_rows {} but the row groups hold {}", info.rows, rows));
  return info;
}

Result<FileInfo> read_file_metadata(ByteSource& source) {
  const uint64_t size = source.size_bytes();
  auto fail = [](const std::string& message) { return data_error("parquet: " + message); };
  if (size < 12) return fail(fmt::format("{} bytes is too short for a Parquet file", size));
  char tail[8];
  char head[4];
  SLUICE_RETURN_IF_ERROR(read_exactly(source, size - 8, tail, 8, "the Parquet file"));
  SLUICE_RETURN_IF_ERROR(read_exactly(source, 0, head, 4, "the Parquet file"));
  if (std::memcmp(tail + 4, "PAR1", 4) != 0 || std::memcmp(head, "PAR1", 4) != 0)
    return fail("no PAR1 magic bytes at the start and end (not a Parquet file, or cut short)");
  uint32_t footer_bytes = 0;
  std::memcpy(&footer_bytes, tail, 4);  // little-endian, as the hosts sluice runs on
  if (footer_bytes > size - 12 || footer_bytes > limits::kParquetFooterBytesMax)
    return fail(fmt::format("the footer length {} does not fit in {} bytes", footer_bytes, size));
  std::string footer(footer_bytes, '\0');
  const uint64_t data_end = size - 8 - footer_bytes;
  SLUICE_RETURN_IF_ERROR(read_exactly(source, data_end, footer.data(), footer_bytes, "the footer"));
  auto info = parse_file_metadata(footer, data_end);
  if (!info.is_ok()) return fail("bad footer: " + info.status().message());
  return info;
}

uint64_t row_group_boundary(const FileInfo& info, uint64_t offset) {
  uint64_t boundary = std::max(offset, info.data_end);
  for (const RowGroupInfo& group : info.row_groups) {
    if (group.first_byte >= offset) boundary = std::min(boundary, group.first_byte);
  }
  return boundary;
}

const char* codec_name(Codec codec) {
  switch (codec) {
    case Codec::kUncompressed:
      return "UNCOMPRESSED";
    case Codec::kSnappy:
      return "SNAPPY";
    case Codec::kGzip:
      return "GZIP";
    case Codec::kLzo:
      return "LZO";
    case Codec::kBrotli:
      return "BROTLI";
    case Codec::kLz4:
      return "LZ4";
    case Codec::kZstd:
      return "ZSTD";
    case Codec::kLz4Raw:
      return "LZ4_RAW";
  }
  return "an unknown codec";
}

}  // namespace sluice::parquet
