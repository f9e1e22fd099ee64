// `sluice verify OUTPUT_DIR`: audits a finished output (a directory, or its
// copy under s3://bucket/prefix) against its manifest —
// every file present with its size and checksum, row counts recounted, the
// counts adding up (rows in = out + filtered + rejected for every partition
// and in total), no stray part or reject file (in OUT, and in the col=value/
// directories of a partitioned output).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "common/base/hash.h"
#include "common/base/limits.h"
#include "common/csv/range_reader.h"
#include "common/io/byte_source.h"
#include "common/io/publish.h"
#include "common/parquet/file_reader.h"
#include "common/parquet/writer.h"
#include "common/s3/s3_source.h"
#include "tools/cli/commands.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Data rows of an uncompressed CSV file with a header.
Result<uint64_t> count_csv_rows(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<FileSource> source, FileSource::open(path));
  CsvRangeOptions options;
  options.begin_offset = 0;
  options.end_offset = source->size_bytes();
  options.dialect.header = true;
  CsvRangeReader reader(*source, options);
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  uint64_t rows = 0;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool more, reader.next(batch, rejects));
    rows += batch.row_count;
    if (!more) break;
  }
  if (!rejects.empty()) return data_error(fmt::format("{} malformed rows", rejects.size()));
  return rows;
}

Result<uint64_t> count_lines(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return not_found("cannot open " + path);
  uint64_t lines = 0;
  std::string line;
  while (std::getline(file, line)) ++lines;
  return lines;
}

// Rows of a Parquet file, from its footer; the row groups must add up to it.
Result<uint64_t> count_parquet_rows(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(parquet::FooterSummary footer, parquet::read_footer(path));
  if (footer.row_group_rows != footer.rows) {
    return data_error(fmt::format("footer says {} rows, its row groups hold {}", footer.rows,
                                  footer.row_group_rows));
  }
  return footer.rows;
}

// An S3 copy of an output (s3://bucket/prefix): its files read through
// S3Source, with the store and credentials from the environment
// (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ~/.aws/credentials, ...).
struct S3Output {
  S3Options options;
  std::string prefix_url;  // s3://bucket/prefix, no trailing '/'

  Result<std::unique_ptr<S3Source>> open(const std::string& name) const {
    SLUICE_ASSIGN_OR_RETURN(S3Settings settings, resolve_s3_settings(options));
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client, S3Client::create(settings));
    return S3Source::open(std::move(client), prefix_url + "/" + name);
  }
};

// Reads `source` whole in chunks: its xxh64, and its '\n'-ended lines (a
// last line without one counts, as getline counts it).
Status scan_source(ByteSource& source, uint64_t& checksum, uint64_t& lines) {
  std::string buffer(limits::kReadChunkBytes, '\0');
  Hasher hasher;
  lines = 0;
  char last = '\n';
  for (uint64_t offset = 0; offset < source.size_bytes();) {
    const size_t want =
        static_cast<size_t>(std::min<uint64_t>(buffer.size(), source.size_bytes() - offset));
    SLUICE_RETURN_IF_ERROR(read_exactly(source, offset, buffer.data(), want, "the file"));
    const std::string_view chunk(buffer.data(), want);
    hasher.update(chunk);
    lines += static_cast<uint64_t>(std::count(chunk.begin(), chunk.end(), '\n'));
    last = chunk.back();
    offset += want;
  }
  if (last != '\n') lines += 1;
  checksum = hasher.digest();
  return Status::ok();
}

