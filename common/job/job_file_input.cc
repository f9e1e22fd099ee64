// The job file's `input:` (files, or format: postgres) and `schema:` sections.
#include <algorithm>

#include "common/base/limits.h"
#include "common/job/job_file_reader.h"
#include "common/postgres/connection.h"
#include "common/s3/location.h"

namespace sluice {
namespace {

// format: postgres — a query read by key ranges (docs/POSTGRES.md).
// `prefix`: "input" or a join's "steps[i].join.input".
Status read_postgres_input(const SpecReader& reader, const YAML::Node& node, InputSpec& input,
                           const std::string& prefix) {
  input.format = InputFormat::kPostgres;
  for (const char* file_key :
       {"path", "header", "delimiter", "quote", "split_size", "max_record_size", "incremental",
        "on_change", "infer_types", "hive_partitioning", "hive_types", "s3"}) {
    if (node[file_key]) {
      return reader.error(node[file_key], prefix + "." + file_key,
                          "not used with format: postgres");
    }
  }
  for (const char* required : {"dsn", "query", "key"}) {
    const std::string key = prefix + "." + required;
    if (!node[required]) return reader.error(node, key, "missing (format: postgres)");
    SLUICE_ASSIGN_OR_RETURN(std::string value, reader.scalar(node[required], key));
    if (value.empty()) return reader.error(node[required], key, "empty");
    if (std::string_view(required) == "dsn") input.dsn = value;
    if (std::string_view(required) == "query") input.query = value;
    if (std::string_view(required) == "key") input.key = value;
  }
  Status dsn_ok = check_postgres_dsn(input.dsn);
  if (!dsn_ok.is_ok()) return reader.error(node["dsn"], prefix + ".dsn", dsn_ok.message());
  auto whole = [&](const char* name, uint64_t fallback, uint64_t most) -> Result<uint64_t> {
    const std::string key = prefix + "." + name;
    if (!node[name]) return fallback;
    SLUICE_ASSIGN_OR_RETURN(double value, reader.number(node[name], key));
    if (value < 1 || value > static_cast<double>(most) ||
        value != static_cast<double>(static_cast<uint64_t>(value))) {
      return reader.error(node[name], key,
                          "must be a whole number between 1 and " + std::to_string(most));
    }
    return static_cast<uint64_t>(value);
  };
  SLUICE_ASSIGN_OR_RETURN(input.split_rows,
                          whole("split_rows", kPostgresSplitRowsDefault, kPostgresSplitRowsMax));
  SLUICE_ASSIGN_OR_RETURN(input.fetch_rows,
                          whole("fetch_rows", kPostgresFetchRowsDefault, kPostgresFetchRowsMax));
  if (node["password_file"] && node["password_env"]) {
    return reader.error(node["password_env"], prefix + ".password_env",
                        "give password_file or password_env, not both");
  }
  if (node["password_file"]) {
    SLUICE_ASSIGN_OR_RETURN(input.password_file,
                            reader.scalar(node["password_file"], prefix + ".password_file"));
    if (input.password_file.empty())
      return reader.error(node["password_file"], prefix + ".password_file", "empty");
  }
  if (node["password_env"]) {
    SLUICE_ASSIGN_OR_RETURN(input.password_env,
                            reader.scalar(node["password_env"], prefix + ".password_env"));
    if (input.password_env.empty())
      return reader.error(node["password_env"], prefix + ".password_env", "empty");
  }
  if (node["null_values"]) {
    SLUICE_ASSIGN_OR_RETURN(input.null_values,
                            reader.strings(node["null_values"], prefix + ".null_values"));
  }
  input.split_size_bytes = limits::kSplitBytesDefault;  // unused; keeps the invariants
  input.max_record_size_bytes = limits::kRecordBytesDefault;
  return Status::ok();
}

// input.hive_partitioning: true | false | auto, and input.hive_types:
// {key: type} (docs/INPUTS.md, "Hive-partitioned inputs").
Status read_hive_keys(const SpecReader& reader, const YAML::Node& node, InputSpec& input,
                      const std::string& key) {
  if (const YAML::Node on = node["hive_partitioning"]) {
    if (on.IsScalar() && on.Scalar() == "auto") {
      input.hive_partitioning.reset();
    } else {
      SLUICE_ASSIGN_OR_RETURN(input.hive_partitioning,
                              reader.boolean(on, key + ".hive_partitioning"));
    }
  }
  const YAML::Node types = node["hive_types"];
  if (!types) return Status::ok();
  if (!types.IsMap()) {
    return reader.error(types, key + ".hive_types", "expected a mapping of partition key to type");
  }
  if (input.hive_partitioning == false) {
    return reader.error(types, key + ".hive_types", "given with hive_partitioning: false");
  }
  for (const auto& entry : types) {
    const std::string name = entry.first.as<std::string>();
    SLUICE_ASSIGN_OR_RETURN(std::string type,
                            reader.scalar(entry.second, key + ".hive_types." + name));
    static const std::vector<std::string> kTypes = {"string", "int32", "int64",     "float64",
                                                    "bool",   "date",  "timestamp", "category"};
    if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
      return reader.error(entry.second, key + ".hive_types." + name,
                          "unknown type '" + type +
                              "' (string, int32, int64, float64, bool, date, timestamp, "
                              "category)");
    }
    input.hive_types.emplace_back(name, type);
  }
  return Status::ok();
}

}  // namespace

