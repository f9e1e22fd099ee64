#pragma once
// Column types inferred from a sample of a CSV input, as DuckDB's sniffer
// and Spark's `inferSchema` do (docs/REFERENCE.md, "Inferred types").
//
// A column's type is the first of bool, int64, float64, date, timestamp
// whose parser (the schema gate's) reads every non-NULL value of the
// sample; else string. Empty fields and `null_values` are NULLs and say
// nothing. Numbers written with a leading zero (ZIP codes, plate numbers:
// "07030") and booleans written as digits stay text; a column of NULLs
// only is a string. The sample is the first kSampleRows records (at most
// kSampleBytes) of the first non-empty file.
//
// `input.infer_types: true` adds the inferred types to the job's schema at
// submission, for the columns the steps read that the schema does not name
// (a column only carried to the output keeps its text), and the job runs
// with that schema pinned (pin_inferred_types): every split of every
// attempt sees the same types, and a later value that does not fit is a
// reject with its reason (or fails the job under `on_error: fail`).

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/job/sniff_dialect.h"
#include "common/spec/job_spec.h"

namespace sluice {

inline constexpr uint64_t kInferSampleRows = 20480;
inline constexpr uint64_t kInferSampleBytes = 8ull << 20;

struct InferredColumn {
  std::string name;
  std::string type;     // string int64 float64 bool date timestamp
  std::string format;   // date/timestamp not in ISO form: its strptime format
  uint64_t values = 0;  // non-NULL values sampled
  std::string example;  // the first non-NULL value seen
};

struct InferredTypes {
  std::string path;  // the file sampled
  uint64_t rows_sampled = 0;
  std::vector<InferredColumn> columns;
};

// The type a column's sampled values fit (see above); `values` excludes NULLs.
// Dates and timestamps are ISO, or in one of the formats of
// kInferredDateFormats / kInferredTimestampFormats (the first every value
// fits: 01/02/2020 is January 2nd).
class TypeVote {
 public:
  void add(std::string_view value);
  std::string type() const;
  // For a date or timestamp type: "" (ISO) or its strptime format.
  std::string format() const;
  uint64_t values() const { return values_; }

 private:
  uint64_t values_ = 0;
  bool is_bool_ = true, is_int_ = true, is_float_ = true, is_date_ = true, is_timestamp_ = true;
  uint32_t date_formats_ = ~0u;  // bit i: every value fits kInferredDateFormats[i]
  uint32_t timestamp_formats_ = ~0u;
};

inline constexpr const char* kInferredDateFormats[] = {"%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d",
                                                       "%d.%m.%Y", "%m-%d-%Y", "%d-%m-%Y"};
inline constexpr const char* kInferredTimestampFormats[] = {
    "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%d.%m.%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",    "%d/%m/%Y %H:%M",    "%Y-%m-%d %H:%M",    "%Y-%m-%dT%H:%M:%SZ"};

// Samples the first non-empty file of `spec`'s CSV input (resolved against
// `base_dir`).
Result<InferredTypes> infer_csv_types(const JobSpec& spec, const std::string& base_dir);

// What `input.infer_types: true` added to a job.
struct InferredSchema {
  std::vector<ColumnRule> columns;  // schema rules added
  // The CSV dialect sniffed for the keys the job did not give (sniff_dialect.h).
  bool dialect_sniffed = false;
  CsvDialect dialect;
  bool empty() const { return columns.empty() && !dialect_sniffed; }
};

// For `input.infer_types: true`: guesses the header, delimiter and quote
// the input does not give (sniff_dialect.h), then adds a rule for each
// inferred column the steps read and the schema does not name (string
// columns too, as documentation), and clears infer_types. `added` receives
// what was added. Other specs: unchanged.
Status apply_inferred_types(JobSpec& spec, const std::string& base_dir,
                            InferredSchema* added = nullptr);

// `spec_yaml` with `input.infer_types` removed, the sniffed dialect written
// into `input` and the columns into `schema.columns`: what workers parse, so
// they never infer again.
Result<std::string> pin_inferred_types(const std::string& spec_yaml, const InferredSchema& added);

// The first non-empty file's sniffed dialect for the keys `spec` does not
// give (sluice describe, apply_inferred_types).
Result<CsvDialect> sniff_input_dialect(const JobSpec& spec, const std::string& base_dir);

// The YAML of an input and schema that pins `dialect` and `types` (sluice describe).
std::string inferred_types_yaml(const CsvDialect& dialect, const InferredTypes& types);

}  // namespace sluice
