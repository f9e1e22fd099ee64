#include "common/spec/output_spec.h"

namespace sluice {

const char* output_mode_name(OutputMode mode) {
  switch (mode) {
    case OutputMode::kError:
      return "error";
    case OutputMode::kOverwrite:
      return "overwrite";
    case OutputMode::kAppend:
      return "append";
  }
  return "error";
}

std::string_view extension_of(OutputFormat format, Compression compression) {
  // A Parquet file is compressed inside (per page); its name does not change.
  if (format == OutputFormat::kParquet) return ".parquet";
  const bool jsonl = format == OutputFormat::kJsonl;
  switch (compression) {
    case Compression::kNone:
      return jsonl ? ".jsonl" : ".csv";
    case Compression::kGzip:
      return jsonl ? ".jsonl.gz" : ".csv.gz";
    case Compression::kZstd:
      return jsonl ? ".jsonl.zst" : ".csv.zst";
    case Compression::kSnappy:
      break;  // Parquet only
  }
  return ".csv";
}

}  // namespace sluice