// check_file's S3 half: size, checksum and rows of `name` under the prefix.
std::optional<std::string> check_s3_file(const S3Output& s3, const std::string& name,
                                         const json& entry, const std::string& extension) {
  auto source = s3.open(name);
  if (!source.is_ok()) {
    if (source.status().code() == StatusCode::kNotFound) return name + ": missing";
    return name + ": " + source.status().message();
  }
  const uint64_t size = source.value()->size_bytes();
  if (size != entry.at("bytes").get<uint64_t>()) {
    return fmt::format("{}: {} bytes, manifest says {}", name, size,
                       entry.at("bytes").get<uint64_t>());
  }
  uint64_t checksum = 0;
  uint64_t lines = 0;
  Status scanned = scan_source(*source.value(), checksum, lines);
  if (!scanned.is_ok()) return name + ": " + scanned.message();
  if (hex64(checksum) != entry.at("checksum").get<std::string>()) {
    return fmt::format("{}: checksum {}, manifest says {}", name, hex64(checksum),
                       entry.at("checksum").get<std::string>());
  }
  Result<uint64_t> counted = entry.at("rows").get<uint64_t>();
  if (extension == ".jsonl") counted = lines;
  if (extension == ".csv") {
    CsvRangeOptions options;
    options.end_offset = size;
    options.dialect.header = true;
    CsvRangeReader reader(*source.value(), options);
    RecordBatch batch;
    std::vector<RejectedRecord> rejects;
    uint64_t rows = 0;
    while (true) {
      auto more = reader.next(batch, rejects);
      if (!more.is_ok()) return name + ": " + more.status().message();
      rows += batch.row_count;
      if (!more.value()) break;
    }
    counted = rejects.empty() ? Result<uint64_t>(rows)
                              : data_error(fmt::format("{} malformed rows", rejects.size()));
  }
  if (extension == ".parquet") {
    auto info = parquet::read_file_metadata(*source.value());
    if (!info.is_ok()) return name + ": " + info.status().message();
    uint64_t grouped = 0;
    for (const parquet::RowGroupInfo& group : info->row_groups) grouped += group.rows;
    counted = grouped == info->rows
                  ? Result<uint64_t>(grouped)
                  : data_error(fmt::format("footer says {} rows, its row groups hold {}",
                                           info->rows, grouped));
  }
  if (!counted.is_ok()) return name + ": " + counted.status().message();
  if (counted.value() != entry.at("rows").get<uint64_t>()) {
    return fmt::format("{}: {} rows, manifest says {}", name, counted.value(),
                       entry.at("rows").get<uint64_t>());
  }
  return std::nullopt;
}

class Audit {
 public:
  explicit Audit(fs::path dir, const S3Output* s3 = nullptr) : dir_(std::move(dir)), s3_(s3) {}
  void fail(std::string problem) { problems_.push_back(std::move(problem)); }
  bool ok() const { return problems_.empty(); }
  const std::vector<std::string>& problems() const { return problems_; }
  const std::set<std::string>& listed() const { return listed_; }

  // Checks one file entry {file, rows, bytes, checksum}; `rows_of` recounts.
  void check_file(const json& entry, const std::string& extension) {
    const std::string name = entry.at("file");
    listed_.insert(name);
    if (s3_ != nullptr) {
      if (auto problem = check_s3_file(*s3_, name, entry, extension)) fail(*problem);
      return;
    }
    const fs::path path = dir_ / name;
    std::error_code error;
    const auto size = fs::file_size(path, error);
    if (error) return fail(name + ": missing");
    if (size != entry.at("bytes").get<uint64_t>()) {
      return fail(fmt::format("{}: {} bytes, manifest says {}", name, size,
                              entry.at("bytes").get<uint64_t>()));
    }
    auto sum = checksum_file(path.string());
    if (!sum.is_ok()) return fail(name + ": " + sum.status().message());
    if (hex64(sum.value()) != entry.at("checksum").get<std::string>()) {
      return fail(fmt::format("{}: checksum {}, manifest says {}", name, hex64(sum.value()),
                              entry.at("checksum").get<std::string>()));
    }
    Result<uint64_t> counted =
        entry.at("rows").get<uint64_t>();  // compressed: the checksum covers it
    if (extension == ".csv") counted = count_csv_rows(path.string());
    if (extension == ".jsonl") counted = count_lines(path.string());
    if (extension == ".parquet") counted = count_parquet_rows(path.string());
    if (!counted.is_ok()) return fail(name + ": " + counted.status().message());
    if (counted.value() != entry.at("rows").get<uint64_t>()) {
      fail(fmt::format("{}: {} rows, manifest says {}", name, counted.value(),
                       entry.at("rows").get<uint64_t>()));
    }
  }

