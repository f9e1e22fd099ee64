#include "common/job/hive_partitions.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "common/expr/datetime.h"
#include "common/expr/parse_value.h"
#include "common/job/infer_types.h"
#include "common/layout/hive_path.h"
#include "common/pipeline/pipeline.h"

namespace sluice {
namespace {

bool has_wildcard(std::string_view component) {
  return component.find_first_of("*?[") != std::string_view::npos;
}

// Whether `value` reads as `type` (the schema gate's parsers); types without
// a parser of their own (string, category) take anything.
bool fits_type(std::string_view value, const std::string& type) {
  if (type == "int64") return expr::parse_int64(value).has_value();
  if (type == "int32") {
    const auto parsed = expr::parse_int64(value);
    return parsed && *parsed >= INT32_MIN && *parsed <= INT32_MAX;
  }
  if (type == "float64") return expr::parse_float64(value).has_value();
  if (type == "bool") return expr::parse_bool(value).has_value();
  if (type == "date") return expr::parse_iso_date(value).has_value();
  if (type == "timestamp") return expr::parse_iso_timestamp(value).has_value();
  return true;
}

// The part of `path` below the longest of `roots` it is in ("" when none).
std::string_view below_root(std::string_view path, const std::vector<std::string>& roots) {
  size_t best = std::string_view::npos;
  for (const std::string& root : roots) {
    std::string_view prefix = root;
    while (prefix.size() > 1 && prefix.back() == '/') prefix.remove_suffix(1);
    if (path.size() > prefix.size() && path.substr(0, prefix.size()) == prefix &&
        (path[prefix.size()] == '/' || prefix == "/")) {
      if (best == std::string_view::npos || prefix.size() > best) best = prefix.size();
    }
  }
  if (best == std::string_view::npos) {
    const size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
  }
  return path.substr(best);
}

std::string keys_text(const std::vector<HiveSegment>& segments) {
  std::vector<std::string> keys;
  for (const HiveSegment& segment : segments) keys.push_back(segment.key);
  return keys.empty() ? std::string("none") : fmt::format("{}", fmt::join(keys, ", "));
}

}  // namespace

std::optional<HiveSegment> parse_hive_segment(std::string_view component) {
  const size_t equals = component.find('=');
  if (equals == std::string_view::npos || equals == 0) return std::nullopt;
  HiveSegment segment;
  segment.key = hive_unescape(component.substr(0, equals));
  const std::string_view value = component.substr(equals + 1);
  if (!value.empty() && value != kHiveDefaultPartition) segment.value = hive_unescape(value);
  return segment;
}

std::vector<HiveSegment> hive_segments_of(std::string_view relative_path) {
  std::vector<HiveSegment> segments;
  size_t begin = 0;
  while (true) {
    const size_t slash = relative_path.find('/', begin);
    if (slash == std::string_view::npos) break;  // the rest is the file's name
    if (auto segment = parse_hive_segment(relative_path.substr(begin, slash - begin))) {
      segments.push_back(std::move(*segment));
    }
    begin = slash + 1;
  }
  return segments;
}

std::string hive_root_of(const std::string& pattern, const std::string& base_dir) {
  const bool url = pattern.find("://") != std::string::npos;
  const std::string path = url ? pattern : absolute_path(pattern, base_dir);
  if (has_wildcard(path)) {
    // The directories before the first component with a wildcard.
    const size_t wildcard = path.find_first_of("*?[");
    const size_t slash = path.rfind('/', wildcard);
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
  }
  std::error_code error;
  if (!url && std::filesystem::is_directory(path, error)) return path;
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string hive_type_of(const std::vector<std::optional<std::string>>& values) {
  TypeVote vote;
  for (const std::optional<std::string>& value : values) {
    if (value) vote.add(*value);
  }
  const std::string type = vote.type();
  return type == "bool" ? std::string("string") : type;
}

Result<std::optional<HiveLayout>> discover_hive_layout(const JobSpec& spec,
                                                       const std::vector<InputFile>& files,
                                                       const std::string& base_dir) {
  const InputSpec& input = spec.input;
  const std::string where = spec.source_file + ": input.hive_partitioning: ";
  if (input.format == InputFormat::kPostgres || input.hive_partitioning == false || files.empty()) {
    return std::optional<HiveLayout>();
  }
  std::vector<std::string> roots;
  for (const std::string& pattern : input.paths) roots.push_back(hive_root_of(pattern, base_dir));
  std::vector<std::vector<HiveSegment>> segments;
  segments.reserve(files.size());
  for (const InputFile& file : files) {
    segments.push_back(hive_segments_of(below_root(file.path, roots)));
  }
  if (segments[0].empty()) {
    if (!input.hive_partitioning) return std::optional<HiveLayout>();  // auto: not partitioned
    return invalid_argument(where + "true, but " + files[0].path +
                            " has no key=value directory below its input path");
  }
  HiveLayout layout;
  for (const HiveSegment& segment : segments[0]) {
    if (std::find(layout.keys.begin(), layout.keys.end(), segment.key) != layout.keys.end()) {
      return invalid_argument(fmt::format("{}{} names the partition key '{}' twice", where,
                                          files[0].path, segment.key));
    }
    layout.keys.push_back(segment.key);
  }
  layout.values.resize(files.size());
  for (size_t f = 0; f < files.size(); ++f) {
    bool same = segments[f].size() == layout.keys.size();
    for (size_t k = 0; same && k < layout.keys.size(); ++k) {
      same = segments[f][k].key == layout.keys[k];
    }
    if (!same) {
      return invalid_argument(fmt::format(
          "{}every file must have the same partition keys in the same order: {} has {}, {} "
          "has {}",
          where, files[0].path, keys_text(segments[0]), files[f].path, keys_text(segments[f])));
    }
    for (HiveSegment& segment : segments[f]) layout.values[f].push_back(std::move(segment.value));
  }
  for (const auto& [key, type] : input.hive_types) {
    if (std::find(layout.keys.begin(), layout.keys.end(), key) == layout.keys.end()) {
      return invalid_argument(fmt::format("{}input.hive_types: '{}' is not a partition key ({})",
                                          spec.source_file, key, fmt::join(layout.keys, ", ")));
    }
  }
  for (size_t k = 0; k < layout.keys.size(); ++k) {
    std::vector<std::optional<std::string>> column;
    for (const auto& values : layout.values) column.push_back(values[k]);
    std::string type;
    for (const auto& [key, given] : input.hive_types) {
      if (key == layout.keys[k]) type = given;
    }
    if (type.empty() && spec.schema) {
      for (const ColumnRule& rule : spec.schema->columns) {
        if (rule.name == layout.keys[k]) type = rule.type;
      }
    }
    if (type.empty()) type = hive_type_of(column);
    for (size_t f = 0; f < files.size(); ++f) {
      if (column[f] && !fits_type(*column[f], type)) {
        return invalid_argument(fmt::format(
            "{}input.hive_types: {}: '{}' does not read as {} ({}={})", spec.source_file,
            files[f].path, *column[f], type, layout.keys[k], *column[f]));
      }
    }
    layout.types.push_back(std::move(type));
  }
  return std::optional<HiveLayout>(std::move(layout));
}

Status apply_hive_partitioning(JobSpec& spec, const std::string& base_dir,
                               std::vector<ColumnRule>* added) {
  InputSpec& input = spec.input;
  if (input.format == InputFormat::kPostgres) {
    if (input.hive_partitioning.value_or(false)) {
      return invalid_argument(spec.source_file +
                              ": input.hive_partitioning: not used with format: postgres");
    }
    return Status::ok();
  }
  if (input.hive_partitioning == false) return Status::ok();
  auto files = resolve_inputs(input.paths, base_dir, input_s3_options(input, base_dir));
  if (!files.is_ok()) {
    return invalid_argument(spec.source_file + ": input.path: " + files.status().message());
  }
  SLUICE_ASSIGN_OR_RETURN(std::optional<HiveLayout> layout,
                          discover_hive_layout(spec, files.value(), base_dir));
  if (!layout) {
    input.hive_partitioning = false;
    input.hive_types.clear();
    return Status::ok();
  }
  input.hive_partitioning = true;
  input.hive_types.clear();
  for (size_t k = 0; k < layout->keys.size(); ++k) {
    input.hive_types.emplace_back(layout->keys[k], layout->types[k]);
  }
  // The keys the steps read take their type through the schema gate (its
  // parsers, NULLs and errors), as input.infer_types' columns do.
  const std::vector<std::string> read = columns_read_by_steps(spec);
  for (size_t k = 0; k < layout->keys.size(); ++k) {
    const std::string& key = layout->keys[k];
    if (layout->types[k] == "string") continue;
    if (std::find(read.begin(), read.end(), key) == read.end()) continue;
    if (spec.schema && std::any_of(spec.schema->columns.begin(), spec.schema->columns.end(),
                                   [&](const ColumnRule& rule) { return rule.name == key; })) {
      continue;
    }
    if (!spec.schema) spec.schema.emplace();
    ColumnRule rule;
    rule.name = key;
    rule.type = layout->types[k];
    spec.schema->columns.push_back(rule);
    if (added != nullptr) added->push_back(rule);
  }
  return Status::ok();
}

Result<std::vector<std::optional<std::string>>> hive_values_of(const InputSpec& input,
                                                               const std::string& path) {
  const std::vector<std::string> keys = hive_keys(input);
  std::vector<HiveSegment> segments = hive_segments_of(path);
  bool same = segments.size() >= keys.size();
  const size_t first = same ? segments.size() - keys.size() : 0;
  for (size_t k = 0; same && k < keys.size(); ++k) same = segments[first + k].key == keys[k];
  if (!same) {
    return invalid_argument(
        fmt::format("input {}: expected the partition directories {} (input.hive_types), found {}",
                    path, fmt::join(keys, ", "), keys_text(segments)));
  }
  std::vector<std::optional<std::string>> values;
  for (size_t k = 0; k < keys.size(); ++k) values.push_back(std::move(segments[first + k].value));
  return values;
}

}  // namespace sluice

namespace sluice {

Result<std::string> pin_hive_partitioning(const std::string& spec_yaml, const InputSpec& input,
                                          const InferredSchema& added) {
  // pin_inferred_types writes the query's sections out and the rules in.
  SLUICE_ASSIGN_OR_RETURN(std::string pinned, pin_inferred_types(spec_yaml, added));
  try {
    YAML::Node root = YAML::Load(pinned);
    YAML::Node schema = root["schema"];
    if (schema && schema.IsMap() && schema.size() == 1 && schema["columns"] &&
        schema["columns"].IsMap() && schema["columns"].size() == 0) {
      root.remove("schema");  // no rule added and none written: no schema gate
    }
    YAML::Node input_node = root["input"];
    input_node["hive_partitioning"] = input.hive_partitioning.value_or(false);
    if (input_node["hive_types"]) input_node.remove("hive_types");
    YAML::Node types(YAML::NodeType::Map);
    for (const auto& [key, type] : input.hive_types) types[key] = type;
    if (!input.hive_types.empty()) input_node["hive_types"] = types;
    YAML::Emitter out;
    out << root;
    if (!out.good()) return internal_error("pinning hive partitioning: " + out.GetLastError());
    return std::string(out.c_str()) + "\n";
  } catch (const YAML::Exception& error) {
    return invalid_argument(std::string("pinning hive partitioning: ") + error.what());
  }
}

}  // namespace sluice
