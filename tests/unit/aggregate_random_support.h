#pragma once
// Random aggregate plans and random rows for them, for the tests of the
// aggregate's table and of its external merge (external_aggregate_test).
// Values are drawn from small domains so that keys repeat.

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/pipeline/aggregate.h"

namespace sluice {
namespace {

using expr::Type;

// --- random plans and rows ------------------------------------------------------

// One random value of a column: NULL, or its text/number.
struct Value {
  bool valid = false;
  int64_t int_value = 0;
  double float_value = 0;
  std::string string_value;
};

enum class Domain { kKey, kSum, kAny };

Value random_value(Type type, Domain domain, std::mt19937_64& random) {
  Value value;
  if (random() % 10 == 0) return value;  // NULL
  value.valid = true;
  switch (type) {
    case Type::kInt64: {
      static const int64_t kEdges[] = {std::numeric_limits<int64_t>::min(),
                                       std::numeric_limits<int64_t>::max(), -1, 0};
      value.int_value =
          random() % 8 == 0 ? kEdges[random() % 4] : static_cast<int64_t>(random() % 41) - 20;
      break;
    }
    case Type::kFloat64: {
      // Sums take multiples of 1/4 (exact in any order of addition), keys
      // and extremes also -0.0, NaN and the infinities.
      static const double kEdges[] = {-0.0,
                                      0.0,
                                      std::numeric_limits<double>::quiet_NaN(),
                                      std::numeric_limits<double>::infinity(),
                                      -std::numeric_limits<double>::infinity(),
                                      1e300,
                                      -2.5e-300};
      if (domain != Domain::kSum && random() % 4 == 0) {
        value.float_value = kEdges[random() % 7];
      } else {
        value.float_value = (static_cast<double>(random() % 81) - 40) / 4;
        if (domain == Domain::kSum && random() % 10 == 0) value.float_value = -0.0;
      }
      break;
    }
    default: {
      static const char* const kPool[] = {
          "",         "a",   "b",       ",",
          "\"",       "a,b", "x\"y\"z", "line\nbreak",
          "cr\r\nlf", "é",   "日本",    " spaced ",
          "\t",       "=",   "1:a",     "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"};
      if (random() % 3 == 0) {
        const size_t length = random() % 6;
        for (size_t i = 0; i < length; ++i) value.string_value += "ab,\"\nc"[random() % 6];
      } else {
        value.string_value = kPool[random() % (sizeof kPool / sizeof kPool[0])];
      }
      break;
    }
  }
  return value;
}

AggregatePlan random_plan(std::mt19937_64& random) {
  static const Type kKeyTypes[] = {Type::kInt64, Type::kString, Type::kFloat64};
  struct Candidate {
    AggregateKind kind;
    Type argument_type;
  };
  static const Candidate kCandidates[] = {
      {AggregateKind::kCountStar, Type::kNull},
      {AggregateKind::kCount, Type::kString},
      {AggregateKind::kSum, Type::kInt64},
      {AggregateKind::kSum, Type::kFloat64},
      {AggregateKind::kMin, Type::kString},
      {AggregateKind::kMax, Type::kString},
      {AggregateKind::kMin, Type::kInt64},
      {AggregateKind::kMax, Type::kFloat64},
      {AggregateKind::kMin, Type::kFloat64},
      {AggregateKind::kAvg, Type::kInt64},
      {AggregateKind::kAvg, Type::kFloat64},
      {AggregateKind::kCountDistinct, Type::kString},
      {AggregateKind::kCountDistinct, Type::kInt64},
      {AggregateKind::kCountDistinct, Type::kFloat64},
  };
  AggregatePlan plan;
  const size_t key_count = random() % 4;
  for (size_t k = 0; k < key_count; ++k) {
    plan.key_names.push_back(fmt::format("k{}", k));
    plan.key_types.push_back(kKeyTypes[random() % 3]);
  }
  // Sometimes no aggregate at all (a DISTINCT): a lone key column's NULL is
  // an empty field, which a run must not write as an empty line.
  const size_t aggregate_count = key_count > 0 && random() % 8 == 0 ? 0 : 1 + random() % 6;
  for (size_t a = 0; a < aggregate_count; ++a) {
    const Candidate& candidate =
        kCandidates[random() % (sizeof kCandidates / sizeof kCandidates[0])];
    AggregateColumn column;
    column.name = fmt::format("a{}", a);
    column.kind = candidate.kind;
    column.argument_type = candidate.argument_type;
    std::string message;
    EXPECT_TRUE(
        aggregate_result_type(column.kind, column.argument_type, column.result_type, message))
        << message;
    plan.aggregates.push_back(column);
  }
  plan.build_partial_columns();
  return plan;
}

void set_value(expr::Vector& vector, size_t row, const Value& value,
               std::deque<std::string>& strings) {
  vector.valid[row] = value.valid;
  if (!value.valid) return;
  switch (vector.type) {
    case Type::kString:
      strings.push_back(value.string_value);
      vector.strings[row] = strings.back();
      break;
    case Type::kFloat64:
      vector.doubles[row] = value.float_value;
      break;
    default:
      vector.ints[row] = value.int_value;
      break;
  }
}

// Folds `rows` random rows into `table` in batches, leaving some rows out
// of the selection, as the pipeline does.
void update_random(Aggregator& table, const AggregatePlan& plan, size_t rows, size_t key_range,
                   std::mt19937_64& random) {
  constexpr size_t kBatchRows = 1000;
  // Keys drawn from a pool of key_range tuples, so groups repeat.
  std::vector<std::vector<Value>> key_pool(std::max<size_t>(key_range, 1));
  for (auto& tuple : key_pool) {
    for (Type type : plan.key_types) tuple.push_back(random_value(type, Domain::kKey, random));
  }
  std::vector<expr::Vector> keys(plan.key_types.size());
  std::vector<expr::Vector> arguments(plan.aggregates.size());
  for (size_t begin = 0; begin < rows; begin += kBatchRows) {
    const size_t count = std::min(kBatchRows, rows - begin);
    std::deque<std::string> strings;
    expr::Selection selection;
    for (size_t k = 0; k < keys.size(); ++k) keys[k].reset(plan.key_types[k], count);
    for (size_t a = 0; a < arguments.size(); ++a)
      arguments[a].reset(plan.aggregates[a].argument_type, count);
    for (size_t row = 0; row < count; ++row) {
      const std::vector<Value>& tuple = key_pool[random() % key_pool.size()];
      for (size_t k = 0; k < keys.size(); ++k) set_value(keys[k], row, tuple[k], strings);
      for (size_t a = 0; a < arguments.size(); ++a) {
        const AggregateColumn& aggregate = plan.aggregates[a];
        if (aggregate.kind == AggregateKind::kCountStar) continue;
        const Domain domain =
            aggregate.kind == AggregateKind::kSum || aggregate.kind == AggregateKind::kAvg
                ? Domain::kSum
                : Domain::kAny;
        set_value(arguments[a], row, random_value(aggregate.argument_type, domain, random),
                  strings);
      }
      if (random() % 8 != 0) selection.push_back(static_cast<uint32_t>(row));
    }
    std::vector<const expr::Vector*> key_pointers, argument_pointers;
    for (const expr::Vector& key : keys) key_pointers.push_back(&key);
    for (size_t a = 0; a < arguments.size(); ++a) {
      argument_pointers.push_back(
          plan.aggregates[a].kind == AggregateKind::kCountStar ? nullptr : &arguments[a]);
    }
    table.update(key_pointers, argument_pointers, selection);
  }
}

}  // namespace
}  // namespace sluice
