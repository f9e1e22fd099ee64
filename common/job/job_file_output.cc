// The job file's `output:` section.
#include <algorithm>

#include "common/job/job_file_reader.h"

namespace sluice {

Status read_output(const SpecReader& reader, const YAML::Node& node, OutputSpec& output) {
  SLUICE_RETURN_IF_ERROR(reader.only_keys(
      node, "output", {"path", "format", "compression", "mode", "partition_by", "s3"}));
  if (!node["path"]) return reader.error(node, "output.path", "missing");
  SLUICE_ASSIGN_OR_RETURN(output.path, reader.scalar(node["path"], "output.path"));
  if (output.path.empty()) return reader.error(node["path"], "output.path", "empty");
  if (node["format"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string format, reader.scalar(node["format"], "output.format"));
    if (format == "csv") {
      output.format = OutputFormat::kCsv;
    } else if (format == "jsonl") {
      output.format = OutputFormat::kJsonl;
    } else if (format == "parquet") {
      output.format = OutputFormat::kParquet;
    } else {
      return reader.error(node["format"], "output.format",
                          "expected csv, jsonl or parquet, found '" + format + "'");
    }
  }
  if (node["compression"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string compression,
                            reader.scalar(node["compression"], "output.compression"));
    if (compression == "none") {
      output.compression = Compression::kNone;
    } else if (compression == "gzip") {
      output.compression = Compression::kGzip;
    } else if (compression == "zstd") {
      output.compression = Compression::kZstd;
    } else if (compression == "snappy") {
      output.compression = Compression::kSnappy;
    } else {
      return reader.error(node["compression"], "output.compression",
                          "expected none, gzip, zstd or snappy, found '" + compression + "'");
    }
    // Parquet compresses each page: gzip is not offered; snappy is Parquet's.
    const bool parquet = output.format == OutputFormat::kParquet;
    if (parquet && output.compression == Compression::kGzip) {
      return reader.error(node["compression"], "output.compression",
                          "parquet output takes none, snappy or zstd, found 'gzip'");
    }
    if (!parquet && output.compression == Compression::kSnappy) {
      return reader.error(node["compression"], "output.compression",
                          "snappy is for parquet output; csv and jsonl take none, gzip or zstd");
    }
  }
  if (node["mode"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string mode, reader.scalar(node["mode"], "output.mode"));
    if (mode == "error") {
      output.mode = OutputMode::kError;
    } else if (mode == "overwrite") {
      output.mode = OutputMode::kOverwrite;
    } else if (mode == "append") {
      output.mode = OutputMode::kAppend;
    } else {
      return reader.error(node["mode"], "output.mode",
                          "expected error, overwrite or append, found '" + mode + "'");
    }
  }
  if (node["partition_by"]) {
    const YAML::Node& list = node["partition_by"];
    if (!list.IsSequence() || list.size() == 0) {
      return reader.error(list, "output.partition_by", "expected a list of column names");
    }
    for (const YAML::Node& item : list) {
      SLUICE_ASSIGN_OR_RETURN(std::string column, reader.scalar(item, "output.partition_by"));
      if (column.empty()) return reader.error(item, "output.partition_by", "empty column name");
      if (std::find(output.partition_by.begin(), output.partition_by.end(), column) !=
          output.partition_by.end()) {
        return reader.error(item, "output.partition_by", "'" + column + "' is listed twice");
      }
      output.partition_by.push_back(std::move(column));
    }
  }
  if (node["s3"])
    SLUICE_RETURN_IF_ERROR(read_s3_options(reader, node["s3"], "output.s3", output.s3));
  return Status::ok();
}

}  // namespace sluice
