#include "common/parquet/writer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <snappy.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string_view>

#include "common/base/assert.h"
#include "common/expr/datetime.h"
#include "common/expr/parse_value.h"
#include "common/io/output_sink.h"
#include "common/parquet/column_encoder.h"
#include "common/parquet/encoding.h"
#include "common/parquet/thrift_compact.h"

namespace sluice::parquet {
namespace {

constexpr std::string_view kMagic = "PAR1";
constexpr int kZstdLevel = 3;
// FileMetaData.created_by, in the "<application> version <semver>" form readers parse.
constexpr std::string_view kCreatedBy = "sluice version 0.1.0";

// Enum values of parquet.thrift.
namespace physical {
constexpr int32_t kBoolean = 0;
constexpr int32_t kInt32 = 1;
constexpr int32_t kInt64 = 2;
constexpr int32_t kDouble = 5;
constexpr int32_t kByteArray = 6;
}  // namespace physical
namespace encoding {
constexpr int32_t kPlain = 0;
constexpr int32_t kRle = 3;
constexpr int32_t kRleDictionary = 8;
}  // namespace encoding
namespace converted {
constexpr int32_t kUtf8 = 0;
constexpr int32_t kDate = 6;
}  // namespace converted
constexpr int32_t kRepetitionOptional = 1;
constexpr int32_t kPageData = 0;
constexpr int32_t kPageDictionary = 2;

int32_t codec_of(Compression compression) {
  switch (compression) {
    case Compression::kSnappy:
      return 1;
    case Compression::kZstd:
      return 6;
    default:
      return 0;
  }
}

int32_t physical_of(ColumnType type) {
  switch (type) {
    case ColumnType::kString:
      return physical::kByteArray;
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      return physical::kInt64;
    case ColumnType::kFloat64:
      return physical::kDouble;
    case ColumnType::kBool:
      return physical::kBoolean;
    case ColumnType::kDate:
      return physical::kInt32;
  }
  return physical::kByteArray;
}

struct ChunkMeta {
  int32_t physical_type = 0;
  std::vector<int32_t> encodings;
  int64_t num_values = 0;
  int64_t uncompressed_bytes = 0;
  int64_t compressed_bytes = 0;
  int64_t data_page_offset = 0;
  int64_t dictionary_page_offset = -1;
  Statistics statistics;
};

struct RowGroupMeta {
  std::vector<ChunkMeta> chunks;
  int64_t rows = 0;
  int64_t file_offset = 0;
};

void write_statistics(CompactWriter& thrift, int16_t id, const Statistics& stats) {
  thrift.field_struct(id);
  thrift.field_i64(3, stats.null_count);
  if (stats.has_min_max) {
    thrift.field_binary(5, stats.max);
    thrift.field_binary(6, stats.min);
  }
  thrift.end_struct();
}

class ParquetWriter final : public RowWriter {
 public:
  ParquetWriter(std::unique_ptr<OutputSink> sink, std::vector<std::string> names,
                std::vector<ColumnType> types, WriterOptions options)
      : sink_(std::move(sink)), names_(std::move(names)), options_(options) {
    columns_.resize(names_.size());
    for (size_t i = 0; i < columns_.size(); ++i) {
      columns_[i].type = types.empty() ? ColumnType::kString : types[i];
    }
  }
  ~ParquetWriter() override {
    if (zstd_ != nullptr) ZSTD_freeCCtx(zstd_);
  }

  Status start() {
    if (options_.compression == Compression::kZstd) {
      zstd_ = ZSTD_createCCtx();
      if (zstd_ == nullptr) return internal_error("zstd: cannot create a context");
    }
    append(kMagic);
    return Status::ok();
  }

