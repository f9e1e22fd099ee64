#include "common/pipeline/aggregate.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "common/base/assert.h"

namespace sluice {

using expr::Type;
using Scalar = Aggregator::Scalar;

struct Aggregator::State {
  int64_t count = 0;     // rows (count), values seen (sum, avg: 0 means NULL)
  __int128 int_sum = 0;  // sum/avg of ints: cannot overflow before 2^64 rows
  double float_sum = 0;  // sum/avg of floats
  Scalar value;          // min/max
  std::unique_ptr<std::unordered_set<std::string>> distinct;  // count_distinct: canonical texts
};

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// --- canonical text of values (partial rows, distinct sets) ----------------

double normalize(double value) {
  if (value == 0) return 0;  // -0.0 and 0.0 are one value
  if (std::isnan(value)) return std::numeric_limits<double>::quiet_NaN();
  return value;
}

void append_int(std::string& out, int64_t value) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_float(std::string& out, double value) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, normalize(value));
  out.append(buffer, result.ptr);
}

void append_int128(std::string& out, __int128 value) {
  if (value == 0) {
    out += '0';
    return;
  }
  const bool negative = value < 0;
  unsigned __int128 magnitude =
      negative ? -static_cast<unsigned __int128>(value) : static_cast<unsigned __int128>(value);
  char buffer[48];
  size_t length = 0;
  while (magnitude > 0) {
    buffer[length++] = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  }
  if (negative) out += '-';
  while (length > 0) out += buffer[--length];
}

