#pragma once
// The job file (YAML) as plain structs: input, schema, steps, output (its
// own header, output_spec.h), rejects. No behaviour but names of enums:
// reading a job file is common/job/job_file.h; expressions are checked later
// by the pipeline compiler, which also has the input's columns.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/spec/output_spec.h"
#include "common/spec/s3_options.h"

namespace sluice {

// Where in the job file something was written, for error messages.
struct SpecLocation {
  std::string file;
  int line = 0;     // 1-based; 0 when unknown
  std::string key;  // e.g. "steps[1].filter"
  std::string to_string() const;
};

enum class InputFormat { kCsv, kJsonl, kPostgres, kParquet };

struct InputSpec {
  std::vector<std::string> paths;  // files, directories or globs, as written
  InputFormat format = InputFormat::kCsv;
  bool header = true;
  char delimiter = ',';
  char quote = '"';
  uint64_t split_size_bytes = 0;       // filled with limits::kSplitBytesDefault when absent
  uint64_t max_record_size_bytes = 0;  // filled with limits::kRecordBytesDefault when absent
  std::vector<std::string> null_values;
  // input.incremental: each run processes only the files the coordinator has
  // not published output for yet (a directory or glob; coordinator/incremental.h).
  bool incremental = false;
  bool reprocess_changed = false;  // input.on_change: reprocess (else report)
  // input.infer_types: column types from a sample, added to the schema at
  // submission (common/job/infer_types.h). CSV only.
  bool infer_types = false;
  // Whether the job gave header/delimiter/quote: what infer_types leaves
  // alone (it guesses the others: common/job/sniff_dialect.h).
  bool header_given = false;
  bool delimiter_given = false;
  bool quote_given = false;
  // input.hive_partitioning (common/job/hive_partitions.h): nullopt is auto.
  // input.hive_types: a key's type; after apply_hive_partitioning, every
  // key in path order (what the workers read).
  std::optional<bool> hive_partitioning;
  std::vector<std::pair<std::string, std::string>> hive_types;
  // format: postgres (docs/POSTGRES.md). Partitions are ranges of `key`.
  std::string dsn;            // libpq connection string; never holds a password
  std::string query;          // SELECT ...; read as (query) q
  std::string key;            // an integer column of the query
  uint64_t split_rows = 0;    // rows per partition; filled with kPostgresSplitRowsDefault
  uint64_t fetch_rows = 0;    // rows per FETCH; filled with kPostgresFetchRowsDefault
  std::string password_file;  // first line is the password; relative to base_dir
  std::string password_env;   // name of an environment variable holding it
  // input.s3: the store of s3:// paths (endpoint, region, credentials_file
  // relative to base_dir, profile, url_style); docs/INPUTS.md, "S3".
  S3Options s3;
};

struct ColumnRule {
  std::string name;
  std::string type = "string";        // string int32 int64 float64 bool date timestamp category
  std::optional<std::string> format;  // strptime-style, for date and timestamp
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string> values;     // allowed values, when not empty
  std::optional<std::string> pattern;  // RE2 full match
  bool nullable = true;
  SpecLocation where;
};

struct SchemaSpec {
  bool fail_on_error = false;  // on_error: fail (else reject)
  std::vector<ColumnRule> columns;
};

struct NamedExpr {
  std::string name;
  std::string expr;
  SpecLocation where;
};

struct AggregateSpec {
  std::vector<std::string> by;
  std::vector<NamedExpr> aggs;  // name -> "count(*)", "sum(x)", ...
  // `distinct: [cols]` is an aggregate by those columns with no aggs; an
  // empty list means every column at that step (distinct_all).
  bool distinct = false;
  bool distinct_all = false;
};

struct SortKey {
  std::string column;
  bool descending = false;
};

enum class StepKind {
  kFilter,
  kDerive,
  kSelect,
  kDrop,
  kAggregate,
  kSort,
  kLookup,
  kExec,
  kLimit,
  kJoin
};

// lookup: {path, on: {left: right}, columns: [...], duplicates: error|first}
struct LookupSpec {
  std::string path;                   // CSV with a header row; relative to JobSpec::base_dir
  std::string left;                   // a column of the rows
  std::string right;                  // a column of the lookup file
  std::vector<std::string> columns;   // lookup file columns to add
  bool first_duplicate_wins = false;  // duplicates: first (else a duplicate key is an error)
};

// exec: {command: [...], columns: [...], batch_rows: N, timeout: 30s, max_attempts: N}
struct ExecSpec {
  std::vector<std::string> command;  // argv; argv[0] with a '/' is relative to base_dir
  std::vector<std::string> columns;  // the columns the program returns; empty: the current ones
  uint32_t batch_rows = 0;           // filled with limits::kExecBatchRowsDefault when absent
  int64_t timeout_ms = 0;            // per batch; filled with limits::kExecTimeoutMsDefault
  uint32_t max_attempts = 0;         // per batch; filled with limits::kExecAttemptsDefault
};

// join: {input: {path, format, …, schema}, on: {left: right, …}, how, columns}
// A join of the rows with a second input, both through the exchange by the
// hash of the key (docs/REFERENCE.md, "join"; docs/ARCHITECTURE.md, "Join").
enum class JoinHow { kInner, kLeft, kRight, kFull, kSemi, kAnti };
const char* join_how_name(JoinHow how);

struct JoinColumn {
  std::string name;   // in the output
  std::string right;  // the right input's column
};

struct JoinSpec {
  InputSpec input;                      // the right side: files (csv or jsonl)
  std::optional<SchemaSpec> schema;     // the right side's schema gate
  std::vector<std::string> left_keys;   // columns of the rows at the join
  std::vector<std::string> right_keys;  // parallel: columns of the right input
  JoinHow how = JoinHow::kInner;
  // The right columns to keep; not given (columns_given false): every
  // right column but the keys, under their own names.
  std::vector<JoinColumn> columns;
  bool columns_given = false;
  // broadcast_max: a right input at most this big may run as a lookup
  // (map-only) when the join allows it (join_plan.h); 0: never.
  uint64_t broadcast_max_bytes = 0;  // filled with limits::kLookupFileBytesMax when absent
};

struct StepSpec {
  StepKind kind = StepKind::kFilter;
  SpecLocation where;
  std::string expr;                  // filter
  std::vector<NamedExpr> exprs;      // derive, select (a select list becomes name -> "name")
  std::vector<std::string> columns;  // drop
  AggregateSpec aggregate;           // aggregate
  std::vector<SortKey> sort;         // sort
  LookupSpec lookup;                 // lookup
  ExecSpec exec;                     // exec
  uint64_t limit = 0;                // limit: the first N rows (after a sort: the top N)
  std::shared_ptr<JoinSpec> join;    // join (shared: a StepSpec is copied with its JobSpec)
};

struct RejectsSpec {
  std::optional<double> max_ratio;    // fail when rows_rejected / rows_read exceeds it
  std::optional<uint64_t> max_count;  // fail when rows_rejected exceeds it
};

struct JobSpec {
  std::string name;
  InputSpec input;
  std::optional<SchemaSpec> schema;
  std::vector<StepSpec> steps;
  OutputSpec output;
  RejectsSpec rejects;
  uint32_t max_attempts = 0;  // filled with limits::kAttemptsDefault when absent
  bool speculative = false;   // a second attempt for stragglers near the end
  // The exchange (docs/ARCHITECTURE.md, "Stages and exchanges"): buckets of
  // each exchange (0: from the committed map outputs' bytes), and the memory
  // a task's table may hold before it spills (limits::kMemoryPerTaskDefault).
  uint32_t parallelism = 0;
  uint64_t memory_per_task_bytes = 0;
  std::string source_file;  // the job file's path, for messages
  std::string source_text;  // the job file's text, sent to the coordinator
  // Where relative paths in steps (lookup files, exec programs) resolve; set
  // by check_job and the worker, not read from the file. Empty: the cwd.
  std::string base_dir;
};

}  // namespace sluice
