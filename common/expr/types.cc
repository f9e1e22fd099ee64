#include "common/expr/types.h"

#include <string>

namespace sluice::expr {

const char* type_name(Type type) {
  switch (type) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "bool";
    case Type::kInt64:
      return "int64";
    case Type::kFloat64:
      return "float64";
    case Type::kString:
      return "string";
    case Type::kDate:
      return "date";
    case Type::kTimestamp:
      return "timestamp";
  }
  return "unknown";
}

std::optional<TypeName> parse_type_name(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "string" || lower == "varchar" || lower == "text" || lower == "category") {
    return TypeName{Type::kString, false};
  }
  if (lower == "int32" || lower == "int" || lower == "integer" || lower == "int4") {
    return TypeName{Type::kInt64, true};
  }
  if (lower == "int64" || lower == "bigint" || lower == "int8" || lower == "long") {
    return TypeName{Type::kInt64, false};
  }
  if (lower == "float64" || lower == "double" || lower == "float" || lower == "real" ||
      lower == "float8") {
    return TypeName{Type::kFloat64, false};
  }
  if (lower == "bool" || lower == "boolean") return TypeName{Type::kBool, false};
  if (lower == "date") return TypeName{Type::kDate, false};
  if (lower == "timestamp" || lower == "datetime") return TypeName{Type::kTimestamp, false};
  return std::nullopt;
}

}  // namespace sluice::expr