bool parse_int(std::string_view text, int64_t& value) {
  auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

bool parse_float(std::string_view text, double& value) {
  auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

bool parse_int128(std::string_view text, __int128& value) {
  bool negative = false;
  size_t i = 0;
  if (!text.empty() && text[0] == '-') {
    negative = true;
    i = 1;
  }
  if (i == text.size() || text.size() - i > 39) return false;
  unsigned __int128 magnitude = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    magnitude = magnitude * 10 + static_cast<unsigned>(text[i] - '0');
  }
  value = negative ? -static_cast<__int128>(magnitude) : static_cast<__int128>(magnitude);
  return true;
}

void append_canonical(std::string& out, Type type, const Scalar& value) {
  switch (type) {
    case Type::kString:
      out += value.string_value;
      break;
    case Type::kFloat64:
      append_float(out, value.float_value);
      break;
    case Type::kNull:
      break;
    default:
      append_int(out, value.int_value);
      break;
  }
}

bool parse_canonical(std::string_view text, Type type, Scalar& value) {
  value.valid = true;
  switch (type) {
    case Type::kString:
      value.string_value.assign(text);
      return true;
    case Type::kFloat64:
      return parse_float(text, value.float_value);
    case Type::kNull:
      return false;
    default:
      return parse_int(text, value.int_value);
  }
}

// --- the order-preserving key encoding --------------------------------------

void append_big_endian(std::string& out, uint64_t bits) {
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((bits >> shift) & 0xff);
}

// NULL sorts first; ints and floats in numeric order; strings bytewise, with
// 0x00 escaped so that a key is never a prefix of another's.
void append_key(std::string& out, Type type, const Scalar& value) {
  if (!value.valid) {
    out += '\0';
    return;
  }
  out += '\1';
  switch (type) {
    case Type::kString:
      for (char c : value.string_value) {
        out += c;
        if (c == '\0') out += '\xff';
      }
      out += '\0';
      out += '\0';
      break;
    case Type::kFloat64: {
      const double normalized = normalize(value.float_value);
      uint64_t bits;
      std::memcpy(&bits, &normalized, sizeof bits);
      bits = (bits >> 63) ? ~bits : bits | (1ull << 63);
      append_big_endian(out, bits);
      break;
    }
    case Type::kNull:
      break;
    default:
      append_big_endian(out, static_cast<uint64_t>(value.int_value) ^ (1ull << 63));
      break;
  }
}

void read_scalar(const expr::Vector& vector, size_t row, Scalar& value) {
  value.valid = vector.type != Type::kNull && !vector.is_null(row);
  if (!value.valid) return;
  switch (vector.type) {
    case Type::kString:
      value.string_value.assign(vector.strings[row]);
      break;
    case Type::kFloat64:
      value.float_value = normalize(vector.doubles[row]);
      break;
    default:
      value.int_value = vector.ints[row];
      break;
  }
}

// Total order used by min/max: floats with NaN greatest.
int compare_scalars(Type type, const Scalar& a, const Scalar& b) {
  switch (type) {
    case Type::kString:
      return a.string_value.compare(b.string_value) < 0
                 ? -1
                 : (a.string_value == b.string_value ? 0 : 1);
    case Type::kFloat64: {
      const bool a_nan = std::isnan(a.float_value), b_nan = std::isnan(b.float_value);
      if (a_nan || b_nan) return a_nan == b_nan ? 0 : (a_nan ? 1 : -1);
      return a.float_value < b.float_value ? -1 : (a.float_value > b.float_value ? 1 : 0);
    }
    default:
      return a.int_value < b.int_value ? -1 : (a.int_value > b.int_value ? 1 : 0);
  }
}

void fold_extreme(AggregateKind kind, Type type, Scalar& state, const Scalar& value) {
  if (!value.valid) return;
  const bool replace =
      !state.valid || (kind == AggregateKind::kMin ? compare_scalars(type, value, state) < 0
                                                   : compare_scalars(type, value, state) > 0);
  if (replace) state = value;
}

// The count_distinct set as fields of "<length>:<bytes>" items, sorted, each
// field at most kDistinctFieldBytesMax (plus one item).
std::vector<std::string> encode_distinct(const std::unordered_set<std::string>* set) {
  std::vector<std::string> fields;
  if (set == nullptr || set->empty()) return fields;
  std::vector<std::string_view> items(set->begin(), set->end());
  std::sort(items.begin(), items.end());
  fields.emplace_back();
  for (std::string_view item : items) {
    if (fields.back().size() >= Aggregator::kDistinctFieldBytesMax) fields.emplace_back();
    append_int(fields.back(), static_cast<int64_t>(item.size()));
    fields.back() += ':';
    fields.back().append(item);
  }
  return fields;
}

bool decode_distinct(std::string_view field, std::unordered_set<std::string>& set) {
  size_t i = 0;
  while (i < field.size()) {
    const size_t colon = field.find(':', i);
    if (colon == std::string_view::npos) return false;
    int64_t length;
    if (!parse_int(field.substr(i, colon - i), length) || length < 0 ||
        static_cast<uint64_t>(length) > field.size() - colon - 1) {
      return false;
    }
    set.emplace(field.substr(colon + 1, static_cast<size_t>(length)));
    i = colon + 1 + static_cast<size_t>(length);
  }
  return true;
}

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

void Aggregator::write_partial(OutputBatch& out) const {
  const size_t aggregate_count = plan_.aggregates.size();
  out.column_count = plan_.partial_columns.size();
  auto push = [&](std::string text) {
    out.owned.push_back(std::move(text));
    out.fields.push_back(out.owned.back());
    out.nulls.push_back(0);
  };
  auto push_null = [&] {
    out.fields.push_back(std::string_view());
    out.nulls.push_back(1);
  };
  std::string text;
  for (size_t group : sorted_groups()) {
    const State* states = &states_[group * aggregate_count];
    std::vector<std::vector<std::string>> distinct_fields(aggregate_count);
    size_t rows = 1;
    for (size_t a = 0; a < aggregate_count; ++a) {
      if (plan_.aggregates[a].kind != AggregateKind::kCountDistinct) continue;
      distinct_fields[a] = encode_distinct(states[a].distinct.get());
      rows = std::max(rows, distinct_fields[a].size());
    }
    for (size_t r = 0; r < rows; ++r) {
      const bool first = r == 0;
      for (size_t k = 0; k < plan_.key_names.size(); ++k) {
        const Scalar& key = key_values_[group * plan_.key_names.size() + k];
        if (!key.valid) {
          push_null();
          continue;
        }
        text = "=";
        append_canonical(text, plan_.key_types[k], key);
        push(text);
      }
      for (size_t a = 0; a < aggregate_count; ++a) {
        const AggregateColumn& aggregate = plan_.aggregates[a];
        const State& state = states[a];
        text.clear();
        switch (aggregate.kind) {
          case AggregateKind::kCountStar:
          case AggregateKind::kCount:
            append_int(text, first ? state.count : 0);
            push(text);
            break;
          case AggregateKind::kSum:
            if (!first || state.count == 0) {
              push_null();
            } else {
              if (aggregate.argument_type == Type::kFloat64) {
                append_float(text, state.float_sum);
              } else {
                append_int128(text, state.int_sum);
              }
              push(text);
            }
            break;
          case AggregateKind::kAvg:
            if (!first || state.count == 0) {
              push("0");
              push("0");
            } else {
              if (aggregate.argument_type == Type::kFloat64) {
                append_float(text, state.float_sum);
              } else {
                append_int128(text, state.int_sum);
              }
              push(text);
              text.clear();
              append_int(text, state.count);
              push(text);
            }
            break;
          case AggregateKind::kMin:
          case AggregateKind::kMax:
            if (!first || !state.value.valid) {
              push_null();
            } else {
              text = "=";
              append_canonical(text, aggregate.argument_type, state.value);
              push(text);
            }
            break;
          case AggregateKind::kCountDistinct:
            if (r < distinct_fields[a].size()) {
              push(std::move(distinct_fields[a][r]));
            } else {
              push(std::string());
            }
            break;
        }
      }
      ++out.row_count;
    }
  }
}

Status Aggregator::merge_partial(const RecordBatch& batch) {
  const size_t aggregate_count = plan_.aggregates.size();
  const size_t key_count = plan_.key_names.size();
  if (batch.column_count != plan_.partial_columns.size()) {
    return data_error(fmt::format("partial rows have {} columns, expected {}", batch.column_count,
                                  plan_.partial_columns.size()));
  }
  Scalar value;
  for (size_t row = 0; row < batch.row_count; ++row) {
    auto bad = [&](size_t column, std::string_view what) {
      return data_error(fmt::format("partial row at byte offset {}: column \"{}\": {}",
                                    batch.offsets[row], plan_.partial_columns[column], what));
    };
    key_bytes_.clear();
    for (size_t k = 0; k < key_count; ++k) {
      const std::string_view field = batch.field(row, k);
      row_keys_[k] = Scalar();
      if (!field.empty()) {
        if (field[0] != '=' ||
            !parse_canonical(field.substr(1), plan_.key_types[k], row_keys_[k])) {
          return bad(k, "not an encoded key");
        }
        if (plan_.key_types[k] == Type::kFloat64)
          row_keys_[k].float_value = normalize(row_keys_[k].float_value);
      }
      append_key(key_bytes_, plan_.key_types[k], row_keys_[k]);
    }
    const size_t group = find_or_add_group(key_bytes_, row_keys_);
    State* states = &states_[group * aggregate_count];
    size_t column = key_count;
    for (size_t a = 0; a < aggregate_count; ++a, ++column) {
      const AggregateColumn& aggregate = plan_.aggregates[a];
      State& state = states[a];
      const std::string_view field = batch.field(row, column);
      switch (aggregate.kind) {
        case AggregateKind::kCountStar:
        case AggregateKind::kCount: {
          int64_t count;
          if (!parse_int(field, count) || count < 0) return bad(column, "not a count");
          state.count += count;
          break;
        }
        case AggregateKind::kSum:
        case AggregateKind::kAvg: {
          int64_t count = 1;
          if (aggregate.kind == AggregateKind::kAvg) {
            if (!parse_int(batch.field(row, column + 1), count) || count < 0)
              return bad(column + 1, "not a count");
          } else if (field.empty()) {
            count = 0;
          }
          if (count > 0) {
            if (aggregate.argument_type == Type::kFloat64) {
              double sum;
              if (!parse_float(field, sum)) return bad(column, "not a float64 sum");
              state.float_sum += sum;
            } else {
              __int128 sum;
              if (!parse_int128(field, sum)) return bad(column, "not an integer sum");
              state.int_sum += sum;
            }
          }
          state.count += count;
          if (aggregate.kind == AggregateKind::kAvg) ++column;
          break;
        }
        case AggregateKind::kMin:
        case AggregateKind::kMax:
          if (field.empty()) break;
          value = Scalar();
          if (field[0] != '=' ||
              !parse_canonical(field.substr(1), aggregate.argument_type, value)) {
            return bad(column, "not an encoded value");
          }
          fold_extreme(aggregate.kind, aggregate.argument_type, state.value, value);
          break;
        case AggregateKind::kCountDistinct:
          if (!decode_distinct(field, *state.distinct))
            return bad(column, "not an encoded distinct set");
          break;
      }
    }
  }
  return Status::ok();
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
