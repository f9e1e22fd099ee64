// Partial rows: the table's states written as rows (write_partial) and read
// back and merged (merge_partial); the format is in README.md, "Partial rows".
#include <fmt/format.h>

#include <algorithm>

#include "common/base/limits.h"
#include "common/pipeline/aggregate.h"
#include "common/pipeline/aggregate_values.h"

namespace sluice {

using expr::Type;
using Scalar = Aggregator::Scalar;

namespace {

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

// Adds the items of `field` to `set`, counting the new ones and the string
// heap they hold (for memory_bytes).
bool decode_distinct(std::string_view field, std::unordered_set<std::string>& set,
                     size_t& inserted_count, size_t& inserted_bytes) {
  size_t i = 0;
  while (i < field.size()) {
    const size_t colon = field.find(':', i);
    if (colon == std::string_view::npos) return false;
    int64_t length;
    if (!parse_int(field.substr(i, colon - i), length) || length < 0 ||
        static_cast<uint64_t>(length) > field.size() - colon - 1) {
      return false;
    }
    const auto [item, inserted] = set.emplace(field.substr(colon + 1, static_cast<size_t>(length)));
    if (inserted) {
      ++inserted_count;
      if (item->capacity() > std::string().capacity()) inserted_bytes += item->capacity() + 1;
    }
    i = colon + 1 + static_cast<size_t>(length);
  }
  return true;
}

}  // namespace

uint64_t partial_record_bytes_max(const AggregatePlan& plan, uint64_t input_record_bytes_max) {
  const uint64_t record_bytes =
      std::max<uint64_t>(input_record_bytes_max, limits::kRecordBytesDefault);
  return std::min<uint64_t>(limits::kRecordBytesMax,
                            record_bytes * (plan.partial_columns.size() + 1));
}

void Aggregator::write_partial(OutputBatch& out) const {
  write_partial(sorted_groups(), 0, group_count(), out);
}

void Aggregator::write_partial_unordered(OutputBatch& out) const {
  std::vector<size_t> order(group_count());
  for (size_t group = 0; group < order.size(); ++group) order[group] = group;
  write_partial(order, 0, order.size(), out);
}

void Aggregator::write_partial(const std::vector<size_t>& order, size_t begin, size_t end,
                               OutputBatch& out) const {
  SLUICE_ASSERT(begin <= end, "begin={} end={}", begin, end);
  SLUICE_ASSERT(end <= order.size(), "end={} groups={}", end, order.size());
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
  for (size_t i = begin; i < end; ++i) {
    const size_t group = order[i];
    const State* states = states_.data() + group * aggregate_count;
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
      // A sum's state (sum and avg): float or exact integer.
      auto append_sum = [&](const AggregateColumn& aggregate, const State& state) {
        if (aggregate.argument_type == Type::kFloat64) {
          append_float(text, state.float_sum);
        } else {
          append_int128(text, state.int_sum);
        }
      };
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
              append_sum(aggregate, state);
              push(text);
            }
            break;
          case AggregateKind::kAvg:
            if (!first || state.count == 0) {
              push("0");
              push("0");
            } else {
              append_sum(aggregate, state);
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

namespace {

Status check_partial_columns(const RecordBatch& batch, const AggregatePlan& plan) {
  if (batch.column_count == plan.partial_columns.size()) return Status::ok();
  return data_error(fmt::format("partial rows have {} columns, expected {}", batch.column_count,
                                plan.partial_columns.size()));
}

Status bad_partial_field(const RecordBatch& batch, size_t row, const AggregatePlan& plan,
                         size_t column, std::string_view what) {
  const uint64_t offset = row < batch.offsets.size() ? batch.offsets[row] : 0;
  return data_error(fmt::format("partial row at byte offset {}: column \"{}\": {}", offset,
                                plan.partial_columns[column], what));
}

}  // namespace

Status Aggregator::parse_partial_key(const RecordBatch& batch, size_t row) {
  key_bytes_.clear();
  for (size_t k = 0; k < plan_.key_names.size(); ++k) {
    const std::string_view field = batch.field(row, k);
    row_keys_[k] = Scalar();
    if (!field.empty()) {
      if (field[0] != '=' || !parse_canonical(field.substr(1), plan_.key_types[k], row_keys_[k])) {
        return bad_partial_field(batch, row, plan_, k, "not an encoded key");
      }
      if (plan_.key_types[k] == Type::kFloat64)
        row_keys_[k].float_value = normalize(row_keys_[k].float_value);
    }
    append_key(key_bytes_, plan_.key_types[k], row_keys_[k]);
  }
  return Status::ok();
}

Status Aggregator::partial_keys(const RecordBatch& batch, std::string& bytes,
                                std::vector<size_t>& ends) {
  SLUICE_RETURN_IF_ERROR(check_partial_columns(batch, plan_));
  bytes.clear();
  ends.clear();
  for (size_t row = 0; row < batch.row_count; ++row) {
    SLUICE_RETURN_IF_ERROR(parse_partial_key(batch, row));
    bytes += key_bytes_;
    ends.push_back(bytes.size());
  }
  return Status::ok();
}

Status Aggregator::merge_partial(const RecordBatch& batch) {
  return merge_partial_rows(batch, 0, batch.row_count);
}

Status Aggregator::merge_partial_rows(const RecordBatch& batch, size_t row_begin, size_t row_end) {
  SLUICE_ASSERT(row_begin <= row_end, "begin={} end={}", row_begin, row_end);
  SLUICE_ASSERT(row_end <= batch.row_count, "end={} rows={}", row_end, batch.row_count);
  const size_t aggregate_count = plan_.aggregates.size();
  const size_t key_count = plan_.key_names.size();
  SLUICE_RETURN_IF_ERROR(check_partial_columns(batch, plan_));
  Scalar value;
  for (size_t row = row_begin; row < row_end; ++row) {
    auto bad = [&](size_t column, std::string_view what) {
      return bad_partial_field(batch, row, plan_, column, what);
    };
    SLUICE_RETURN_IF_ERROR(parse_partial_key(batch, row));
    const size_t group = find_or_add_group(key_bytes_, row_keys_);
    State* states = states_.data() + group * aggregate_count;
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
          {
            const size_t before = heap_bytes(state.value.string_value);
            fold_extreme(aggregate.kind, aggregate.argument_type, state.value, value);
            value_heap_bytes_ += heap_bytes(state.value.string_value) - before;  // mod 2^64
          }
          break;
        case AggregateKind::kCountDistinct: {
          size_t inserted_count = 0, inserted_bytes = 0;
          const bool decoded =
              decode_distinct(field, *state.distinct, inserted_count, inserted_bytes);
          value_heap_bytes_ += inserted_count * kDistinctItemBytes + inserted_bytes;
          if (!decoded) return bad(column, "not an encoded distinct set");
          break;
        }
      }
    }
  }
  return Status::ok();
}

}  // namespace sluice
