#include "common/job/inputs.h"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "common/base/assert.h"
#include "common/csv/range_reader.h"
#include "common/io/decompress_source.h"
#include "common/io/http_source.h"
#include "common/job/input_listing.h"
#include "common/job/s3_inputs.h"
#include "common/jsonl/range_reader.h"
#include "common/parquet/pushdown.h"
#include "common/parquet/range_reader.h"
#include "common/s3/s3_source.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

bool is_glob(const std::string& pattern) {
  return pattern.find_first_of("*?[") != std::string::npos;
}

Result<std::vector<std::string>> expand(const std::string& pattern) {
  std::vector<std::string> paths;
  if (is_glob(pattern)) {
    paths = expand_glob(pattern);  // `**` too (input_listing.h)
    if (paths.empty()) return not_found("input " + pattern + " matches no file");
    return paths;
  }
  std::error_code error;
  if (fs::is_directory(pattern, error)) {
    // Recursive, passing over hidden and _-prefixed entries (input_listing.h).
    SLUICE_ASSIGN_OR_RETURN(paths, list_directory_files(pattern));
    if (paths.empty()) return not_found("input directory " + pattern + " holds no file");
    return paths;
  }
  paths.push_back(pattern);
  return paths;
}

}  // namespace

Result<InputFile> stat_input(const std::string& path, const S3Options& s3) {
  if (is_s3_url(path)) return stat_s3_input(path, s3);
  if (is_http_url(path)) {
    SLUICE_ASSIGN_OR_RETURN(HttpObject object, http_head(path));
    InputFile file;
    file.path = path;
    file.size_bytes = object.size_bytes;
    file.mtime_ns = object.identity();
    return file;
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return not_found("input " + path + " does not exist");
  if (!S_ISREG(info.st_mode)) return invalid_argument("input " + path + " is not a regular file");
  InputFile file;
  file.path = path;
  file.size_bytes = static_cast<uint64_t>(info.st_size);
  file.mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
  return file;
}

S3Options input_s3_options(const InputSpec& input, const std::string& base_dir) {
  S3Options options = input.s3;
  if (!options.credentials_file.empty()) {
    options.credentials_file =
        absolute_path(options.credentials_file, base_dir.empty() ? "." : base_dir);
  }
  return options;
}

Result<std::vector<InputFile>> resolve_inputs(const std::vector<std::string>& patterns,
                                              const std::string& base_dir, const S3Options& s3) {
  std::vector<InputFile> files;
  std::set<std::string> seen;
  for (const std::string& pattern : patterns) {
    if (is_s3_url(pattern)) {
      SLUICE_ASSIGN_OR_RETURN(std::vector<InputFile> objects, resolve_s3_inputs(pattern, s3));
      for (InputFile& object : objects) {
        if (seen.insert(object.path).second) files.push_back(std::move(object));
      }
      continue;
    }
    if (is_http_url(pattern)) {  // a URL is one input: no globbing, no listing
      if (!seen.insert(pattern).second) continue;
      SLUICE_ASSIGN_OR_RETURN(InputFile file, stat_input(pattern));
      files.push_back(std::move(file));
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> paths,
                            expand(absolute_path(pattern, base_dir)));
    for (const std::string& path : paths) {
      if (!seen.insert(path).second) continue;
      SLUICE_ASSIGN_OR_RETURN(InputFile file, stat_input(path));
      files.push_back(std::move(file));
    }
  }
  return files;
}

bool is_compressed_input(const std::string& path) { return codec_of_path(path) != Codec::kNone; }

Result<std::unique_ptr<ByteSource>> open_input_source(const std::string& path,
                                                      const S3Options& s3) {
  std::unique_ptr<ByteSource> source;
  if (is_s3_url(path)) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client, open_s3_client(s3));
    SLUICE_ASSIGN_OR_RETURN(source, S3Source::open(std::move(client), path));
  } else if (is_http_url(path)) {
    SLUICE_ASSIGN_OR_RETURN(source, HttpSource::open(path));
  } else {
    SLUICE_ASSIGN_OR_RETURN(source, FileSource::open(path));
  }
  const Codec codec = codec_of_path(path);
  if (codec == Codec::kNone) return source;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<DecompressSource> decompressed,
                          DecompressSource::open(std::move(source), codec, path));
  return std::unique_ptr<ByteSource>(std::move(decompressed));
}

namespace {

template <typename Reader>
class ReaderAdapter final : public RecordReader {
 public:
  template <typename Options>
  ReaderAdapter(ByteSource& source, Options options) : reader_(source, std::move(options)) {}
  Result<bool> next(RecordBatch& batch, std::vector<RejectedRecord>& rejects) override {
    return reader_.next(batch, rejects);
  }
  uint64_t start_offset() const override { return reader_.start_offset(); }
  uint64_t end_offset() const override { return reader_.end_offset(); }
  uint64_t bytes_read() const override { return reader_.bytes_read(); }
  uint64_t records_read() const override { return reader_.records_read(); }
  // What pushdown skipped (readers that skip: Parquet), else none.
  uint64_t rows_skipped() const override {
    if constexpr (requires { reader_.rows_skipped(); }) return reader_.rows_skipped();
    return 0;
  }
  uint64_t row_groups_skipped() const override {
    if constexpr (requires { reader_.row_groups_skipped(); }) return reader_.row_groups_skipped();
    return 0;
  }

 private:
  Reader reader_;
};

}  // namespace

bool projects_columns(InputFormat format) {
  return format == InputFormat::kCsv || format == InputFormat::kParquet;
}

std::unique_ptr<RecordReader> open_record_reader(const JobSpec& spec, ByteSource& source,
                                                 const std::vector<std::string>& columns,
                                                 const ByteRange& range,
                                                 std::optional<std::vector<size_t>> read_columns) {
  SLUICE_ASSERT(!read_columns || projects_columns(spec.input.format),
                "a projection for an input format that cannot skip columns");
  if (spec.input.format == InputFormat::kParquet) {
    parquet::ParquetRangeOptions options;
    options.begin_offset = range.begin_offset;
    options.end_offset = range.end_offset;
    options.columns = columns;
    options.read_columns = std::move(read_columns);
    options.max_value_bytes = spec.input.max_record_size_bytes;
    options.keep_raw = spec.schema.has_value();  // only the schema gate rejects rows
    options.skip_row_group = parquet::row_group_pruner(spec);
    return std::make_unique<ReaderAdapter<parquet::ParquetRangeReader>>(source, std::move(options));
  }
  if (spec.input.format == InputFormat::kJsonl) {
    JsonlRangeOptions options;
    options.columns = columns;
    options.begin_offset = range.begin_offset;
    options.end_offset = range.end_offset;
    options.start_is_exact = range.start_is_exact;
    options.exact_start_offset = range.exact_start_offset;
    options.max_record_bytes = spec.input.max_record_size_bytes;
    return std::make_unique<ReaderAdapter<JsonlRangeReader>>(source, std::move(options));
  }
  CsvRangeOptions options;
  options.dialect.delimiter = spec.input.delimiter;
  options.dialect.quote = spec.input.quote;
  options.dialect.header = spec.input.header;
  options.begin_offset = range.begin_offset;
  options.end_offset = range.end_offset;
  options.start_is_exact = range.start_is_exact;
  options.exact_start_offset = range.exact_start_offset;
  options.max_record_bytes = spec.input.max_record_size_bytes;
  options.expected_columns = columns.size();
  options.columns = std::move(read_columns);
  return std::make_unique<ReaderAdapter<CsvRangeReader>>(source, std::move(options));
}

}  // namespace sluice