  Status write(const OutputBatch& batch) override {
    if (batch.row_count == 0) return Status::ok();
    const size_t width = columns_.size();
    if (batch.column_count != width) {
      return internal_error(fmt::format("{}: batch has {} columns, the file has {}", sink_->path(),
                                        batch.column_count, width));
    }
    if (batch.fields.size() < batch.row_count * width ||
        batch.nulls.size() < batch.row_count * width) {
      return internal_error(
          fmt::format("{}: batch of {} rows is short", sink_->path(), batch.row_count));
    }
    // Column by column over slices of the batch (each column's buffers stay
    // in cache); a slice never crosses the row limit of a row group, and the
    // byte limit is checked after each slice (overshoot: one batch).
    size_t row = 0;
    while (row < batch.row_count) {
      const size_t take = static_cast<size_t>(
          std::min<uint64_t>(batch.row_count - row, options_.row_group_rows_max - group_rows_));
      for (size_t column = 0; column < width; ++column) {
        ColumnBuffer& buffer = columns_[column];
        for (size_t i = row; i < row + take; ++i) {
          const size_t at = i * width + column;
          SLUICE_RETURN_IF_ERROR(add_value(buffer, batch.fields[at], batch.nulls[at] != 0, column));
        }
      }
      row += take;
      group_rows_ += take;
      if (group_rows_ >= options_.row_group_rows_max ||
          group_bytes_ >= options_.row_group_bytes_max) {
        SLUICE_RETURN_IF_ERROR(flush_row_group());
      }
    }
    return Status::ok();
  }

  Result<WriteStats> finish() override {
    if (group_rows_ > 0) {
      SLUICE_RETURN_IF_ERROR(flush_row_group());
    }
    std::string footer;
    write_file_metadata(footer);
    append(footer);
    append_le<uint32_t>(sink_->pending(), static_cast<uint32_t>(footer.size()));
    offset_ += 4;
    append(kMagic);
    SLUICE_ASSIGN_OR_RETURN(FileTotals totals, sink_->finish());
    SLUICE_ASSERT(totals.bytes == offset_, "bytes={} offset={}", totals.bytes, offset_);
    return WriteStats{total_rows_, totals.bytes, totals.checksum};
  }

 private:
  void append(std::string_view bytes) {
    sink_->pending().append(bytes);
    offset_ += bytes.size();
  }

  Status add_value(ColumnBuffer& column, std::string_view text, bool null, size_t index) {
    if (null) {
      column.defined.push_back(0);
      group_bytes_ += 1;
      return Status::ok();
    }
    column.defined.push_back(1);
    bool parsed = true;
    switch (column.type) {
      case ColumnType::kString:
        column.bytes.append(text);
        column.ends.push_back(column.bytes.size());
        group_bytes_ += text.size() + 9;
        return Status::ok();
      case ColumnType::kInt64: {
        int64_t value = 0;
        const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
        parsed = result.ec == std::errc() && result.ptr == text.data() + text.size();
        column.ints.push_back(value);
        break;
      }
      case ColumnType::kFloat64: {
        double value = 0;
        const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
        parsed = result.ec == std::errc() && result.ptr == text.data() + text.size();
        column.doubles.push_back(value);
        break;
      }
      case ColumnType::kBool:
        parsed = text == "true" || text == "false";
        column.ints.push_back(text == "true" ? 1 : 0);
        break;
      case ColumnType::kDate: {
        const auto days = expr::parse_iso_date(text);
        parsed = days.has_value() && expr::in_int32_range(*days);
        column.ints.push_back(days.value_or(0));
        break;
      }
      case ColumnType::kTimestamp: {
        const auto micros = expr::parse_iso_timestamp(text);
        parsed = micros.has_value();
        column.ints.push_back(micros.value_or(0));
        break;
      }
    }
    group_bytes_ += 9;
    if (!parsed) {
      return internal_error(fmt::format("{}: column {}: '{}' is not a value of its type",
                                        sink_->path(), names_[index], text));
    }
    return Status::ok();
  }

  // --- row groups ---------------------------------------------------------

  Status flush_row_group() {
    RowGroupMeta group;
    group.rows = static_cast<int64_t>(group_rows_);
    group.file_offset = static_cast<int64_t>(offset_);
    for (ColumnBuffer& column : columns_) {
      SLUICE_ASSIGN_OR_RETURN(ChunkMeta chunk, write_chunk(column));
      group.chunks.push_back(std::move(chunk));
      column.clear();
    }
    row_groups_.push_back(std::move(group));
    total_rows_ += group_rows_;
    group_rows_ = 0;
    group_bytes_ = 0;
    return Status::ok();
  }

