// Aggregate calls ("sum(x)") and their result types, and the table: groups
// folded row by row (update) and finalized into columns. Partial rows, written
// and merged, are in aggregate_partial.cc.
#include "common/pipeline/aggregate.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>

#include "common/base/assert.h"
#include "common/pipeline/aggregate_values.h"

namespace sluice {

using expr::Type;
using Scalar = Aggregator::Scalar;

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

const char* kind_name(AggregateKind kind) {
  switch (kind) {
    case AggregateKind::kCountStar:
      return "count(*)";
    case AggregateKind::kCount:
      return "count";
    case AggregateKind::kSum:
      return "sum";
    case AggregateKind::kMin:
      return "min";
    case AggregateKind::kMax:
      return "max";
    case AggregateKind::kAvg:
      return "avg";
    case AggregateKind::kCountDistinct:
      return "count_distinct";
  }
  return "?";
}

}  // namespace

// --- parsing "fn(arg)" --------------------------------------------------------

bool parse_aggregate_call(std::string_view text, AggregateCall& call, std::string& message,
                          size_t& position) {
  const std::string expected =
      "an aggregate must be one of count(*), count(x), sum(x), min(x), max(x), avg(x), "
      "count_distinct(x)";
  size_t begin = 0;
  while (begin < text.size() && is_space(text[begin])) ++begin;
  size_t end = text.size();
  while (end > begin && is_space(text[end - 1])) --end;
  size_t name_end = begin;
  while (name_end < end &&
         (std::isalnum(static_cast<unsigned char>(text[name_end])) || text[name_end] == '_')) {
    ++name_end;
  }
  size_t open = name_end;
  while (open < end && is_space(text[open])) ++open;
  position = begin;
  if (name_end == begin || open >= end || text[open] != '(' || text[end - 1] != ')') {
    message = expected;
    return false;
  }
  // The '(' after the name must close at the very end: "sum(x) + sum(y)" is not one call.
  int depth = 0;
  char quote = 0;
  for (size_t i = open; i < end; ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote reopens on the next character
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth == 0 && i + 1 != end) {
      message = expected;
      return false;
    }
  }
  std::string name(text.substr(begin, name_end - begin));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  size_t arg_begin = open + 1, arg_end = end - 1;
  while (arg_begin < arg_end && is_space(text[arg_begin])) ++arg_begin;
  while (arg_end > arg_begin && is_space(text[arg_end - 1])) --arg_end;
  const std::string_view argument = text.substr(arg_begin, arg_end - arg_begin);
  call.argument.assign(argument);
  call.argument_offset = arg_begin;
  if (name == "count") {
    call.kind = argument == "*" ? AggregateKind::kCountStar : AggregateKind::kCount;
    if (call.kind == AggregateKind::kCountStar) call.argument.clear();
  } else if (name == "sum") {
    call.kind = AggregateKind::kSum;
  } else if (name == "min") {
    call.kind = AggregateKind::kMin;
  } else if (name == "max") {
    call.kind = AggregateKind::kMax;
  } else if (name == "avg" || name == "mean") {
    call.kind = AggregateKind::kAvg;
  } else if (name == "count_distinct") {
    call.kind = AggregateKind::kCountDistinct;
  } else {
    message = fmt::format("unknown aggregate function \"{}\"; {}", name, expected);
    return false;
  }
  if (call.kind != AggregateKind::kCountStar && argument.empty()) {
    message = fmt::format("{} needs an argument", name);
    position = arg_begin;
    return false;
  }
  if (call.kind != AggregateKind::kCount && call.kind != AggregateKind::kCountStar &&
      argument == "*") {
    message = fmt::format("{}(*) is not an aggregate; only count(*) is", name);
    position = arg_begin;
    return false;
  }
  return true;
}

bool aggregate_result_type(AggregateKind kind, Type argument_type, Type& result,
                           std::string& message) {
  switch (kind) {
    case AggregateKind::kCountStar:
    case AggregateKind::kCount:
    case AggregateKind::kCountDistinct:
      result = Type::kInt64;
      return true;
    case AggregateKind::kSum:
    case AggregateKind::kAvg:
      if (!expr::is_numeric(argument_type)) {
        message = fmt::format("{} needs a number (int64 or float64), not {}", kind_name(kind),
                              expr::type_name(argument_type));
        return false;
      }
      result = kind == AggregateKind::kAvg ? Type::kFloat64 : argument_type;
      return true;
    case AggregateKind::kMin:
    case AggregateKind::kMax:
      if (argument_type == Type::kNull) {
        message = fmt::format("{} of NULL has no type; CAST it", kind_name(kind));
        return false;
      }
      result = argument_type;
      return true;
  }
  return false;
}

void AggregatePlan::build_partial_columns() {
  partial_columns = key_names;
  for (const AggregateColumn& aggregate : aggregates) {
    if (aggregate.kind == AggregateKind::kAvg) {
      partial_columns.push_back("__sum_" + aggregate.name);
      partial_columns.push_back("__count_" + aggregate.name);
    } else {
      partial_columns.push_back(aggregate.name);
    }
  }
}

// --- the table ----------------------------------------------------------------

size_t Aggregator::KeyHash::operator()(std::string_view key) const {
  return XXH3_64bits(key.data(), key.size());
}

Aggregator::Aggregator(const AggregatePlan& plan) : plan_(plan) {
  row_keys_.resize(plan.key_names.size());
}
Aggregator::~Aggregator() = default;

