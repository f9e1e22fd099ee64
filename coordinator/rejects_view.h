#pragma once
// The first rejects of a job, with their reasons, for /api/jobs/ID/rejects:
// reads at most `lines_max` records and `bytes_max` bytes of the job's
// published `_rejects/part-*.csv` files (in name order). Runs on the HTTP
// thread, on request; the coordinator loop never reads these files.

#include <cstddef>
#include <string>

namespace sluice {

struct RejectsLimits {
  size_t lines_max = 50;
  size_t bytes_max = 64 * 1024;
  size_t record_chars_max = 200;  // a longer record is cut, with "…"
};

// JSON: {"rejects":[{"file","source_file","offset","reason","record"}],
// "by_reason":{REASON:COUNT} (among those read), "files":N, "truncated":BOOL}.
// A missing directory is no rejects, not an error.
std::string read_rejects_json(const std::string& output_dir, const RejectsLimits& limits = {});

}  // namespace sluice
