#pragma once
// Durable publication: fsync, make directories, rename without replacing
// (exactly-once publication of a partition's file), atomic small files, and
// the checksum `sluice verify` compares with the manifest. What changes
// files goes through a Filesystem (filesystem.h): the real one unless the
// caller (the coordinator, in the simulation a simulated one) passes its own.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/io/filesystem.h"

namespace sluice {

Status fsync_path(const std::string& path);
Status fsync_directory(const std::string& dir);
// mkdir -p; each directory created is made durable (its parent is fsynced).
Status make_directories(const std::string& dir, Filesystem& files = real_filesystem());

enum class PublishOutcome { kPublished, kAlreadyPublished };

// fsyncs `temp_path`, renames it to `final_path` only if that does not exist
// (renameat2 RENAME_NOREPLACE; link+unlink where the filesystem lacks it),
// then fsyncs the directories. Idempotent for redo after a crash: when the
// temporary file is gone and the final one exists, kAlreadyPublished.
// When both exist and are different files: kAlreadyExists error (another
// attempt was published; the caller deletes its temporary file).
Result<PublishOutcome> publish_file(const std::string& temp_path, const std::string& final_path,
                                    Filesystem& files = real_filesystem());

// Replaces `path` with `contents` atomically: temporary file, fsync, rename,
// directory fsync. Readers see the old or the new contents, never a part.
Status write_file_atomically(const std::string& path, std::string_view contents,
                             Filesystem& files = real_filesystem());

// xxh64 of the file's bytes, read in chunks.
Result<uint64_t> checksum_file(const std::string& path);

}  // namespace sluice
