// Reading a Parquet footer back: the magic bytes, the footer length, and the
// FileMetaData fields `sluice verify` checks (num_rows, row groups' num_rows,
// the schema's leaf count). Everything else is skipped.
#include <fmt/format.h>

#include <cstring>

#include "common/io/byte_source.h"
#include "common/parquet/thrift_compact.h"
#include "common/parquet/writer.h"

namespace sluice::parquet {
namespace {

// Reads a RowGroup struct (after its begin_struct) for num_rows (field 3).
Result<int64_t> read_row_group_rows(CompactReader& reader) {
  int64_t rows = -1;
  reader.begin_struct();
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(CompactReader::FieldHeader field, reader.read_field_header());
    if (field.type == CompactType::kStop) break;
    if (field.id == 3 && field.type == CompactType::kI64) {
      SLUICE_ASSIGN_OR_RETURN(rows, reader.read_zigzag());
    } else {
      SLUICE_RETURN_IF_ERROR(reader.skip(field.type, 1));
    }
  }
  reader.end_struct();
  if (rows < 0) return data_error("parquet: a row group without num_rows");
  return rows;
}

Status read_exact(FileSource& source, uint64_t offset, char* buffer, size_t length) {
  SLUICE_ASSIGN_OR_RETURN(size_t read, source.read_at(offset, buffer, length));
  if (read != length) return io_error(fmt::format("short read at offset {}", offset));
  return Status::ok();
}

}  // namespace

Result<FooterSummary> read_footer(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<FileSource> source, FileSource::open(path));
  const uint64_t size = source->size_bytes();
  if (size < 12)
    return data_error(fmt::format("{}: {} bytes is too short for Parquet", path, size));
  char tail[8];
  SLUICE_RETURN_IF_ERROR(read_exact(*source, size - 8, tail, 8));
  char head[4];
  SLUICE_RETURN_IF_ERROR(read_exact(*source, 0, head, 4));
  if (std::memcmp(tail + 4, "PAR1", 4) != 0 || std::memcmp(head, "PAR1", 4) != 0) {
    return data_error(fmt::format("{}: no PAR1 magic bytes", path));
  }
  uint32_t footer_bytes = 0;
  std::memcpy(&footer_bytes, tail, 4);
  if (footer_bytes > size - 12 || footer_bytes > limits::kParquetFooterBytesMax) {
    return data_error(fmt::format("{}: footer length {} does not fit", path, footer_bytes));
  }
  std::string footer(footer_bytes, '\0');
  SLUICE_RETURN_IF_ERROR(read_exact(*source, size - 8 - footer_bytes, footer.data(), footer_bytes));

  FooterSummary summary;
  bool has_rows = false;
  CompactReader reader(footer);
  reader.begin_struct();
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(CompactReader::FieldHeader field, reader.read_field_header());
    if (field.type == CompactType::kStop) break;
    if (field.id == 3 && field.type == CompactType::kI64) {
      SLUICE_ASSIGN_OR_RETURN(int64_t rows, reader.read_zigzag());
      if (rows < 0) return data_error(fmt::format("{}: num_rows {}", path, rows));
      summary.rows = static_cast<uint64_t>(rows);
      has_rows = true;
    } else if (field.id == 4 && field.type == CompactType::kList) {
      SLUICE_ASSIGN_OR_RETURN(auto list, reader.read_list_header());
      if (list.first != CompactType::kStruct) return data_error(path + ": row_groups not structs");
      for (uint64_t i = 0; i < list.second; ++i) {
        SLUICE_ASSIGN_OR_RETURN(int64_t rows, read_row_group_rows(reader));
        summary.row_group_rows += static_cast<uint64_t>(rows);
        ++summary.row_groups;
      }
    } else if (field.id == 2 && field.type == CompactType::kList) {
      SLUICE_ASSIGN_OR_RETURN(auto list, reader.read_list_header());
      if (list.first != CompactType::kStruct) return data_error(path + ": schema not structs");
      for (uint64_t i = 0; i < list.second; ++i) {
        SLUICE_RETURN_IF_ERROR(reader.skip(CompactType::kStruct, 1));
      }
      // A flat schema: the root, then one element per column.
      summary.columns = list.second > 0 ? list.second - 1 : 0;
    } else {
      SLUICE_RETURN_IF_ERROR(reader.skip(field.type, 1));
    }
  }
  if (!has_rows) return data_error(path + ": footer without num_rows");
  return summary;
}

}  // namespace sluice::parquet
