// The job file's top level: its keys, `rejects:`, `max_attempts:` and
// `speculative:`, with the sections read by job_file_input.cc,
// job_file_steps.cc and job_file_output.cc; and loading the file.
#include "common/job/job_file.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "common/base/limits.h"
#include "common/job/job_file_reader.h"
#include "common/sql/sql.h"

namespace sluice {
namespace {

Status read_rejects(const SpecReader& reader, const YAML::Node& node, RejectsSpec& rejects) {
  SLUICE_RETURN_IF_ERROR(reader.only_keys(node, "rejects", {"max_ratio", "max_count"}));
  if (node["max_ratio"]) {
    SLUICE_ASSIGN_OR_RETURN(rejects.max_ratio,
                            reader.number(node["max_ratio"], "rejects.max_ratio"));
    if (*rejects.max_ratio < 0 || *rejects.max_ratio > 1) {
      return reader.error(node["max_ratio"], "rejects.max_ratio", "must be between 0 and 1");
    }
  }
  if (node["max_count"]) {
    SLUICE_ASSIGN_OR_RETURN(double count, reader.number(node["max_count"], "rejects.max_count"));
    if (count < 0)
      return reader.error(node["max_count"], "rejects.max_count", "must not be negative");
    rejects.max_count = static_cast<uint64_t>(count);
  }
  return Status::ok();
}

// The keys that say what the job reads and does: name, input, schema,
// steps, output.
Status read_job_sections(const SpecReader& reader, const YAML::Node& root, JobSpec& spec) {
  if (!root["name"]) return reader.error(root, "name", "missing");
  SLUICE_ASSIGN_OR_RETURN(spec.name, reader.scalar(root["name"], "name"));
  if (!root["input"]) return reader.error(root, "input", "missing");
  SLUICE_RETURN_IF_ERROR(read_input(reader, root["input"], spec.input));
  if (root["schema"]) {
    spec.schema.emplace();
    SLUICE_RETURN_IF_ERROR(read_schema(reader, root["schema"], *spec.schema));
  }
  if (root["steps"]) {
    const YAML::Node steps = root["steps"];
    if (!steps.IsSequence()) return reader.error(steps, "steps", "expected a list of steps");
    for (size_t i = 0; i < steps.size(); ++i) {
      StepSpec step;
      SLUICE_RETURN_IF_ERROR(read_step(reader, steps[i], i, step));
      spec.steps.push_back(std::move(step));
    }
  }
  if (!root["output"]) return reader.error(root, "output", "missing");
  SLUICE_RETURN_IF_ERROR(read_output(reader, root["output"], spec.output));
  return Status::ok();
}

// `query:` (docs/SQL.md): the statement compiled into `input`, `schema`,
// `steps` and, for COPY … TO, `output`, which then read as if written so.
// `compiled` keeps where each generated key came from, for messages.
Status expand_query(const SpecReader& reader, YAML::Node& root, sql::CompiledSql& compiled,
                    int& query_line) {
  const YAML::Node query = root["query"];
  for (const char* key : {"input", "schema", "steps"}) {
    if (root[key]) {
      return reader.error(root[key], key,
                          "a job with query: takes its input and steps from the query; remove "
                          "this key");
    }
  }
  SLUICE_ASSIGN_OR_RETURN(std::string text, reader.scalar(query, "query"));
  query_line = query.Mark().line >= 0 ? query.Mark().line + 1 : 0;
  expr::ExprError error;
  if (!sql::compile_sql(text, compiled, error)) {
    return reader.error(query, "query", sql::format_sql_error(text, error.position, error.message));
  }
  if (compiled.job["output"] && root["output"]) {
    return reader.error(root["output"], "output",
                        "the query's COPY … TO says where to write already; remove output: or "
                        "write a SELECT");
  }
  YAML::Node expanded;
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    if (key != "query") expanded[key] = entry.second;
  }
  for (const auto& entry : compiled.job) expanded[entry.first.as<std::string>()] = entry.second;
  root = expanded;
  return Status::ok();
}

// An error in the sections a query made, told against the statement.
Status query_error(const Status& status, const std::string& source_file, int query_line,
                   const std::string& text, const sql::CompiledSql& compiled) {
  const size_t position = sql::position_of_key_error(compiled, status.message());
  if (position == std::string::npos) return status;
  std::string message = status.message();
  if (message.starts_with(source_file + ": ")) message.erase(0, source_file.size() + 2);
  return invalid_argument(source_file + ":" + std::to_string(query_line) +
                          ": query: " + sql::format_sql_error(text, position, message));
}

}  // namespace

