#include "common/postgres/range_reader.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <charconv>
#include <limits>

#include "common/base/crash_point.h"
#include "common/base/limits.h"
#include "common/io/text_format.h"

namespace sluice {
namespace {}  // namespace

Result<std::unique_ptr<PostgresRangeReader>> PostgresRangeReader::open(
    PostgresRangeOptions options) {
  SLUICE_ASSERT(options.range.begin_offset <= options.range.end_offset, "range {}..{}",
                options.range.begin_offset, options.range.end_offset);
  std::unique_ptr<PostgresRangeReader> reader(new PostgresRangeReader(std::move(options)));
  const PostgresRangeOptions& o = reader->options_;
  SLUICE_ASSIGN_OR_RETURN(reader->connection_, PgConnection::open(o.input, o.base_dir));
  // Keys relative to the planned min: [min + begin, min + end). An end past
  // int64 (the max key was INT64_MAX) needs no upper bound.
  const __int128 low = static_cast<__int128>(o.range.key_min) + o.range.begin_offset;
  const __int128 high = static_cast<__int128>(o.range.key_min) + o.range.end_offset;
  const std::string key = postgres_identifier(o.input.key);
  std::string where = fmt::format("q.{} >= {}", key, static_cast<int64_t>(low));
  if (high <= std::numeric_limits<int64_t>::max()) {
    where += fmt::format(" AND q.{} < {}", key, static_cast<int64_t>(high));
  }
  reader->select_sql_ = fmt::format("SELECT * FROM ({}) q WHERE {} ORDER BY q.{}",
                                    postgres_subquery(o.input.query), where, key);
  reader->fetch_sql_ = fmt::format("FETCH FORWARD {} FROM sluice_range", o.input.fetch_rows);
  PgConnection& connection = *reader->connection_;
  SLUICE_RETURN_IF_ERROR(connection.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  SLUICE_RETURN_IF_ERROR(
      connection.exec("DECLARE sluice_range NO SCROLL CURSOR FOR " + reader->select_sql_));
  SLUICE_RETURN_IF_ERROR(reader->fetch());
  for (int i = 0; i < PQnfields(reader->result_); ++i) {
    reader->columns_.emplace_back(PQfname(reader->result_, i));
    if (reader->columns_.back() == o.input.key) reader->key_column_ = i;
  }
  if (reader->key_column_ < 0) {
    return invalid_argument("input.key: '" + o.input.key + "' is not a column of the query");
  }
  return reader;
}

PostgresRangeReader::~PostgresRangeReader() {
  if (result_ != nullptr) PQclear(result_);
}

Status PostgresRangeReader::send_fetch() {
  if (PQsendQuery(connection_->get(), fetch_sql_.c_str()) != 1) {
    return io_error(connection_->error("sending FETCH"));
  }
  pending_ = true;
  return Status::ok();
}

Status PostgresRangeReader::fetch() {
  if (result_ != nullptr) PQclear(result_);
  result_ = nullptr;
  result_row_ = 0;
  if (last_) {
    done_ = true;
  } else {
    if (!pending_) SLUICE_RETURN_IF_ERROR(send_fetch());
    // Exactly one result, then nullptr.
    while (PGresult* next = PQgetResult(connection_->get())) {
      if (result_ == nullptr) {
        result_ = next;
      } else {
        PQclear(next);
      }
    }
    pending_ = false;
    if (PQresultStatus(result_) != PGRES_TUPLES_OK) {
      return io_error(connection_->error(
          "reading keys " + std::to_string(options_.range.begin_offset) + ".." +
          std::to_string(options_.range.end_offset) + " (relative to the min key)"));
    }
    const uint64_t rows = static_cast<uint64_t>(PQntuples(result_));
    if (rows == 0) done_ = true;
    if (rows > 0) crash_point("postgres-fetched");
    if (rows > 0 && rows < options_.input.fetch_rows) last_ = true;
    // The next rows are produced while these go through the pipeline.
    if (rows == options_.input.fetch_rows) SLUICE_RETURN_IF_ERROR(send_fetch());
  }
  if (done_) {
    // Read only: ending the transaction cannot lose anything, so its error
    // does not matter.
    (void)connection_->exec("COMMIT");
  }
  return Status::ok();
}

Result<bool> PostgresRangeReader::next(RecordBatch& batch, std::vector<RejectedRecord>& rejects) {
  batch.clear();
  const int columns = static_cast<int>(columns_.size());
  batch.column_count = columns_.size();
  if (!done_ && (result_ == nullptr || result_row_ == PQntuples(result_))) {
    SLUICE_RETURN_IF_ERROR(fetch());
  }
  if (done_) return false;
  // A batch holds rows of one FETCH only: its views point into that result.
  const int rows =
      std::min<int>(PQntuples(result_) - result_row_, static_cast<int>(limits::kBatchRowsMax));
  raw_arena_.clear();
  raw_spans_.clear();
  batch.fields.reserve(static_cast<size_t>(rows) * batch.column_count);
  for (int row = result_row_; row < result_row_ + rows; ++row) {
    const size_t raw_begin = raw_arena_.size();
    for (int column = 0; column < columns; ++column) {
      std::string_view value;  // NULL: an empty field, as an empty CSV field reads
      if (!PQgetisnull(result_, row, column)) {
        value = std::string_view(PQgetvalue(result_, row, column),
                                 static_cast<size_t>(PQgetlength(result_, row, column)));
      }
      batch.fields.push_back(value);
      bytes_read_ += value.size() + 1;
      if (!options_.keep_raw) continue;
      if (column > 0) raw_arena_ += ',';
      append_csv_field(raw_arena_, value);
    }
    raw_spans_.emplace_back(raw_begin, raw_arena_.size() - raw_begin);
    const char* key_text = PQgetvalue(result_, row, key_column_);
    int64_t key = 0;
    std::from_chars(key_text, key_text + PQgetlength(result_, row, key_column_), key);
    batch.offsets.push_back(static_cast<uint64_t>(key));
  }
  for (const auto& [begin, size] : raw_spans_) {
    batch.raw.emplace_back(raw_arena_.data() + begin, size);
  }
  batch.row_count = static_cast<size_t>(rows);
  result_row_ += rows;
  records_read_ += static_cast<uint64_t>(rows);
  return true;
}

}  // namespace sluice