Status read_input(const SpecReader& reader, const YAML::Node& node, InputSpec& input,
                  const std::string& key) {
  if (key != "input") {
    // A join's right input: files or a postgres query, with its own schema
    // gate inside; not incremental.
    SLUICE_RETURN_IF_ERROR(
        reader.only_keys(node, key,
                         {"path", "format", "header", "delimiter", "quote", "split_size",
                          "max_record_size", "null_values", "schema", "dsn", "query", "key",
                          "split_rows", "fetch_rows", "password_file", "password_env", "s3"}));
  } else {
    SLUICE_RETURN_IF_ERROR(reader.only_keys(node, "input",
                                            {"path",
                                             "format",
                                             "header",
                                             "delimiter",
                                             "quote",
                                             "split_size",
                                             "max_record_size",
                                             "null_values",
                                             "dsn",
                                             "query",
                                             "key",
                                             "split_rows",
                                             "fetch_rows",
                                             "password_file",
                                             "password_env",
                                             "incremental",
                                             "on_change",
                                             "infer_types",
                                             "hive_partitioning",
                                             "hive_types",
                                             "s3"}));
  }
  // Incremental runs (docs/ARCHITECTURE.md): read before the format's own
  // keys; check_job refuses them where they do not apply.
  if (node["incremental"]) {
    SLUICE_ASSIGN_OR_RETURN(input.incremental,
                            reader.boolean(node["incremental"], key + ".incremental"));
  }
  if (node["on_change"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string mode, reader.scalar(node["on_change"], key + ".on_change"));
    if (mode != "report" && mode != "reprocess") {
      return reader.error(node["on_change"], key + ".on_change",
                          "expected report or reprocess, found '" + mode + "'");
    }
    if (!input.incremental) {
      return reader.error(node["on_change"], key + ".on_change", "needs input.incremental: true");
    }
    input.reprocess_changed = mode == "reprocess";
  }
  if (node["format"] && node["format"].IsScalar() && node["format"].Scalar() == "postgres") {
    return read_postgres_input(reader, node, input, key);
  }
  if (!node["path"]) return reader.error(node, key + ".path", "missing");
  SLUICE_ASSIGN_OR_RETURN(input.paths, reader.strings(node["path"], key + ".path"));
  if (input.paths.empty()) return reader.error(node["path"], key + ".path", "empty");
  if (node["format"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string format, reader.scalar(node["format"], key + ".format"));
    if (format == "csv") {
      input.format = InputFormat::kCsv;
    } else if (format == "jsonl") {
      input.format = InputFormat::kJsonl;
    } else if (format == "parquet") {
      input.format = InputFormat::kParquet;
    } else {
      return reader.error(node["format"], key + ".format",
                          "expected csv, jsonl, parquet or postgres, found '" + format + "'");
    }
  }
  if (input.format == InputFormat::kParquet) {
    // A Parquet file carries its own columns and types (docs/INPUTS.md).
    for (const char* text_key : {"header", "delimiter", "quote"}) {
      if (node[text_key]) {
        return reader.error(node[text_key], key + "." + text_key, "not used with format: parquet");
      }
    }
  }
  if (node["header"]) {
    SLUICE_ASSIGN_OR_RETURN(input.header, reader.boolean(node["header"], key + ".header"));
    input.header_given = true;
  }
  if (node["infer_types"]) {
    SLUICE_ASSIGN_OR_RETURN(input.infer_types,
                            reader.boolean(node["infer_types"], key + ".infer_types"));
    if (input.infer_types && input.format != InputFormat::kCsv) {
      return reader.error(node["infer_types"], key + ".infer_types", "for csv inputs only");
    }
    if (input.infer_types && input.incremental) {
      return reader.error(node["infer_types"], key + ".infer_types",
                          "not with input.incremental (each run would sample anew and could "
                          "type a column differently): pin the types under schema: (sluice "
                          "describe prints them)");
    }
  }
  if (node["delimiter"]) {
    SLUICE_ASSIGN_OR_RETURN(input.delimiter,
                            reader.single_char(node["delimiter"], key + ".delimiter"));
    input.delimiter_given = true;
  }
  if (node["quote"]) {
    SLUICE_ASSIGN_OR_RETURN(input.quote, reader.single_char(node["quote"], key + ".quote"));
    input.quote_given = true;
  }
  if (input.quote == input.delimiter) {
    return reader.error(node, key + ".quote", "the quote and the delimiter must differ");
  }
  input.split_size_bytes = limits::kSplitBytesDefault;
  if (node["split_size"]) {
    SLUICE_ASSIGN_OR_RETURN(input.split_size_bytes,
                            reader.size(node["split_size"], key + ".split_size"));
    if (input.split_size_bytes < limits::kSplitBytesMin) {
      return reader.error(node["split_size"], key + ".split_size",
                          "must be at least " + std::to_string(limits::kSplitBytesMin) + " bytes");
    }
  }
  input.max_record_size_bytes = limits::kRecordBytesDefault;
  if (node["max_record_size"]) {
    SLUICE_ASSIGN_OR_RETURN(input.max_record_size_bytes,
                            reader.size(node["max_record_size"], key + ".max_record_size"));
    if (input.max_record_size_bytes == 0 || input.max_record_size_bytes > limits::kRecordBytesMax) {
      return reader.error(
          node["max_record_size"], key + ".max_record_size",
          "must be between 1 byte and " + std::to_string(limits::kRecordBytesMax >> 20) + " MiB");
    }
  }
  if (node["null_values"]) {
    SLUICE_ASSIGN_OR_RETURN(input.null_values,
                            reader.strings(node["null_values"], key + ".null_values"));
  }
  if (node["s3"])
    SLUICE_RETURN_IF_ERROR(read_s3_options(reader, node["s3"], key + ".s3", input.s3));
  return read_hive_keys(reader, node, input, key);
}

