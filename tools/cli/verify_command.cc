// `sluice verify OUTPUT_DIR`: audits a finished output against its manifest —
// every file present with its size and checksum, row counts recounted, the
// counts adding up (rows in = out + filtered + rejected), no stray part file.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/base/hash.h"
#include "common/csv/range_reader.h"
#include "common/io/byte_source.h"
#include "common/io/publish.h"
#include "tools/cli/commands.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

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

class Audit {
 public:
  void fail(std::string problem) { problems_.push_back(std::move(problem)); }
  bool ok() const { return problems_.empty(); }
  const std::vector<std::string>& problems() const { return problems_; }

  void check_file(const fs::path& dir, const std::string& name, uint64_t bytes,
                  const std::string& checksum) {
    const fs::path path = dir / name;
    std::error_code error;
    const auto size = fs::file_size(path, error);
    if (error) return fail(name + ": missing");
    if (size != bytes) return fail(fmt::format("{}: {} bytes, manifest says {}", name, size, bytes));
    auto sum = checksum_file(path.string());
    if (!sum.is_ok()) return fail(name + ": " + sum.status().message());
    if (hex64(sum.value()) != checksum) {
      fail(fmt::format("{}: checksum {}, manifest says {}", name, hex64(sum.value()), checksum));
    }
  }

 private:
  std::vector<std::string> problems_;
};

}  // namespace

int verify_command(const std::string& output_dir) {
  const fs::path dir(output_dir);
  std::ifstream manifest_file(dir / "_MANIFEST.json");
  if (!manifest_file) {
    fmt::print(stderr, "sluice: {}: no _MANIFEST.json (job not finished?)\n", output_dir);
    return kExitJobFailed;
  }
  nlohmann::json manifest;
  try {
    manifest = nlohmann::json::parse(manifest_file);
  } catch (const nlohmann::json::exception& error) {
    fmt::print(stderr, "sluice: {}/_MANIFEST.json is not valid JSON: {}\n", output_dir, error.what());
    return kExitJobFailed;
  }
  Audit audit;
  if (!fs::exists(dir / "_SUCCESS")) audit.fail("_SUCCESS is missing");
  std::set<std::string> listed;
  uint64_t rows_in = 0, rows_out = 0, rows_filtered = 0, rows_rejected = 0;
  try {
    const std::string extension = manifest.at("extension");
    for (const auto& part : manifest.at("parts")) {
      const std::string name = part.at("file");
      listed.insert(name);
      audit.check_file(dir, name, part.at("bytes"), part.at("checksum"));
      const uint64_t rows = part.at("rows");
      const uint64_t in = part.at("rows_in"), filtered = part.at("rows_filtered"),
                     rejected = part.at("rows_rejected");
      if (in != rows + filtered + rejected) {
        audit.fail(fmt::format("{}: rows in {} != out {} + filtered {} + rejected {}", name, in,
                               rows, filtered, rejected));
      }
      Result<uint64_t> counted = uint64_t{0};
      if (extension == ".csv") {
        counted = count_csv_rows((dir / name).string());
      } else if (extension == ".jsonl") {
        counted = count_lines((dir / name).string());
      } else {
        counted = rows;  // compressed: the checksum covers it
      }
      if (!counted.is_ok()) {
        audit.fail(name + ": " + counted.status().message());
      } else if (counted.value() != rows) {
        audit.fail(fmt::format("{}: {} rows, manifest says {}", name, counted.value(), rows));
      }
      if (part.contains("rejects")) {
        const auto& rejects = part.at("rejects");
        const std::string rejects_file = rejects.at("file");
        listed.insert(rejects_file);
        audit.check_file(dir, rejects_file, rejects.at("bytes"), rejects.at("checksum"));
        auto reject_rows = count_csv_rows((dir / rejects_file).string());
        if (!reject_rows.is_ok() || reject_rows.value() != rejected) {
          audit.fail(fmt::format("{}: reject rows do not match the manifest's {}", rejects_file,
                                 rejected));
        }
      }
      rows_in += in;
      rows_out += rows;
      rows_filtered += filtered;
      rows_rejected += rejected;
    }
    if (rows_in != manifest.at("rows_in").get<uint64_t>() ||
        rows_out != manifest.at("rows_out").get<uint64_t>() ||
        rows_rejected != manifest.at("rows_rejected").get<uint64_t>()) {
      audit.fail("totals do not match the sum of the parts");
    }
  } catch (const nlohmann::json::exception& error) {
    audit.fail(std::string("manifest is incomplete: ") + error.what());
  }
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("part-", 0) == 0 && listed.count(name) == 0) audit.fail(name + ": not in the manifest");
  }
  for (const auto& entry : fs::directory_iterator(dir / "_rejects", error)) {
    const std::string name = "_rejects/" + entry.path().filename().string();
    if (listed.count(name) == 0) audit.fail(name + ": not in the manifest");
  }
  if (!audit.ok()) {
    for (const std::string& problem : audit.problems()) fmt::print(stderr, "  {}\n", problem);
    fmt::print(stderr, "sluice: verify failed: {} problems in {}\n", audit.problems().size(),
               output_dir);
    return kExitJobFailed;
  }
  fmt::print("verified {}: {} parts, rows in {} = out {} + filtered {} + rejected {}\n", output_dir,
             manifest.at("parts").size(), rows_in, rows_out, rows_filtered, rows_rejected);
  return kExitOk;
}

}  // namespace sluice
