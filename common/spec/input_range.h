#pragma once
// InputRange: what one map-side task reads, as planned — a byte range of a
// file (CSV, JSON lines, Parquet, each possibly Hive-partitioned) or a key
// range of a PostgreSQL query. One definition from the coordinator's task
// (coordinator/wire.cc) over the wire (proto::Task) to the worker's
// open_record_source (common/sources).

#include <cstdint>
#include <string>
#include <variant>

namespace sluice {

// Bytes [begin_offset, end_offset) of one input file: the records that
// start in them (docs/ARCHITECTURE.md, "Correct at any split"). A Parquet
// file: the row groups whose first byte is in them. A compressed file
// (.gz, .zst) is one range, read whole.
struct ByteRange {
  std::string path;  // absolute, or an http(s):// or s3:// URL as written
  uint64_t begin_offset = 0;
  uint64_t end_offset = 0;
  bool start_is_exact = false;  // the first record starts exactly at exact_start_offset
  uint64_t exact_start_offset = 0;
  // The file as planned (InputFile): a different size or mtime fails the job.
  uint64_t file_size_bytes = 0;
  int64_t file_mtime_ns = 0;
  bool operator==(const ByteRange&) const = default;
};

// The rows of a PostgreSQL query whose key is in key_min + [begin_offset,
// end_offset) (docs/POSTGRES.md): offsets are keys relative to the query's
// minimum key when it was planned.
struct QueryKeyRange {
  // The input as its rejects name it: "postgres: DSN; key=…; query=…"
  // (postgres_input_file, common/postgres/connection.h).
  std::string name;
  int64_t key_min = 0;
  uint64_t begin_offset = 0;
  uint64_t end_offset = 0;
  bool operator==(const QueryKeyRange&) const = default;
};

using InputRange = std::variant<ByteRange, QueryKeyRange>;

// The file's path or the query's name: what messages and rejects name.
inline const std::string& input_name(const InputRange& range) {
  if (const auto* bytes = std::get_if<ByteRange>(&range)) return bytes->path;
  return std::get<QueryKeyRange>(range).name;
}

}  // namespace sluice
