// The job file's top level: its keys, `rejects:`, `max_attempts:` and
// `speculative:`, with the sections read by job_spec_input.cc,
// job_spec_steps.cc and job_spec_output.cc; and loading the file.
#include "common/job/job_spec.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "common/base/limits.h"
#include "common/job/job_spec_reader.h"

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

}  // namespace

std::string SpecLocation::to_string() const {
  std::string text = file;
  if (line > 0) text += ":" + std::to_string(line);
  if (!key.empty()) text += ": " + key;
  return text;
}

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
  try {
    SLUICE_RETURN_IF_ERROR(
        reader.only_keys(root, "",
                         {"name", "input", "schema", "steps", "output", "rejects", "max_attempts",
                          "speculative", "parallelism", "memory_per_task"}));
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
