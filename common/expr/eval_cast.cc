// CAST between types, and values rendered as output text.
#include <charconv>
#include <cmath>

#include "common/expr/datetime.h"
#include "common/expr/eval.h"
#include "common/expr/parse_value.h"

namespace sluice::expr {

std::string_view render_value(const Vector& vector, size_t row, StringArena& arena) {
  switch (vector.type) {
    case Type::kString:
      return vector.strings[row];
    case Type::kBool:
      return vector.ints[row] ? std::string_view("true") : std::string_view("false");
    case Type::kInt64: {
      char* buffer = arena.allocate(24);
      auto result = std::to_chars(buffer, buffer + 24, vector.ints[row]);
      return arena.commit(static_cast<size_t>(result.ptr - buffer));
    }
    case Type::kFloat64: {
      char* buffer = arena.allocate(32);
      auto result = std::to_chars(buffer, buffer + 32, vector.doubles[row]);
      return arena.commit(static_cast<size_t>(result.ptr - buffer));
    }
    case Type::kDate: {
      char* buffer = arena.allocate(32);
      return arena.commit(format_date(vector.ints[row], buffer));
    }
    case Type::kTimestamp: {
      char* buffer = arena.allocate(48);
      return arena.commit(format_timestamp(vector.ints[row], buffer));
    }
    case Type::kNull:
      return std::string_view();
  }
  return std::string_view();
}

namespace {

void cast_from_string(const Vector& in, Type to, const Selection& selection, Vector& out) {
  for (uint32_t row : selection) {
    if (!in.valid[row]) {
      out.valid[row] = 0;
      continue;
    }
    const std::string_view text = in.strings[row];
    bool valid = false;
    switch (to) {
      case Type::kInt64:
        if (auto value = parse_int64(text)) {
          out.ints[row] = *value;
          valid = true;
        } else if (auto number = parse_float64(text);
                   number && std::isfinite(*number) && std::fabs(*number) < 9.2e18) {
          out.ints[row] = std::llround(*number);  // CAST('1.5' AS int) = 2, as in DuckDB
          valid = true;
        }
        break;
      case Type::kFloat64:
        if (auto value = parse_float64(text)) {
          out.doubles[row] = *value;
          valid = true;
        }
        break;
      case Type::kBool:
        if (auto value = parse_bool(text)) {
          out.ints[row] = *value;
          valid = true;
        }
        break;
      case Type::kDate:
        if (auto value = parse_iso_date(text)) {
          out.ints[row] = *value;
          valid = true;
        }
        break;
      case Type::kTimestamp:
        if (auto value = parse_iso_timestamp(text)) {
          out.ints[row] = *value;
          valid = true;
        }
        break;
      case Type::kString:
      case Type::kNull:
        break;
    }
    out.valid[row] = valid;
  }
}

}  // namespace

void cast_vector(const Vector& in, const TypeName& to, const Selection& selection,
                 StringArena& arena, Vector& out) {
  const Type from = in.type;
  if (from == Type::kNull) {
    for (uint32_t row : selection) out.valid[row] = 0;
    return;
  }
  if (from == to.type) {
    for (uint32_t row : selection) copy_row(in, row, out);
  } else if (to.type == Type::kString) {
    for (uint32_t row : selection) {
      out.valid[row] = in.valid[row];
      if (in.valid[row]) out.strings[row] = render_value(in, row, arena);
    }
  } else if (from == Type::kString) {
    cast_from_string(in, to.type, selection, out);
  } else if (to.type == Type::kFloat64) {  // from int64 or bool
    for (uint32_t row : selection) {
      out.valid[row] = in.valid[row];
      out.doubles[row] = static_cast<double>(in.ints[row]);
    }
  } else if (from == Type::kFloat64) {  // to int64 or bool
    for (uint32_t row : selection) {
      const double value = in.doubles[row];
      if (to.type == Type::kBool) {
        out.valid[row] = in.valid[row];
        out.ints[row] = value != 0;
      } else {
        out.valid[row] = in.valid[row] && std::isfinite(value) && std::fabs(value) < 9.2e18;
        out.ints[row] = out.valid[row] ? std::llround(value) : 0;
      }
    }
  } else if (from == Type::kDate && to.type == Type::kTimestamp) {
    for (uint32_t row : selection) {
      out.valid[row] = in.valid[row];
      out.ints[row] = in.ints[row] * kMicrosPerDay;
    }
  } else if (from == Type::kTimestamp && to.type == Type::kDate) {
    for (uint32_t row : selection) {
      out.valid[row] = in.valid[row];
      out.ints[row] = day_of_timestamp(in.ints[row]);
    }
  } else {  // between bool and int64
    for (uint32_t row : selection) {
      out.valid[row] = in.valid[row];
      out.ints[row] = to.type == Type::kBool ? in.ints[row] != 0 : in.ints[row];
    }
  }
  if (to.int32_range) {
    for (uint32_t row : selection) {
      if (out.valid[row] && !in_int32_range(out.ints[row])) out.valid[row] = 0;
    }
  }
}

}  // namespace sluice::expr
