// `sluice verify OUTPUT_DIR`: audits a finished output against its manifest —
// every file present with its size and checksum, row counts recounted, the
// counts adding up (rows in = out + filtered + rejected for every partition
// and in total), no stray part or reject file (in OUT, and in the col=value/
// directories of a partitioned output).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "common/base/hash.h"
#include "common/csv/range_reader.h"
#include "common/io/byte_source.h"
#include "common/io/publish.h"
#include "common/parquet/writer.h"
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

class Audit {
 public:
  explicit Audit(fs::path dir) : dir_(std::move(dir)) {}
  void fail(std::string problem) { problems_.push_back(std::move(problem)); }
  bool ok() const { return problems_.empty(); }
  const std::vector<std::string>& problems() const { return problems_; }
  const std::set<std::string>& listed() const { return listed_; }

  // Checks one file entry {file, rows, bytes, checksum}; `rows_of` recounts.
  void check_file(const json& entry, const std::string& extension) {
    const std::string name = entry.at("file");
    listed_.insert(name);
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

}  // namespace

int verify_command(const std::string& output_dir) {
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

}  // namespace sluice