  Result<ChunkMeta> write_chunk(const ColumnBuffer& column) {
    ChunkMeta chunk;
    chunk.physical_type = physical_of(column.type);
    chunk.num_values = static_cast<int64_t>(column.defined.size());

    // Strings: a dictionary unless the distinct values grow too large.
    std::vector<uint32_t> indices;
    std::string dictionary;
    std::vector<std::string_view> distinct;
    size_t dictionary_size = 0;
    const bool use_dictionary =
        column.type == ColumnType::kString &&
        build_dictionary(column, options_.dictionary_bytes_max, indices, dictionary, distinct);
    dictionary_size = use_dictionary ? distinct.size() : 0;
    // Min/max of a dictionary-encoded chunk: over its distinct values only.
    chunk.statistics = statistics_of(column, use_dictionary ? &distinct : nullptr);
    if (use_dictionary) {
      chunk.dictionary_page_offset = static_cast<int64_t>(offset_);
      chunk.encodings = {encoding::kPlain, encoding::kRle, encoding::kRleDictionary};
      SLUICE_RETURN_IF_ERROR(
          write_page(kPageDictionary, dictionary, static_cast<int32_t>(dictionary_size), chunk));
    } else {
      indices.clear();
      chunk.encodings = {encoding::kPlain, encoding::kRle};
    }
    const bool dictionary_encoded = chunk.dictionary_page_offset >= 0;
    const int index_width =
        std::max(1, bit_width_of(dictionary_size > 0 ? dictionary_size - 1 : 0));

    // Data pages of about page_bytes_max bytes of values each.
    chunk.data_page_offset = static_cast<int64_t>(offset_);
    const size_t rows = column.defined.size();
    size_t row = 0;
    size_t value = 0;
    std::string body;
    while (row < rows) {
      const size_t first_row = row;
      const size_t first_value = value;
      uint64_t page_bytes = 0;
      while (row < rows && page_bytes < options_.page_bytes_max) {
        if (column.defined[row] != 0) {
          page_bytes += column.type == ColumnType::kString ? column.string(value).size() + 4 : 8;
          ++value;
        } else {
          page_bytes += 1;
        }
        ++row;
      }
      body.clear();
      // Definition levels: 4-byte length, then the hybrid encoding (width 1).
      append_le<uint32_t>(body, 0);
      const size_t levels_begin = body.size();
      encode_rle_hybrid(column.defined.data() + first_row, row - first_row, 1, body);
      const auto levels_bytes = static_cast<uint32_t>(body.size() - levels_begin);
      std::memcpy(body.data(), &levels_bytes, 4);
      if (dictionary_encoded) {
        body.push_back(static_cast<char>(index_width));
        encode_rle_hybrid(indices.data() + first_value, value - first_value, index_width, body);
      } else {
        append_plain(column, first_value, value, body);
      }
      SLUICE_RETURN_IF_ERROR(
          write_data_page(body, static_cast<int32_t>(row - first_row), dictionary_encoded, chunk));
    }
    return chunk;
  }

  // --- pages --------------------------------------------------------------

  Result<std::string_view> compress(std::string_view plain) {
    switch (options_.compression) {
      case Compression::kSnappy:
        compressed_.resize(snappy::MaxCompressedLength(plain.size()));
        {
          size_t length = 0;
          snappy::RawCompress(plain.data(), plain.size(), compressed_.data(), &length);
          compressed_.resize(length);
        }
        return std::string_view(compressed_);
      case Compression::kZstd: {
        compressed_.resize(ZSTD_compressBound(plain.size()));
        const size_t length = ZSTD_compressCCtx(zstd_, compressed_.data(), compressed_.size(),
                                                plain.data(), plain.size(), kZstdLevel);
        if (ZSTD_isError(length)) {
          return internal_error(fmt::format("zstd: {}", ZSTD_getErrorName(length)));
        }
        compressed_.resize(length);
        return std::string_view(compressed_);
      }
      default:
        return plain;
    }
  }

