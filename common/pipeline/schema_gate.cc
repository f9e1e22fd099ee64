#include "common/pipeline/schema_gate.h"

#include <fmt/format.h>

#include "common/expr/parse_value.h"

namespace sluice {
namespace {

std::string location(const JobSpec& spec, const SpecLocation& where) {
  std::string out = spec.source_file;
  if (where.line > 0) out += fmt::format(":{}", where.line);
  if (!where.key.empty()) out += ": " + where.key;
  return out;
}

// Keeps reasons one line and short.
std::string quote_value(std::string_view text) {
  std::string out = "\"";
  for (char c : text.substr(0, 64)) out += (c == '\n' || c == '\r') ? ' ' : c;
  if (text.size() > 64) out += "...";
  out += '"';
  return out;
}

}  // namespace

Result<SchemaGate> SchemaGate::compile(const JobSpec& spec,
                                       const std::vector<std::string>& input_columns) {
  SchemaGate gate;
  gate.null_values_ = spec.input.null_values;
  if (!spec.schema) return gate;
  gate.fail_on_error_ = spec.schema->fail_on_error;
  for (const ColumnRule& rule : spec.schema->columns) {
    Column column;
    column.name = rule.name;
    size_t index = 0;
    while (index < input_columns.size() && input_columns[index] != rule.name) ++index;
    if (index == input_columns.size()) {
      return invalid_argument(fmt::format("{}: schema column \"{}\" is not a column of the input",
                                          location(spec, rule.where), rule.name));
    }
    column.input_column = index;
    column.batch_column = index;
    column.type_text = rule.type;
    auto type = expr::parse_type_name(rule.type);
    if (!type) {
      return invalid_argument(
          fmt::format("{}: unknown type \"{}\" (string, int32, int64, float64, "
                      "bool, date, timestamp, category)",
                      location(spec, rule.where), rule.type));
    }
    column.type = *type;
    if (rule.format) {
      if (!expr::is_temporal(type->type)) {
        return invalid_argument(fmt::format("{}: format applies only to date and timestamp columns",
                                            location(spec, rule.where)));
      }
      auto format = expr::DateFormat::compile(*rule.format);
      if (!format.is_ok()) {
        return invalid_argument(fmt::format("{}: format \"{}\": {}", location(spec, rule.where),
                                            *rule.format, format.status().message()));
      }
      column.format = std::move(format).value();
    }
    column.min = rule.min;
    column.max = rule.max;
    column.values.insert(rule.values.begin(), rule.values.end());
    if (rule.pattern) {
      auto pattern = expr::Regex::compile(*rule.pattern);
      if (!pattern.is_ok()) {
        return invalid_argument(
            fmt::format("{}: pattern \"{}\" is not a valid regular expression: {}",
                        location(spec, rule.where), *rule.pattern, pattern.status().message()));
      }
      column.pattern = std::move(pattern).value();
    }
    column.nullable = rule.nullable;
    gate.columns_.push_back(std::move(column));
  }
  return gate;
}

bool SchemaGate::is_null_text(std::string_view text) const {
  for (const std::string& value : null_values_) {
    if (text == value) return true;
  }
  return false;
}

size_t SchemaGate::run(const RecordBatch& input, std::vector<expr::Vector>& vectors,
                       std::vector<std::string>& reasons) const {
  reasons.assign(input.row_count, std::string());
  vectors.resize(columns_.size());
  size_t failures = 0;
  for (size_t i = 0; i < columns_.size(); ++i) {
    run_column(columns_[i], input, vectors[i], reasons, failures);
  }
  return failures;
}

void SchemaGate::read_projected(const std::vector<size_t>& position) {
  for (Column& column : columns_) column.batch_column = position[column.input_column];
}

void SchemaGate::run_column(const Column& column, const RecordBatch& input, expr::Vector& out,
                            std::vector<std::string>& reasons, size_t& failures) const {
  using expr::Type;
  const Type type = column.type.type;
  out.reset(type, input.row_count);
  auto reject = [&](size_t row, std::string reason) {
    if (!reasons[row].empty()) return;  // the first failure names the row
    reasons[row] = fmt::format("column \"{}\": {}", column.name, reason);
    ++failures;
  };
  for (size_t row = 0; row < input.row_count; ++row) {
    const std::string_view text = input.field(row, column.batch_column);
    const bool is_null = (type != Type::kString && text.empty()) || is_null_text(text);
    out.valid[row] = !is_null;
    if (is_null) {
      if (!column.nullable) reject(row, "value is missing but the column is not nullable");
      continue;
    }
    if (!column.values.empty() && !column.values.count(std::string(text))) {
      reject(row, fmt::format("value {} is not one of the allowed values", quote_value(text)));
      continue;
    }
    if (column.pattern && !column.pattern->full_match(text)) {
      reject(row, fmt::format("value {} does not match the pattern", quote_value(text)));
      continue;
    }
    std::optional<double> number;  // for min/max
    bool parsed = true;
    switch (type) {
      case Type::kString:
        out.strings[row] = text;
        break;
      case Type::kInt64:
        if (auto value = expr::parse_int64(text);
            value && (!column.type.int32_range || expr::in_int32_range(*value))) {
          out.ints[row] = *value;
          number = static_cast<double>(*value);
        } else {
          parsed = false;
        }
        break;
      case Type::kFloat64:
        if (auto value = expr::parse_float64(text)) {
          out.doubles[row] = *value;
          number = *value;
        } else {
          parsed = false;
        }
        break;
      case Type::kBool:
        if (auto value = expr::parse_bool(text)) {
          out.ints[row] = *value;
        } else {
          parsed = false;
        }
        break;
      case Type::kDate:
      case Type::kTimestamp: {
        std::optional<int64_t> micros;
        if (column.format) {
          micros = column.format->parse(text);
        } else if (type == Type::kDate) {
          if (auto days = expr::parse_iso_date(text)) micros = *days * expr::kMicrosPerDay;
        } else {
          micros = expr::parse_iso_timestamp(text);
        }
        if (micros) {
          out.ints[row] = type == Type::kDate ? expr::day_of_timestamp(*micros) : *micros;
        } else {
          parsed = false;
        }
        break;
      }
      case Type::kNull:
        break;
    }
    if (!parsed) {
      const char* article = (column.type_text.front() == 'i') ? "an" : "a";
      std::string what = fmt::format("{} {}", article, column.type_text);
      if (column.format) what += fmt::format(" in the format \"{}\"", column.format->text());
      reject(row, fmt::format("value {} is not {}", quote_value(text), what));
      out.valid[row] = 0;
      continue;
    }
    if (number && column.min && *number < *column.min) {
      reject(row, fmt::format("value {} is below the minimum {}", quote_value(text), *column.min));
    } else if (number && column.max && *number > *column.max) {
      reject(row, fmt::format("value {} is above the maximum {}", quote_value(text), *column.max));
    }
  }
}

}  // namespace sluice