 private:
  fs::path dir_;
  const S3Output* s3_;
  std::vector<std::string> problems_;
  std::set<std::string> listed_;
};

void audit_manifest(const json& manifest, Audit& audit, uint64_t& parts_rows) {
  const std::string extension = manifest.at("extension");
  const bool aggregate = manifest.value("aggregate", false);
  for (const json& part : manifest.at("parts")) {
    audit.check_file(part, extension);
    parts_rows += part.at("rows").get<uint64_t>();
  }
  uint64_t rejected_listed = 0;
  for (const json& rejects : manifest.at("rejects")) {
    audit.check_file(rejects, ".csv");
    rejected_listed += rejects.at("rows").get<uint64_t>();
  }
  uint64_t rows_in = 0, rows_out = 0, rows_filtered = 0, rows_rejected = 0;
  for (const json& p : manifest.at("partitions")) {
    const uint64_t in = p.at("rows_in"), out = p.at("rows_out"), filtered = p.at("rows_filtered"),
                   rejected = p.at("rows_rejected");
    if (in != out + filtered + rejected) {
      audit.fail(fmt::format("partition {}: rows in {} != out {} + filtered {} + rejected {}",
                             p.at("partition").get<uint64_t>(), in, out, filtered, rejected));
    }
    rows_in += in;
    rows_out += out;
    rows_filtered += filtered;
    rows_rejected += rejected;
  }
  if (rows_in != manifest.at("rows_in").get<uint64_t>() ||
      rows_out != manifest.at("rows_out").get<uint64_t>() ||
      rows_filtered != manifest.at("rows_filtered").get<uint64_t>() ||
      rows_rejected != manifest.at("rows_rejected").get<uint64_t>()) {
    audit.fail("the totals do not match the sum of the partitions");
  }
  if (rejected_listed != rows_rejected) {
    audit.fail(fmt::format("reject files hold {} rows, partitions rejected {}", rejected_listed,
                           rows_rejected));
  }
  if (!aggregate && parts_rows != rows_out) {
    audit.fail(fmt::format("part files hold {} rows, partitions wrote {}", parts_rows, rows_out));
  }
}

int report(const Audit& audit, const json& manifest, const std::string& output_dir,
           uint64_t parts_rows) {
  if (!audit.ok()) {
    for (const std::string& problem : audit.problems()) fmt::print(stderr, "  {}\n", problem);
    fmt::print(stderr, "sluice: verify failed: {} problems in {}\n", audit.problems().size(),
               output_dir);
    return kExitJobFailed;
  }
  fmt::print(
      "verified {}: {} part files with {} rows; rows in {} = out {} + filtered {} + rejected {}\n",
      output_dir, manifest.at("parts").size(), parts_rows, manifest.at("rows_in").get<uint64_t>(),
      manifest.at("rows_out").get<uint64_t>(), manifest.at("rows_filtered").get<uint64_t>(),
      manifest.at("rows_rejected").get<uint64_t>());
  return kExitOk;
}

