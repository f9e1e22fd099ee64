#include "common/job/infer_types.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

#include "common/expr/datetime.h"
#include "common/expr/parse_value.h"
#include "common/job/check.h"
#include "common/job/inputs.h"
#include "common/pipeline/pipeline.h"
#include "common/sql/sql.h"

namespace sluice {
namespace {

bool has_leading_zero(std::string_view value) {
  if (!value.empty() && (value[0] == '-' || value[0] == '+')) value.remove_prefix(1);
  return value.size() > 1 && value[0] == '0' && std::isdigit(static_cast<unsigned char>(value[1]));
}

bool is_bool_word(std::string_view value) {
  std::string lower(value);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "true" || lower == "false";
}

bool has_digit(std::string_view value) {
  return std::any_of(value.begin(), value.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool is_null(const JobSpec& spec, std::string_view value) {
  if (value.empty()) return true;
  return std::find(spec.input.null_values.begin(), spec.input.null_values.end(), value) !=
         spec.input.null_values.end();
}

template <size_t N>
std::vector<expr::DateFormat> compile_formats(const char* const (&formats)[N]) {
  std::vector<expr::DateFormat> compiled;
  for (const char* format : formats) compiled.push_back(expr::DateFormat::compile(format).value());
  return compiled;
}

const std::vector<expr::DateFormat>& date_formats() {
  static const auto* formats =
      new std::vector<expr::DateFormat>(compile_formats(kInferredDateFormats));
  return *formats;
}

const std::vector<expr::DateFormat>& timestamp_formats() {
  static const auto* formats =
      new std::vector<expr::DateFormat>(compile_formats(kInferredTimestampFormats));
  return *formats;
}

// Clears the bits of `alive` whose format does not read `value`.
void vote_formats(uint32_t& alive, const std::vector<expr::DateFormat>& formats,
                  std::string_view value) {
  for (size_t i = 0; i < formats.size(); ++i) {
    if ((alive >> i & 1u) != 0 && !formats[i].parse(value)) alive &= ~(1u << i);
  }
}

// The first format left alive, or -1.
int first_alive(uint32_t alive, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if ((alive >> i & 1u) != 0) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

void TypeVote::add(std::string_view value) {
  values_++;
  if (is_bool_ && !is_bool_word(value)) is_bool_ = false;
  const bool numeric_text = has_digit(value) && !has_leading_zero(value);
  if (is_int_ && !(numeric_text && expr::parse_int64(value))) is_int_ = false;
  if (is_float_ && !(numeric_text && expr::parse_float64(value))) is_float_ = false;
  if (is_date_ && !expr::parse_iso_date(value)) is_date_ = false;
  if (is_timestamp_ && !expr::parse_iso_timestamp(value)) is_timestamp_ = false;
  if (date_formats_ != 0) vote_formats(date_formats_, date_formats(), value);
  if (timestamp_formats_ != 0) vote_formats(timestamp_formats_, timestamp_formats(), value);
}

std::string TypeVote::type() const {
  if (values_ == 0) return "string";
  if (is_bool_) return "bool";
  if (is_int_) return "int64";
  if (is_float_) return "float64";
  if (is_date_ || first_alive(date_formats_, date_formats().size()) >= 0) return "date";
  if (is_timestamp_ || first_alive(timestamp_formats_, timestamp_formats().size()) >= 0)
    return "timestamp";
  return "string";
}

std::string TypeVote::format() const {
  const std::string kind = type();
  if (kind == "date" && !is_date_)
    return kInferredDateFormats[first_alive(date_formats_, date_formats().size())];
  if (kind == "timestamp" && !is_timestamp_)
    return kInferredTimestampFormats[first_alive(timestamp_formats_, timestamp_formats().size())];
  return "";
}

Result<InferredTypes> infer_csv_types(const JobSpec& spec, const std::string& base_dir) {
  if (spec.input.format != InputFormat::kCsv) {
    return invalid_argument("types are inferred for CSV inputs only");
  }
  SLUICE_ASSIGN_OR_RETURN(
      std::vector<InputFile> files,
      resolve_inputs(spec.input.paths, base_dir, input_s3_options(spec.input, base_dir)));
  InferredTypes types;
  for (const InputFile& file : files) {
    if (file.size_bytes == 0) continue;
    types.path = file.path;
    JobSpec with_base = spec;  // read_input_columns resolves input.s3 against it
    if (with_base.base_dir.empty()) with_base.base_dir = base_dir;
    SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> names,
                            read_input_columns(with_base, file.path));
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source,
                            open_input_source(file.path, input_s3_options(spec.input, base_dir)));
    ByteRange range;
    range.path = file.path;
    range.end_offset = std::min<uint64_t>(file.size_bytes, kInferSampleBytes);
    if (is_compressed_input(file.path)) range.end_offset = file.size_bytes;
    std::unique_ptr<RecordReader> reader = open_record_reader(spec, *source, names, range);
    std::vector<TypeVote> votes(names.size());
    std::vector<std::string> examples(names.size());
    RecordBatch batch;
    std::vector<RejectedRecord> rejects;  // malformed records say nothing about types
    while (types.rows_sampled < kInferSampleRows) {
      batch.clear();
      SLUICE_ASSIGN_OR_RETURN(bool more, reader->next(batch, rejects));
      for (size_t row = 0; row < batch.row_count && types.rows_sampled < kInferSampleRows; ++row) {
        for (size_t column = 0; column < names.size(); ++column) {
          const std::string_view value = batch.field(row, column);
          if (is_null(spec, value)) continue;
          if (votes[column].values() == 0) examples[column] = std::string(value);
          votes[column].add(value);
        }
        types.rows_sampled++;
      }
      rejects.clear();
      if (!more) break;
    }
    types.columns.resize(names.size());
    for (size_t column = 0; column < names.size(); ++column) {
      types.columns[column].name = names[column];
      types.columns[column].type = votes[column].type();
      types.columns[column].format = votes[column].format();
      types.columns[column].values = votes[column].values();
      types.columns[column].example = std::move(examples[column]);
    }
    return types;
  }
  return invalid_argument("no rows to infer types from: every input file is empty");
}

Result<CsvDialect> sniff_input_dialect(const JobSpec& spec, const std::string& base_dir) {
  const CsvDialect given{spec.input.delimiter, spec.input.quote, spec.input.header};
  const DialectToSniff what{!spec.input.delimiter_given, !spec.input.quote_given,
                            !spec.input.header_given};
  const S3Options s3 = input_s3_options(spec.input, base_dir);
  SLUICE_ASSIGN_OR_RETURN(std::vector<InputFile> files,
                          resolve_inputs(spec.input.paths, base_dir, s3));
  for (const InputFile& file : files) {
    if (file.size_bytes == 0) continue;
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source, open_input_source(file.path, s3));
    std::string sample(kSniffSampleBytes, '\0');
    size_t filled = 0;
    while (filled < sample.size()) {
      SLUICE_ASSIGN_OR_RETURN(
          size_t got, source->read_at(filled, sample.data() + filled, sample.size() - filled));
      if (got == 0) break;
      filled += got;
    }
    sample.resize(filled);
    return sniff_csv_dialect(sample, filled < kSniffSampleBytes, given, what);
  }
  return given;
}

Status apply_inferred_types(JobSpec& spec, const std::string& base_dir, InferredSchema* added) {
  if (!spec.input.infer_types) return Status::ok();
  if (!spec.input.delimiter_given || !spec.input.quote_given || !spec.input.header_given) {
    auto dialect = sniff_input_dialect(spec, base_dir);
    if (!dialect.is_ok()) {
      return invalid_argument(
          fmt::format("{}: input.infer_types: {}", spec.source_file, dialect.status().message()));
    }
    spec.input.delimiter = dialect->delimiter;
    spec.input.quote = dialect->quote;
    spec.input.header = dialect->header;
    spec.input.delimiter_given = spec.input.quote_given = spec.input.header_given = true;
    if (added != nullptr) {
      added->dialect_sniffed = true;
      added->dialect = dialect.value();
    }
  }
  auto types = infer_csv_types(spec, base_dir);
  if (!types.is_ok()) {
    return invalid_argument(
        fmt::format("{}: input.infer_types: {}", spec.source_file, types.status().message()));
  }
  // Only the columns the steps read take a type: one passed through to the
  // output untouched keeps its text, and is never parsed.
  const std::vector<std::string> read = columns_read_by_steps(spec);
  if (!spec.schema) spec.schema.emplace();
  for (const InferredColumn& column : types->columns) {
    const bool named =
        std::any_of(spec.schema->columns.begin(), spec.schema->columns.end(),
                    [&](const ColumnRule& rule) { return rule.name == column.name; });
    if (named || std::find(read.begin(), read.end(), column.name) == read.end()) continue;
    ColumnRule rule;
    rule.name = column.name;
    rule.type = column.type;
    if (!column.format.empty()) rule.format = column.format;
    spec.schema->columns.push_back(rule);
    if (added != nullptr) added->columns.push_back(rule);
  }
  spec.input.infer_types = false;
  return Status::ok();
}

Result<std::string> pin_inferred_types(const std::string& spec_yaml, const InferredSchema& added) {
  try {
    YAML::Node root = YAML::Load(spec_yaml);
    if (root["query"]) {
      // A query job: the sections its statement stands for, written out,
      // so the pinned schema sits beside the input and steps it types.
      const std::string text = root["query"].Scalar();
      sql::CompiledSql compiled;
      expr::ExprError error;
      if (!sql::compile_sql(text, compiled, error)) {
        return invalid_argument("pinning inferred types: query: " + error.message);
      }
      root.remove("query");
      for (const auto& section : compiled.job) {
        const std::string key = section.first.as<std::string>();
        if (!root[key]) root[key] = section.second;
      }
    }
    if (root["input"] && root["input"].IsMap()) {
      root["input"].remove("infer_types");
      if (added.dialect_sniffed) {
        root["input"]["header"] = added.dialect.header;
        root["input"]["delimiter"] = std::string(1, added.dialect.delimiter);
        root["input"]["quote"] = std::string(1, added.dialect.quote);
      }
    }
    YAML::Node schema = root["schema"];
    if (!schema || !schema.IsMap()) {
      root["schema"] = YAML::Node(YAML::NodeType::Map);
      schema = root["schema"];
    }
    if (!schema["columns"] || !schema["columns"].IsMap()) {
      schema["columns"] = YAML::Node(YAML::NodeType::Map);
    }
    YAML::Node columns = schema["columns"];
    for (const ColumnRule& rule : added.columns) {
      if (rule.format) {
        columns[rule.name]["type"] = rule.type;
        columns[rule.name]["format"] = *rule.format;
      } else {
        columns[rule.name] = rule.type;
      }
    }
    YAML::Emitter out;
    out << root;
    if (!out.good()) return internal_error("pinning inferred types: " + out.GetLastError());
    return std::string(out.c_str()) + "\n";
  } catch (const YAML::Exception& error) {
    return invalid_argument(std::string("pinning inferred types: ") + error.what());
  }
}

std::string inferred_types_yaml(const CsvDialect& dialect, const InferredTypes& types) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "input" << YAML::Value << YAML::BeginMap << YAML::Key
      << "header" << YAML::Value << dialect.header << YAML::Key << "delimiter" << YAML::Value
      << std::string(1, dialect.delimiter) << YAML::Key << "quote" << YAML::Value
      << std::string(1, dialect.quote) << YAML::EndMap << YAML::Key << "schema" << YAML::Value
      << YAML::BeginMap << YAML::Key << "columns" << YAML::Value << YAML::BeginMap;
  for (const InferredColumn& column : types.columns) {
    out << YAML::Key << column.name << YAML::Value;
    if (column.format.empty()) {
      out << column.type;
    } else {
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "type" << YAML::Value << column.type
          << YAML::Key << "format" << YAML::Value << column.format << YAML::EndMap;
    }
  }
  out << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace sluice
