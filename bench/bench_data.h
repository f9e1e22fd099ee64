#pragma once
// Shared by the micro-benchmarks: synthetic parking-violations CSV made in
// memory by the generator (same bytes as `sluice gen parking`), read once
// into batches whose fields stay valid for the whole benchmark, and the
// example jobs' transforms as job-file text.

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/batch.h"
#include "common/csv/range_reader.h"
#include "common/io/memory_source.h"
#include "common/job/job_file.h"
#include "common/spec/job_spec.h"
#include "tools/gen/parking_generator.h"

namespace sluice::bench {

// Aborts with a message: a benchmark whose setup fails measures nothing.
inline void require(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "bench setup failed: %s\n", what.c_str());
    std::abort();
  }
}

// `rows` generated records (seed 1) with the header, ~200 bytes a row.
inline const std::string& parking_text(uint64_t rows) {
  static std::deque<std::pair<uint64_t, std::string>> cache;
  for (const auto& [cached_rows, text] : cache) {
    if (cached_rows == rows) return text;
  }
  gen::ParkingOptions options;
  options.rows = rows;
  options.seed = 1;
  auto text = gen::parking_csv(options);
  require(text.is_ok(), "parking_csv");
  cache.emplace_back(rows, std::move(text.value()));
  return cache.back().second;
}

// Batches as the reader makes them, with their fields copied into storage
// the set owns so that every batch stays valid at once.
struct BatchSet {
  std::vector<std::string> columns;
  std::deque<std::string> storage;  // one string per batch; views point into it
  std::vector<RecordBatch> batches;
  uint64_t input_bytes = 0;
  uint64_t rows = 0;
};

inline BatchSet read_batches(const std::string& text) {
  BatchSet set;
  MemorySource header_source(text);
  CsvDialect dialect;
  auto header = read_csv_header(header_source, dialect, limits::kRecordBytesDefault);
  require(header.is_ok(), "read_csv_header");
  set.columns = header.value();

  MemorySource source(text);
  CsvRangeOptions options;
  options.begin_offset = 0;
  options.end_offset = text.size();
  options.expected_columns = set.columns.size();
  CsvRangeReader reader(source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  while (true) {
    auto more = reader.next(batch, rejects);
    require(more.is_ok(), "reader.next");
    if (batch.row_count > 0) {
      size_t bytes = 0;
      for (std::string_view field : batch.fields) bytes += field.size();
      std::string& owned = set.storage.emplace_back();
      owned.reserve(bytes);
      RecordBatch copy;
      copy.column_count = batch.column_count;
      copy.row_count = batch.row_count;
      copy.offsets = batch.offsets;
      copy.fields.reserve(batch.fields.size());
      for (std::string_view field : batch.fields) {
        size_t at = owned.size();
        owned.append(field);
        copy.fields.emplace_back(owned.data() + at, field.size());
      }
      // raw is only read for rejects; point each record at its first field.
      for (size_t row = 0; row < copy.row_count; ++row) {
        copy.raw.push_back(copy.fields[row * copy.column_count]);
      }
      set.rows += copy.row_count;
      set.batches.push_back(std::move(copy));
    }
    if (!more.value()) break;
  }
  require(rejects.empty(), "generated data has no rejects");
  set.input_bytes = text.size();
  return set;
}

// The transforms of examples/w1-…, w2-…, w3-… (input and output paths are
// irrelevant here; the steps are the same text).
inline constexpr std::string_view kW1Job = R"yaml(name: w1
input: {path: data/parking.csv}
steps:
  - filter: "\"Registration State\" = 'NJ' AND \"Vehicle Make\" = 'FORD' AND \"Issuing Agency\" = 'P'"
  - derive:
      issuing_agency: "CASE WHEN \"Issuing Agency\" = 'P' THEN 'police' ELSE \"Issuing Agency\" END"
      address: "concat_ws(', ', \"House Number\", \"Street Name\", \"Registration State\")"
  - select: {vehicle_make: "\"Vehicle Make\"", issuing_agency: issuing_agency, address: address}
output: {path: out/w1/}
)yaml";

inline constexpr std::string_view kW2Job = R"yaml(name: w2
input: {path: data/parking.csv}
steps:
  - derive:
      days_until_expiration: "CASE WHEN strptime(substr(\"Issue Date\", 1, 10), '%Y-%m-%d') IS NULL OR strptime(\"Vehicle Expiration Date\", '%Y%m%d') IS NULL THEN -1 ELSE date_diff('day', strptime(substr(\"Issue Date\", 1, 10), '%Y-%m-%d'), strptime(\"Vehicle Expiration Date\", '%Y%m%d')) END"
output: {path: out/w2/}
)yaml";

inline constexpr std::string_view kW3Job = R"yaml(name: w3
input: {path: data/parking.csv}
steps:
  - aggregate:
      by: ["Registration State", "Violation Code"]
      aggs: {count: "count(*)"
}
  - select:
      registration_state: "\"Registration State\""
      violation_code: "\"Violation Code\""
      count: "\"count\""
  - sort:
      - count: desc
      - registration_state: asc
      - violation_code: asc
output: {path: out/w3/}
)yaml";

inline JobSpec job_spec(std::string_view yaml) {
  auto spec = parse_job_spec(yaml, "bench");
  require(spec.is_ok(), spec.is_ok() ? "" : spec.status().to_string());
  return std::move(spec.value());
}

}  // namespace sluice::bench
