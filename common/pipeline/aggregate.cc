// Aggregate calls ("sum(x)") and their result types, and the table: groups
// folded row by row (update) and finalized into columns. Partial rows, written
// and merged, are in aggregate_partial.cc.
#include "common/pipeline/aggregate.h"

#include <fmt/format.h>

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

Aggregator::Aggregator(const AggregatePlan& plan)
    : plan_(plan), key_offsets_{0}, key_encoder_(std::make_unique<KeyEncoder>()) {
  row_keys_.resize(plan.key_names.size());
  count_star_only_ = std::all_of(
      plan.aggregates.begin(), plan.aggregates.end(),
      [](const AggregateColumn& aggregate) { return aggregate.kind == AggregateKind::kCountStar; });
}
Aggregator::~Aggregator() = default;

uint32_t Aggregator::find_group(std::string_view key_bytes, uint64_t hash) const {
  if (slots_.empty()) return kNoGroup;
  const size_t mask = slots_.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    const Slot& candidate = slots_[slot];
    if (candidate.group == kNoGroup) return kNoGroup;
    if (candidate.hash == hash && key_equal(group_key(candidate.group), key_bytes))
      return candidate.group;
  }
}

void Aggregator::grow_table() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 16 : 2 * old.size(), Slot());
  const size_t mask = slots_.size() - 1;
  for (const Slot& moved : old) {
    if (moved.group == kNoGroup) continue;
    size_t slot = moved.hash & mask;
    while (slots_[slot].group != kNoGroup) slot = (slot + 1) & mask;
    slots_[slot] = moved;
  }
}

uint32_t Aggregator::add_group(std::string_view key_bytes, uint64_t hash) {
  const size_t groups = group_count();
  SLUICE_ASSERT(groups < kNoGroup, "groups={}", groups);
  if (2 * (groups + 1) > slots_.size()) grow_table();
  const uint32_t group = static_cast<uint32_t>(groups);
  const size_t mask = slots_.size() - 1;
  size_t slot = hash & mask;
  while (slots_[slot].group != kNoGroup) slot = (slot + 1) & mask;
  slots_[slot] = Slot{hash, group};
  key_arena_.append(key_bytes);
  key_offsets_.push_back(key_arena_.size());
  const size_t aggregate_count = plan_.aggregates.size();
  states_.resize(states_.size() + aggregate_count);
  for (size_t a = 0; a < aggregate_count; ++a) {
    if (plan_.aggregates[a].kind == AggregateKind::kCountDistinct) {
      states_[group * aggregate_count + a].distinct =
          std::make_unique<std::unordered_set<std::string>>();
      value_heap_bytes_ += kDistinctSetBytes;
    }
  }
  return group;
}

uint32_t Aggregator::find_or_add_group(std::string_view key_bytes,
                                       const std::vector<Scalar>& key_values) {
  const uint64_t hash = key_hash(key_bytes);
  const uint32_t found = find_group(key_bytes, hash);
  if (found != kNoGroup) return found;
  const uint32_t group = add_group(key_bytes, hash);
  key_values_.insert(key_values_.end(), key_values.begin(), key_values.end());
  for (const Scalar& value : key_values) value_heap_bytes_ += heap_bytes(value.string_value);
  return group;
}

void Aggregator::add_global_group_if_empty() {
  if (!plan_.key_names.empty() || group_count() > 0) return;
  find_or_add_group(std::string_view(), {});
}

