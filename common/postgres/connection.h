#pragma once
// PostgreSQL through libpq (docs/POSTGRES.md): the connection of a
// `format: postgres` input, the checks made before any work starts (the dsn
// holds no password, the key is an integer column of the query) and the
// key statistics partitions are planned from.
//
// The password comes from input.password_file or input.password_env, never
// from the job file, and never appears in a message or a log line.
// Thread safety: a PgConnection is used by one thread.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/spec/input_range.h"

struct pg_conn;

namespace sluice {

struct InputSpec;
struct InputFile;

inline constexpr uint64_t kPostgresSplitRowsDefault = 1'000'000;
inline constexpr uint64_t kPostgresSplitRowsMax = 1ull << 40;
// Rows held per FETCH: the reader's memory is about fetch_rows rows.
inline constexpr uint64_t kPostgresFetchRowsDefault = 10'000;
inline constexpr uint64_t kPostgresFetchRowsMax = 1'000'000;
inline constexpr const char* kPostgresConnectTimeoutSeconds = "10";

// The dsn parses (key=value or postgresql:// URI) and holds no password.
Status check_postgres_dsn(const std::string& dsn);

// The query as a subquery: trailing spaces and semicolons removed.
std::string postgres_subquery(const std::string& query);
// `name` quoted as an SQL identifier ("a""b").
std::string postgres_identifier(const std::string& name);

class PgConnection {
 public:
  // Connects with the input's dsn and password (password_file resolved
  // against `base_dir`). Errors name the dsn, never the password.
  static Result<std::unique_ptr<PgConnection>> open(const InputSpec& input,
                                                    const std::string& base_dir);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  pg_conn* get() const { return conn_; }
  // Runs a statement that returns no rows.
  Status exec(const std::string& sql);
  // The server's last error, one line, prefixed with the dsn.
  std::string error(const std::string& doing) const;

 private:
  PgConnection(pg_conn* conn, std::string dsn) : conn_(conn), dsn_(std::move(dsn)) {}
  pg_conn* conn_;
  std::string dsn_;
};

// Column names of the query (SELECT * FROM (query) q LIMIT 0); checks that
// input.key is one of them and of an integer type (smallint, integer, bigint).
Result<std::vector<std::string>> postgres_columns(const InputSpec& input,
                                                  const std::string& base_dir);

struct PostgresKeyStats {
  int64_t min_key = 0;
  int64_t max_key = 0;
  uint64_t rows = 0;
  // max - min + 1, the width of the relative key space partitions cover;
  // 0 for an empty query.
  uint64_t key_span() const {
    return rows == 0 ? 0 : static_cast<uint64_t>(max_key) - static_cast<uint64_t>(min_key) + 1;
  }
};

// min, max and count of the key over the query; a NULL key is an error (the
// row would belong to no partition), and so is a key spanning all of int64.
Result<PostgresKeyStats> postgres_key_stats(const InputSpec& input, const std::string& base_dir);

// The input as the coordinator records it (docs/POSTGRES.md): path names the
// dsn, key and query; size_bytes is the key span, mtime_ns the min key.
// Partition offsets are keys relative to the min key: [begin, end) holds the
// rows with min + begin <= key < min + end.
InputFile postgres_input_file(const InputSpec& input, const PostgresKeyStats& stats);
// Whether `file` is a postgres_input_file (a file's path is absolute or a URL).
bool is_postgres_input_file(const InputFile& file);
// The key range [begin, end) of the postgres_input_file `file` as a task
// reads it: its name, its min key.
QueryKeyRange postgres_key_range(const InputFile& file, uint64_t begin_offset, uint64_t end_offset);

}  // namespace sluice
