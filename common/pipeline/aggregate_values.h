#pragma once
// Internal to the aggregate step (aggregate.cc, aggregate_partial.cc): the
// state of one aggregate of one group, and the value encodings the table and
// its partial rows share — the canonical text of values and the
// order-preserving key encoding.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include "common/expr/types.h"
#include "common/expr/vector.h"
#include "common/pipeline/aggregate.h"

namespace sluice {

struct Aggregator::State {
  int64_t count = 0;     // rows (count), values seen (sum, avg: 0 means NULL)
  __int128 int_sum = 0;  // sum/avg of ints: cannot overflow before 2^64 rows
  double float_sum = 0;  // sum/avg of floats
  Scalar value;          // min/max
  std::unique_ptr<std::unordered_set<std::string>> distinct;  // count_distinct: canonical texts
};

// --- canonical text of values (partial rows, distinct sets) ----------------

double normalize(double value);  // -0.0 is 0.0; every NaN the quiet NaN
void append_int(std::string& out, int64_t value);
void append_float(std::string& out, double value);
void append_int128(std::string& out, __int128 value);
bool parse_int(std::string_view text, int64_t& value);
bool parse_float(std::string_view text, double& value);
bool parse_int128(std::string_view text, __int128& value);
void append_canonical(std::string& out, expr::Type type, const Aggregator::Scalar& value);
bool parse_canonical(std::string_view text, expr::Type type, Aggregator::Scalar& value);

// --- the order-preserving key encoding --------------------------------------

// NULL sorts first; ints and floats in numeric order; strings bytewise, with
// 0x00 escaped so that a key is never a prefix of another's.
void append_key(std::string& out, expr::Type type, const Aggregator::Scalar& value);
void read_scalar(const expr::Vector& vector, size_t row, Aggregator::Scalar& value);
// Folds `value` into a min or max `state`; NULL values are skipped.
void fold_extreme(AggregateKind kind, expr::Type type, Aggregator::Scalar& state,
                  const Aggregator::Scalar& value);

}  // namespace sluice
