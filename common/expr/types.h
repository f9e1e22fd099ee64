#pragma once
// The value types of the expression language. Schema types map onto them:
// int32 -> kInt64 (range-checked where it is parsed or cast), category ->
// kString. A date is days since 1970-01-01 (int32 range), a timestamp is
// microseconds since 1970-01-01 00:00:00 (no time zone).

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::expr {

enum class Type : uint8_t { kNull, kBool, kInt64, kFloat64, kString, kDate, kTimestamp };

const char* type_name(Type type);

// True for the types whose values live in Vector::ints.
inline bool stored_as_int(Type type) {
  return type == Type::kBool || type == Type::kInt64 || type == Type::kDate ||
         type == Type::kTimestamp;
}
inline bool is_numeric(Type type) { return type == Type::kInt64 || type == Type::kFloat64; }
inline bool is_temporal(Type type) { return type == Type::kDate || type == Type::kTimestamp; }

// A type as written in CAST(x AS name) or a schema column's `type:`.
struct TypeName {
  Type type = Type::kString;
  bool int32_range = false;  // int32: values outside [-2^31, 2^31) are invalid
};
// Accepts the schema names (string int32 int64 float64 bool date timestamp
// category) and the usual SQL synonyms (varchar, integer, bigint, double, ...),
// case-insensitively.
std::optional<TypeName> parse_type_name(std::string_view name);

}  // namespace sluice::expr
