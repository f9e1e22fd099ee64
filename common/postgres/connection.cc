#include "common/postgres/connection.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "common/base/paths.h"
#include "common/io/input_file.h"
#include "common/spec/job_spec.h"

namespace sluice {
namespace {

// libpq's messages end with a newline and may span lines; one line for logs.
std::string one_line(const char* text) {
  std::string line = text == nullptr ? "" : text;
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  return line;
}

void ignore_notice(void*, const char*) {}

// The password of the input: the first line of password_file, or the value
// of password_env; empty when neither is given (libpq may then use
// ~/.pgpass or PGPASSWORD).
Result<std::string> read_password(const InputSpec& input, const std::string& base_dir) {
  if (!input.password_env.empty()) {
    const char* value = std::getenv(input.password_env.c_str());
    if (value == nullptr) {
      return invalid_argument("input.password_env: the environment variable " + input.password_env +
                              " is not set");
    }
    return std::string(value);
  }
  if (input.password_file.empty()) return std::string();
  const std::string path = absolute_path(input.password_file, base_dir.empty() ? "." : base_dir);
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return invalid_argument("input.password_file: cannot read " + path + ": " +
                            std::strerror(errno));
  }
  std::string password;
  std::getline(file, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) return invalid_argument("input.password_file: " + path + " is empty");
  return password;
}

// Runs a query returning rows; the caller PQclear()s.
Result<PGresult*> query_rows(PgConnection& connection, const std::string& sql,
                             const std::string& doing) {
  PGresult* result = PQexec(connection.get(), sql.c_str());
  if (PQresultStatus(result) != PGRES_TUPLES_OK) {
    std::string message = connection.error(doing);
    PQclear(result);
    return io_error(message);
  }
  return result;
}

}  // namespace

Status check_postgres_dsn(const std::string& dsn) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &parse_error);
  if (options == nullptr) {
    std::string message = "not a valid connection string: " + one_line(parse_error);
    PQfreemem(parse_error);
    return invalid_argument(message);
  }
  bool has_password = false;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (std::strcmp(option->keyword, "password") == 0 && option->val != nullptr &&
        option->val[0] != '\0') {
      has_password = true;
    }
  }
  PQconninfoFree(options);
  if (has_password) {
    return invalid_argument(
        "holds a password; a job file must not: use input.password_file or input.password_env");
  }
  return Status::ok();
}

std::string postgres_subquery(const std::string& query) {
  std::string text = query;
  while (!text.empty() &&
         (text.back() == ';' || std::isspace(static_cast<unsigned char>(text.back()))))
    text.pop_back();
  return text;
}

std::string postgres_identifier(const std::string& name) {
  std::string quoted = "\"";
  for (char c : name) {
    quoted += c;
    if (c == '"') quoted += '"';
  }
  return quoted + '"';
}

