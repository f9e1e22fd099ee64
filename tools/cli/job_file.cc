#include "tools/cli/job_file.h"

#include <fmt/format.h>

#include <filesystem>

#include "common/job/check.h"
#include "common/job/hive_partitions.h"
#include "common/job/infer_types.h"
#include "common/job/job_file.h"
#include "tools/cli/commands.h"
#include "tools/cli/report.h"

namespace sluice {

std::optional<LoadedJob> load_checked_job(const std::string& job_file) {
  auto spec = load_job_spec(job_file);
  if (!spec.is_ok()) {
    report_error(spec.status().message());
    return std::nullopt;
  }
  LoadedJob loaded{std::move(spec.value()), std::filesystem::current_path().string()};
  // As admission will check it (infer_types.h); its source_text, which is
  // what is submitted, is unchanged: admission infers and pins again.
  Status inferred = apply_inferred_types(loaded.spec, loaded.base_dir);
  if (!inferred.is_ok()) {
    report_error(inferred.message());
    return std::nullopt;
  }
  Status hive = apply_hive_partitioning(loaded.spec, loaded.base_dir);
  if (!hive.is_ok()) {
    report_error(hive.message());
    return std::nullopt;
  }
  auto checked = check_job(loaded.spec, loaded.base_dir);
  if (!checked.is_ok()) {
    report_error(checked.status().message());
    return std::nullopt;
  }
  return loaded;
}

int check_command(const std::string& job_file) {
  std::optional<LoadedJob> job = load_checked_job(job_file);
  if (!job) return kExitUsage;
  fmt::print("{}: valid (job {})\n", job_file, job->spec.name);
  return kExitOk;
}

}  // namespace sluice
