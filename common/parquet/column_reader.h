#pragma once
// One column chunk read page by page: page headers (Thrift compact), the
// codec undone per page, definition levels, and the values through
// ValueDecoder, turned into text (value_text.h). Data pages v1 and v2 and a
// dictionary page. Memory: the current page (compressed and decompressed,
// each at most limits::kParquetInputPageBytesMax) and the dictionary with
// its values' text; nothing grows with the chunk.
// Thread safety: one thread per reader.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/io/byte_source.h"
#include "common/parquet/file_reader.h"
#include "common/parquet/page_decoder.h"
#include "common/parquet/value_text.h"

namespace sluice::parquet {

class ColumnChunkReader {
 public:
  // `source` must outlive the reader. `value_bytes_max`: a longer value is
  // an error (the job's max_record_size).
  ColumnChunkReader(ByteSource& source, const ColumnInfo& column, const ChunkInfo& chunk,
                    uint64_t value_bytes_max);

  // Appends the next `rows` values as text to `out`: a NULL is a view with
  // no data (nullptr), an empty value an empty view with data. Views stay
  // valid until `arena` is cleared or this reader is destroyed. Errors are
  // kDataError naming the column.
  Status read(size_t rows, TextArena& arena, std::vector<std::string_view>& out);

  uint64_t bytes_read() const { return bytes_read_; }
  // Pages read so far, by kind.
  struct PageCounts {
    uint64_t data_v1 = 0;
    uint64_t data_v2 = 0;
    uint64_t dictionary = 0;
  };
  const PageCounts& page_counts() const { return page_counts_; }

  struct PageHeader;  // the fields of parquet.thrift's PageHeader the reader uses

 private:
  Status read_page_header(PageHeader& header, uint64_t& header_bytes);
  // Reads pages until a data page with values; loads a dictionary page.
  Status next_data_page();
  Status load_dictionary(const PageHeader& header, std::string_view page);
  Status start_data_page(const PageHeader& header);
  Status fail(const std::string& message) const;

  ByteSource& source_;
  const ColumnInfo& column_;
  const ChunkInfo& chunk_;
  uint64_t value_bytes_max_;
  uint64_t position_;  // the next page header
  uint64_t end_;       // the chunk's end
  uint64_t values_read_ = 0;
  uint64_t bytes_read_ = 0;
  PageCounts page_counts_;

  std::string header_buffer_;
  std::string compressed_;
  std::string page_;  // the current data page's bytes, decompressed
  std::string dictionary_page_;
  std::vector<std::string_view> dictionary_;       // entries' PLAIN bytes
  std::vector<std::string_view> dictionary_text_;  // entries as text
  TextArena dictionary_arena_;
  bool has_dictionary_ = false;

  uint64_t page_values_left_ = 0;  // values (NULLs included) left in the page
  bool has_levels_ = false;
  RleDecoder levels_;
  ValueDecoder values_;
  std::vector<uint32_t> level_scratch_;
  std::vector<uint32_t> index_scratch_;  // a read's dictionary indexes
};

}  // namespace sluice::parquet