Result<std::unique_ptr<PgConnection>> PgConnection::open(const InputSpec& input,
                                                         const std::string& base_dir) {
  SLUICE_RETURN_IF_ERROR(check_postgres_dsn(input.dsn));
  SLUICE_ASSIGN_OR_RETURN(std::string password, read_password(input, base_dir));
  // Later keywords override the ones the expanded dsn sets; earlier ones are
  // defaults it may override.
  std::vector<const char*> keywords = {"connect_timeout", "fallback_application_name", "dbname",
                                       "client_encoding"};
  std::vector<const char*> values = {kPostgresConnectTimeoutSeconds, "sluice", input.dsn.c_str(),
                                     "UTF8"};
  if (!password.empty()) {
    keywords.push_back("password");
    values.push_back(password.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  std::fill(password.begin(), password.end(), '\0');
  if (conn == nullptr) return io_error("postgres: out of memory connecting to " + input.dsn);
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = fmt::format("postgres input (dsn '{}'): cannot connect: {}", input.dsn,
                                      one_line(PQerrorMessage(conn)));
    PQfinish(conn);
    return io_error(message);
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn, input.dsn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

Status PgConnection::exec(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  PQclear(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Status::ok();
  return io_error(error(sql.substr(0, 200)));
}

std::string PgConnection::error(const std::string& doing) const {
  return fmt::format("postgres input (dsn '{}'): {}: {}", dsn_, doing,
                     one_line(PQerrorMessage(conn_)));
}

Result<std::vector<std::string>> postgres_columns(const InputSpec& input,
                                                  const std::string& base_dir) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> connection,
                          PgConnection::open(input, base_dir));
  SLUICE_RETURN_IF_ERROR(connection->exec("BEGIN READ ONLY"));
  SLUICE_ASSIGN_OR_RETURN(
      PGresult * result,
      query_rows(*connection, "SELECT * FROM (" + postgres_subquery(input.query) + ") q LIMIT 0",
                 "input.query"));
  std::vector<std::string> columns;
  int key_column = -1;
  for (int i = 0; i < PQnfields(result); ++i) {
    columns.emplace_back(PQfname(result, i));
    if (columns.back() == input.key) key_column = i;
  }
  const Oid key_type = key_column >= 0 ? PQftype(result, key_column) : 0;
  PQclear(result);
  if (key_column < 0) {
    std::string names;
    for (const std::string& name : columns) names += (names.empty() ? "" : ", ") + name;
    return invalid_argument("input.key: '" + input.key +
                            "' is not a column of the query (its columns: " + names + ")");
  }
  constexpr Oid kInt8 = 20, kInt2 = 21, kInt4 = 23;
  if (key_type != kInt8 && key_type != kInt2 && key_type != kInt4) {
    std::string type_name = std::to_string(key_type);
    SLUICE_ASSIGN_OR_RETURN(
        PGresult * named,
        query_rows(*connection, fmt::format("SELECT format_type({}, NULL)", key_type),
                   "naming the key's type"));
    if (PQntuples(named) == 1) type_name = PQgetvalue(named, 0, 0);
    PQclear(named);
    return invalid_argument("input.key: column '" + input.key + "' is " + type_name +
                            "; the key must be an integer column (smallint, integer, bigint)");
  }
  (void)connection->exec("ROLLBACK");
  return columns;
}

Result<PostgresKeyStats> postgres_key_stats(const InputSpec& input, const std::string& base_dir) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> connection,
                          PgConnection::open(input, base_dir));
  const std::string key = postgres_identifier(input.key);
  SLUICE_RETURN_IF_ERROR(connection->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  SLUICE_ASSIGN_OR_RETURN(
      PGresult * result,
      query_rows(*connection,
                 fmt::format("SELECT min(q.{0})::int8, max(q.{0})::int8, count(*), count(q.{0}) "
                             "FROM ({1}) q",
                             key, postgres_subquery(input.query)),
                 "planning the key's range"));
  PostgresKeyStats stats;
  const uint64_t rows = std::strtoull(PQgetvalue(result, 0, 2), nullptr, 10);
  const uint64_t keyed = std::strtoull(PQgetvalue(result, 0, 3), nullptr, 10);
  if (keyed > 0) {
    stats.min_key = std::strtoll(PQgetvalue(result, 0, 0), nullptr, 10);
    stats.max_key = std::strtoll(PQgetvalue(result, 0, 1), nullptr, 10);
  }
  stats.rows = rows;
  PQclear(result);
  (void)connection->exec("ROLLBACK");
  if (rows != keyed) {
    return invalid_argument(
        fmt::format("input.key: {} of the query's {} rows have a NULL {}; every row needs a key",
                    rows - keyed, rows, input.key));
  }
  if (rows > 0 && stats.key_span() == 0) {
    return invalid_argument("input.key: " + input.key +
                            " spans every int64 value; partitions cannot be planned");
  }
  return stats;
}

InputFile postgres_input_file(const InputSpec& input, const PostgresKeyStats& stats) {
  InputFile file;
  file.path = fmt::format("postgres: {}; key={}; query={}", input.dsn, input.key,
                          postgres_subquery(input.query));
  file.size_bytes = stats.key_span();
  file.mtime_ns = stats.min_key;
  return file;
}

bool is_postgres_input_file(const InputFile& file) { return file.path.rfind("postgres: ", 0) == 0; }

QueryKeyRange postgres_key_range(const InputFile& file, uint64_t begin_offset,
                                 uint64_t end_offset) {
  return QueryKeyRange{.name = file.path,
                       .key_min = file.mtime_ns,
                       .begin_offset = begin_offset,
                       .end_offset = end_offset};
}

}  // namespace sluice
