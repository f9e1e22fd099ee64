#include "coordinator/output_dir.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/io/publish.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

OutputOwner owner_of(const json& manifest) {
  OutputOwner owner;
  owner.job_id = manifest.at("job_id").get<std::string>();
  owner.name = manifest.value("name", std::string());
  owner.lineage_id = manifest.value("lineage_id", std::string());
  owner.part_base = manifest.value("part_base", 0u);
  if (manifest.contains("job_ids")) {
    owner.job_ids = manifest.at("job_ids").get<std::vector<std::string>>();
  } else {
    owner.job_ids = {owner.job_id};
  }
  return owner;
}

void note_part(OutputContents& contents, const std::string& name) {
  if (std::optional<uint32_t> number = part_number_of(fs::path(name).filename().string())) {
    contents.next_part_number = std::max(contents.next_part_number, *number + 1);
  }
}

}  // namespace

std::optional<uint32_t> part_number_of(const std::string& name) {
  if (name.rfind("part-", 0) != 0) return std::nullopt;
  size_t end = 5;
  while (end < name.size() && end < 14 && name[end] >= '0' && name[end] <= '9') ++end;
  if (end == 5 || (end < name.size() && name[end] != '.')) return std::nullopt;
  return static_cast<uint32_t>(std::stoul(name.substr(5, end - 5)));
}

Result<OutputContents> read_output_contents(const std::string& dir) {
  OutputContents contents;
  std::error_code error;
  if (!fs::is_directory(dir, error)) return contents;
  contents.exists = true;
  contents.success = fs::exists(fs::path(dir) / "_SUCCESS", error);
  if (std::ifstream file(fs::path(dir) / "_MANIFEST.json"); file) {
    try {
      const json manifest = json::parse(file);
      contents.manifest = owner_of(manifest);
      for (const json& part : manifest.at("parts")) note_part(contents, part.at("file"));
    } catch (const json::exception&) {
      contents.manifest.reset();
      contents.manifest_unreadable = true;
    }
  }
  for (const char* working : {"_temporary", "_partials"}) {
    for (const auto& entry : fs::directory_iterator(fs::path(dir) / working, error)) {
      contents.working_jobs.insert(entry.path().filename().string());
    }
  }
  // Parts in OUT, in the col=value/ directories of a partitioned output,
  // and rejects in _rejects/.
  for (auto it = fs::recursive_directory_iterator(dir, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    std::error_code ignored;
    if (it->is_directory(ignored)) {
      const bool rejects = it.depth() == 0 && name == "_rejects";
      const bool partition = name[0] != '_' && name.find('=') != std::string::npos;
      if (!rejects && !partition) it.disable_recursion_pending();
      continue;
    }
    if (name.rfind("part-", 0) != 0) continue;
    contents.part_files.push_back(fs::relative(it->path(), dir, ignored).string());
    note_part(contents, name);
  }
  std::sort(contents.part_files.begin(), contents.part_files.end());
  return contents;
}

std::string without_trailing_slash(const std::string& dir) {
  std::string out = dir;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string staging_dir_of(const std::string& output_dir, const std::string& job_id) {
  return without_trailing_slash(output_dir) + ".sluice-" + job_id + ".tmp";
}

std::string replaced_dir_of(const std::string& output_dir, const std::string& job_id) {
  return without_trailing_slash(output_dir) + ".sluice-" + job_id + ".old";
}

std::string overwrite_mark_of(const std::string& dir) {
  std::ifstream file(fs::path(dir) / kOverwriteMarkName);
  std::string job_id;
  if (file) std::getline(file, job_id);
  return job_id;
}

Status swap_into_place(Filesystem& files, const std::string& staged, const std::string& output_dir,
                       const std::string& replaced) {
  const std::string out = without_trailing_slash(output_dir);
  const std::string parent = parent_directory(out);
  SLUICE_ASSIGN_OR_RETURN(FileStatus out_status, files.stat(out));
  if (out_status.exists) {
    Status exchanged = files.rename(staged, out, RenameMode::kExchange);
    if (exchanged.is_ok()) return files.fsync_directory(parent);
    if (exchanged.code() != StatusCode::kInvalidArgument) return exchanged;
    // No RENAME_EXCHANGE on this filesystem: the old output moves aside first.
    (void)files.remove_all(replaced);
    SLUICE_RETURN_IF_ERROR(files.rename(out, replaced, RenameMode::kReplace));
  }
  Status renamed = files.rename(staged, out, RenameMode::kNoReplace);
  if (!renamed.is_ok() && renamed.code() != StatusCode::kAlreadyExists &&
      renamed.code() != StatusCode::kNotFound) {
    // No RENAME_NOREPLACE (a directory cannot be linked): `out` was just
    // found absent, a plain rename will do.
    renamed = files.rename(staged, out, RenameMode::kReplace);
  }
  SLUICE_RETURN_IF_ERROR(renamed);
  return files.fsync_directory(parent);
}

}  // namespace sluice