size_t Aggregator::find_or_add_group(const std::string& key_bytes,
                                     const std::vector<Scalar>& key_values) {
  auto found = groups_.find(std::string_view(key_bytes));
  if (found != groups_.end()) return found->second;
  const uint32_t group = static_cast<uint32_t>(group_keys_.size());
  auto [inserted, added] = groups_.emplace(key_bytes, group);
  SLUICE_ASSERT(added, "group={}", group);
  group_keys_.push_back(inserted->first);
  key_values_.insert(key_values_.end(), key_values.begin(), key_values.end());
  states_.resize(states_.size() + plan_.aggregates.size());
  for (size_t a = 0; a < plan_.aggregates.size(); ++a) {
    if (plan_.aggregates[a].kind == AggregateKind::kCountDistinct) {
      states_[group * plan_.aggregates.size() + a].distinct =
          std::make_unique<std::unordered_set<std::string>>();
    }
  }
  return group;
}

void Aggregator::update(const std::vector<const expr::Vector*>& keys,
                        const std::vector<const expr::Vector*>& arguments,
                        const expr::Selection& selection) {
  const size_t aggregate_count = plan_.aggregates.size();
  Scalar value;
  std::string text;
  for (uint32_t row : selection) {
    key_bytes_.clear();
    for (size_t k = 0; k < keys.size(); ++k) {
      read_scalar(*keys[k], row, row_keys_[k]);
      append_key(key_bytes_, plan_.key_types[k], row_keys_[k]);
    }
    const size_t group = find_or_add_group(key_bytes_, row_keys_);
    State* states = &states_[group * aggregate_count];
    for (size_t a = 0; a < aggregate_count; ++a) {
      const AggregateColumn& aggregate = plan_.aggregates[a];
      State& state = states[a];
      if (aggregate.kind == AggregateKind::kCountStar) {
        ++state.count;
        continue;
      }
      const expr::Vector& argument = *arguments[a];
      if (argument.type == Type::kNull || argument.is_null(row)) continue;
      switch (aggregate.kind) {
        case AggregateKind::kCountStar:
          break;
        case AggregateKind::kCount:
          ++state.count;
          break;
        case AggregateKind::kSum:
        case AggregateKind::kAvg:
          ++state.count;
          if (argument.type == Type::kFloat64) {
            state.float_sum += argument.doubles[row];
          } else {
            state.int_sum += argument.ints[row];
          }
          break;
        case AggregateKind::kMin:
        case AggregateKind::kMax:
          read_scalar(argument, row, value);
          fold_extreme(aggregate.kind, argument.type, state.value, value);
          break;
        case AggregateKind::kCountDistinct:
          read_scalar(argument, row, value);
          text.clear();
          append_canonical(text, argument.type, value);
          state.distinct->insert(text);
          break;
      }
    }
  }
}

std::vector<size_t> Aggregator::sorted_groups() const {
  std::vector<size_t> order(group_keys_.size());
  for (size_t g = 0; g < order.size(); ++g) order[g] = g;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return group_keys_[a] < group_keys_[b]; });
  return order;
}

void Aggregator::finalize(std::vector<expr::Vector>& columns) const {
  const size_t key_count = plan_.key_names.size();
  const size_t aggregate_count = plan_.aggregates.size();
  const size_t rows = group_keys_.size();
  columns.resize(key_count + aggregate_count);
  for (size_t k = 0; k < key_count; ++k) columns[k].reset(plan_.key_types[k], rows);
  for (size_t a = 0; a < aggregate_count; ++a)
    columns[key_count + a].reset(plan_.aggregates[a].result_type, rows);
  size_t row = 0;
  auto put = [&](expr::Vector& vector, Type type, const Scalar& value) {
    vector.valid[row] = value.valid && type != Type::kNull;
    if (!vector.valid[row]) return;
    switch (type) {
      case Type::kString:
        vector.strings[row] = value.string_value;
        break;
      case Type::kFloat64:
        vector.doubles[row] = value.float_value;
        break;
      default:
        vector.ints[row] = value.int_value;
        break;
    }
  };
  for (size_t group : sorted_groups()) {
    for (size_t k = 0; k < key_count; ++k)
      put(columns[k], plan_.key_types[k], key_values_[group * key_count + k]);
    for (size_t a = 0; a < aggregate_count; ++a) {
      const AggregateColumn& aggregate = plan_.aggregates[a];
      const State& state = states_[group * aggregate_count + a];
      expr::Vector& out = columns[key_count + a];
      out.valid[row] = 1;
      switch (aggregate.kind) {
        case AggregateKind::kCountStar:
        case AggregateKind::kCount:
          out.ints[row] = state.count;
          break;
        case AggregateKind::kCountDistinct:
          out.ints[row] = static_cast<int64_t>(state.distinct->size());
          break;
        case AggregateKind::kSum:
          if (state.count == 0) {
            out.valid[row] = 0;
          } else if (aggregate.argument_type == Type::kFloat64) {
            out.doubles[row] = state.float_sum;
          } else if (state.int_sum > INT64_MAX || state.int_sum < INT64_MIN) {
            out.valid[row] = 0;  // overflow gives NULL, as in the expression language
          } else {
            out.ints[row] = static_cast<int64_t>(state.int_sum);
          }
          break;
        case AggregateKind::kAvg:
          if (state.count == 0) {
            out.valid[row] = 0;
          } else {
            const double sum = aggregate.argument_type == Type::kFloat64
                                   ? state.float_sum
                                   : static_cast<double>(state.int_sum);
            out.doubles[row] = sum / static_cast<double>(state.count);
          }
          break;
        case AggregateKind::kMin:
        case AggregateKind::kMax:
          put(out, aggregate.result_type, state.value);
          break;
      }
    }
    ++row;
  }
}

}  // namespace sluice