void Aggregator::update(const std::vector<const expr::Vector*>& keys,
                        const std::vector<const expr::Vector*>& arguments,
                        const expr::Selection& selection) {
  const size_t key_count = keys.size();
  SLUICE_ASSERT(key_count == plan_.key_types.size(), "keys={}", key_count);
  for (size_t k = 0; k < key_count; ++k) {
    // The encoder reads each vector by its own type, as read_scalar does.
    SLUICE_ASSERT(keys[k]->type == plan_.key_types[k] || keys[k]->type == Type::kNull,
                  "key={} type={}", k, expr::type_name(keys[k]->type));
  }
  // In chunks of rows, each in passes: a key's bytes are hashed and compared
  // well after they were written, never while the small stores that wrote
  // them are still in flight (a wide load over those stalls).
  KeyEncoder& encoder = *key_encoder_;
  size_t key_ends[kUpdateChunkRows];
  uint64_t hashes[kUpdateChunkRows];
  uint32_t groups[kUpdateChunkRows];
  for (size_t chunk = 0; chunk < selection.size(); chunk += kUpdateChunkRows) {
    const uint32_t* rows = selection.data() + chunk;
    const size_t row_count = std::min(kUpdateChunkRows, selection.size() - chunk);
    encoder.encode(keys, rows, row_count, key_ends);
    const char* key_bytes = encoder.bytes().data();
    for (size_t i = 0, begin = 0; i < row_count; begin = key_ends[i++]) {
      hashes[i] = key_hash(std::string_view(key_bytes + begin, key_ends[i] - begin));
      if (!slots_.empty()) __builtin_prefetch(&slots_[hashes[i] & (slots_.size() - 1)]);
    }
    for (size_t i = 0, begin = 0; i < row_count; begin = key_ends[i++]) {
      const std::string_view key(key_bytes + begin, key_ends[i] - begin);
      uint32_t group = find_group(key, hashes[i]);
      if (group == kNoGroup) [[unlikely]] {
        group = add_group(key, hashes[i]);
        for (size_t k = 0; k < key_count; ++k) {
          read_scalar(*keys[k], rows[i], row_keys_[k]);
          key_values_.push_back(row_keys_[k]);
          value_heap_bytes_ += heap_bytes(key_values_.back().string_value);
        }
      }
      groups[i] = group;
    }
    fold_rows(rows, groups, row_count, arguments);
  }
}

void Aggregator::fold_rows(const uint32_t* rows, const uint32_t* groups, size_t row_count,
                           const std::vector<const expr::Vector*>& arguments) {
  const size_t aggregate_count = plan_.aggregates.size();
  if (count_star_only_) {
    for (size_t i = 0; i < row_count; ++i) {
      State* states = states_.data() + static_cast<size_t>(groups[i]) * aggregate_count;
      for (size_t a = 0; a < aggregate_count; ++a) ++states[a].count;
    }
    return;
  }
  Scalar value;
  std::string text;
  for (size_t i = 0; i < row_count; ++i) {
    const uint32_t row = rows[i];
    State* states = states_.data() + static_cast<size_t>(groups[i]) * aggregate_count;
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
        case AggregateKind::kMax: {
          read_scalar(argument, row, value);
          const size_t before = heap_bytes(state.value.string_value);
          fold_extreme(aggregate.kind, argument.type, state.value, value);
          value_heap_bytes_ += heap_bytes(state.value.string_value) - before;  // mod 2^64
          break;
        }
        case AggregateKind::kCountDistinct: {
          read_scalar(argument, row, value);
          text.clear();
          append_canonical(text, argument.type, value);
          const auto [item, inserted] = state.distinct->insert(text);
          if (inserted) value_heap_bytes_ += kDistinctItemBytes + heap_bytes(*item);
          break;
        }
      }
    }
  }
}

std::vector<size_t> Aggregator::sorted_groups() const {
  std::vector<size_t> order(group_count());
  for (size_t g = 0; g < order.size(); ++g) order[g] = g;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return group_key(a) < group_key(b); });
  return order;
}

size_t Aggregator::memory_bytes() const {
  return value_heap_bytes_ + slots_.capacity() * sizeof(Slot) + key_arena_.capacity() +
         key_offsets_.capacity() * sizeof(size_t) + key_values_.capacity() * sizeof(Scalar) +
         states_.capacity() * sizeof(State) + key_bytes_.capacity();
}

void Aggregator::clear() {
  std::vector<Slot>().swap(slots_);
  std::string().swap(key_arena_);
  std::vector<size_t>{0}.swap(key_offsets_);
  std::vector<Scalar>().swap(key_values_);
  std::vector<State>().swap(states_);
  std::string().swap(key_bytes_);
  key_encoder_ = std::make_unique<KeyEncoder>();
  std::vector<Scalar>(plan_.key_names.size()).swap(row_keys_);
  value_heap_bytes_ = 0;
}

void Aggregator::finalize(std::vector<expr::Vector>& columns) const {
  finalize(sorted_groups(), 0, group_count(), columns);
}

void Aggregator::finalize(const std::vector<size_t>& order, size_t begin, size_t end,
                          std::vector<expr::Vector>& columns) const {
  SLUICE_ASSERT(begin <= end, "begin={} end={}", begin, end);
  SLUICE_ASSERT(end <= order.size(), "end={} groups={}", end, order.size());
  const size_t key_count = plan_.key_names.size();
  const size_t aggregate_count = plan_.aggregates.size();
  const size_t rows = end - begin;
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
  for (size_t i = begin; i < end; ++i) {
    const size_t group = order[i];
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
