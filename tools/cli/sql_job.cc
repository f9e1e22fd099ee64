#include "tools/cli/sql_job.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "common/base/hash.h"
#include "common/base/log.h"
#include "common/job/check.h"
#include "common/job/hive_partitions.h"
#include "common/job/infer_types.h"
#include "common/job/job_file.h"
#include "common/sql/sql.h"
#include "tools/cli/report.h"

namespace sluice {
namespace {

// "<sql>:3: query: WHERE: unknown column …" → "WHERE: unknown column …".
std::string without_job_file(std::string message) {
  const std::string label = kSqlJobFile;
  if (message.starts_with(label + ":")) {
    size_t at = label.size() + 1;
    while (at < message.size() && message[at] >= '0' && message[at] <= '9') ++at;
    if (message.compare(at, 1, ":") == 0) ++at;
    if (message.compare(at, 1, " ") == 0) ++at;
    message.erase(0, at);
  }
  if (message.starts_with("query: ")) message.erase(0, 7);
  return message;
}

void print_error(const std::string& command, const std::string& message) {
  if (log_format() == LogFormat::kJson) {
    report_error(command + ": " + without_job_file(message));  // one JSON line
  } else {
    fmt::print(stderr, "sluice {}: {}\n", command, without_job_file(message));
  }
}

// An error found when the job is checked, told against the statement.
void print_check_error(const SqlJobRequest& request, const std::string& command,
                       const std::string& message) {
  sql::CompiledSql compiled;
  expr::ExprError ignored;
  if (!sql::compile_sql(request.query, compiled, ignored)) {
    print_error(command, message);
    return;
  }
  const std::string bare = without_job_file(message);
  std::string told = sql::statement_error(compiled, request.query, bare);
  if (told == bare) {
    // An error of a key the statement made (input.path: no file matches).
    const size_t position = sql::position_of_key_error(compiled, bare);
    if (position != std::string::npos) {
      told = sql::format_sql_error(request.query, position, bare);
    }
  }
  print_error(command, told);
}

}  // namespace

std::optional<std::string> sql_job_text(const SqlJobRequest& request, const std::string& command) {
  sql::CompiledSql compiled;
  expr::ExprError error;
  if (!sql::compile_sql(request.query, compiled, error)) {
    print_error(command, sql::format_sql_error(request.query, error.position, error.message));
    return std::nullopt;
  }
  const bool copy = static_cast<bool>(compiled.job["output"]);
  if (copy && (!request.out.empty() || !request.format.empty())) {
    print_error(command,
                "the statement's COPY … TO says where and how to write; drop --out and --format");
    return std::nullopt;
  }
  if (!copy && request.out.empty() && !request.format.empty()) {
    print_error(command, "--format applies with --out (a table on the terminal has no format)");
    return std::nullopt;
  }
  YAML::Emitter yaml;
  yaml << YAML::BeginMap;
  yaml << YAML::Key << "name" << YAML::Value << "sql-" + hex64(hash64(request.query)).substr(0, 12);
  yaml << YAML::Key << "query" << YAML::Value << YAML::Literal << request.query;
  if (!copy) {
    yaml << YAML::Key << "output" << YAML::Value << YAML::BeginMap;
    yaml << YAML::Key << "path" << YAML::Value
         << (request.out.empty() ? request.terminal_dir : request.out);
    yaml << YAML::Key << "format" << YAML::Value
         << (request.format.empty() ? "csv" : request.format);
    yaml << YAML::EndMap;
  }
  yaml << YAML::EndMap;
  if (!yaml.good()) {
    print_error(command,
                std::string("cannot write the query as a job file: ") + yaml.GetLastError());
    return std::nullopt;
  }
  return std::string(yaml.c_str()) + "\n";
}

std::optional<LoadedJob> load_sql_job(const SqlJobRequest& request, const std::string& command) {
  std::optional<std::string> text = sql_job_text(request, command);
  if (!text) return std::nullopt;
  auto spec = parse_job_spec(*text, kSqlJobFile);
  if (!spec.is_ok()) {
    print_error(command, spec.status().message());
    return std::nullopt;
  }
  LoadedJob loaded{std::move(spec.value()), std::filesystem::current_path().string()};
  // The statement's CSV columns are typed from a sample (infer_types.h), as
  // admission will type them.
  Status inferred = apply_inferred_types(loaded.spec, loaded.base_dir);
  if (!inferred.is_ok()) {
    print_error(command, inferred.message());
    return std::nullopt;
  }
  Status hive = apply_hive_partitioning(loaded.spec, loaded.base_dir);
  if (!hive.is_ok()) {
    print_error(command, hive.message());
    return std::nullopt;
  }
  auto checked = check_job(loaded.spec, loaded.base_dir);
  if (!checked.is_ok()) {
    print_check_error(request, command, checked.status().message());
    return std::nullopt;
  }
  return loaded;
}

}  // namespace sluice