Result<JobSpec> parse_job_spec(std::string_view yaml_text, const std::string& source_file) {
  SpecReader reader(source_file);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& error) {
    return invalid_argument(source_file + ":" + std::to_string(error.mark.line + 1) +
                            ": not valid YAML: " + error.msg);
  }
  JobSpec spec;
  spec.source_file = source_file;
  spec.source_text = std::string(yaml_text);
  sql::CompiledSql compiled;
  int query_line = 0;
  std::string query_text;
  try {
    SLUICE_RETURN_IF_ERROR(
        reader.only_keys(root, "",
                         {"name", "input", "schema", "steps", "output", "rejects", "max_attempts",
                          "speculative", "parallelism", "memory_per_task", "query"}));
    if (root["query"]) {
      query_text = root["query"].IsScalar() ? root["query"].Scalar() : "";
      SLUICE_RETURN_IF_ERROR(expand_query(reader, root, compiled, query_line));
      Status read = read_job_sections(reader, root, spec);
      if (!read.is_ok()) return query_error(read, source_file, query_line, query_text, compiled);
      for (size_t i = 0; i < spec.steps.size() && i < compiled.step_clauses.size(); ++i) {
        StepSpec& step = spec.steps[i];
        step.where = SpecLocation{source_file, query_line, "query: " + compiled.step_clauses[i]};
        for (NamedExpr& named : step.exprs) {
          named.where = SpecLocation{source_file, query_line,
                                     "query: " + compiled.step_clauses[i] + " " + named.name};
        }
        for (NamedExpr& named : step.aggregate.aggs) named.where = step.where;
      }
    } else {
      SLUICE_RETURN_IF_ERROR(read_job_sections(reader, root, spec));
    }
    if (root["rejects"])
      SLUICE_RETURN_IF_ERROR(read_rejects(reader, root["rejects"], spec.rejects));
    if (root["speculative"]) {
      SLUICE_ASSIGN_OR_RETURN(spec.speculative, reader.boolean(root["speculative"], "speculative"));
    }
    if (root["parallelism"]) {
      SLUICE_ASSIGN_OR_RETURN(double buckets, reader.number(root["parallelism"], "parallelism"));
      if (buckets < 1 || buckets > limits::kBucketsMax ||
          buckets != static_cast<uint32_t>(buckets)) {
        return reader.error(
            root["parallelism"], "parallelism",
            fmt::format("must be a whole number from 1 to {}", limits::kBucketsMax));
      }
      spec.parallelism = static_cast<uint32_t>(buckets);
    }
    spec.memory_per_task_bytes = limits::kMemoryPerTaskDefault;
    if (root["memory_per_task"]) {
      SLUICE_ASSIGN_OR_RETURN(spec.memory_per_task_bytes,
                              reader.size(root["memory_per_task"], "memory_per_task"));
      if (spec.memory_per_task_bytes < limits::kMemoryPerTaskMin) {
        return reader.error(root["memory_per_task"], "memory_per_task",
                            fmt::format("must be at least {} bytes", limits::kMemoryPerTaskMin));
      }
    }
    spec.max_attempts = limits::kAttemptsDefault;
    if (root["max_attempts"]) {
      SLUICE_ASSIGN_OR_RETURN(double attempts, reader.number(root["max_attempts"], "max_attempts"));
      if (attempts < 1 || attempts > 100) {
        return reader.error(root["max_attempts"], "max_attempts", "must be between 1 and 100");
      }
      spec.max_attempts = static_cast<uint32_t>(attempts);
    }
  } catch (const YAML::Exception& error) {
    return invalid_argument(source_file + ":" + std::to_string(error.mark.line + 1) + ": " +
                            error.msg);
  }
  return spec;
}

Result<JobSpec> load_job_spec(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return not_found("cannot read job file " + path);
  std::stringstream text;
  text << file.rdbuf();
  if (text.str().size() > static_cast<size_t>(limits::kJobSpecBytesMax)) {
    return invalid_argument(path + ": job file larger than " +
                            std::to_string(limits::kJobSpecBytesMax) + " bytes");
  }
  return parse_job_spec(text.str(), path);
}

}  // namespace sluice