// `sluice verify s3://bucket/prefix`: the same audit of an output's copy in
// S3 (the objects the manifest lists; part-* and _rejects/ objects it does
// not list are strays).
int verify_s3(const std::string& url) {
  S3Output s3;
  s3.prefix_url = url;
  while (s3.prefix_url.ends_with('/')) s3.prefix_url.pop_back();
  auto location = parse_s3_url(s3.prefix_url + "/");
  auto settings = resolve_s3_settings(s3.options);
  if (!location.is_ok() || !settings.is_ok()) {
    fmt::print(stderr, "sluice: {}\n",
               (!location.is_ok() ? location.status() : settings.status()).message());
    return kExitUsage;
  }
  auto client = S3Client::create(*settings);
  if (!client.is_ok()) {
    fmt::print(stderr, "sluice: {}\n", client.status().message());
    return kExitUsage;
  }
  auto text =
      client.value()->get_object(S3Location{location->bucket, location->key + "_MANIFEST.json"});
  if (!text.is_ok()) {
    fmt::print(stderr, "sluice: {}: no _MANIFEST.json (job not finished?): {}\n", url,
               text.status().message());
    return kExitJobFailed;
  }
  json manifest;
  try {
    manifest = json::parse(*text);
  } catch (const json::exception& error) {
    fmt::print(stderr, "sluice: {}/_MANIFEST.json is not valid JSON: {}\n", url, error.what());
    return kExitJobFailed;
  }
  Audit audit(fs::path(), &s3);
  if (!client.value()->head(S3Location{location->bucket, location->key + "_SUCCESS"}).is_ok()) {
    audit.fail("_SUCCESS is missing");
  }
  uint64_t parts_rows = 0;
  try {
    audit_manifest(manifest, audit, parts_rows);
  } catch (const json::exception& error) {
    audit.fail(std::string("the manifest is incomplete: ") + error.what());
  }
  auto listed = client.value()->list(location->bucket, location->key);
  if (!listed.is_ok()) {
    audit.fail("cannot list " + url + ": " + listed.status().message());
  } else {
    for (const S3Object& object : *listed) {
      const std::string relative = object.key.substr(location->key.size());
      const std::string base = relative.substr(relative.rfind('/') + 1);
      const bool in_rejects = relative.starts_with("_rejects/");
      const bool part = base.starts_with("part-") && !relative.starts_with("_");
      if ((part || in_rejects) && audit.listed().count(relative) == 0) {
        audit.fail(relative + ": not in the manifest");
      }
    }
  }
  return report(audit, manifest, url, parts_rows);
}

}  // namespace

int verify_command(const std::string& output_dir) {
  if (is_s3_url(output_dir)) return verify_s3(output_dir);
  const fs::path dir(output_dir);
  std::ifstream manifest_file(dir / "_MANIFEST.json");
  if (!manifest_file) {
    fmt::print(stderr, "sluice: {}: no _MANIFEST.json (job not finished?)\n", output_dir);
    return kExitJobFailed;
  }
  json manifest;
  try {
    manifest = json::parse(manifest_file);
  } catch (const json::exception& error) {
    fmt::print(stderr, "sluice: {}/_MANIFEST.json is not valid JSON: {}\n", output_dir,
               error.what());
    return kExitJobFailed;
  }
  Audit audit(dir);
  if (!fs::exists(dir / "_SUCCESS")) audit.fail("_SUCCESS is missing");
  uint64_t parts_rows = 0;
  try {
    audit_manifest(manifest, audit, parts_rows);
  } catch (const json::exception& error) {
    audit.fail(std::string("the manifest is incomplete: ") + error.what());
  }
  std::error_code error;
  // Part files in OUT and, for a partitioned output, in its col=value/
  // directories (not in _temporary/, _rejects/ or other _ directories).
  for (auto it = fs::recursive_directory_iterator(dir, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    std::error_code ignored;
    if (it->is_directory(ignored)) {
      if (name.empty() || name[0] == '_' || name.find('=') == std::string::npos) {
        it.disable_recursion_pending();
      }
      continue;
    }
    const std::string relative = fs::relative(it->path(), dir, ignored).string();
    if (name.rfind("part-", 0) == 0 && audit.listed().count(relative) == 0) {
      audit.fail(relative + ": not in the manifest");
    }
  }
  for (const auto& entry : fs::directory_iterator(dir / "_rejects", error)) {
    const std::string name = "_rejects/" + entry.path().filename().string();
    if (audit.listed().count(name) == 0) audit.fail(name + ": not in the manifest");
  }
  return report(audit, manifest, output_dir, parts_rows);
}

}  // namespace sluice