  Status write_page(int32_t type, std::string_view plain, int32_t values, ChunkMeta& chunk) {
    if (plain.size() > static_cast<size_t>(INT32_MAX)) {
      return data_error(fmt::format("{}: a page of {} bytes is larger than Parquet allows",
                                    sink_->path(), plain.size()));
    }
    SLUICE_ASSIGN_OR_RETURN(std::string_view body, compress(plain));
    header_.clear();
    CompactWriter thrift(header_);
    thrift.begin_struct();
    thrift.field_i32(1, type);
    thrift.field_i32(2, static_cast<int32_t>(plain.size()));
    thrift.field_i32(3, static_cast<int32_t>(body.size()));
    if (type == kPageDictionary) {
      thrift.field_struct(7);  // DictionaryPageHeader
      thrift.field_i32(1, values);
      thrift.field_i32(2, encoding::kPlain);
      thrift.end_struct();
    } else {
      thrift.field_struct(5);  // DataPageHeader
      thrift.field_i32(1, values);
      thrift.field_i32(2, pending_data_encoding_);
      thrift.field_i32(3, encoding::kRle);
      thrift.field_i32(4, encoding::kRle);
      thrift.end_struct();
    }
    thrift.end_struct();
    chunk.uncompressed_bytes += static_cast<int64_t>(header_.size() + plain.size());
    chunk.compressed_bytes += static_cast<int64_t>(header_.size() + body.size());
    append(header_);
    append(body);
    return sink_->flush_if_full();
  }

  Status write_data_page(std::string_view plain, int32_t values, bool dictionary_encoded,
                         ChunkMeta& chunk) {
    pending_data_encoding_ = dictionary_encoded ? encoding::kRleDictionary : encoding::kPlain;
    return write_page(kPageData, plain, values, chunk);
  }

  // --- footer -------------------------------------------------------------

  void write_schema_element(CompactWriter& thrift, size_t index) {
    const ColumnType type = columns_[index].type;
    thrift.begin_struct();
    thrift.field_i32(1, physical_of(type));
    thrift.field_i32(3, kRepetitionOptional);
    thrift.field_binary(4, names_[index]);
    if (type == ColumnType::kString) thrift.field_i32(6, converted::kUtf8);
    if (type == ColumnType::kDate) thrift.field_i32(6, converted::kDate);
    if (type == ColumnType::kString || type == ColumnType::kDate ||
        type == ColumnType::kTimestamp) {
      thrift.field_struct(10);  // LogicalType (a union)
      if (type == ColumnType::kString) {
        thrift.field_struct(1);  // STRING
        thrift.end_struct();
      } else if (type == ColumnType::kDate) {
        thrift.field_struct(6);  // DATE
        thrift.end_struct();
      } else {
        thrift.field_struct(8);       // TIMESTAMP
        thrift.field_bool(1, false);  // isAdjustedToUTC: local time, no zone
        thrift.field_struct(2);       // unit
        thrift.field_struct(2);       // MICROS
        thrift.end_struct();
        thrift.end_struct();
        thrift.end_struct();
      }
      thrift.end_struct();
    }
    thrift.end_struct();
  }

