#pragma once
// Resolving a job's input paths (files, directories, globs) into files with
// their identity (size, modification time), as planned and as checked later.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/batch.h"
#include "common/base/paths.h"
#include "common/base/status.h"
#include "common/io/byte_source.h"
#include "common/io/input_file.h"
#include "common/io/record_reader.h"
#include "common/spec/input_range.h"
#include "common/spec/job_spec.h"

namespace sluice {

// Expands files, directories (their regular files not starting with '.' or
// '_', sorted) and globs (sorted), resolving relative paths against
// `base_dir`; s3:// objects, prefixes and globs with `s3`
// (common/job/s3_inputs.h). Each file appears once, in the order written; an
// input that matches nothing is an error.
Result<std::vector<InputFile>> resolve_inputs(const std::vector<std::string>& patterns,
                                              const std::string& base_dir,
                                              const S3Options& s3 = {});

// The file's current size and modification time (a URL: HEAD; s3://: HEAD
// with `s3`).
Result<InputFile> stat_input(const std::string& path, const S3Options& s3 = {});

// input.s3 with its credentials_file made absolute against `base_dir` (the
// options every s3:// call of a job takes).
S3Options input_s3_options(const InputSpec& input, const std::string& base_dir);

// A path ending in .gz or .zst: read whole as one partition, decompressed.
bool is_compressed_input(const std::string& path);

// The bytes of an input as the readers see them: a FileSource, an HttpSource
// for http(s):// URLs, an S3Source for s3:// (with `s3`), wrapped in a
// DecompressSource for .gz/.zst.
Result<std::unique_ptr<ByteSource>> open_input_source(const std::string& path,
                                                      const S3Options& s3 = {});

// A reader of the bytes [range.begin_offset, range.end_offset) of `source`
// (which must outlive it; range.path is not opened) in the job's input
// format, for the job's `columns` (read_input_columns). `read_columns`: the
// column indexes (ascending) its batches hold, when the format can skip the
// others (CSV; see projects_columns); nullopt: every column.
std::unique_ptr<RecordReader> open_record_reader(
    const JobSpec& spec, ByteSource& source, const std::vector<std::string>& columns,
    const ByteRange& range, std::optional<std::vector<size_t>> read_columns = std::nullopt);

// Whether open_record_reader can leave columns out for this input format
// (CSV: records are still checked whole; JSONL: not, a duplicate key in a
// left-out column would go unnoticed).
bool projects_columns(InputFormat format);

}  // namespace sluice
