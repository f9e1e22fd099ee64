#include "common/job/job_spec.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "common/base/limits.h"
#include "common/base/units.h"
#include "common/postgres/connection.h"

namespace sluice {
namespace {

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

// format: postgres — a query read by key ranges (docs/POSTGRES.md).
Status read_postgres_input(const SpecReader& reader, const YAML::Node& node, InputSpec& input) {
  input.format = InputFormat::kPostgres;
  for (const char* file_key : {"path", "header", "delimiter", "quote", "split_size",
                               "max_record_size", "incremental", "on_change"}) {
    if (node[file_key]) {
      return reader.error(node[file_key], std::string("input.") + file_key,
                          "not used with format: postgres");
    }
  }
  for (const char* required : {"dsn", "query", "key"}) {
    const std::string key = std::string("input.") + required;
    if (!node[required]) return reader.error(node, key, "missing (format: postgres)");
    SLUICE_ASSIGN_OR_RETURN(std::string value, reader.scalar(node[required], key));
    if (value.empty()) return reader.error(node[required], key, "empty");
    if (std::string_view(required) == "dsn") input.dsn = value;
    if (std::string_view(required) == "query") input.query = value;
    if (std::string_view(required) == "key") input.key = value;
  }
  Status dsn_ok = check_postgres_dsn(input.dsn);
  if (!dsn_ok.is_ok()) return reader.error(node["dsn"], "input.dsn", dsn_ok.message());
  auto whole = [&](const char* name, uint64_t fallback, uint64_t most) -> Result<uint64_t> {
    const std::string key = std::string("input.") + name;
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
    return reader.error(node["password_env"], "input.password_env",
                        "give password_file or password_env, not both");
  }
  if (node["password_file"]) {
    SLUICE_ASSIGN_OR_RETURN(input.password_file,
                            reader.scalar(node["password_file"], "input.password_file"));
    if (input.password_file.empty())
      return reader.error(node["password_file"], "input.password_file", "empty");
  }
  if (node["password_env"]) {
    SLUICE_ASSIGN_OR_RETURN(input.password_env,
                            reader.scalar(node["password_env"], "input.password_env"));
    if (input.password_env.empty())
      return reader.error(node["password_env"], "input.password_env", "empty");
  }
  if (node["null_values"]) {
    SLUICE_ASSIGN_OR_RETURN(input.null_values,
                            reader.strings(node["null_values"], "input.null_values"));
  }
  input.split_size_bytes = limits::kSplitBytesDefault;  // unused; keeps the invariants
  input.max_record_size_bytes = limits::kRecordBytesDefault;
  return Status::ok();
}

Status read_input(const SpecReader& reader, const YAML::Node& node, InputSpec& input) {
  SLUICE_RETURN_IF_ERROR(reader.only_keys(
      node, "input",
      {"path", "format", "header", "delimiter", "quote", "split_size", "max_record_size",
       "null_values", "dsn", "query", "key", "split_rows", "fetch_rows", "password_file",
       "password_env", "incremental", "on_change"}));
  // Incremental runs (docs/ARCHITECTURE.md): read before the format's own
  // keys; check_job refuses them where they do not apply.
  if (node["incremental"]) {
    SLUICE_ASSIGN_OR_RETURN(input.incremental,
                            reader.boolean(node["incremental"], "input.incremental"));
  }
  if (node["on_change"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string mode, reader.scalar(node["on_change"], "input.on_change"));
    if (mode != "report" && mode != "reprocess") {
      return reader.error(node["on_change"], "input.on_change",
                          "expected report or reprocess, found '" + mode + "'");
    }
    if (!input.incremental) {
      return reader.error(node["on_change"], "input.on_change", "needs input.incremental: true");
    }
    input.reprocess_changed = mode == "reprocess";
  }
  if (node["format"] && node["format"].IsScalar() && node["format"].Scalar() == "postgres") {
    return read_postgres_input(reader, node, input);
  }
  if (!node["path"]) return reader.error(node, "input.path", "missing");
  SLUICE_ASSIGN_OR_RETURN(input.paths, reader.strings(node["path"], "input.path"));
  if (input.paths.empty()) return reader.error(node["path"], "input.path", "empty");
  if (node["format"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string format, reader.scalar(node["format"], "input.format"));
    if (format == "csv") {
      input.format = InputFormat::kCsv;
    } else if (format == "jsonl") {
      input.format = InputFormat::kJsonl;
    } else {
      return reader.error(node["format"], "input.format",
                          "expected csv, jsonl or postgres, found '" + format + "'");
    }
  }
  if (node["header"]) {
    SLUICE_ASSIGN_OR_RETURN(input.header, reader.boolean(node["header"], "input.header"));
  }
  if (node["delimiter"]) {
    SLUICE_ASSIGN_OR_RETURN(input.delimiter,
                            reader.single_char(node["delimiter"], "input.delimiter"));
  }
  if (node["quote"]) {
    SLUICE_ASSIGN_OR_RETURN(input.quote, reader.single_char(node["quote"], "input.quote"));
  }
  if (input.quote == input.delimiter) {
    return reader.error(node, "input.quote", "the quote and the delimiter must differ");
  }
  input.split_size_bytes = limits::kSplitBytesDefault;
  if (node["split_size"]) {
    SLUICE_ASSIGN_OR_RETURN(input.split_size_bytes,
                            reader.size(node["split_size"], "input.split_size"));
    if (input.split_size_bytes < limits::kSplitBytesMin) {
      return reader.error(node["split_size"], "input.split_size",
                          "must be at least " + std::to_string(limits::kSplitBytesMin) + " bytes");
    }
  }
  input.max_record_size_bytes = limits::kRecordBytesDefault;
  if (node["max_record_size"]) {
    SLUICE_ASSIGN_OR_RETURN(input.max_record_size_bytes,
                            reader.size(node["max_record_size"], "input.max_record_size"));
    if (input.max_record_size_bytes == 0 || input.max_record_size_bytes > limits::kRecordBytesMax) {
      return reader.error(
          node["max_record_size"], "input.max_record_size",
          "must be between 1 byte and " + std::to_string(limits::kRecordBytesMax >> 20) + " MiB");
    }
  }
  if (node["null_values"]) {
    SLUICE_ASSIGN_OR_RETURN(input.null_values,
                            reader.strings(node["null_values"], "input.null_values"));
  }
  return Status::ok();
}

Status read_schema(const SpecReader& reader, const YAML::Node& node, SchemaSpec& schema) {
  SLUICE_RETURN_IF_ERROR(reader.only_keys(node, "schema", {"on_error", "columns"}));
  if (node["on_error"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string mode, reader.scalar(node["on_error"], "schema.on_error"));
    if (mode != "reject" && mode != "fail") {
      return reader.error(node["on_error"], "schema.on_error",
                          "expected reject or fail, found '" + mode + "'");
    }
    schema.fail_on_error = mode == "fail";
  }
  const YAML::Node columns = node["columns"];
  if (!columns) return Status::ok();
  if (!columns.IsMap())
    return reader.error(columns, "schema.columns", "expected a mapping of column to rules");
  static const std::vector<std::string> kTypes = {"string", "int32", "int64",     "float64",
                                                  "bool",   "date",  "timestamp", "category"};
  for (const auto& entry : columns) {
    ColumnRule rule;
    rule.name = entry.first.as<std::string>();
    const std::string key = "schema.columns." + rule.name;
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

Result<std::vector<NamedExpr>> read_named_exprs(const SpecReader& reader, const YAML::Node& node,
                                                const std::string& key, bool list_allowed) {
  std::vector<NamedExpr> exprs;
  if (list_allowed && node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string item_key = key + "[" + std::to_string(i) + "]";
      SLUICE_ASSIGN_OR_RETURN(std::string name, reader.scalar(node[i], item_key));
      std::string quoted = "\"";
      for (char c : name) {
        quoted += c;
        if (c == '"') quoted += '"';
      }
      quoted += '"';
      exprs.push_back(NamedExpr{name, quoted, reader.where(node[i], item_key)});
    }
    return exprs;
  }
  if (!node.IsMap()) {
    return reader.error(node, key,
                        list_allowed
                            ? "expected a list of columns or a mapping of name to expression"
                            : "expected a mapping of name to expression");
  }
  for (const auto& entry : node) {
    const std::string name = entry.first.as<std::string>();
    const std::string item_key = key + "." + name;
    SLUICE_ASSIGN_OR_RETURN(std::string expr, reader.scalar(entry.second, item_key));
    exprs.push_back(NamedExpr{name, expr, reader.where(entry.second, item_key)});
  }
  return exprs;
}

Status read_lookup(const SpecReader& reader, const YAML::Node& body, const std::string& key,
                   LookupSpec& lookup) {
  SLUICE_RETURN_IF_ERROR(reader.only_keys(body, key, {"path", "on", "columns", "duplicates"}));
  if (!body["path"]) return reader.error(body, key + ".path", "missing");
  SLUICE_ASSIGN_OR_RETURN(lookup.path, reader.scalar(body["path"], key + ".path"));
  if (lookup.path.empty()) return reader.error(body["path"], key + ".path", "empty");
  const YAML::Node on = body["on"];
  if (!on) return reader.error(body, key + ".on", "missing");
  if (!on.IsMap() || on.size() != 1) {
    return reader.error(on, key + ".on",
                        "expected one {column: lookup_column} pair, e.g. on: {state: code}");
  }
  lookup.left = on.begin()->first.as<std::string>();
  SLUICE_ASSIGN_OR_RETURN(lookup.right, reader.scalar(on.begin()->second, key + ".on"));
  if (!body["columns"]) return reader.error(body, key + ".columns", "missing");
  SLUICE_ASSIGN_OR_RETURN(lookup.columns, reader.strings(body["columns"], key + ".columns"));
  if (lookup.columns.empty()) return reader.error(body["columns"], key + ".columns", "empty");
  if (body["duplicates"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string mode,
                            reader.scalar(body["duplicates"], key + ".duplicates"));
    if (mode != "error" && mode != "first") {
      return reader.error(body["duplicates"], key + ".duplicates",
                          "expected error or first, found '" + mode + "'");
    }
    lookup.first_duplicate_wins = mode == "first";
  }
  return Status::ok();
}

Status read_exec(const SpecReader& reader, const YAML::Node& body, const std::string& key,
                 ExecSpec& exec) {
  SLUICE_RETURN_IF_ERROR(
      reader.only_keys(body, key, {"command", "columns", "batch_rows", "timeout", "max_attempts"}));
  if (!body["command"]) return reader.error(body, key + ".command", "missing");
  SLUICE_ASSIGN_OR_RETURN(exec.command, reader.strings(body["command"], key + ".command"));
  if (exec.command.empty() || exec.command[0].empty())
    return reader.error(body["command"], key + ".command", "empty");
  if (body["columns"]) {
    SLUICE_ASSIGN_OR_RETURN(exec.columns, reader.strings(body["columns"], key + ".columns"));
    if (exec.columns.empty()) return reader.error(body["columns"], key + ".columns", "empty");
  }
  exec.batch_rows = limits::kExecBatchRowsDefault;
  if (body["batch_rows"]) {
    SLUICE_ASSIGN_OR_RETURN(double rows, reader.number(body["batch_rows"], key + ".batch_rows"));
    if (rows < 1 || rows > static_cast<double>(limits::kBatchRowsMax) ||
        rows != static_cast<uint32_t>(rows)) {
      return reader.error(
          body["batch_rows"], key + ".batch_rows",
          "must be a whole number between 1 and " + std::to_string(limits::kBatchRowsMax));
    }
    exec.batch_rows = static_cast<uint32_t>(rows);
  }
  exec.timeout_ms = limits::kExecTimeoutMsDefault;
  if (body["timeout"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string text, reader.scalar(body["timeout"], key + ".timeout"));
    auto parsed = parse_duration_ms(text);
    if (!parsed.is_ok())
      return reader.error(body["timeout"], key + ".timeout", parsed.status().message());
    if (parsed.value() <= 0)
      return reader.error(body["timeout"], key + ".timeout", "must be positive");
    exec.timeout_ms = parsed.value();
  }
  exec.max_attempts = limits::kExecAttemptsDefault;
  if (body["max_attempts"]) {
    SLUICE_ASSIGN_OR_RETURN(double attempts,
                            reader.number(body["max_attempts"], key + ".max_attempts"));
    if (attempts < 1 || attempts > 10 || attempts != static_cast<uint32_t>(attempts)) {
      return reader.error(body["max_attempts"], key + ".max_attempts",
                          "must be a whole number between 1 and 10");
    }
    exec.max_attempts = static_cast<uint32_t>(attempts);
  }
  return Status::ok();
}

Status read_step(const SpecReader& reader, const YAML::Node& node, size_t index, StepSpec& step) {
  const std::string key = "steps[" + std::to_string(index) + "]";
  if (!node.IsMap() || node.size() != 1) {
    return reader.error(node, key,
                        "a step is a mapping with one key: filter, derive, select, drop, "
                        "aggregate, sort, lookup or exec");
  }
  const auto entry = *node.begin();
  const std::string kind = entry.first.as<std::string>();
  const YAML::Node body = entry.second;
  const std::string body_key = key + "." + kind;
  step.where = reader.where(body, body_key);
  if (kind == "filter") {
    step.kind = StepKind::kFilter;
    SLUICE_ASSIGN_OR_RETURN(step.expr, reader.scalar(body, body_key));
  } else if (kind == "derive") {
    step.kind = StepKind::kDerive;
    SLUICE_ASSIGN_OR_RETURN(step.exprs, read_named_exprs(reader, body, body_key, false));
  } else if (kind == "select") {
    step.kind = StepKind::kSelect;
    SLUICE_ASSIGN_OR_RETURN(step.exprs, read_named_exprs(reader, body, body_key, true));
  } else if (kind == "drop") {
    step.kind = StepKind::kDrop;
    SLUICE_ASSIGN_OR_RETURN(step.columns, reader.strings(body, body_key));
  } else if (kind == "aggregate") {
    step.kind = StepKind::kAggregate;
    SLUICE_RETURN_IF_ERROR(reader.only_keys(body, body_key, {"by", "aggs"}));
    if (body["by"]) {
      SLUICE_ASSIGN_OR_RETURN(step.aggregate.by, reader.strings(body["by"], body_key + ".by"));
    }
    if (!body["aggs"]) return reader.error(body, body_key + ".aggs", "missing");
    SLUICE_ASSIGN_OR_RETURN(step.aggregate.aggs,
                            read_named_exprs(reader, body["aggs"], body_key + ".aggs", false));
  } else if (kind == "sort") {
    step.kind = StepKind::kSort;
    if (!body.IsSequence())
      return reader.error(body, body_key, "expected a list of {column: asc|desc}");
    for (size_t i = 0; i < body.size(); ++i) {
      const std::string item_key = body_key + "[" + std::to_string(i) + "]";
      const YAML::Node item = body[i];
      SortKey sort_key;
      if (item.IsScalar()) {
        sort_key.column = item.Scalar();
      } else if (item.IsMap() && item.size() == 1) {
        sort_key.column = item.begin()->first.as<std::string>();
        SLUICE_ASSIGN_OR_RETURN(std::string order, reader.scalar(item.begin()->second, item_key));
        if (order != "asc" && order != "desc")
          return reader.error(item, item_key, "expected asc or desc");
        sort_key.descending = order == "desc";
      } else {
        return reader.error(item, item_key, "expected {column: asc|desc}");
      }
      step.sort.push_back(sort_key);
    }
  } else if (kind == "lookup") {
    step.kind = StepKind::kLookup;
    SLUICE_RETURN_IF_ERROR(read_lookup(reader, body, body_key, step.lookup));
  } else if (kind == "exec") {
    step.kind = StepKind::kExec;
    SLUICE_RETURN_IF_ERROR(read_exec(reader, body, body_key, step.exec));
  } else {
    return reader.error(entry.first, key, "unknown step '" + kind + "'");
  }
  return Status::ok();
}

Status read_output(const SpecReader& reader, const YAML::Node& node, OutputSpec& output) {
  SLUICE_RETURN_IF_ERROR(reader.only_keys(node, "output", {"path", "format", "compression"}));
  if (!node["path"]) return reader.error(node, "output.path", "missing");
  SLUICE_ASSIGN_OR_RETURN(output.path, reader.scalar(node["path"], "output.path"));
  if (output.path.empty()) return reader.error(node["path"], "output.path", "empty");
  if (node["format"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string format, reader.scalar(node["format"], "output.format"));
    if (format == "csv") {
      output.format = OutputFormat::kCsv;
    } else if (format == "jsonl") {
      output.format = OutputFormat::kJsonl;
    } else if (format == "parquet") {
      output.format = OutputFormat::kParquet;
    } else {
      return reader.error(node["format"], "output.format",
                          "expected csv, jsonl or parquet, found '" + format + "'");
    }
  }
  if (node["compression"]) {
    SLUICE_ASSIGN_OR_RETURN(std::string compression,
                            reader.scalar(node["compression"], "output.compression"));
    if (compression == "none") {
      output.compression = Compression::kNone;
    } else if (compression == "gzip") {
      output.compression = Compression::kGzip;
    } else if (compression == "zstd") {
      output.compression = Compression::kZstd;
    } else if (compression == "snappy") {
      output.compression = Compression::kSnappy;
    } else {
      return reader.error(node["compression"], "output.compression",
                          "expected none, gzip, zstd or snappy, found '" + compression + "'");
    }
    // Parquet compresses each page: gzip is not offered; snappy is Parquet's.
    const bool parquet = output.format == OutputFormat::kParquet;
    if (parquet && output.compression == Compression::kGzip) {
      return reader.error(node["compression"], "output.compression",
                          "parquet output takes none, snappy or zstd, found 'gzip'");
    }
    if (!parquet && output.compression == Compression::kSnappy) {
      return reader.error(node["compression"], "output.compression",
                          "snappy is for parquet output; csv and jsonl take none, gzip or zstd");
    }
  }
  return Status::ok();
}

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
    SLUICE_RETURN_IF_ERROR(reader.only_keys(
        root, "",
        {"name", "input", "schema", "steps", "output", "rejects", "max_attempts", "speculative"}));
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

std::string_view extension_of(OutputFormat format, Compression compression) {
  // A Parquet file is compressed inside (per page); its name does not change.
  if (format == OutputFormat::kParquet) return ".parquet";
  const bool jsonl = format == OutputFormat::kJsonl;
  switch (compression) {
    case Compression::kNone:
      return jsonl ? ".jsonl" : ".csv";
    case Compression::kGzip:
      return jsonl ? ".jsonl.gz" : ".csv.gz";
    case Compression::kZstd:
      return jsonl ? ".jsonl.zst" : ".csv.zst";
    case Compression::kSnappy:
      break;  // Parquet only
  }
  return ".csv";
}

}  // namespace sluice