Status read_s3_options(const SpecReader& reader, const YAML::Node& node, const std::string& key,
                       S3Options& options) {
  if (!node.IsMap()) return reader.error(node, key, "expected a mapping (endpoint, region, ...)");
  SLUICE_RETURN_IF_ERROR(reader.only_keys(
      node, key, {"endpoint", "region", "credentials_file", "profile", "url_style"}));
  if (node["endpoint"]) {
    SLUICE_ASSIGN_OR_RETURN(options.endpoint, reader.scalar(node["endpoint"], key + ".endpoint"));
  }
  if (node["region"]) {
    SLUICE_ASSIGN_OR_RETURN(options.region, reader.scalar(node["region"], key + ".region"));
  }
  if (node["credentials_file"]) {
    SLUICE_ASSIGN_OR_RETURN(options.credentials_file,
                            reader.scalar(node["credentials_file"], key + ".credentials_file"));
    if (options.credentials_file.empty()) {
      return reader.error(node["credentials_file"], key + ".credentials_file", "empty");
    }
  }
  if (node["profile"]) {
    SLUICE_ASSIGN_OR_RETURN(options.profile, reader.scalar(node["profile"], key + ".profile"));
  }
  if (node["url_style"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string style,
                            reader.scalar(node["url_style"], key + ".url_style"));
    if (style != "path" && style != "vhost") {
      return reader.error(node["url_style"], key + ".url_style",
                          "expected path or vhost, found '" + style + "'");
    }
    options.path_style = style == "path";
  }
  // The endpoint and region are checked as the client will use them.
  auto settings = resolve_s3_settings(options);
  if (!settings.is_ok()) return reader.error(node, key, settings.status().message());
  return Status::ok();
}

