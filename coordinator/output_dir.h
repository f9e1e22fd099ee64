#pragma once
// What an output directory holds and whose it is, and the swap that puts an
// `output.mode: overwrite` job's output in place of the old one.
//
// An output directory belongs to one job (or one incremental lineage). Its
// owner is named by _MANIFEST.json ("job_id", "lineage_id"); a job writing
// there now or interrupted leaves _temporary/<job>/ (and _partials/<job>/).
// Admission (claim_output) reads these before any work is planned.
//
// Overwrite: the new output is built in OUT.sluice-<job>.tmp beside OUT
// (same parent, so the same filesystem), complete with its manifest and
// _SUCCESS, then marked (_OVERWRITE holds the job id) and exchanged with OUT
// in one renameat2(RENAME_EXCHANGE); the old output, now under the sibling's
// name, is deleted, then the mark. A reader of OUT sees the old output or
// the new one, never a mix. Redone after a crash, each step finds where the
// last one stopped (docs/ARCHITECTURE.md, "Output ownership").

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/io/filesystem.h"

namespace sluice {

inline constexpr const char* kOverwriteMarkName = "_OVERWRITE";

// What _MANIFEST.json says of the output's owner.
struct OutputOwner {
  std::string job_id;
  std::string name;
  std::string lineage_id;  // empty: not an incremental lineage's
  // The jobs whose parts it lists (output.mode: append), oldest first.
  std::vector<std::string> job_ids;
  uint32_t part_base = 0;  // of the job that wrote it (append)
};

struct OutputContents {
  bool exists = false;
  std::optional<OutputOwner> manifest;  // none, or unreadable: nullopt
  bool manifest_unreadable = false;
  bool success = false;                 // _SUCCESS is there
  std::set<std::string> working_jobs;   // _temporary/<job>, _partials/<job>
  std::vector<std::string> part_files;  // part-* and _rejects/part-*, sorted
  uint32_t next_part_number = 0;        // 1 + the highest part number found
};

// Reads the directory (absent: exists = false). Errors: kIoError.
Result<OutputContents> read_output_contents(const std::string& dir);

// "part-00012.csv" -> 12; nullopt when the name is not a part's.
std::optional<uint32_t> part_number_of(const std::string& name);

// `dir` without a trailing '/'.
std::string without_trailing_slash(const std::string& dir);
// OUT.sluice-<job_id>.tmp: where an overwrite job builds its output.
std::string staging_dir_of(const std::string& output_dir, const std::string& job_id);
// OUT.sluice-<job_id>.old: the old output, moved aside where the filesystem
// cannot exchange directories.
std::string replaced_dir_of(const std::string& output_dir, const std::string& job_id);

// The job id in `dir`/_OVERWRITE, or empty.
std::string overwrite_mark_of(const std::string& dir);

// Puts `staged` (complete, marked) in place of `output_dir`: exchanged with
// it in one renameat2(RENAME_EXCHANGE), or renamed when there is no output
// yet. Where the filesystem cannot exchange (EINVAL), the old output is
// moved to `replaced` first: a reader then finds no output for a moment,
// never a mix. Parents are fsynced.
Status swap_into_place(Filesystem& files, const std::string& staged, const std::string& output_dir,
                       const std::string& replaced);

}  // namespace sluice
