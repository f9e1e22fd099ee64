// FROM's sources and COPY's options, as a job file's `input:`, `schema:`
// and `output:` (docs/SQL.md, "Inputs" and "COPY").
#include "common/sql/sources.h"

#include <fmt/format.h>

#include <string_view>

namespace sluice::sql {
namespace {

using Kind = SqlValue::Kind;

bool fail(expr::ExprError& error, size_t position, std::string message) {
  error = {position, std::move(message)};
  return false;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// A path's format from its name, as DuckDB guesses it (compression aside).
const char* format_of_path(std::string path) {
  for (std::string_view compressed : {".gz", ".zst"}) {
    if (ends_with(path, compressed)) path.resize(path.size() - compressed.size());
  }
  for (std::string_view json : {".json", ".jsonl", ".ndjson"}) {
    if (ends_with(path, json)) return "jsonl";
  }
  if (ends_with(path, ".parquet")) return "parquet";
  return "csv";
}

// A scalar option's text: 'text', a number or a bare word (true).
bool scalar(const SqlOption& option, std::string& out, expr::ExprError& error) {
  if (option.value.kind == Kind::kList || option.value.kind == Kind::kMap) {
    return fail(error, option.value.position,
                fmt::format("{} takes one value, not a list or a map", option.name));
  }
  out = option.value.text;
  return true;
}

// DuckDB's type names, and sluice's own (docs/REFERENCE.md, "Types").
const char* type_of(std::string name) {
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  static constexpr std::pair<std::string_view, const char*> kTypes[] = {
      {"varchar", "string"},   {"string", "string"},       {"text", "string"},
      {"integer", "int32"},    {"int", "int32"},           {"int4", "int32"},
      {"int32", "int32"},      {"bigint", "int64"},        {"int8", "int64"},
      {"int64", "int64"},      {"long", "int64"},          {"double", "float64"},
      {"float8", "float64"},   {"float", "float64"},       {"real", "float64"},
      {"float64", "float64"},  {"boolean", "bool"},        {"bool", "bool"},
      {"date", "date"},        {"timestamp", "timestamp"}, {"datetime", "timestamp"},
      {"category", "category"}};
  for (const auto& [sql_name, type] : kTypes) {
    if (sql_name == name) return type;
  }
  return nullptr;
}

// `types=` into schema.columns (or, with `section` hive_types, into the
// input's hive_types).
bool schema_columns(const SqlOption& option, YAML::Node& schema, const std::string& schema_key,
                    CompiledSql& compiled, expr::ExprError& error,
                    const std::string& section = "columns") {
  if (option.value.kind != Kind::kMap) {
    return fail(error, option.value.position,
                fmt::format("{} takes a map of column to type: {{'Violation Code': 'INTEGER'}}",
                            option.name));
  }
  for (size_t i = 0; i < option.value.keys.size(); ++i) {
    const SqlValue& type = option.value.items[i];
    const char* sluice_type =
        type.kind == Kind::kString || type.kind == Kind::kWord ? type_of(type.text) : nullptr;
    if (sluice_type == nullptr) {
      return fail(error, type.position,
                  "unknown type (VARCHAR, INTEGER, BIGINT, DOUBLE, BOOLEAN, DATE, TIMESTAMP)");
    }
    schema[section][option.value.keys[i]] = sluice_type;
    compiled.key_positions.emplace_back(schema_key + "." + section + "." + option.value.keys[i],
                                        type.position);
  }
  return true;
}

}  // namespace

bool compile_source(const SqlSource& source, const std::string& key, YAML::Node& input,
                    YAML::Node& schema, CompiledSql& compiled, expr::ExprError& error) {
  const std::string& f = source.function;
  const bool postgres = f == "postgres_query";
  std::string format;
  if (f == "read_csv" || f == "read_csv_auto") {
    format = "csv";
  } else if (f == "read_json" || f == "read_json_auto" || f == "read_ndjson" ||
             f == "read_ndjson_auto") {
    format = "jsonl";
  } else if (postgres) {
    format = "postgres";
  } else if (f == "read_parquet" || f == "parquet_scan") {
    format = "parquet";
  } else if (!f.empty()) {
    return fail(error, source.position,
                fmt::format("unknown table function {}() (read_csv, read_json, read_parquet, "
                            "postgres_query)",
                            f));
  }
  const auto note = [&](const std::string& name, size_t position) {
    compiled.key_positions.emplace_back(key + "." + name, position);
  };
  if (postgres) {
    if (key != "input") {
      return fail(error, source.position, "a join's input is files (csv or jsonl), not postgres");
    }
    if (source.arguments.size() != 2 || source.arguments[0].kind != Kind::kString ||
        source.arguments[1].kind != Kind::kString) {
      return fail(error, source.position,
                  "postgres_query('dsn', 'SELECT …', key='id') takes a connection string and a "
                  "query");
    }
    input["format"] = "postgres";
    input["dsn"] = source.arguments[0].text;
    input["query"] = source.arguments[1].text;
    note("dsn", source.arguments[0].position);
    note("query", source.arguments[1].position);
  } else {
    if (source.arguments.size() != 1 ||
        (source.arguments[0].kind != Kind::kString && source.arguments[0].kind != Kind::kList)) {
      return fail(error, source.position,
                  "expected one path (or a list of paths) in quotes: read_csv('data/*.csv', …)");
    }
    const SqlValue& path = source.arguments[0];
    std::string first;
    if (path.kind == Kind::kString) {
      input["path"] = path.text;
      first = path.text;
    } else {
      for (const SqlValue& item : path.items) {
        if (item.kind != Kind::kString)
          return fail(error, item.position, "expected a path in quotes");
        input["path"].push_back(item.text);
      }
      if (path.items.empty()) return fail(error, path.position, "no path");
      first = path.items[0].text;
    }
    note("path", path.position);
    input["format"] = format.empty() ? format_of_path(first) : format;
  }
  // A CSV input's column types are inferred from a sample, as DuckDB's
  // read_csv does (common/job/infer_types.h), unless turned off.
  bool infer = !postgres && key == "input" && input["format"].Scalar() == "csv";
  for (const SqlOption& option : source.options) {
    std::string text;
    const std::string& name = option.name;
    std::string yaml_key;
    if (name == "types" || name == "columns" || name == "dtypes") {
      if (!schema_columns(option, schema, key == "input" ? "schema" : key + ".schema", compiled,
                          error)) {
        return false;
      }
      continue;
    }
    // Hive-partitioned files (docs/INPUTS.md), as DuckDB spells the options.
    if (name == "hive_types" && key == "input" && !postgres) {
      if (!schema_columns(option, input, key, compiled, error, "hive_types")) return false;
      continue;
    }
    if (name == "hive_partitioning" && key == "input" && !postgres) {
      if (!scalar(option, text, error)) return false;
      if (text == "1") text = "true";
      if (text == "0") text = "false";
      if (text != "true" && text != "false" && text != "auto") {
        return fail(error, option.value.position, "hive_partitioning takes true, false or auto");
      }
      input["hive_partitioning"] = text;
      note("hive_partitioning", option.value.position);
      continue;
    }
    const bool parquet = input["format"].Scalar() == "parquet";
    if (postgres) {
      for (std::string_view known :
           {"key", "split_rows", "fetch_rows", "password_file", "password_env"}) {
        if (name == known) yaml_key = name;
      }
    } else if (parquet) {
      if (name == "split_size") yaml_key = name;
    } else if (name == "delim" || name == "sep" || name == "delimiter") {
      yaml_key = "delimiter";
    } else if (name == "nullstr" || name == "null_values" || name == "null") {
      yaml_key = "null_values";
    } else if (name == "max_line_size" || name == "max_record_size") {
      yaml_key = "max_record_size";
    } else if (name == "header" || name == "quote" || name == "split_size" ||
               (name == "incremental" && key == "input")) {
      yaml_key = name;
    } else if (name == "format" && input["format"].Scalar() == "jsonl" &&
               (option.value.text == "newline_delimited" || option.value.text == "auto")) {
      continue;
    } else if ((name == "auto_detect" || name == "all_varchar") && key == "input" &&
               input["format"].Scalar() == "csv") {
      // auto_detect=false or all_varchar=true: every column text, as
      // DuckDB reads it then (no inferred types).
      const bool on = option.value.text == "true" || option.value.text == "1";
      infer = name == "auto_detect" ? on : !on;
      continue;
    } else if (name == "auto_detect" && option.value.text == "true") {
      continue;
    }
    if (yaml_key.empty()) {
      return fail(error, option.position,
                  postgres  ? fmt::format("unknown option '{}' of postgres_query (key, split_rows, "
                                           "fetch_rows, password_file, password_env)",
                                          name)
                  : parquet ? fmt::format("unknown or unsupported option '{}' of read_parquet "
                                          "(split_size, types, hive_partitioning, hive_types)",
                                          name)
                            : fmt::format("unknown or unsupported option '{}' (delim, header, "
                                          "quote, nullstr, types, split_size, max_line_size, "
                                          "hive_partitioning, hive_types{})",
                                          name, key == "input" ? ", incremental" : ""));
    }
    if (input[yaml_key]) return fail(error, option.position, "option given twice");
    if (yaml_key == "null_values" && option.value.kind == Kind::kList) {
      for (const SqlValue& item : option.value.items) input[yaml_key].push_back(item.text);
    } else {
      if (!scalar(option, text, error)) return false;
      if (yaml_key == "delimiter" && text == "\t") text = "tab";
      input[yaml_key] = text;
    }
    note(yaml_key, option.value.position);
  }
  // An incremental lineage's runs would each sample anew: their types
  // could differ, so it reads text (pin types with `types=`).
  if (infer && !input["incremental"]) input["infer_types"] = true;
  if (postgres && !input["key"]) {
    return fail(error, source.position,
                "postgres_query needs key='column': the integer column its partitions are "
                "ranges of");
  }
  return true;
}

bool compile_copy(const Statement& statement, YAML::Node& output, CompiledSql& compiled,
                  expr::ExprError& error) {
  output["path"] = statement.copy_path;
  compiled.key_positions.emplace_back("output.path", statement.copy_path_position);
  for (const SqlOption& option : statement.copy_options) {
    const std::string& name = option.name;
    const SqlValue& value = option.value;
    const auto note = [&](const char* key) {
      compiled.key_positions.emplace_back(std::string("output.") + key, value.position);
    };
    if (name == "format") {
      std::string format = value.text;
      for (char& c : format) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      output["format"] = format == "json" || format == "ndjson" ? "jsonl" : format;
      note("format");
    } else if (name == "partition_by") {
      if (value.kind == Kind::kList) {
        for (const SqlValue& item : value.items) output["partition_by"].push_back(item.text);
      } else {
        output["partition_by"].push_back(value.text);
      }
      note("partition_by");
    } else if (name == "compression" || name == "codec") {
      std::string codec = value.text;
      for (char& c : codec) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      output["compression"] = codec == "uncompressed" ? "none" : codec;
      note("compression");
    } else if (name == "overwrite" || name == "overwrite_or_ignore") {
      if (value.text == "true" || value.text == "1") output["mode"] = "overwrite";
      note("mode");
    } else if (name == "append") {
      if (value.text == "true" || value.text == "1") output["mode"] = "append";
      note("mode");
    } else if (name == "header" && (value.text == "true" || value.text == "1")) {
      continue;  // CSV parts always have a header row
    } else {
      return fail(error, option.position,
                  fmt::format("unknown or unsupported COPY option '{}' (FORMAT, PARTITION_BY, "
                              "COMPRESSION, OVERWRITE, APPEND)",
                              name));
    }
  }
  return true;
}

}  // namespace sluice::sql