Status read_schema(const SpecReader& reader, const YAML::Node& node, SchemaSpec& schema,
                   const std::string& key_prefix) {
  SLUICE_RETURN_IF_ERROR(reader.only_keys(node, key_prefix, {"on_error", "columns"}));
  if (node["on_error"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string mode,
                            reader.scalar(node["on_error"], key_prefix + ".on_error"));
    if (mode != "reject" && mode != "fail") {
      return reader.error(node["on_error"], key_prefix + ".on_error",
                          "expected reject or fail, found '" + mode + "'");
    }
    schema.fail_on_error = mode == "fail";
  }
  const YAML::Node columns = node["columns"];
  if (!columns) return Status::ok();
  if (!columns.IsMap())
    return reader.error(columns, key_prefix + ".columns", "expected a mapping of column to rules");
  static const std::vector<std::string> kTypes = {"string", "int32", "int64",     "float64",
                                                  "bool",   "date",  "timestamp", "category"};
  for (const auto& entry : columns) {
    ColumnRule rule;
    rule.name = entry.first.as<std::string>();
    const std::string key = key_prefix + ".columns." + rule.name;
    rule.where = reader.where(entry.first, key);
    const YAML::Node& rules = entry.second;
    if (rules.IsScalar()) {
      rule.type = rules.Scalar();
    } else {
      SLUICE_RETURN_IF_ERROR(reader.only_keys(
          rules, key, {"type", "format", "min", "max", "values", "pattern", "nullable"}));
      if (rules["type"]) {
        SLUICE_ASSIGN_OR_RETURN(rule.type, reader.scalar(rules["type"], key + ".type"));
      }
      if (rules["format"]) {
        SLUICE_ASSIGN_OR_RETURN(rule.format, reader.scalar(rules["format"], key + ".format"));
      }
      if (rules["min"]) {
        SLUICE_ASSIGN_OR_RETURN(rule.min, reader.number(rules["min"], key + ".min"));
      }
      if (rules["max"]) {
        SLUICE_ASSIGN_OR_RETURN(rule.max, reader.number(rules["max"], key + ".max"));
      }
      if (rules["values"]) {
        SLUICE_ASSIGN_OR_RETURN(rule.values, reader.strings(rules["values"], key + ".values"));
      }
      if (rules["pattern"]) {
        SLUICE_ASSIGN_OR_RETURN(rule.pattern, reader.scalar(rules["pattern"], key + ".pattern"));
      }
      if (rules["nullable"]) {
        SLUICE_ASSIGN_OR_RETURN(rule.nullable,
                                reader.boolean(rules["nullable"], key + ".nullable"));
      }
    }
    bool known_type = false;
    for (const std::string& type : kTypes) known_type = known_type || type == rule.type;
    if (!known_type) {
      return reader.error(entry.second, key + ".type",
                          "unknown type '" + rule.type +
                              "' (string, int32, int64, float64, bool, date, timestamp, category)");
    }
    schema.columns.push_back(std::move(rule));
  }
  return Status::ok();
}

}  // namespace sluice
