#pragma once
// Internal to the job file parser (job_spec*.cc): SpecReader, which reads
// YAML values and builds errors naming the file, line and key at fault, and
// the readers of the file's sections.

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/base/units.h"
#include "common/spec/job_spec.h"

namespace sluice {

// Builds errors that name the file, line and key at fault.
class SpecReader {
 public:
  explicit SpecReader(std::string file) : file_(std::move(file)) {}

  SpecLocation where(const YAML::Node& node, const std::string& key) const {
    SpecLocation location;
    location.file = file_;
    location.key = key;
    if (node.IsDefined() && node.Mark().line >= 0) location.line = node.Mark().line + 1;
    return location;
  }

  Status error(const YAML::Node& node, const std::string& key, const std::string& message) const {
    return invalid_argument(where(node, key).to_string() + ": " + message);
  }

  Result<std::string> scalar(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) return error(node, key, "expected a single value");
    return node.Scalar();
  }

  Result<bool> boolean(const YAML::Node& node, const std::string& key) const {
    SLUICE_ASSIGN_OR_RETURN(std::string text, scalar(node, key));
    if (text == "true" || text == "True" || text == "yes") return true;
    if (text == "false" || text == "False" || text == "no") return false;
    return error(node, key, "expected true or false, found '" + text + "'");
  }

  Result<char> single_char(const YAML::Node& node, const std::string& key) const {
    SLUICE_ASSIGN_OR_RETURN(std::string text, scalar(node, key));
    if (text == "\\t" || text == "tab") return '\t';
    if (text.size() != 1) return error(node, key, "expected one character, found '" + text + "'");
    return text[0];
  }

  Result<uint64_t> size(const YAML::Node& node, const std::string& key) const {
    SLUICE_ASSIGN_OR_RETURN(std::string text, scalar(node, key));
    auto parsed = parse_size_bytes(text);
    if (!parsed.is_ok()) return error(node, key, parsed.status().message());
    return parsed.value();
  }

  Result<double> number(const YAML::Node& node, const std::string& key) const {
    SLUICE_ASSIGN_OR_RETURN(std::string text, scalar(node, key));
    try {
      size_t used = 0;
      double value = std::stod(text, &used);
      if (used == text.size()) return value;
    } catch (const std::exception&) {
    }
    return error(node, key, "expected a number, found '" + text + "'");
  }

  Result<std::vector<std::string>> strings(const YAML::Node& node, const std::string& key) const {
    std::vector<std::string> values;
    if (node.IsScalar()) {
      values.push_back(node.Scalar());
      return values;
    }
    if (!node.IsSequence()) return error(node, key, "expected a value or a list of values");
    for (size_t i = 0; i < node.size(); ++i) {
      SLUICE_ASSIGN_OR_RETURN(std::string value,
                              scalar(node[i], key + "[" + std::to_string(i) + "]"));
      values.push_back(std::move(value));
    }
    return values;
  }

  // Rejects keys that are not in `known`, so typos are not silently ignored.
  Status only_keys(const YAML::Node& node, const std::string& key,
                   std::initializer_list<std::string_view> known) const {
    if (!node.IsMap()) return error(node, key, "expected a mapping");
    for (const auto& entry : node) {
      const std::string name = entry.first.as<std::string>();
      bool found = false;
      for (std::string_view candidate : known) found = found || candidate == name;
      if (!found) {
        std::string path = key.empty() ? name : key + "." + name;
        return error(entry.first, path, "unknown key");
      }
    }
    return Status::ok();
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

// The sections of a job file (job_file_input.cc: input and schema;
// job_file_steps.cc: steps[i]; job_file_output.cc: output).
// `key`: where the section is ("input", or a join's "steps[2].join.input"),
// for messages.
// input.s3 / output.s3: {endpoint, region, credentials_file, profile,
// url_style: path | vhost} (docs/INPUTS.md, "S3").
Status read_s3_options(const SpecReader& reader, const YAML::Node& node, const std::string& key,
                       S3Options& options);
Status read_input(const SpecReader& reader, const YAML::Node& node, InputSpec& input,
                  const std::string& key = "input");
Status read_schema(const SpecReader& reader, const YAML::Node& node, SchemaSpec& schema,
                   const std::string& key_prefix = "schema");
// steps[i].join (job_file_join.cc).
Status read_join(const SpecReader& reader, const YAML::Node& body, const std::string& key,
                 JoinSpec& join);
Status read_step(const SpecReader& reader, const YAML::Node& node, size_t index, StepSpec& step);
Status read_output(const SpecReader& reader, const YAML::Node& node, OutputSpec& output);

}  // namespace sluice
