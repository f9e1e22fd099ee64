#pragma once
// The job's `output:` section: where parts go, their format and compression,
// what happens to a directory holding another job's output, and the Hive
// layout. What the writers (common/io, common/csv, common/jsonl,
// common/parquet) need to know about a job's output, without the rest of it.

#include <string>
#include <string_view>
#include <vector>

#include "common/spec/s3_options.h"

namespace sluice {

enum class OutputFormat { kCsv, kJsonl, kParquet };
// kSnappy is for Parquet only (compressed per page); CSV and JSON lines take
// none, gzip or zstd (compressed whole).
enum class Compression { kNone, kGzip, kZstd, kSnappy };

// output.mode: what a job does with an output directory that holds another
// job's output (docs/REFERENCE.md, "output.mode").
//   kError      refused at submission, naming the other job (the default)
//   kOverwrite  built beside it and swapped in whole once complete
//   kAppend     new parts numbered after the existing ones, one manifest of all
enum class OutputMode { kError, kOverwrite, kAppend };

struct OutputSpec {
  std::string path;
  OutputFormat format = OutputFormat::kCsv;
  Compression compression = Compression::kNone;
  OutputMode mode = OutputMode::kError;
  // Hive-style directories `col=value/` by these output columns, which
  // leave the files (common/layout/partitioned_writer.h).
  std::vector<std::string> partition_by;
  S3Options s3;  // output.s3, for an s3:// output path (as input.s3)
};

// A part's file extension: ".csv", ".jsonl.gz", ".parquet", ...
std::string_view extension_of(OutputFormat format, Compression compression);
const char* output_mode_name(OutputMode mode);  // "error", "overwrite", "append"

}  // namespace sluice
