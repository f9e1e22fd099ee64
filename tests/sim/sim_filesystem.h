#pragma once
// The simulation's filesystem: the coordinator's operations done on a real
// directory (workers write their temporary files there too), and a journal
// of what is not yet durable, so that a simulated power cut can lose it.
// The model (ext4's, roughly): a created file, a created directory or a
// rename is durable once the directory it is in (for a rename: the target's)
// is fsynced; a file's bytes once the file is. A power cut undoes the
// operations still in the journal (newest first: a rename moves back, or
// the file is gone when its old directory is; a file it replaced comes
// back; what was created goes), and a file written and never fsynced loses
// its bytes. Removals are durable at once (not modelled: a removed file
// never comes back).
// Thread safety: none; the simulation's one thread.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/io/filesystem.h"

namespace sluice::sim {

class SimFilesystem final : public Filesystem {
 public:
  // `trash_dir`: where a file a rename replaced is kept until the rename is
  // durable (outside the simulated directories; created when needed).
  explicit SimFilesystem(std::string trash_dir);

  Status rename(const std::string& from, const std::string& to, RenameMode mode) override;
  Status create_directory(const std::string& dir) override;
  Status remove(const std::string& path) override;
  Status remove_all(const std::string& path) override;
  Status fsync_file(const std::string& path) override;
  Status fsync_directory(const std::string& dir) override;
  Result<FileStatus> stat(const std::string& path) override;
  Result<std::vector<std::string>> list(const std::string& dir) override;
  Result<std::unique_ptr<WritableFile>> create_file(const std::string& path) override;

  // Operations a power cut now could lose.
  size_t unsynced_operations() const { return journal_.size(); }
  // Files written and not fsynced since.
  size_t unsynced_files() const { return unsynced_files_.size(); }
  // A power cut: the newest `lost` operations of the journal are undone
  // (all of them when it holds fewer); the older ones survived. Unsynced
  // files lose their bytes. Returns what it undid, for the trace.
  std::vector<std::string> power_cut(size_t lost);

 private:
  enum class Kind { kCreateFile, kCreateDirectory, kRename, kExchange };
  struct Operation {
    Kind kind;
    std::string from;    // a rename's old name
    std::string to;      // the new name, or what was created
    std::string backup;  // what a rename replaced, kept in trash_dir_
    std::string dir;     // whose fsync makes it durable
  };

  void undo(const Operation& operation);
  void forget_unsynced_under(const std::string& path);

  Filesystem& real_;
  std::string trash_dir_;
  uint64_t backups_ = 0;
  std::vector<Operation> journal_;
  std::set<std::string> unsynced_files_;
};

}  // namespace sluice::sim
