#pragma once
// Listing an input directory and expanding a glob into files (resolve_inputs,
// common/job/inputs.h). A directory is read recursively: every regular file
// below it, none under an entry whose name starts with '.' or '_' (hidden
// files, _SUCCESS, _MANIFEST.json, a job's _temporary/ and _partials/), as
// Spark and Polars read a partitioned directory. A glob may hold `**`, a
// whole component matching any number of directories (zero included), as
// in DuckDB, Polars and bash's globstar; `**` does not enter directories
// starting with '.' or '_'. Results are sorted.

#include <string>
#include <vector>

#include "common/base/status.h"

namespace sluice {

// The regular files below `dir` (see above), sorted; an error when it
// cannot be listed.
Result<std::vector<std::string>> list_directory_files(const std::string& dir);

// The files `pattern` (absolute, with '*', '?', '[' or `**`) matches, sorted.
std::vector<std::string> expand_glob(const std::string& pattern);

// Whether the path components `pattern` (wildcards, `**`) match `path`'s
// (fnmatch per component, '/' never matched by '*'). Pure; for tests.
bool glob_matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path);

}  // namespace sluice
