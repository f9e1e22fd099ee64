#pragma once
// s3:// inputs (docs/INPUTS.md, "S3"): an object, a "directory" (a prefix
// ending in '/': its objects one level down not starting with '.' or '_'),
// or a glob over keys (ListObjectsV2 under the glob's literal prefix, then
// fnmatch; '*' does not cross '/'), with their identity (size, ETag hash).

#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/job/inputs.h"
#include "common/s3/client.h"

namespace sluice {

// A client for `options` (settings resolved, credentials loaded).
Result<std::unique_ptr<S3Client>> open_s3_client(const S3Options& options);

// The objects `pattern` names, sorted by key; kNotFound when none.
Result<std::vector<InputFile>> resolve_s3_inputs(const std::string& pattern,
                                                 const S3Options& options);

// HEAD of one object as an InputFile.
Result<InputFile> stat_s3_input(const std::string& url, const S3Options& options);

}  // namespace sluice
