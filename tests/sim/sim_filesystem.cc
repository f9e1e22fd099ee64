#include "tests/sim/sim_filesystem.h"

#include <fmt/format.h>

#include <filesystem>

namespace sluice::sim {
namespace {

namespace fs = std::filesystem;

// One spelling per path: "out//part" and "out/part/" are "out/part".
std::string normal(const std::string& path) {
  std::string text = fs::path(path).lexically_normal().string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

bool exists(const std::string& path) {
  std::error_code ignored;
  return fs::exists(fs::symlink_status(path, ignored));
}

bool is_under(const std::string& path, const std::string& dir) {
  return path == dir ||
         (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/');
}

// A file of the simulated filesystem: its sync() makes its bytes durable.
class SimWritableFile final : public WritableFile {
 public:
  SimWritableFile(std::unique_ptr<WritableFile> file, std::set<std::string>& unsynced,
                  std::string path)
      : file_(std::move(file)), unsynced_(unsynced), path_(std::move(path)) {}

  Status append(std::string_view bytes) override { return file_->append(bytes); }
  Status sync() override {
    SLUICE_RETURN_IF_ERROR(file_->sync());
    unsynced_.erase(path_);
    return Status::ok();
  }
  Status close() override { return file_->close(); }

 private:
  std::unique_ptr<WritableFile> file_;
  std::set<std::string>& unsynced_;
  std::string path_;
};

}  // namespace

SimFilesystem::SimFilesystem(std::string trash_dir)
    : real_(real_filesystem()), trash_dir_(normal(trash_dir)) {}

Status SimFilesystem::rename(const std::string& from_path, const std::string& to_path,
                             RenameMode mode) {
  const std::string from = normal(from_path);
  const std::string to = normal(to_path);
  Operation operation{mode == RenameMode::kExchange ? Kind::kExchange : Kind::kRename, from, to, "",
                      parent_directory(to)};
  if (mode == RenameMode::kReplace && exists(to) && exists(from)) {
    // What it replaces is kept until the rename is durable.
    std::error_code error;
    fs::create_directories(trash_dir_, error);
    operation.backup = fmt::format("{}/{}", trash_dir_, ++backups_);
    SLUICE_RETURN_IF_ERROR(real_.rename(to, operation.backup, RenameMode::kNoReplace));
  }
  Status renamed = real_.rename(from, to, mode);
  if (!renamed.is_ok()) {
    if (!operation.backup.empty()) (void)real_.rename(operation.backup, to, RenameMode::kReplace);
    return renamed;
  }
  if (unsynced_files_.erase(from) > 0) unsynced_files_.insert(to);
  journal_.push_back(std::move(operation));
  return Status::ok();
}

Status SimFilesystem::create_directory(const std::string& dir) {
  SLUICE_RETURN_IF_ERROR(real_.create_directory(dir));
  const std::string path = normal(dir);
  journal_.push_back(Operation{Kind::kCreateDirectory, "", path, "", parent_directory(path)});
  return Status::ok();
}

Status SimFilesystem::remove(const std::string& path) {
  forget_unsynced_under(normal(path));
  return real_.remove(path);
}

Status SimFilesystem::remove_all(const std::string& path) {
  forget_unsynced_under(normal(path));
  return real_.remove_all(path);
}

Status SimFilesystem::fsync_file(const std::string& path) {
  SLUICE_RETURN_IF_ERROR(real_.fsync_file(path));
  unsynced_files_.erase(normal(path));
  return Status::ok();
}

Status SimFilesystem::fsync_directory(const std::string& dir) {
  SLUICE_RETURN_IF_ERROR(real_.fsync_directory(dir));
  const std::string path = normal(dir);
  std::vector<Operation> pending;
  for (Operation& operation : journal_) {
    if (operation.dir != path) {
      pending.push_back(std::move(operation));
      continue;
    }
    if (!operation.backup.empty()) (void)real_.remove_all(operation.backup);
  }
  journal_ = std::move(pending);
  return Status::ok();
}

Result<FileStatus> SimFilesystem::stat(const std::string& path) { return real_.stat(path); }

Result<std::vector<std::string>> SimFilesystem::list(const std::string& dir) {
  return real_.list(dir);
}

Result<std::unique_ptr<WritableFile>> SimFilesystem::create_file(const std::string& path) {
  const std::string name = normal(path);
  const bool existed = exists(name);
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, real_.create_file(name));
  if (!existed) {
    journal_.push_back(Operation{Kind::kCreateFile, "", name, "", parent_directory(name)});
  }
  unsynced_files_.insert(name);
  return std::unique_ptr<WritableFile>(new SimWritableFile(std::move(file), unsynced_files_, name));
}

std::vector<std::string> SimFilesystem::power_cut(size_t lost) {
  std::vector<std::string> undone;
  const size_t count = std::min(lost, journal_.size());
  for (size_t i = 0; i < count; ++i) {
    const Operation& operation = journal_[journal_.size() - 1 - i];
    undo(operation);
    undone.push_back(operation.from.empty() ? operation.to
                                            : operation.from + " -> " + operation.to);
  }
  // The older operations survived: what they replaced is gone for good.
  for (size_t i = 0; i + count < journal_.size(); ++i) {
    if (!journal_[i].backup.empty()) (void)real_.remove_all(journal_[i].backup);
  }
  journal_.clear();
  for (const std::string& path : unsynced_files_) {
    std::error_code ignored;
    if (fs::is_regular_file(path, ignored)) fs::resize_file(path, 0, ignored);
  }
  unsynced_files_.clear();
  return undone;
}

void SimFilesystem::undo(const Operation& operation) {
  switch (operation.kind) {
    case Kind::kCreateFile:
    case Kind::kCreateDirectory:
      forget_unsynced_under(operation.to);
      (void)real_.remove_all(operation.to);
      return;
    case Kind::kExchange:
      if (exists(operation.from) && exists(operation.to)) {
        (void)real_.rename(operation.from, operation.to, RenameMode::kExchange);
      }
      return;
    case Kind::kRename:
      if (exists(operation.to)) {
        // Back under its old name, or gone with the directory it was in.
        if (exists(parent_directory(operation.from)) && !exists(operation.from)) {
          (void)real_.rename(operation.to, operation.from, RenameMode::kNoReplace);
        } else {
          (void)real_.remove_all(operation.to);
        }
      }
      if (!operation.backup.empty() && exists(operation.backup)) {
        (void)real_.rename(operation.backup, operation.to, RenameMode::kReplace);
      }
      return;
  }
}

void SimFilesystem::forget_unsynced_under(const std::string& path) {
  for (auto it = unsynced_files_.begin(); it != unsynced_files_.end();) {
    it = is_under(*it, path) ? unsynced_files_.erase(it) : std::next(it);
  }
}

}  // namespace sluice::sim
