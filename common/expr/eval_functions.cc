// Function calls: argument evaluation and the non-string functions.
#include <algorithm>
#include <cmath>

#include "common/expr/datetime.h"
#include "common/expr/eval.h"

namespace sluice::expr {
namespace {

// coalesce: each argument is evaluated only for the rows still NULL.
void evaluate_coalesce(const Node& node, const EvalBatch& batch, const Selection& selection,
                       Vector& out) {
  Selection remaining = selection;
  Selection still_null;
  for (const NodePtr& child : node.children) {
    if (remaining.empty()) break;
    const Vector& value = evaluate(*child, batch, remaining);
    still_null.clear();
    for (uint32_t row : remaining) {
      if (value.valid[row]) {
        copy_row(value, row, out);
      } else {
        still_null.push_back(row);
      }
    }
    remaining.swap(still_null);
  }
  for (uint32_t row : remaining) out.valid[row] = 0;
}

void evaluate_nullif(const Vector& a, const Vector& b, const Selection& selection, Vector& out) {
  for (uint32_t row : selection) {
    bool equal = false;
    if (a.valid[row] && b.valid[row]) {
      switch (a.type) {
        case Type::kString:
          equal = a.strings[row] == b.strings[row];
          break;
        case Type::kFloat64:
          equal = a.doubles[row] == b.doubles[row];
          break;
        default:
          equal = a.ints[row] == b.ints[row];
          break;
      }
    }
    copy_row(a, row, out);
    if (equal) out.valid[row] = 0;
  }
}

void evaluate_abs(const Vector& a, const Selection& selection, Vector& out) {
  for (uint32_t row : selection) {
    out.valid[row] = a.valid[row];
    if (a.type == Type::kFloat64) {
      out.doubles[row] = std::fabs(a.doubles[row]);
    } else {
      out.valid[row] &= a.ints[row] != INT64_MIN;
      out.ints[row] = a.ints[row] < 0 ? -(a.ints[row] == INT64_MIN ? 0 : a.ints[row]) : a.ints[row];
    }
  }
}

// round(x [, digits]): half away from zero, like DuckDB.
void evaluate_round(const Vector& a, const Vector* digits, const Selection& selection,
                    Vector& out) {
  for (uint32_t row : selection) {
    const int64_t places = digits ? digits->ints[row] : 0;
    out.valid[row] = a.valid[row] && (!digits || digits->valid[row]);
    if (!out.valid[row]) continue;
    if (a.type == Type::kFloat64) {
      const double value = a.doubles[row];
      if (places == 0) {
        out.doubles[row] = std::round(value);
      } else {
        const double scale =
            std::pow(10.0, static_cast<double>(std::clamp<int64_t>(places, -308, 308)));
        const double scaled = std::round(value * scale) / scale;
        out.doubles[row] = std::isfinite(scaled) ? scaled : value;
      }
    } else if (places >= 0) {
      out.ints[row] = a.ints[row];
    } else {
      if (places < -18) {
        out.ints[row] = 0;
        continue;
      }
      int64_t scale = 1;
      for (int64_t i = 0; i < -places; ++i) scale *= 10;
      const int64_t value = a.ints[row];
      const int64_t remainder = value % scale;
      int64_t result = value - remainder;
      const int64_t half = scale / 2;
      int64_t adjusted = result;
      bool overflow = false;
      if (remainder >= half) overflow = __builtin_add_overflow(result, scale, &adjusted);
      if (remainder <= -half) overflow = __builtin_sub_overflow(result, scale, &adjusted);
      out.valid[row] = !overflow;
      out.ints[row] = adjusted;
    }
  }
}

void evaluate_strptime(const Node& node, const Vector& text, const Selection& selection,
                       Vector& out) {
  const DateFormat& format = *node.date_format;
  for (uint32_t row : selection) {
    if (!text.valid[row]) {
      out.valid[row] = 0;
      continue;
    }
    const std::optional<int64_t> micros = format.parse(text.strings[row]);
    out.valid[row] = micros.has_value();
    out.ints[row] = micros.value_or(0);
  }
}

int64_t floor_div(int64_t value, int64_t divisor) {
  int64_t quotient = value / divisor;
  if (value % divisor < 0) --quotient;
  return quotient;
}

// Boundaries of `part` crossed from a to b (DuckDB's date_diff).
int64_t date_difference(DatePart part, bool dates, int64_t a, int64_t b) {
  const int64_t a_micros = dates ? a * kMicrosPerDay : a;
  const int64_t b_micros = dates ? b * kMicrosPerDay : b;
  switch (part) {
    case DatePart::kDay:
      return dates ? b - a : day_of_timestamp(b) - day_of_timestamp(a);
    case DatePart::kHour:
      return floor_div(b_micros, 3600 * kMicrosPerSecond) -
             floor_div(a_micros, 3600 * kMicrosPerSecond);
    case DatePart::kMinute:
      return floor_div(b_micros, 60 * kMicrosPerSecond) -
             floor_div(a_micros, 60 * kMicrosPerSecond);
    case DatePart::kSecond:
      return floor_div(b_micros, kMicrosPerSecond) - floor_div(a_micros, kMicrosPerSecond);
    case DatePart::kMonth:
    case DatePart::kYear: {
      const CivilDate from = civil_from_days(dates ? a : day_of_timestamp(a));
      const CivilDate to = civil_from_days(dates ? b : day_of_timestamp(b));
      if (part == DatePart::kYear) return to.year - from.year;
      return (to.year * 12 + to.month) - (from.year * 12 + from.month);
    }
  }
  return 0;
}

void evaluate_date_diff(const Node& node, const Vector& a, const Vector& b,
                        const Selection& selection, Vector& out) {
  const bool dates = a.type == Type::kDate;
  for (uint32_t row : selection) {
    out.valid[row] = a.valid[row] & b.valid[row];
    out.ints[row] =
        out.valid[row] ? date_difference(node.date_part, dates, a.ints[row], b.ints[row]) : 0;
  }
}

void evaluate_date_field(Function function, const Vector& a, const Selection& selection,
                         Vector& out) {
  const bool dates = a.type == Type::kDate;
  for (uint32_t row : selection) {
    out.valid[row] = a.valid[row];
    if (!a.valid[row]) continue;
    const CivilDate date = civil_from_days(dates ? a.ints[row] : day_of_timestamp(a.ints[row]));
    out.ints[row] = function == Function::kYear    ? date.year
                    : function == Function::kMonth ? date.month
                                                   : date.day;
  }
}

}  // namespace

void evaluate_call(const Node& node, const EvalBatch& batch, const Selection& selection,
                   Vector& out) {
  if (node.function == Function::kCoalesce) {
    evaluate_coalesce(node, batch, selection, out);
    return;
  }
  std::vector<const Vector*> arguments;
  arguments.reserve(node.children.size());
  for (const NodePtr& child : node.children)
    arguments.push_back(&evaluate(*child, batch, selection));
  switch (node.function) {
    case Function::kNullif:
      return evaluate_nullif(*arguments[0], *arguments[1], selection, out);
    case Function::kAbs:
      return evaluate_abs(*arguments[0], selection, out);
    case Function::kRound:
      return evaluate_round(*arguments[0], arguments.size() > 1 ? arguments[1] : nullptr, selection,
                            out);
    case Function::kStrptime:
      return evaluate_strptime(node, *arguments[0], selection, out);
    case Function::kDateDiff:
      return evaluate_date_diff(node, *arguments[1], *arguments[2], selection, out);
    case Function::kYear:
    case Function::kMonth:
    case Function::kDay:
      return evaluate_date_field(node.function, *arguments[0], selection, out);
    default:
      return evaluate_string_function(node, arguments, selection, *batch.arena, out);
  }
}

}  // namespace sluice::expr
