#pragma once
// PostgresRangeReader reads the rows of one key range of a `format: postgres`
// input through a server-side cursor, in one REPEATABLE READ READ ONLY
// transaction, FETCHing input.fetch_rows rows at a time, so memory stays
// bounded whatever the range holds: at most two FETCHes are held, the one
// being read and the next, which is sent before the current one is handed
// out so the server works while the pipeline does. Rows become the RecordBatch the CSV
// reader produces: text values, NULL as an empty field (as an empty CSV
// field reads), and a CSV rendering of the row as its raw record for rejects;
// a record's "offset" is its key.
//
// Offsets: the range is [begin, end) in keys relative to the planned min key
// (postgres_input_file). start_offset() is begin and end_offset() is end, so
// the coordinator's split verification holds by construction.
// Thread safety: one reader per thread.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/io/record_reader.h"
#include "common/postgres/connection.h"
#include "common/spec/input_range.h"
#include "common/spec/job_spec.h"

struct pg_result;

namespace sluice {

struct PostgresRangeOptions {
  InputSpec input;
  std::string base_dir;  // password_file resolves against it
  QueryKeyRange range;   // keys range.key_min + [begin_offset, end_offset)
  // Render each row as CSV for the raw record of a reject. Only the schema
  // gate rejects rows: without a schema the raw records stay empty.
  bool keep_raw = true;
};

class PostgresRangeReader final : public RecordReader {
 public:
  // Connects, begins the transaction, declares the cursor and fetches the
  // first rows (so columns() is known).
  static Result<std::unique_ptr<PostgresRangeReader>> open(PostgresRangeOptions options);
  ~PostgresRangeReader() override;

  const std::vector<std::string>& columns() const { return columns_; }
  // The SELECT the cursor runs, for messages and tests.
  const std::string& select_sql() const { return select_sql_; }

  Result<bool> next(RecordBatch& batch, std::vector<RejectedRecord>& rejects) override;
  uint64_t start_offset() const override { return options_.range.begin_offset; }
  uint64_t end_offset() const override { return options_.range.end_offset; }
  // Bytes of text values received (plus one a field).
  uint64_t bytes_read() const override { return bytes_read_; }
  uint64_t records_read() const override { return records_read_; }

 private:
  explicit PostgresRangeReader(PostgresRangeOptions options) : options_(std::move(options)) {}
  Status fetch();
  Status send_fetch();

  PostgresRangeOptions options_;
  std::unique_ptr<PgConnection> connection_;
  std::string select_sql_;
  std::string fetch_sql_;
  std::vector<std::string> columns_;
  int key_column_ = -1;
  pg_result* result_ = nullptr;  // the current FETCH; the batch's views point into it
  int result_row_ = 0;
  bool done_ = false;
  bool pending_ = false;  // the next FETCH is sent and its result not yet taken
  bool last_ = false;     // the current FETCH returned fewer rows than asked: no more
  std::string raw_arena_;
  std::vector<std::pair<size_t, size_t>> raw_spans_;
  uint64_t bytes_read_ = 0;
  uint64_t records_read_ = 0;
};

}  // namespace sluice