  void write_file_metadata(std::string& out) {
    CompactWriter thrift(out);
    thrift.begin_struct();
    thrift.field_i32(1, 1);  // version
    thrift.field_list(2, CompactType::kStruct, columns_.size() + 1);
    thrift.begin_struct();  // the root
    thrift.field_binary(4, "schema");
    thrift.field_i32(5, static_cast<int32_t>(columns_.size()));
    thrift.end_struct();
    for (size_t i = 0; i < columns_.size(); ++i) write_schema_element(thrift, i);
    thrift.field_i64(3, static_cast<int64_t>(total_rows_));
    thrift.field_list(4, CompactType::kStruct, row_groups_.size());
    for (size_t g = 0; g < row_groups_.size(); ++g) {
      const RowGroupMeta& group = row_groups_[g];
      int64_t uncompressed = 0, compressed = 0;
      thrift.begin_struct();
      thrift.field_list(1, CompactType::kStruct, group.chunks.size());
      for (size_t c = 0; c < group.chunks.size(); ++c) {
        const ChunkMeta& chunk = group.chunks[c];
        uncompressed += chunk.uncompressed_bytes;
        compressed += chunk.compressed_bytes;
        thrift.begin_struct();  // ColumnChunk
        thrift.field_i64(2, chunk.dictionary_page_offset >= 0 ? chunk.dictionary_page_offset
                                                              : chunk.data_page_offset);
        thrift.field_struct(3);  // ColumnMetaData
        thrift.field_i32(1, chunk.physical_type);
        thrift.field_list(2, CompactType::kI32, chunk.encodings.size());
        for (int32_t encoding : chunk.encodings) thrift.list_i32(encoding);
        thrift.field_list(3, CompactType::kBinary, 1);
        thrift.list_binary(names_[c]);
        thrift.field_i32(4, codec_of(options_.compression));
        thrift.field_i64(5, chunk.num_values);
        thrift.field_i64(6, chunk.uncompressed_bytes);
        thrift.field_i64(7, chunk.compressed_bytes);
        thrift.field_i64(9, chunk.data_page_offset);
        if (chunk.dictionary_page_offset >= 0) thrift.field_i64(11, chunk.dictionary_page_offset);
        write_statistics(thrift, 12, chunk.statistics);
        thrift.end_struct();  // ColumnMetaData
        thrift.end_struct();  // ColumnChunk
      }
      thrift.field_i64(2, uncompressed);
      thrift.field_i64(3, group.rows);
      thrift.field_i64(5, group.file_offset);
      thrift.field_i64(6, compressed);
      thrift.field_i32(7, static_cast<int32_t>(g));  // ordinal (an i16 in the spec)
      thrift.end_struct();
    }
    thrift.field_binary(6, kCreatedBy);
    thrift.field_list(7, CompactType::kStruct, columns_.size());  // column_orders
    for (size_t i = 0; i < columns_.size(); ++i) {
      thrift.begin_struct();
      thrift.field_struct(1);  // TYPE_ORDER
      thrift.end_struct();
      thrift.end_struct();
    }
    thrift.end_struct();
  }

  std::unique_ptr<OutputSink> sink_;
  std::vector<std::string> names_;
  WriterOptions options_;
  std::vector<ColumnBuffer> columns_;
  std::vector<RowGroupMeta> row_groups_;
  uint64_t group_rows_ = 0;
  uint64_t group_bytes_ = 0;
  uint64_t total_rows_ = 0;
  uint64_t offset_ = 0;  // bytes of the file so far
  int32_t pending_data_encoding_ = encoding::kPlain;
  std::string header_;
  std::string compressed_;
  ZSTD_CCtx* zstd_ = nullptr;
};

}  // namespace

ColumnType column_type_of(expr::Type type) {
  switch (type) {
    case expr::Type::kBool:
      return ColumnType::kBool;
    case expr::Type::kInt64:
      return ColumnType::kInt64;
    case expr::Type::kFloat64:
      return ColumnType::kFloat64;
    case expr::Type::kDate:
      return ColumnType::kDate;
    case expr::Type::kTimestamp:
      return ColumnType::kTimestamp;
    case expr::Type::kString:
    case expr::Type::kNull:
      return ColumnType::kString;
  }
  return ColumnType::kString;
}

Result<std::unique_ptr<RowWriter>> open_parquet_writer(const std::string& path,
                                                       const std::vector<std::string>& columns,
                                                       const std::vector<ColumnType>& types,
                                                       const WriterOptions& options) {
  if (!types.empty() && types.size() != columns.size()) {
    return internal_error(
        fmt::format("{}: {} column types for {} columns", path, types.size(), columns.size()));
  }
  if (options.compression == Compression::kGzip) {
    return invalid_argument("parquet output takes compression none, snappy or zstd");
  }
  SLUICE_ASSIGN_OR_RETURN(auto sink, OutputSink::open(path, Compression::kNone));
  auto writer = std::make_unique<ParquetWriter>(std::move(sink), columns, types, options);
  SLUICE_RETURN_IF_ERROR(writer->start());
  return std::unique_ptr<RowWriter>(std::move(writer));
}

}  // namespace sluice::parquet
